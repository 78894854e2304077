/**
 * Seeded randomness. Every device draws from its own streams, derived from (fleet seed,
 * device id, purpose), so what one device does never depends on timing or on other devices,
 * and the same seed replays the same readings.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Gaussian with the given mean and standard deviation. */
  normal(mean: number, sd: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** FNV-1a over UTF-16 code units: a stable 32-bit hash for stream names. */
function hash32(text: string, start = 0x811c9dc5): number {
  let h = start >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: tiny, fast, passes the usual statistical smoke tests; plenty for a simulator. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spare: number | null = null;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal: (mean, sd) => {
      // Box–Muller yields two independent values; keep the second for the next call.
      if (spare !== null) {
        const z = spare;
        spare = null;
        return mean + sd * z;
      }
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return mean + sd * r * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
  };
  return rng;
}

/** The stream `purpose` of device `id` under fleet seed `seed`. */
export function deviceRng(seed: number, id: string, purpose: string): Rng {
  return createRng(hash32(`${id}\u0000${purpose}`, hash32(String(seed))));
}

/** A number in [0, 1) fixed by its inputs: used to pick "a fraction of the fleet" stably. */
export function unitHash(seed: number, key: string): number {
  return createRng(hash32(key, hash32(String(seed)))).next();
}
