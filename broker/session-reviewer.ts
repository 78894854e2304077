/**
 * Applies a reload of the users file to the clients already connected (auth/session-review.ts
 * decides): a client still allowed keeps its connection with its new rights, one that lost
 * them is disconnected and counted as `access_revoked`.
 */
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import { type User, type UserStore, reviewSession } from '../auth/index.js';
import type { BrokerMetrics } from './metrics.js';

export interface SessionReviewerOptions {
  aedes: Aedes;
  users: UserStore;
  sessions: WeakMap<Client, User | null>;
  heldFilters(client: Client): Iterable<string>;
  logger: Logger;
  metrics: BrokerMetrics;
}

/** Starts reviewing on every reload; returns the function that stops it. */
export function reviewSessionsOnReload(opts: SessionReviewerOptions): () => void {
  const { sessions, logger } = opts;
  const connected = new Set<Client>();
  const ready = (client: Client): void => void connected.add(client);
  const gone = (client: Client): void => void connected.delete(client);
  opts.aedes.on('clientReady', ready);
  opts.aedes.on('clientDisconnect', gone);

  const stopListening = opts.users.onReload(() => {
    let dropped = 0;
    for (const client of connected) {
      const user = sessions.get(client);
      if (!user) continue; // anonymous clients do not depend on the users file
      const verdict = reviewSession(opts.users, user, client.id, opts.heldFilters(client));
      if (verdict.keep) {
        sessions.set(client, verdict.user);
        continue;
      }
      dropped++;
      opts.metrics.rejects.inc({ reason: 'access_revoked' });
      logger.warn({ clientId: client.id, user: user.name }, `disconnecting: ${verdict.reason}`);
      connected.delete(client);
      client.close();
    }
    logger.info({ clients: connected.size, dropped }, 'connected clients reviewed after a users reload');
  });

  return () => {
    stopListening();
    opts.aedes.removeListener('clientReady', ready);
    opts.aedes.removeListener('clientDisconnect', gone);
  };
}
