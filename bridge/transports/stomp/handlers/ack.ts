/**
 * ACK and NACK (§ACK, §NACK). STOMP 1.2 names the message by the MESSAGE's `ack` header in
 * `id`; 1.1 by `message-id` and `subscription`; 1.0 by `message-id` alone.
 */
import { type Result, fail, ok } from '../../../../protocol/errors.js';
import { header } from '../frame.js';
import type { StompSession } from '../stomp-session.js';
import type { Subscription } from '../subscription.js';
import type { StompFrame } from '../frame.js';
import { type FrameHandler, NO_HEADERS } from './handler.js';

const SEQ = /^\d{1,16}$/;

function target(s: StompSession, frame: StompFrame): Result<{ sub: Subscription; seq: number }> {
  let seqText: string | undefined;
  let subId: string | undefined;
  if (s.version === '1.2') {
    const id = header(frame, 'id') ?? '';
    const slash = id.indexOf('/');
    if (slash === -1) return fail('bad_request', `${frame.command} needs the id header of the MESSAGE's ack header`);
    seqText = id.slice(0, slash);
    subId = id.slice(slash + 1);
  } else {
    seqText = header(frame, 'message-id');
    subId = header(frame, 'subscription');
  }
  if (seqText === undefined || !SEQ.test(seqText)) return fail('bad_request', `${frame.command} names no message this connection received`);
  const seq = Number(seqText);
  const sub = subId !== undefined ? s.subscriptions.get(subId) : [...s.subscriptions.values()].find((x) => x.ack !== 'auto');
  if (!sub) return fail('bad_request', `${frame.command} names no subscription of this connection`);
  if (sub.ack === 'auto') return fail('bad_request', `subscription ${JSON.stringify(sub.id.slice(0, 80))} is ack:auto: it takes no ${frame.command}`);
  return ok({ sub, seq });
}

/** ACK and NACK both end the wait (subscription.ts): a NACKed message stays in history for a resume. */
export const settle: FrameHandler = (s, frame) => {
  const t = target(s, frame);
  if (!t.ok) return t;
  const done = t.value.sub.settle(t.value.seq);
  return done.ok ? ok(NO_HEADERS) : done;
};
