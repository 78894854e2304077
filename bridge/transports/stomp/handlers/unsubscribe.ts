/** UNSUBSCRIBE (§UNSUBSCRIBE): by `id` (1.0 also by destination, which names an id-less subscription). */
import { fail, ok } from '../../../../protocol/errors.js';
import { header } from '../frame.js';
import { type FrameHandler, NO_HEADERS } from './handler.js';

export const unsubscribe: FrameHandler = (s, frame) => {
  const id = header(frame, 'id') ?? (s.version === '1.0' ? header(frame, 'destination') : undefined);
  if (id === undefined) return fail('bad_request', 'UNSUBSCRIBE needs an id header');
  const sub = s.subscriptions.get(id);
  if (!sub) return fail('bad_request', `no subscription ${JSON.stringify(id.slice(0, 80))} on this connection`);
  sub.close();
  s.subscriptions.delete(id);
  return ok(NO_HEADERS);
};
