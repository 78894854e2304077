/**
 * Holds back a client that publishes faster than its rate. Aedes reads a client's next chunk
 * only when every packet of the current one is handled, so holding a PUBLISH's authorization
 * stops reading from that socket and TCP pushes back on the sender; nothing is dropped. Held
 * packets are let go in the order they came, when the rate window turns.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface Throttled {
  readonly id: string;
}

interface Hold {
  queue: (() => void)[];
  timer: NodeJS.Timeout;
}

export interface PublishThrottle {
  /** Calls `go` now, or later and in arrival order when the client is over its rate. */
  admit(client: Throttled, go: () => void): void;
  /** Drops every hold (the broker is closing). */
  close(): void;
}

/** `perSecond` 0 = no limit; `onHold` hears each time a client starts being held back. */
export function createPublishThrottle(perSecond: number, onHold: () => void): PublishThrottle {
  if (perSecond === 0) return { admit: (_client, go) => go(), close: () => undefined };
  const limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
  const holds = new Map<Throttled, Hold>();

  const release = (client: Throttled): void => {
    const hold = holds.get(client);
    if (!hold) return;
    holds.delete(client);
    // Released packets count against the new window; past it they are held again, still in order.
    for (const go of hold.queue) admit(client, go);
  };

  const queueOrRun = (client: Throttled, go: () => void): void => {
    const hold = holds.get(client);
    if (hold) hold.queue.push(go);
    else go();
  };

  const startHold = (client: Throttled, go: () => void, ms: number): void => {
    if (holds.has(client)) {
      queueOrRun(client, go);
      return;
    }
    onHold();
    holds.set(client, { queue: [go], timer: setTimeout(release, Math.max(ms, 1), client) });
  };

  function admit(client: Throttled, go: () => void): void {
    if (holds.has(client)) {
      queueOrRun(client, go);
      return;
    }
    // consume() settles synchronously inside its promise, so these callbacks run in call order.
    limiter.consume(client.id).then(
      () => queueOrRun(client, go),
      (res: unknown) => (res instanceof RateLimiterRes ? startHold(client, go, res.msBeforeNext) : go()),
    );
  }

  return {
    admit,
    close() {
      for (const { timer } of holds.values()) clearTimeout(timer);
      holds.clear();
    },
  };
}
