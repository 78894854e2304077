/**
 * How many bytes all guarded connections together hand to Aedes in one event-loop iteration.
 * Aedes reads everything a socket has buffered, parses it at once and keeps each packet as
 * objects until it is delivered at setImmediate: under a flood one iteration parsed the load's
 * whole in-flight window (tens of thousands of packets), every scavenge copied it, and the hub
 * spent ~30 % of its main thread in the garbage collector. Over the budget a chunk waits as the
 * Buffer it came in (its bytes live outside the V8 heap) and its stream stops reading, so the rest
 * waits in the kernel; the next iteration passes waiting chunks first, in the order they came.
 * One budget per process, like the event loop it paces. Below it nothing waits: a chunk that
 * finds budget left passes whole, however large.
 */
export const READ_BUDGET_BYTES = 8 * 1024;

/** A connection with chunks waiting for the budget. */
export interface WaitingReader {
  /** Passes waiting chunks while the budget lasts; true when some still wait. */
  passWaiting(): boolean;
}

let left = READ_BUDGET_BYTES;
let refillDue = false;
let waiting: WaitingReader[] = [];

function scheduleRefill(): void {
  if (refillDue) return;
  refillDue = true;
  setImmediate(refill);
}

function refill(): void {
  refillDue = false;
  left = READ_BUDGET_BYTES;
  const readers = waiting;
  waiting = [];
  // once the budget is spent, the rest keep their place without being asked
  for (const reader of readers) if (left <= 0 || reader.passWaiting()) waiting.push(reader);
  if (waiting.length > 0) scheduleRefill();
}

/** Takes `bytes` from this iteration's budget: false when it is spent (the chunk must wait). */
export function takeReadBudget(bytes: number): boolean {
  if (left <= 0) return false;
  scheduleRefill();
  left -= bytes;
  return true;
}

/** Queues a reader whose chunk found the budget spent; it is asked again next iteration. */
export function waitForReadBudget(reader: WaitingReader): void {
  waiting.push(reader);
  scheduleRefill();
}
