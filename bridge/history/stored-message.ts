/** A message as the log and the events table keep it: the message's fields, data and props as JSON text. */
import type { HubMessage, MessageKind } from '../../protocol/message.js';

export const MESSAGE_COLUMNS = 'seq, ts, topic, device, kind, data, props';

export interface StoredMessage {
  seq: number;
  ts: number;
  topic: string;
  device: string | null;
  kind: MessageKind;
  data: string;
  /** NULL for a message without MQTT 5 properties, and for every row written before they were kept. */
  props: string | null;
}

/** The props column of a message. */
export const propsColumn = (msg: HubMessage): string | null => (msg.props ? JSON.stringify(msg.props) : null);

export function decodeMessage(row: StoredMessage): HubMessage {
  const msg: HubMessage = { seq: row.seq, ts: row.ts, topic: row.topic, device: row.device, kind: row.kind, data: JSON.parse(row.data) };
  if (row.props !== null) msg.props = JSON.parse(row.props) as NonNullable<HubMessage['props']>;
  return msg;
}
