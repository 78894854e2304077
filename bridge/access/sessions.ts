/**
 * Login sessions: an unguessable token (256 random bits) per login, held in memory, bounded in
 * number and lifetime. The same token serves as cookie, bearer token and `access_token`.
 * Sessions end with the process: people log in again after a restart.
 */
import { randomBytes } from 'node:crypto';
import type { User } from '../../auth/index.js';

interface Session {
  user: User;
  /** ms since epoch */
  expires: number;
}

export class Sessions {
  private readonly byToken = new Map<string, Session>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  /** A new token for `user`; the oldest session is dropped when `max` are held. */
  create(user: User): string {
    const token = randomBytes(32).toString('base64url');
    this.byToken.set(token, { user, expires: Date.now() + this.ttlMs });
    for (const old of this.byToken.keys()) {
      if (this.byToken.size <= this.max) break;
      this.byToken.delete(old);
    }
    return token;
  }

  /** The user of a live session, undefined for an unknown or expired token. */
  user(token: string): User | undefined {
    const session = this.byToken.get(token);
    if (!session) return undefined;
    if (session.expires > Date.now()) return session.user;
    this.byToken.delete(token);
    return undefined;
  }

  delete(token: string): void {
    this.byToken.delete(token);
  }

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }
}
