/**
 * The lab's subscribers to `lab/tick`: each of the hub's push methods through the same live
 * connection the dashboard uses, and MQTT over WebSocket straight from the broker. Each feeds
 * its own LabStats.
 */
import type { Json } from '../../../protocol/message.js';
import { createLiveConnection, type LinkState } from '../net/live-connection.js';
import { numberField } from '../net/message-guard.js';
import type { TransportKind } from '../../../protocol/transports.js';
import { LAB_TOPIC, type LabMethod } from './lab-methods.js';
import { LabStats } from './lab-stats.js';

export interface LabChannel {
  readonly method: LabMethod;
  readonly stats: LabStats;
  state(): LinkState;
  close(): void;
}

/** The publisher's counter from a tick's data, null when the data is not a tick. */
export const tickNumber = (data: Json): number | null => numberField(data, 'n');

/** A hub push method; latency runs from the hub's receive time (`ts`) to arrival here. */
export function createHubChannel(kind: TransportKind): LabChannel {
  const stats = new LabStats();
  const connection = createLiveConnection({
    filters: [LAB_TOPIC],
    kind,
    onMessage: (msg) => stats.message(tickNumber(msg.data), Date.now() - msg.ts),
    onReset: () => undefined,
    onRequest: () => stats.request(),
    onBytes: (n) => stats.bytesOnWire(n),
  });
  return { method: kind, stats, state: () => connection.status().state, close: () => connection.close() };
}
