/**
 * What a browser may send on `GET /ws` (CONTRACT.md): one handler per op, one dispatch. Every
 * frame is checked before it changes anything; a bad one gets `{"op":"error"}` (ws.ts) and the
 * socket stays open, up to a budget of bad frames per minute.
 */
import type { User } from '../../auth/index.js';
import { type Result, fail, ok } from '../../protocol/errors.js';
import { parseJson } from '../../protocol/json-bounds.js';
import type { ClientFrame, ServerFrame } from '../../protocol/message.js';
import type { Subscriber } from '../hub/subscriber.js';
import { parseFilters, parseSeq } from '../../http/params.js';
import type { TransportDeps } from './transport-deps.js';

/** One open socket as the op handlers see it. */
export interface WsSession {
  readonly sub: Subscriber;
  readonly user: User;
  /** The filters this socket subscribed to. */
  own: string[];
  send(frame: ServerFrame): void;
}

type Op = ClientFrame['op'];
type FrameOf<K extends Op> = Extract<ClientFrame, { op: K }>;
type JsonObject = { [key: string]: unknown };

const PARSERS: { [K in Op]: (raw: JsonObject, maxFilters: number) => Result<FrameOf<K>> } = {
  subscribe(raw, maxFilters) {
    const topics = Array.isArray(raw.topics) ? parseFilters(raw.topics, maxFilters) : fail('bad_filter', '"topics" must be an array of MQTT topic filters');
    if (!topics.ok) return topics;
    const since = parseSeq(raw.since, '"since"');
    if (!since.ok) return since;
    return ok(since.value === null ? { op: 'subscribe', topics: topics.value } : { op: 'subscribe', topics: topics.value, since: since.value });
  },
  unsubscribe(raw) {
    const topics = raw.topics;
    if (!Array.isArray(topics) || !topics.every((t) => typeof t === 'string')) return fail('bad_filter', '"topics" must be an array of strings');
    return ok({ op: 'unsubscribe', topics: topics as string[] });
  },
  command(raw) {
    if (typeof raw.device !== 'string' || typeof raw.name !== 'string') return fail('bad_request', 'a command needs "device" and "name" strings');
    return ok({ op: 'command', device: raw.device, name: raw.name, args: raw.args as FrameOf<'command'>['args'] });
  },
};

const HANDLERS: { [K in Op]: (s: WsSession, frame: FrameOf<K>, deps: TransportDeps) => Result<true> } = {
  subscribe(s, frame, deps) {
    const filters = [...new Set([...s.own, ...frame.topics])];
    if (filters.length > deps.limits.maxFilters) return fail('bad_filter', `at most ${deps.limits.maxFilters} topic filters per socket`);
    s.own = filters;
    deps.hub.setFilters(s.sub, filters);
    // `since` restarts this socket's stream for all its filters: send the last seq you have.
    if (frame.since !== undefined) s.sub.rewind(frame.since);
    return ok(true);
  },
  unsubscribe(s, frame, deps) {
    const gone = new Set(frame.topics);
    s.own = s.own.filter((f) => !gone.has(f));
    deps.hub.setFilters(s.sub, s.own);
    return ok(true);
  },
  command(s, frame, deps) {
    // Rights as they are now: the users file may have been reloaded since the socket opened.
    const user = deps.access.current(s.user);
    if (!user) return fail('unauthorized', `${s.user.name} no longer has this login; log in again`);
    if (user.role !== 'admin') return fail('forbidden', `sending commands needs the admin role; ${user.name} is ${user.role}`);
    const sent = deps.commands.send({ device: frame.device, name: frame.name, args: frame.args, sender: s.sub.key });
    if (!sent.ok) return sent;
    s.send({ op: 'command', id: sent.value.id, status: sent.value.status });
    return ok(true);
  },
};

const isOp = (op: unknown): op is Op => typeof op === 'string' && Object.hasOwn(HANDLERS, op);

function parseFrame(text: string, maxFilters: number): Result<ClientFrame> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed.code === 'bad_json' ? fail('bad_json', 'frame is not JSON') : parsed;
  const raw = parsed.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('bad_request', 'frame must be a JSON object');
  const op = (raw as JsonObject).op;
  if (!isOp(op)) return fail('bad_request', `"op" must be one of ${Object.keys(HANDLERS).join(', ')}`);
  return PARSERS[op](raw as JsonObject, maxFilters);
}

/** Handles one frame from the browser; the error is what it could not do (the caller answers it). Never throws. */
export function dispatch(s: WsSession, data: Buffer, isBinary: boolean, deps: TransportDeps): Result<true> {
  const frame = isBinary ? fail<ClientFrame>('bad_request', 'frames must be JSON text, not binary') : parseFrame(data.toString('utf8'), deps.limits.maxFilters);
  return frame.ok ? (HANDLERS[frame.value.op] as (s: WsSession, f: ClientFrame, d: TransportDeps) => Result<true>)(s, frame.value, deps) : frame;
}
