/**
 * Reading a message's MQTT 5 request/response properties (docs/CONTRACT.md "MQTT 5"): the hub
 * sends each command to a v5 device with the command id as Correlation Data, and the device's
 * ack may carry it back instead of an `id` in its JSON (MQTT 5 §4.10). Pure and free of Node's
 * Buffer: the hub and the dashboard read acks the same way.
 */
import type { HubMessage, MessageProps } from './message.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The Correlation Data as UTF-8 text; null when there is none or it is not UTF-8. */
export function correlationText(props: MessageProps | undefined): string | null {
  // Read as untrusted: the dashboard gets messages off the network.
  const base64: unknown = props?.correlationData?.base64;
  if (typeof base64 !== 'string') return null;
  try {
    return utf8.decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/**
 * The command an `ack` message answers: the Correlation Data the hub gave the command when the
 * device sent it back as text, else the `id` of its JSON; null for any other message.
 */
export function ackCommandId(msg: Pick<HubMessage, 'kind' | 'data' | 'props'>): string | null {
  if (msg.kind !== 'ack') return null;
  const correlated = correlationText(msg.props);
  if (correlated !== null && correlated !== '') return correlated;
  const data = msg.data;
  const id = typeof data === 'object' && data !== null && !Array.isArray(data) ? data.id : undefined;
  return typeof id === 'string' ? id : null;
}
