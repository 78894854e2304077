/**
 * What CONNECT settles (STOMP 1.2 §Protocol Negotiation, §Heart-beating): the version both
 * sides speak, and how often each side sends heart-beats. Pure.
 */
import { type Result, fail, ok } from '../../../protocol/errors.js';
import { STOMP_SUBPROTOCOLS } from '../../../protocol/stomp.js';
import { STOMP_VERSIONS, type StompVersion } from './frame.js';

/** The subprotocol to answer a WebSocket upgrade with, best first; false: none offered (STOMP still works). */
export function pickSubprotocol(offered: ReadonlySet<string>): string | false {
  return STOMP_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false;
}

/** The highest version both speak; a CONNECT without `accept-version` is 1.0 (§Protocol Negotiation). */
export function negotiateVersion(acceptVersion: string | undefined): Result<StompVersion> {
  if (acceptVersion === undefined) return ok('1.0');
  const offered = new Set(acceptVersion.split(',').map((v) => v.trim()));
  const version = STOMP_VERSIONS.find((v) => offered.has(v));
  return version ? ok(version) : fail('bad_request', `supported protocol versions are ${STOMP_VERSIONS.join(' ')}`);
}

export interface HeartBeats {
  /** ms between heart-beats the server sends; 0: none. */
  outgoing: number;
  /** ms the client promised between frames or heart-beats; 0: it sends none. */
  incoming: number;
}

const HEART_BEAT = /^(\d{1,9}),(\d{1,9})$/;

/**
 * `heart-beat:cx,cy` against the server's `serverMs` both ways: each direction runs at the
 * slower of what one side can do and the other wants, and not at all if either says 0.
 * The server's own figure is a floor, so a client cannot ask for a flood.
 */
export function negotiateHeartBeats(value: string | undefined, serverMs: number): Result<HeartBeats> {
  if (value === undefined) return ok({ outgoing: 0, incoming: 0 });
  const m = HEART_BEAT.exec(value.trim());
  if (!m) return fail('bad_request', 'heart-beat must be two whole numbers of ms, such as heart-beat:10000,10000');
  const cx = Number(m[1]);
  const cy = Number(m[2]);
  return ok({ outgoing: cy === 0 ? 0 : Math.max(serverMs, cy), incoming: cx === 0 ? 0 : Math.max(serverMs, cx) });
}
