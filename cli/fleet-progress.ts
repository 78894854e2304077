/**
 * One line that counts devices coming online while a fleet connects, redrawn in place. Only at
 * a terminal: in a log file or a pipe a carriage-return animation is noise, so nothing is written.
 */
import type { Fleet } from '../devices/index.js';

const REDRAW_MS = 250;

/** Shows the count until the fleet is ready or fails; returns a function that stops it early. */
export function showFleetProgress(fleet: Fleet, total: number, out: NodeJS.WriteStream): () => void {
  if (out.isTTY !== true) return () => {};
  const started = Date.now();
  const draw = (): void => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    out.write(`\r\x1b[2Kfleet: ${fleet.stats().online}/${total} devices online (${seconds} s)`);
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  draw();
  let done = false;
  const stop = (): void => {
    if (done) return;
    done = true;
    clearInterval(timer);
    out.write('\r\x1b[2K'); // the line is cleared: what follows is the summary
  };
  fleet.ready().then(stop, stop);
  return stop;
}
