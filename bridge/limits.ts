/**
 * Every bound the bridge keeps, in one typed defaults object (merged by spread, checked once):
 * queues, payloads, pages and scans all have a limit so no client can grow memory without end.
 * 0 never means "off" or "no limit" here: every limit must be a positive whole number.
 */
import { MAX_FILTERS } from '../protocol/topic-filter.js';

export interface BridgeLimits {
  /** Messages queued per subscriber; past it the subscriber drops its queue and catches up from the store. */
  queueLength: number;
  /** Bytes (of message JSON) queued per subscriber; past it, as past queueLength. */
  queueBytes: number;
  /** Bytes of message JSON handed to a transport in one write (at least one message). */
  batchBytes: number;
  /** Subscribers at once across every transport (streams, sockets, waiting long polls); more get 429. */
  maxSubscribers: number;
  /** Topic filters per subscriber. */
  maxFilters: number;
  /** Largest device payload carried, bytes; a larger one is rejected. */
  maxPayloadBytes: number;
  /** Messages read from the store per page while a subscriber replays. */
  pageSize: number;
  /** Largest `limit` a poll may ask for; also the default. */
  maxPollLimit: number;
  /** Longest long poll, s (CONTRACT.md: at most 60). */
  maxPollTimeoutS: number;
  /** Long poll `timeout` when none is given, s. */
  defaultPollTimeoutS: number;
  /** ms between keep-alive comments on SSE and iframe streams (CONTRACT.md: at most 15 000). */
  heartbeatMs: number;
  /** ms a transport may refuse writes (no `drain`) before its subscriber is cut off. */
  stallTimeoutMs: number;
  /** Bytes buffered on a WebSocket before it counts as full. */
  wsHighWaterBytes: number;
  /** ms between WebSocket pings; a socket that did not answer the previous one is ended. */
  pingIntervalMs: number;
  /** Largest WebSocket frame or request body a browser may send, bytes. */
  maxFrameBytes: number;
  /** Bad frames one WebSocket may send per minute (each answered with an error frame while its buffer has room); past it the socket is closed 1008. */
  wsBadFramesPerMinute: number;
  /** Commands pending at once; more get 429. */
  maxPendingCommands: number;
  /** Senders remembered for pushing command results (see hub/follows.ts). */
  maxFollows: number;
  /** Bytes one iframe page may grow to; then it ends, asking the parent to reload it with `since` (the browser keeps every script). */
  iframePageBytes: number;
  /** ms an EventSource waits before reconnecting (sent as `retry:`). */
  sseRetryMs: number;
  /** Devices the registry tracks; messages from further new ids are still carried, just not registered. */
  maxDevices: number;
  /** Login sessions kept at once; past it the oldest session of the user holding the most is dropped. */
  maxSessions: number;
  /** Login sessions one user holds at once; past it that user's oldest is dropped. */
  maxSessionsPerUser: number;
  /** Successful logins per user per minute; more get 429 (so no one account can churn the session table). */
  loginsPerUserPerMinute: number;
  /** ms a login session lasts. */
  sessionTtlMs: number;
  /** STOMP heart-beat the hub offers both ways, ms (a client may ask for slower, never faster); also how long a connection may wait before CONNECT. */
  stompHeartbeatMs: number;
  /** SUBSCRIBEs one STOMP connection may hold. */
  stompMaxSubscriptions: number;
  /** Header lines in one STOMP frame. */
  stompMaxHeaders: number;
  /** Bytes of a STOMP frame's command and header lines (the frame as a whole is bounded by maxFrameBytes). */
  stompMaxHeaderBytes: number;
  /** Messages a STOMP subscription with ack:client or client-individual sends before it waits for an ACK or NACK. */
  stompAckWindow: number;
}

export const DEFAULT_LIMITS: BridgeLimits = {
  queueLength: 1000,
  queueBytes: 256 * 1024,
  batchBytes: 64 * 1024,
  maxSubscribers: 5000,
  maxFilters: MAX_FILTERS,
  maxPayloadBytes: 64 * 1024,
  pageSize: 500,
  maxPollLimit: 1000,
  maxPollTimeoutS: 60,
  defaultPollTimeoutS: 30,
  heartbeatMs: 15_000,
  stallTimeoutMs: 5000,
  wsHighWaterBytes: 64 * 1024,
  pingIntervalMs: 30_000,
  maxFrameBytes: 64 * 1024,
  wsBadFramesPerMinute: 100,
  maxPendingCommands: 1000,
  maxFollows: 10_000,
  iframePageBytes: 4 * 1024 * 1024,
  sseRetryMs: 2000,
  maxDevices: 100_000,
  maxSessions: 10_000,
  maxSessionsPerUser: 100,
  loginsPerUserPerMinute: 30,
  sessionTtlMs: 12 * 3_600_000,
  stompHeartbeatMs: 10_000,
  stompMaxSubscriptions: 64,
  stompMaxHeaders: 64,
  stompMaxHeaderBytes: 8 * 1024,
  stompAckWindow: 100,
};

/** Merges `overrides` over the defaults; throws on a limit that is not a positive whole number or breaks the contract. */
export function resolveLimits(overrides: Partial<BridgeLimits> = {}): BridgeLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`bridge limit ${name} must be a positive whole number, got ${String(value)}`);
  }
  if (limits.heartbeatMs > 15_000) throw new Error('bridge limit heartbeatMs must be at most 15000 (a comment at least every 15 s)');
  if (limits.maxPollTimeoutS > 60) throw new Error('bridge limit maxPollTimeoutS must be at most 60');
  if (limits.defaultPollTimeoutS > limits.maxPollTimeoutS) throw new Error('bridge limit defaultPollTimeoutS must not exceed maxPollTimeoutS');
  return limits;
}
