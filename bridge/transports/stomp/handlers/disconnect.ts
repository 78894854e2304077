/** DISCONNECT (§DISCONNECT): the RECEIPT, if asked for, is the last frame; then the connection closes. */
import { ok } from '../../../../protocol/errors.js';
import type { FrameHandler } from './handler.js';

export const disconnect: FrameHandler = (s, frame) => {
  s.receipt(frame);
  s.end();
  return ok('answered');
};
