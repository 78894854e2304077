/**
 * Bounds how many devices are in the middle of connecting at once, so starting ten thousand
 * devices opens sockets in steady batches instead of all in one tick.
 */

export interface ConnectGate {
  /** Resolves with a release function once a slot is free; call it exactly once. */
  acquire(): Promise<() => void>;
  /** Rejects every waiter; later acquires reject at once. */
  close(): void;
}

export function createConnectGate(concurrency: number): ConnectGate {
  let free = concurrency;
  let closed = false;
  const waiters: Array<{ resolve: (release: () => void) => void; reject: (err: Error) => void }> = [];

  const makeRelease = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = waiters.shift();
      if (next) next.resolve(makeRelease());
      else free++;
    };
  };

  return {
    acquire: () => {
      if (closed) return Promise.reject(new Error('fleet closed'));
      if (free > 0) {
        free--;
        return Promise.resolve(makeRelease());
      }
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close: () => {
      closed = true;
      for (const w of waiters.splice(0)) w.reject(new Error('fleet closed'));
    },
  };
}
