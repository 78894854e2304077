/**
 * Counters bumped for every packet or byte. prom-client's inc() validates and, for a labelled
 * child, hashes its labels into a new string on every call; a tally adds to a plain number and
 * hands the sum to its counter only when the metrics are read (prom-client's `collect`).
 */
import { Counter, type Registry } from 'prom-client';

export interface Tally {
  add(n?: number): void;
}

/** A counter whose series are tallies, one per value of its label ('' for a counter without one). */
export class TallyCounter<L extends string = never> {
  private readonly tallies = new Map<string, { sum: number }>();
  private readonly counter: Counter<L>;

  constructor(name: string, help: string, registry: Registry, private readonly label?: L) {
    const tallies = this.tallies;
    this.counter = new Counter<L>({
      name,
      help,
      labelNames: label === undefined ? [] : [label],
      registers: [registry],
      collect() {
        for (const [value, tally] of tallies) {
          if (tally.sum === 0) continue;
          if (label === undefined) this.inc(tally.sum);
          else this.inc({ [label]: value } as Partial<Record<L, string>>, tally.sum);
          tally.sum = 0;
        }
      },
    });
  }

  /** The tally of one label value (of the whole counter when it has no label); made once, then reused. */
  of(value = ''): Tally {
    let tally = this.tallies.get(value);
    if (!tally) this.tallies.set(value, (tally = { sum: 0 }));
    const t = tally;
    return {
      add(n = 1) {
        t.sum += n;
      },
    };
  }
}
