/**
 * One MQTT publish as the broker hands it to its onPublish hook and the bridge's ingest takes
 * it: the one publish type of both sides. `Bytes` is Node's Buffer on the server; the
 * dashboard, which never sees raw publishes, has no Buffer type.
 */
import type { MessageProps } from './message.js';

export interface Publish<Bytes extends Uint8Array = Uint8Array> {
  topic: string;
  payload: Bytes;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** The publishing client's id; null for the hub's own publishes (and the lab's). */
  clientId: string | null;
  /** The MQTT 5 application properties, when the publish carried any. */
  props?: MessageProps;
}

/**
 * MQTT 5 request/response (§4.10): the topic the receiver answers on and the data it sends back
 * with its answer (UTF-8). Only v5 receivers get them; a 3.1.1 receiver's packet has no properties.
 */
export interface ResponseRequest {
  responseTopic: string;
  correlationData: string;
}
