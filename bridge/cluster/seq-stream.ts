/**
 * The cluster's one message order, in Redis: a counter gives each message its seq and a stream
 * holds the messages under the ids `<seq>-0`, both in one Lua script, so stream order IS seq
 * order and no two messages ever share a seq. Every node (the origin too) reads the stream and
 * applies what it reads. https://redis.io/docs/latest/develop/data-types/streams/
 */
import type { Redis } from 'ioredis';
import type { HubMessage } from '../../protocol/message.js';
import type { MessageEntry } from '../ingest/sequencer.js';

export interface StreamKeys {
  counter: string;
  stream: string;
}

export const DEFAULT_KEYS: StreamKeys = { counter: 'fleetwire:seq', stream: 'fleetwire:messages' };

// KEYS: counter, stream. ARGV: the caller's last applied seq, the stream's length bound, the
// origin token, the entry (JSON, with ts). The counter never ends up below the caller's last
// seq: a node that ran alone before joining, or a Redis that lost its data, reuses no seq.
const APPEND = `
local seq = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if seq <= floor then
  seq = floor + 1
  redis.call('SET', KEYS[1], seq)
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 'o', ARGV[3], 'm', ARGV[4])`;
const SUBMIT = `${APPEND}
return seq`;

// KEYS: counter, stream, the guard's hash. ARGV: as SUBMIT's, then the field, from, to, basis.
// The guard (sequencer.ts Guard, guardPasses) is checked and set in the same script that takes
// the seq, so two nodes proposing one change cannot both pass. A field is "<seq> <state>".
// Returns the seq, or 0 when the guard refused.
const PROPOSE = `
local current = redis.call('HGET', KEYS[3], ARGV[5])
if current then
  local at, state = string.match(current, '^(%d+) (.*)$')
  if state ~= ARGV[6] or tonumber(at) > tonumber(ARGV[8]) then return 0 end
end
${APPEND}
redis.call('HSET', KEYS[3], ARGV[5], seq .. ' ' .. ARGV[7])
return seq`;

/** The hash holding one guard scope's fields, beside the sequencer's keys. */
export const guardKey = (keys: StreamKeys, scope: string): string => `${keys.counter}:guard:${scope}`;

// KEYS: counter, stream. ARGV: the node's last seq. Run when a node starts and after every
// reconnect: lifts the counter to at least the node's last seq (it may have run alone before
// joining) and the stream's last id (in case the counter key alone was lost), so no seq is
// reused and XADD never meets an id below the stream's top.
const LIFT = `
local top = tonumber(ARGV[1])
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if last[1] then top = math.max(top, tonumber(string.match(last[1][1], '^%d+'))) end
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < top then redis.call('SET', KEYS[1], top) end
return top`;

interface SeqCommands {
  fleetwireSubmit(counter: string, stream: string, floor: number, maxLen: number, origin: string, entry: string): Promise<number>;
  fleetwireLift(counter: string, stream: string, last: number): Promise<number>;
  fleetwirePropose(counter: string, stream: string, guard: string, floor: number, maxLen: number, origin: string, entry: string, field: string, from: string, to: string, basis: number): Promise<number>;
}

/** Registers the scripts on a connection (ioredis sends them by SHA, loading them when missing). */
export function defineSeqCommands(conn: Redis): SeqCommands {
  conn.defineCommand('fleetwireSubmit', { numberOfKeys: 2, lua: SUBMIT });
  conn.defineCommand('fleetwireLift', { numberOfKeys: 2, lua: LIFT });
  conn.defineCommand('fleetwirePropose', { numberOfKeys: 3, lua: PROPOSE });
  return conn as unknown as SeqCommands;
}

/** A stream entry as read back: the seq from its id, who submitted it, and the message. */
export interface StreamEntry {
  seq: number;
  origin: string;
  msg: HubMessage | null;
}

export const encodeEntry = (entry: MessageEntry, ts: number): string => JSON.stringify({ ts, ...entry });

/** Decodes one XREAD entry; `msg` is null when the entry is not a message this code wrote. */
export function decodeEntry(id: string, fields: string[]): StreamEntry {
  const seq = Number.parseInt(id, 10);
  let origin = '';
  let msg: HubMessage | null = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'o') origin = fields[i + 1] as string;
    else if (fields[i] === 'm') {
      try {
        const body = JSON.parse(fields[i + 1] as string) as Omit<HubMessage, 'seq'>;
        if (typeof body.topic === 'string' && typeof body.ts === 'number' && typeof body.kind === 'string') msg = { ...body, seq };
      } catch {
        msg = null;
      }
    }
  }
  return { seq, origin, msg };
}

/**
 * The highest seq the stream may have lost (trimmed or deleted), 0 when it lost none or does not
 * exist. From XINFO STREAM (Redis ≥ 7): when fewer entries remain than were ever added, all
 * below the first remaining one may be gone (MAXLEN trimming does not move max-deleted-entry-id).
 */
export async function trimmedThrough(conn: Redis, stream: string): Promise<number> {
  let info: unknown[];
  try {
    info = (await conn.call('XINFO', 'STREAM', stream)) as unknown[];
  } catch (err) {
    if (err instanceof Error && /no such key/i.test(err.message)) return 0;
    throw err;
  }
  const field = (name: string): number => {
    const at = info.indexOf(name);
    return at === -1 ? 0 : Number.parseInt(String(info[at + 1]), 10) || 0;
  };
  const deleted = field('max-deleted-entry-id');
  if (field('entries-added') <= field('length')) return deleted;
  return Math.max(deleted, field('recorded-first-entry-id') - 1);
}

/** True when the stream holds an entry with a seq in [from, to]. */
export async function holdsBetween(conn: Redis, stream: string, from: number, to: number): Promise<boolean> {
  if (from > to) return false;
  const rows = await conn.xrange(stream, `${from}-0`, `${to}-0`, 'COUNT', 1);
  return rows.length > 0;
}
