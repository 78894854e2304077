/**
 * MQTT 5 Session Expiry kept in the database [MQTT-3.1.2-23]: when a client with a finite
 * Session Expiry Interval leaves, the time its session ends is stored; a timer ends it then
 * (subscriptions, queued messages, inbound QoS 2 state, will), unless the client came back. Aedes
 * keeps such timers in memory only, so after a restart every away session would live for ever;
 * here the timer is re-armed from the table when the broker starts, and a session whose time
 * passed while the broker was down ends at once. One timer serves all sessions: it is set for
 * the earliest end.
 */
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';

/** Session Expiry Interval meaning "never" [MQTT-3.1.2.11.2]. */
const NEVER = 0xffffffff;
/** setTimeout's longest delay; a later end is reached in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface SessionExpiryStore {
  sessionExpiresAt(clientId: string, at: number): void;
  nextSessionExpiry(): number | null;
  endExpiredSessions(now: number): string[];
}

export interface SessionExpiry {
  /** Aedes' 'clientDisconnect': records when the client's session ends. */
  disconnected(client: Client): void;
  close(): void;
}

export function createSessionExpiry(store: SessionExpiryStore, aedes: Aedes, logger: Logger): SessionExpiry {
  let timer: NodeJS.Timeout | null = null;
  let armedFor = Infinity;
  const connected = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;

  const arm = (): void => {
    const next = store.nextSessionExpiry();
    if (next === null || next >= armedFor) return;
    if (timer) clearTimeout(timer);
    armedFor = next;
    timer = setTimeout(sweep, Math.min(Math.max(next - Date.now(), 0), MAX_DELAY_MS));
    timer.unref();
  };

  function sweep(): void {
    timer = null;
    armedFor = Infinity;
    try {
      let ended: string[];
      do {
        ended = store.endExpiredSessions(Date.now());
        if (ended.length > 0) logger.info({ clientIds: ended }, 'sessions expired');
      } while (ended.length > 0);
    } catch (err) {
      logger.error({ err }, 'could not end expired sessions');
    }
    arm();
  }

  sweep();
  return {
    disconnected(client) {
      const interval = client.sessionExpiryInterval;
      // a session that ends with the connection (interval 0) Aedes wipes itself; a taken-over
      // one belongs to the connection that replaced this one
      if (client.version !== 5 || client.clean || interval >= NEVER) return;
      const current = connected[client.id];
      if (current !== undefined && current !== client) return;
      store.sessionExpiresAt(client.id, Date.now() + interval * 1000);
      arm();
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
