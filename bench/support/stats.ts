/** Small helpers every benchmark uses: options, order statistics, pauses. */

/** The value after `--name` in args, or `fallback`. */
export function flag(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
}

/** The q-quantile (0..1) of the samples, nearest rank; NaN when there are none. */
export function quantile(samples: ArrayLike<number>, q: number): number {
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** The median of several runs: the lower middle for an even count, so it is always a measured value. */
export function median(runs: readonly number[]): number {
  return [...runs].sort((a, b) => a - b)[Math.floor((runs.length - 1) / 2)] ?? NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
