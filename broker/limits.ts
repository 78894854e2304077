/** The broker's limits: one typed defaults object, merged by spread and checked once. */

export interface BrokerLimits {
  /** Largest packet a client may send, bytes, fixed header included. Checked from the header, before the body is buffered. 0 = the protocol's own maximum (256 MiB). */
  maxPacketSize: number;
  /** Most `/`-separated levels in a topic or filter, 1-100 (Aedes' router stops at 100). 0 = 100. */
  maxTopicLevels: number;
  /** Open MQTT connections across TCP, TLS and WebSocket. 0 = unlimited. */
  maxConnections: number;
  /** CONNECTs accepted per client id per minute. A new connection takes over the old one [MQTT-3.1.4-2], so two clients sharing an id would otherwise evict each other in a loop. 0 = unlimited. */
  connectsPerClientIdPerMinute: number;
  /** PUBLISH packets a client may send per second; past it the broker stops reading from that client until the next second (TCP pushes back). 0 = unlimited. */
  publishesPerSecond: number;
  /** Largest keepalive a client may ask for, seconds; a client asking for more is refused ("identifier rejected", as mosquitto's max_keepalive). 0 = no limit. */
  maxKeepaliveSeconds: number;
  /** ms a new connection has to send CONNECT (and a TLS client to finish its handshake). 0 = 30 s, Aedes' default. */
  connectTimeoutMs: number;
  /** ms a subscriber's socket may stay full before it is disconnected, so a frozen subscriber cannot hold messages (and memory) for ever. 0 = wait forever (unsafe). */
  drainTimeoutMs: number;
  /** Bytes that may wait to be sent to one client; past it the client is disconnected as too slow (a persistent session keeps its QoS 1/2 messages). 0 = unlimited. */
  maxBufferedBytes: number;
  /** Distinct topic filters one client may subscribe to; past it a SUBSCRIBE gets the 0x80 failure code. 0 = unlimited. */
  maxSubscriptionsPerClient: number;
  /** QoS 1/2 messages kept for each persistent session; newer ones are dropped beyond it (mosquitto's max_queued_messages). 0 = unlimited. */
  maxQueuedMessages: number;
  /** Unacknowledged inbound messages per client: QoS 2 awaiting PUBREL, and for MQTT 5 clients also QoS 1 awaiting PUBACK (advertised to them as Receive Maximum). Past it the client is disconnected (MQTT 5: reason 0x93). 0 = unlimited. */
  maxInflightInbound: number;
  /** Failed logins per remote address per minute; past it logins from there are refused without checking the password (each check costs a scrypt). 0 = unlimited. */
  authFailuresPerMinute: number;
}

/** The MQTT remaining length tops out at 268,435,455 [MQTT-2.2.3]; plus at most 5 header bytes. */
export const PROTOCOL_MAX_PACKET = 268_435_455 + 5;
const MAX_TOPIC_LEVELS = 100;

export const BROKER_LIMITS: Readonly<BrokerLimits> = {
  maxPacketSize: 256 * 1024,
  maxTopicLevels: 32,
  maxConnections: 20_000,
  connectsPerClientIdPerMinute: 30,
  publishesPerSecond: 1_000,
  maxKeepaliveSeconds: 3_600,
  connectTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxSubscriptionsPerClient: 1_000,
  maxQueuedMessages: 1_000,
  maxInflightInbound: 100,
  authFailuresPerMinute: 10,
};

/** Merges `given` over the defaults; throws one line naming the first bad field. 0s are resolved to what they mean. */
export function resolveLimits(given: Partial<BrokerLimits> = {}): BrokerLimits {
  const limits: BrokerLimits = { ...BROKER_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`broker limit ${name} must be a whole number, 0 or more (got ${String(value)})`);
  }
  if (limits.maxTopicLevels > MAX_TOPIC_LEVELS) throw new Error(`broker limit maxTopicLevels must be at most ${MAX_TOPIC_LEVELS}`);
  if (limits.maxPacketSize > PROTOCOL_MAX_PACKET) throw new Error(`broker limit maxPacketSize must be at most ${PROTOCOL_MAX_PACKET} bytes`);
  return {
    ...limits,
    maxPacketSize: limits.maxPacketSize || PROTOCOL_MAX_PACKET,
    maxTopicLevels: limits.maxTopicLevels || MAX_TOPIC_LEVELS,
    connectTimeoutMs: limits.connectTimeoutMs || 30_000,
  };
}
