/**
 * Holds back a client that publishes faster than its rate. Aedes reads a client's next chunk
 * only when every packet of the current one is handled, so holding a PUBLISH's authorization
 * stops reading from that socket and TCP pushes back on the sender; nothing is dropped. Held
 * packets are let go in the order they came, when the rate window turns.
 *
 * Every PUBLISH passes here, so a packet within the rate goes on synchronously: no promise and
 * no timer per packet (rate-limiter-flexible's consume() made a promise per PUBLISH and kept a
 * timer per client).
 */
import { KeyRateLimit } from './key-rate-limit.js';

export interface Throttled {
  readonly id: string;
}

/** A packet waiting for its client's rate: an object, not a callback, so a packet costs no closure. */
export interface Admitted {
  go(): void;
}

interface Hold {
  queue: Admitted[];
  timer: NodeJS.Timeout;
}

export interface PublishThrottle {
  /** Calls `packet.go()` now, or later and in arrival order when the client is over its rate. */
  admit(client: Throttled, packet: Admitted): void;
  /** Drops every hold (the broker is closing). */
  close(): void;
}

/** `perSecond` 0 = no limit; `onHold` hears each time a client starts being held back. */
export function createPublishThrottle(perSecond: number, onHold: () => void): PublishThrottle {
  if (perSecond === 0) return { admit: (_client, packet) => packet.go(), close: () => undefined };
  const rate = new KeyRateLimit(perSecond, 1_000);
  const holds = new Map<Throttled, Hold>();

  const releaseLater = (client: Throttled): NodeJS.Timeout => setTimeout(release, Math.max(rate.msLeft(client.id), 1), client);

  const release = (client: Throttled): void => {
    const hold = holds.get(client);
    if (!hold) return;
    // Released packets count against the new window; past it the rest stay held, still in order.
    // The hold stays in place while they go: a released packet can let Aedes read the client's
    // next ones at once, and those must queue behind the rest.
    while (hold.queue.length > 0 && rate.take(client.id)) (hold.queue.shift() as Admitted).go();
    if (hold.queue.length === 0) holds.delete(client);
    else hold.timer = releaseLater(client);
  };

  function admit(client: Throttled, packet: Admitted): void {
    const hold = holds.get(client);
    if (hold) hold.queue.push(packet);
    else if (rate.take(client.id)) packet.go();
    else {
      onHold();
      holds.set(client, { queue: [packet], timer: releaseLater(client) });
    }
  }

  return {
    admit,
    close() {
      for (const { timer } of holds.values()) clearTimeout(timer);
      holds.clear();
    },
  };
}
