/**
 * Batches DOM work per animation frame: a thousand messages a second become one render per
 * frame per view. Work is keyed, so scheduling the same view again before the frame only
 * replaces its callback; a hidden tab (no frames) therefore holds one callback per key, not a queue.
 */

const tasks = new Map<unknown, () => void>();
let requested = false;

function flush(): void {
  requested = false;
  const run = [...tasks.values()];
  tasks.clear();
  for (const task of run) {
    try {
      task();
    } catch (err) {
      // One broken view must not stop the others from rendering.
      reportError(err);
    }
  }
}

/** Runs `task` before the next paint, once, however often it is scheduled under `key`. */
export function onNextFrame(key: unknown, task: () => void): void {
  tasks.set(key, task);
  if (!requested) {
    requested = true;
    requestAnimationFrame(flush);
  }
}

/** Drops work scheduled under `key` (the view went away). */
export function cancelFrame(key: unknown): void {
  tasks.delete(key);
}
