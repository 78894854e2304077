/**
 * One MQTT publish as the broker hands it to its onPublish hook and the bridge's ingest takes
 * it: the one publish type of both sides. `Bytes` is Node's Buffer on the server; the
 * dashboard, which never sees raw publishes, has no Buffer type.
 */
export interface Publish<Bytes extends Uint8Array = Uint8Array> {
  topic: string;
  payload: Bytes;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** The publishing client's id; null for the hub's own publishes (and the lab's). */
  clientId: string | null;
}
