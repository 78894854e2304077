/** The history store's Prometheus metrics, registered on the registry the hub hands in. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface HistoryMetrics {
  commits: Counter;
  commitSeconds: Histogram;
  committedMessages: Counter;
  writeErrors: Counter<'reason'>;
  dropped: Counter;
  pruned: Counter<'table'>;
}

/** Live values the gauges read when Prometheus scrapes, so the hot path never touches them. */
export interface HistoryGauges {
  pending(): number;
  writable(): boolean;
}

export function createHistoryMetrics(registry: Registry, gauges: HistoryGauges): HistoryMetrics {
  const registers = [registry];
  new Gauge({
    name: 'fleetwire_history_pending_messages',
    help: 'Messages waiting for their group commit',
    registers,
    collect() {
      this.set(gauges.pending());
    },
  });
  new Gauge({
    name: 'fleetwire_history_writable',
    help: '1 while history commits succeed, 0 while they fail',
    registers,
    collect() {
      this.set(gauges.writable() ? 1 : 0);
    },
  });
  return {
    commits: new Counter({ name: 'fleetwire_history_commits_total', help: 'Group commits written', registers }),
    commitSeconds: new Histogram({
      name: 'fleetwire_history_commit_seconds',
      help: 'Time one group commit holds the event loop',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    committedMessages: new Counter({ name: 'fleetwire_history_messages_total', help: 'Messages committed to the history log', registers }),
    writeErrors: new Counter({
      name: 'fleetwire_history_write_errors_total',
      help: 'Failed history writes by reason (locked, full, read_only, io, other); each is retried',
      labelNames: ['reason'],
      registers,
    }),
    dropped: new Counter({ name: 'fleetwire_history_dropped_total', help: 'Messages refused because the write queue was full', registers }),
    pruned: new Counter({ name: 'fleetwire_history_pruned_rows_total', help: 'Rows removed by retention', labelNames: ['table'], registers }),
  };
}
