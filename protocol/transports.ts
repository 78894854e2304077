/**
 * The browser push methods by name, and the HTTP paths of the hub, shared by the server's
 * routes and the dashboard's calls, so a rename fails the type check on both sides. The names
 * are also the `transport` label of the bridge's metrics.
 */

export const TRANSPORT_KINDS = ['sse', 'ws', 'long-poll', 'short-poll', 'iframe', 'stomp', 'sockjs'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

export const TRANSPORT_LABELS: Record<TransportKind, string> = {
  sse: 'Server-Sent Events',
  ws: 'WebSocket',
  'long-poll': 'Long polling',
  'short-poll': 'Short polling',
  iframe: 'Iframe streaming',
  stomp: 'STOMP (WebSocket)',
  sockjs: 'STOMP over SockJS',
};

export const isTransportKind = (s: string | null): s is TransportKind => s !== null && (TRANSPORT_KINDS as readonly string[]).includes(s);

/** Where each push method is served (docs/CONTRACT.md "HTTP"). */
export const TRANSPORT_PATHS: Record<TransportKind, string> = {
  sse: '/events',
  ws: '/ws',
  'long-poll': '/api/poll',
  'short-poll': '/api/messages',
  iframe: '/stream/iframe',
  stomp: '/stomp',
  /** The SockJS prefix: its transports live under it. */
  sockjs: '/sockjs',
};

/** The REST paths; `:id` is one path segment (fill it with withId). */
export const API_PATHS = {
  devices: '/api/devices',
  device: '/api/devices/:id',
  deviceCommands: '/api/devices/:id/commands',
  commands: '/api/commands',
  command: '/api/commands/:id',
  export: '/api/export',
  retention: '/api/retention',
  alertRules: '/api/alert-rules',
  alertRule: '/api/alert-rules/:id',
  alertRuleTest: '/api/alert-rules/:id/test',
  alerts: '/api/alerts',
  alertAck: '/api/alerts/:id/ack',
  history: '/api/history',
  events: '/api/events',
  login: '/api/login',
  logout: '/api/logout',
  session: '/api/session',
  labRate: '/api/lab/rate',
} as const;

/** `path` with its `:id` segment filled in, URI-encoded. */
export const withId = (path: string, id: string): string => path.replace(':id', encodeURIComponent(id));
