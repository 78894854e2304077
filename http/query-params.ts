/** Query-string reading shared by the REST routes. */

/**
 * Reads query parameters, keeping the first problem in `error`. An empty value counts as
 * absent (`from=&to=` in the contract); a repeated parameter is refused rather than guessed.
 */
export class QueryParams {
  error: string | null = null;

  constructor(private readonly url: URL) {}

  text(name: string): string | undefined {
    const values = this.url.searchParams.getAll(name);
    if (values.length > 1) this.error ??= `${name} is given more than once`;
    return values[0] === '' ? undefined : values[0];
  }

  /** A plain non-negative integer (ms, counts); anything else is an error. */
  int(name: string): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(n)) return n;
    this.error ??= `${name} must be a non-negative integer, got "${raw.slice(0, 40)}"`;
    return undefined;
  }
}
