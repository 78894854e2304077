/** The shape every frame handler has: check the frame, act, and say what the RECEIPT adds. */
import type { Result } from '../../../../protocol/errors.js';
import type { Headers, StompFrame } from '../frame.js';
import type { StompSession } from '../stomp-session.js';

/** Extra RECEIPT headers on success, or `answered` when the handler has replied itself (CONNECT, DISCONNECT). */
export type Handled = Result<Headers | 'answered'>;

export type FrameHandler = (session: StompSession, frame: StompFrame) => Handled | Promise<Handled>;

export const NO_HEADERS: Headers = [];
