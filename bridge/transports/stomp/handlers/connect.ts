/**
 * CONNECT and STOMP (§CONNECT or STOMP Frame): version, heart-beats, then who the client is.
 * With a users file, the client shows it by `login` and `passcode`, by an `Authorization:
 * Bearer <session token>` header in the frame, or by the session cookie or token of the HTTP
 * request that opened the connection; open access needs none. Device accounts are MQTT only.
 */
import type { User } from '../../../../auth/index.js';
import { type Result, fail, ok } from '../../../../protocol/errors.js';
import { ANONYMOUS } from '../../../access/access.js';
import { header } from '../frame.js';
import { negotiateHeartBeats, negotiateVersion } from '../negotiate.js';
import type { StompSession } from '../stomp-session.js';
import type { FrameHandler } from './handler.js';

const SERVER = 'fleetwire';

async function identify(s: StompSession, login: string | undefined, passcode: string | undefined, authorization: string | undefined): Promise<Result<User>> {
  const { access } = s.deps;
  if (access.open) return ok(ANONYMOUS);
  if (login !== undefined) return access.login(login, passcode ?? '', s.address);
  if (authorization !== undefined) {
    const user = authorization.startsWith('Bearer ') ? access.sessions.user(authorization.slice(7).trim()) : undefined;
    return user ? ok(user) : fail('unauthorized', 'the bearer token is not a live session: POST /api/login for a new one');
  }
  return s.transportUser ? ok(s.transportUser) : fail('unauthorized', 'log in first: CONNECT with login and passcode, or open the connection with the session cookie or a bearer token');
}

export const connect: FrameHandler = async (s, frame) => {
  if (s.state === 'connected') return fail('bad_request', 'already connected');
  const version = negotiateVersion(header(frame, 'accept-version'));
  if (!version.ok) return version;
  const beats = negotiateHeartBeats(header(frame, 'heart-beat'), s.deps.limits.stompHeartbeatMs);
  if (!beats.ok) return beats;
  const user = await identify(s, header(frame, 'login'), header(frame, 'passcode'), header(frame, 'authorization') ?? header(frame, 'Authorization'));
  if (!user.ok) return user;
  s.connected(user.value, version.value, beats.value);
  s.send({
    command: 'CONNECTED',
    headers: [
      ['version', version.value],
      ['heart-beat', `${beats.value.outgoing},${beats.value.incoming}`],
      ['server', SERVER],
      ['session', s.key],
      ['user-name', user.value.name],
    ],
  });
  return ok('answered');
};
