/**
 * Command results pushed to their sender whatever it watches: sending a command makes the
 * sender's key follow that command's topics (`devices/{id}/cmd/{name}`, `devices/{id}/ack`) for
 * a while. Following is expressed as extra filters, so it works the same on every transport,
 * in replay as well as live, and across reconnects that keep the key.
 */

/** Filters one key follows at most; the oldest are dropped past it. */
const MAX_FILTERS_PER_KEY = 64;

interface Entry {
  filters: Set<string>;
  /** ms since epoch */
  expires: number;
}

export class Follows {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** Keys remembered at once; the one followed longest ago is dropped past it. */
    private readonly max: number,
  ) {}

  /** Makes `key` follow `filters` until at least `expires` (ms since epoch); returns the keys dropped to stay within bounds. */
  add(key: string, filters: readonly string[], expires: number): string[] {
    const entry = this.entries.get(key) ?? { filters: new Set<string>(), expires };
    this.entries.delete(key); // re-insert: Map order is the eviction order
    for (const f of filters) {
      entry.filters.delete(f);
      entry.filters.add(f);
    }
    for (const f of entry.filters) {
      if (entry.filters.size <= MAX_FILTERS_PER_KEY) break;
      entry.filters.delete(f);
    }
    entry.expires = Math.max(entry.expires, expires);
    this.entries.set(key, entry);
    const dropped: string[] = [];
    for (const old of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(old);
      dropped.push(old);
    }
    return dropped;
  }

  filtersOf(key: string): string[] {
    const entry = this.entries.get(key);
    return entry ? [...entry.filters] : [];
  }

  /** Forgets every entry expired at `now`; returns their keys. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) continue;
      this.entries.delete(key);
      gone.push(key);
    }
    return gone;
  }
}
