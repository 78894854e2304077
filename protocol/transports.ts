/** The push methods a page can pick, by name. Pure, shared with the tests. */

export const TRANSPORT_KINDS = ['sse', 'ws', 'long-poll', 'short-poll', 'iframe'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

export const TRANSPORT_LABELS: Record<TransportKind, string> = {
  sse: 'Server-Sent Events',
  ws: 'WebSocket',
  'long-poll': 'Long polling',
  'short-poll': 'Short polling',
  iframe: 'Iframe streaming',
};

export const isTransportKind = (s: string | null): s is TransportKind => s !== null && (TRANSPORT_KINDS as readonly string[]).includes(s);
