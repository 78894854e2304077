/**
 * One timer for the whole fleet. Ten thousand devices each holding their own intervals
 * would cost a timer object apiece and fire in lock-step after a restart; here one-shot tasks
 * and first runs sit in one min-heap keyed by due time, and periodic tasks then move to a
 * queue per period (a lane), and the scheduler measures how late each task ran (lag) so the
 * fleet can tell when the generator falls behind.
 *
 * Lanes: tasks run in due order, so a periodic task that runs goes to the back of its lane one
 * period later and the lane stays in due order with no sorting. A reading costs one look at the
 * lane's head, where sifting a heap of 10,000 entries touched two dozen of them (7 % of the
 * fleet's CPU).
 */

export interface Task {
  /** Stops the task; safe to call twice or after a one-shot task ran. */
  cancel(): void;
}

export interface LagStats {
  /** Tasks run since the scheduler started. */
  ran: number;
  /** Worst lag (ms) in the last completed window, and the 99th percentile of that window. */
  maxMs: number;
  p99Ms: number;
}

export interface Scheduler {
  /** Runs `fn` after `delayMs`. */
  after(delayMs: number, fn: () => void): Task;
  /**
   * Runs `fn` every `periodMs`, first after `firstDelayMs`. Fixed-rate: each run is due one
   * period after the previous due time, so a late run does not shift the ones after it.
   */
  every(periodMs: number, firstDelayMs: number, fn: () => void): Task;
  lag(): LagStats;
  close(): void;
}

interface Entry {
  due: number;
  order: number;
  periodMs: number;
  fn: () => void;
  cancelled: boolean;
}

/** The periodic tasks of one period after their first run, in due order from `head`. */
interface Lane {
  periodMs: number;
  entries: Entry[];
  head: number;
}

/** Taken entries are dropped from a lane's array once they are this many and half of it. */
const LANE_COMPACT = 1024;

export interface SchedulerOptions {
  /** ms one turn may run tasks before yielding to I/O (acks, socket writes); default 10. */
  sliceMs?: number;
  /** ms per lag window; default 1000. */
  windowMs?: number;
  /** Called when a task throws; the scheduler keeps going. */
  onError: (err: unknown) => void;
}

