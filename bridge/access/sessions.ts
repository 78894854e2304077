/**
 * Login sessions: an unguessable token (256 random bits) per login, held in memory, bounded in
 * number and lifetime, in total and per user. The same token serves as cookie, bearer token
 * and `access_token`. Sessions end with the process: people log in again after a restart.
 *
 * Eviction goes per user first: a user at their own cap loses their own oldest session, and
 * when the table is full the user holding the most sessions loses their oldest, so logging in
 * over and over as one account never pushes anyone else out.
 */
import { randomBytes } from 'node:crypto';
import type { User } from '../../auth/index.js';

interface Session {
  user: User;
  /** ms since epoch */
  expires: number;
}

export interface SessionLimits {
  /** Sessions at once. */
  max: number;
  /** Sessions one user holds at once. */
  maxPerUser: number;
  /** ms a session lasts. */
  ttlMs: number;
}

export class Sessions {
  private readonly byToken = new Map<string, Session>();
  /** user name → that user's tokens, oldest first */
  private readonly byUser = new Map<string, Set<string>>();

  constructor(private readonly limits: SessionLimits) {}

  /** A new token for `user`, making room as the class comment says. */
  create(user: User): string {
    const own = this.byUser.get(user.name) ?? new Set<string>();
    if (own.size >= this.limits.maxPerUser) this.dropOldestOf(own);
    else if (this.byToken.size >= this.limits.max) this.dropOldestOf(this.largest());
    const token = randomBytes(32).toString('base64url');
    this.byToken.set(token, { user, expires: Date.now() + this.limits.ttlMs });
    this.byUser.set(user.name, own.add(token));
    return token;
  }

  /** The user of a live session, undefined for an unknown or expired token. */
  user(token: string): User | undefined {
    const session = this.byToken.get(token);
    if (!session) return undefined;
    if (session.expires > Date.now()) return session.user;
    this.delete(token);
    return undefined;
  }

  delete(token: string): void {
    const session = this.byToken.get(token);
    if (!session) return;
    this.byToken.delete(token);
    const own = this.byUser.get(session.user.name);
    own?.delete(token);
    if (own?.size === 0) this.byUser.delete(session.user.name);
  }

  get ttlSeconds(): number {
    return Math.floor(this.limits.ttlMs / 1000);
  }

  private largest(): Set<string> {
    let most = new Set<string>();
    for (const own of this.byUser.values()) if (own.size > most.size) most = own;
    return most;
  }

  private dropOldestOf(tokens: Set<string>): void {
    const oldest = tokens.values().next();
    if (!oldest.done) this.delete(oldest.value);
  }
}
