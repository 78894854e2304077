/**
 * STOMP frames as the codec sees them (STOMP 1.2 §Frames and Headers). A frame is a command,
 * ordered headers (a name may repeat: only the first counts, §Repeated Header Entries) and a
 * body of bytes. Nothing here does I/O.
 */

export const STOMP_VERSIONS = ['1.2', '1.1', '1.0'] as const;
export type StompVersion = (typeof STOMP_VERSIONS)[number];

/** Frames a client may send (§Client Frames). */
export const CLIENT_COMMANDS = ['CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

/** Frames the server sends (§Server Frames). */
export type ServerCommand = 'CONNECTED' | 'MESSAGE' | 'RECEIPT' | 'ERROR';

export type Headers = readonly (readonly [name: string, value: string])[];

export interface StompFrame<C extends string = string> {
  command: C;
  headers: Headers;
  body: Buffer;
}

export interface OutgoingFrame {
  command: ServerCommand;
  headers: Headers;
  /** Text: every body the hub sends is UTF-8 (JSON or the sender's text). */
  body?: string;
}

export const isClientCommand = (s: string): s is ClientCommand => (CLIENT_COMMANDS as readonly string[]).includes(s);

/** The first value of header `name`, as §Repeated Header Entries says. */
export function header(frame: { headers: Headers }, name: string): string | undefined {
  for (const [k, v] of frame.headers) if (k === name) return v;
  return undefined;
}

/** CONNECT and CONNECTED headers are never escaped (§Value Encoding), nor any in 1.0. */
export const escapesHeaders = (command: string, version: StompVersion): boolean => version !== '1.0' && command !== 'CONNECT' && command !== 'CONNECTED';