/** Lag samples kept per window for the percentile; beyond it the window keeps only the max. */
const MAX_LAG_SAMPLES = 20_000;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const sliceMs = opts.sliceMs ?? 10;
  const windowMs = opts.windowMs ?? 1000;
  const heap: Entry[] = [];
  const lanes: Lane[] = [];
  let order = 0;
  let timer: NodeJS.Timeout | null = null;
  let timerDue = Infinity;
  let closed = false;
  let ran = 0;
  let windowStart = Date.now();
  let samples: number[] = [];
  let windowMax = 0;
  let last: LagStats = { ran: 0, maxMs: 0, p99Ms: 0 };

  const less = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.order < b.order);
  // Both sifts carry the moving entry in hand and shift the others into the hole: one write per
  // level instead of a swap.
  const push = (e: Entry): void => {
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as Entry;
      if (!less(e, parent)) break;
      heap[i] = parent;
      i = p;
    }
    heap[i] = e;
  };
  /** Puts `e` in the hole at the root and sinks it to its place. */
  const sink = (e: Entry): void => {
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let child = heap[l] as Entry;
      let c = l;
      const right = heap[l + 1];
      if (right && less(right, child)) {
        child = right;
        c = l + 1;
      }
      if (!less(child, e)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = e;
  };
  const popRoot = (): void => {
    const end = heap.pop();
    if (end && heap.length > 0) sink(end);
  };

  /** The lane whose head is due first, or null. */
  const firstLane = (): Lane | null => {
    let best: Lane | null = null;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i] as Lane;
      if (!best || less(lane.entries[lane.head] as Entry, best.entries[best.head] as Entry)) best = lane;
    }
    return best;
  };
  /** The entry due first, heap and lanes together. */
  const peek = (lane: Lane | null): Entry | undefined => {
    const top = heap[0];
    const head = lane?.entries[lane.head];
    return head && (!top || less(head, top)) ? head : top;
  };
  const takeHead = (lane: Lane): void => {
    lane.head++;
    if (lane.head === lane.entries.length) {
      // Empty: a period nobody uses any more leaves no lane behind.
      lanes.splice(lanes.indexOf(lane), 1);
    } else if (lane.head >= LANE_COMPACT && lane.head * 2 >= lane.entries.length) {
      lane.entries = lane.entries.slice(lane.head);
      lane.head = 0;
    }
  };
  /** Queues `e` for its next run, never ahead of the lane's last entry (which keeps the lane in order). */
  const toLane = (e: Entry): void => {
    let lane: Lane | undefined;
    for (let i = 0; i < lanes.length && !lane; i++) if ((lanes[i] as Lane).periodMs === e.periodMs) lane = lanes[i];
    if (!lane) lanes.push((lane = { periodMs: e.periodMs, entries: [], head: 0 }));
    const last = lane.entries[lane.entries.length - 1];
    if (last && e.due < last.due) e.due = last.due;
    lane.entries.push(e);
  };

  const record = (lagMs: number, now: number): void => {
    ran++;
    if (lagMs > windowMax) windowMax = lagMs;
    if (samples.length < MAX_LAG_SAMPLES) samples.push(lagMs);
    if (now - windowStart >= windowMs) rollWindow(now);
  };
  const rollWindow = (now: number): void => {
    samples.sort((a, b) => a - b);
    const p99 = samples.length ? (samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] as number) : 0;
    last = { ran, maxMs: windowMax, p99Ms: p99 };
    samples = [];
    windowMax = 0;
    windowStart = now;
  };

  const arm = (): void => {
    if (closed) return;
    const top = peek(firstLane());
    if (!top) return;
    if (timer && timerDue <= top.due) return;
    if (timer) clearTimeout(timer);
    timerDue = top.due;
    timer = setTimeout(runDue, Math.max(0, top.due - Date.now()));
  };

  function runDue(): void {
    timer = null;
    timerDue = Infinity;
    const started = Date.now();
    let now = started;
    while (!closed) {
      const lane = firstLane();
      const top = peek(lane);
      if (!top || top.due > now) break;
      if (lane && top === lane.entries[lane.head]) takeHead(lane);
      else popRoot();
      if (top.cancelled) continue;
      record(now - top.due, now);
      if (top.periodMs > 0) {
        top.due += top.periodMs;
        // After a long stall (a suspended laptop, an overloaded host) skip the missed runs
        // instead of replaying them in one burst; the next run is due now.
        if (top.due < now - top.periodMs) top.due = now;
        top.order = order++;
        toLane(top);
      }
      try {
        top.fn();
      } catch (err) {
        opts.onError(err);
      }
      now = Date.now();
      if (now - started >= sliceMs) {
        // Yield so sockets can flush and acks come in; the rest runs next turn (as lag).
        timerDue = now;
        timer = setTimeout(runDue, 0);
        return;
      }
    }
    arm();
  }

  const schedule = (delayMs: number, periodMs: number, fn: () => void): Task => {
    const entry: Entry = { due: Date.now() + Math.max(0, delayMs), order: order++, periodMs, fn, cancelled: false };
    if (!closed) {
      push(entry);
      arm();
    }
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  };

  return {
    after: (delayMs, fn) => schedule(delayMs, 0, fn),
    every: (periodMs, firstDelayMs, fn) => {
      if (!(periodMs > 0)) throw new Error(`period must be positive, got ${periodMs}`);
      return schedule(firstDelayMs, periodMs, fn);
    },
    lag: () => {
      const now = Date.now();
      if (now - windowStart >= windowMs) rollWindow(now);
      return { ...last, ran };
    },
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      heap.length = 0;
      lanes.length = 0;
    },
  };
}
