/** The ways the lab watches `lab/tick`, by name. Pure, shared with the tests. */
import { TRANSPORT_LABELS, type TransportKind } from '../../../protocol/transports.js';

/** The publisher's topic (server/lab.ts); its data is `{"n": counter, "sent": ms}`. */
export const LAB_TOPIC = 'lab/tick';

export type LabMethod = TransportKind | 'mqtt';

/** In the order the page lists them: from the most requests per message to the fewest bytes. */
export const LAB_METHODS: readonly LabMethod[] = ['short-poll', 'long-poll', 'iframe', 'sockjs', 'sse', 'stomp', 'ws', 'mqtt'];

export const METHOD_LABELS: Record<LabMethod, string> = { ...TRANSPORT_LABELS, mqtt: 'MQTT over WebSocket' };
