/**
 * After the users file is reloaded, each connected MQTT client is looked at again: it stays
 * connected, with its new role and patterns, while its user exists with the password it logged
 * in with and every subscription it holds is still allowed; otherwise it must be disconnected
 * (MQTT 3.1.1 has no way to take back a subscription [MQTT-3.10]). Publishes are checked
 * against the new rights from the next one on.
 */
import { canSubscribe } from './acl.js';
import type { UserStore } from './user-store.js';
import type { User } from './users-file.js';

export type SessionVerdict = { keep: true; user: User } | { keep: false; reason: string };

export function reviewSession(users: UserStore, user: User, clientId: string, filters: Iterable<string>): SessionVerdict {
  const now = users.revalidate(user);
  if (!now) return { keep: false, reason: `user '${user.name}' was removed or its password changed` };
  if (now !== user) {
    for (const filter of filters) {
      if (!canSubscribe(now, filter, clientId)) return { keep: false, reason: `user '${now.name}' may no longer subscribe to '${filter}'` };
    }
  }
  return { keep: true, user: now };
}
