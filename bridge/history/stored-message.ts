/** A message as the log and the events table keep it: the message's fields, data as JSON text. */
import type { HubMessage, MessageKind } from '../../protocol/message.js';

export const MESSAGE_COLUMNS = 'seq, ts, topic, device, kind, data';

export interface StoredMessage {
  seq: number;
  ts: number;
  topic: string;
  device: string | null;
  kind: MessageKind;
  data: string;
}

export function decodeMessage(row: StoredMessage): HubMessage {
  return { seq: row.seq, ts: row.ts, topic: row.topic, device: row.device, kind: row.kind, data: JSON.parse(row.data) };
}
