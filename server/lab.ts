/**
 * The transport lab's load: `lab/tick` messages at a rate chosen from the /lab page, so every
 * push method can be watched under the same traffic. Off until someone asks; capped.
 */
import { readJsonBody, sendError, sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';
import { API_PATHS } from '../protocol/transports.js';

export const LAB_TOPIC = 'lab/tick';
/** Highest rate the page may ask for, messages per second. */
export const LAB_MAX_RATE = 5000;
/** Ticks are sent in batches every this many ms: a timer per message would not keep up. */
const TICK_MS = 20;

export interface LabOptions {
  publish: (topic: string, payload: string) => Promise<void>;
}

export interface Lab {
  routes(): Route[];
  close(): void;
}

export function createLab(opts: LabOptions): Lab {
  let rate = 0;
  let n = 0;
  let owed = 0;
  let timer: NodeJS.Timeout | null = null;

  const tick = (): void => {
    owed += (rate * TICK_MS) / 1000;
    for (; owed >= 1; owed--) {
      n++;
      opts.publish(LAB_TOPIC, JSON.stringify({ n, sent: Date.now() })).catch(() => undefined);
    }
  };

  const setRate = (next: number): void => {
    rate = next;
    owed = 0;
    if (rate > 0 && timer === null) timer = setInterval(tick, TICK_MS);
    if (rate === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };

  return {
    routes: () => [
      { method: 'GET', path: API_PATHS.labRate, handler: (_req, res) => sendJson(res, 200, { rate, sent: n, topic: LAB_TOPIC }) },
      {
        method: 'POST',
        path: API_PATHS.labRate,
        handler: async (req, res) => {
          const body = await readJsonBody(req, 1024);
          if (!body.ok) return sendError(res, body.code, body.error);
          const next = (body.value as { rate?: unknown } | undefined)?.rate;
          if (typeof next !== 'number' || !Number.isInteger(next) || next < 0 || next > LAB_MAX_RATE) {
            return sendError(res, 'bad_param', `rate must be a whole number of messages per second from 0 to ${LAB_MAX_RATE}`);
          }
          setRate(next);
          sendJson(res, 200, { rate, sent: n, topic: LAB_TOPIC });
        },
      },
    ],
    close: () => setRate(0),
  };
}
