/**
 * How long raw readings are kept, per device or per model, over the hub's default
 * (`--retention`). A device's own setting wins over its model's; 0 keeps them forever. Rollups
 * and the resume log keep their own windows. Settings live in `history_retention`.
 */
import type { Db } from '../../storage/database.js';

export type RetentionScope = 'device' | 'model';

/** Where a device's raw retention comes from. */
export interface RawRetention {
  rawMs: number;
  source: 'device' | 'model' | 'default';
}

export interface RetentionSettings {
  defaultMs: number;
  devices: Record<string, number>;
  models: Record<string, number>;
}

export interface RawRetentionTable {
  settings(): RetentionSettings;
  /** Sets (a number of ms, 0: forever) or clears (null) one scope's setting. */
  set(scope: RetentionScope, name: string, rawMs: number | null): void;
  /** The retention that applies to a device of this model. */
  of(device: string, model: string | null): RawRetention;
}

export function createRawRetention(db: Db, defaultMs: number): RawRetentionTable {
  const all = db.prepare('SELECT scope, name, raw_ms AS rawMs FROM history_retention');
  const upsert = db.prepare('INSERT INTO history_retention (scope, name, raw_ms) VALUES (?, ?, ?) ON CONFLICT (scope, name) DO UPDATE SET raw_ms = excluded.raw_ms');
  const remove = db.prepare('DELETE FROM history_retention WHERE scope = ? AND name = ?');
  const byScope: Record<RetentionScope, Map<string, number>> = { device: new Map(), model: new Map() };
  for (const row of all.all() as { scope: RetentionScope; name: string; rawMs: number }[]) byScope[row.scope]?.set(row.name, row.rawMs);

  return {
    settings: () => ({ defaultMs, devices: Object.fromEntries(byScope.device), models: Object.fromEntries(byScope.model) }),
    set(scope, name, rawMs) {
      if (rawMs === null) {
        remove.run(scope, name);
        byScope[scope].delete(name);
      } else {
        upsert.run(scope, name, rawMs);
        byScope[scope].set(name, rawMs);
      }
    },
    of(device, model) {
      const own = byScope.device.get(device);
      if (own !== undefined) return { rawMs: own, source: 'device' };
      const ofModel = model === null ? undefined : byScope.model.get(model);
      return ofModel !== undefined ? { rawMs: ofModel, source: 'model' } : { rawMs: defaultMs, source: 'default' };
    },
  };
}
