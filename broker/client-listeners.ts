/**
 * Aedes 2.0.0-beta.1's Client constructor (lib/client.js) hangs functions of its own on every
 * connection: a bound emit('error') on the stream and another on its parser, a bound close() on
 * the stream's 'end', and finished(stream, close), whose end-of-stream listeners and their
 * context make up most of it; ~1 KB a connection in all. They are swapped for functions
 * shared by every client, which find theirs through the back-references Aedes sets
 * (`conn.client`, `parser.client`), while the exact pin of the beta keeps these fields stable.
 *
 * The stream's 'close' stands for finished(): a stream emits it once it is destroyed (after an
 * error, a premature close, or both ends done), and an 'error' has closed the client through
 * the error listener before that. Aedes' close() is idempotent.
 *
 * The client's and the parser's listener tables are compacted too (compactListeners).
 */
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import { bare } from './prototype-safe.js';

interface ClientInternals {
  conn: Duplex & { client?: Client };
  _parser?: EventEmitter & { client?: Client };
  /** finished()'s cleanup: removes its listeners. Aedes calls it once in close(). */
  _eos: () => void;
}

type WithClient = { client?: Client };

function emitClientError(this: WithClient, err?: Error): void {
  this.client?.emit('error', err);
}
function closeClient(this: WithClient): void {
  this.client?.close();
}
function noop(): void {}

/** Swaps the one listener Aedes bound itself (`bound <name>`) on `event` for `shared`; false when there is none. */
function swapBound(emitter: EventEmitter, event: string, name: string, shared: (this: WithClient, err?: Error) => void): boolean {
  const bound = emitter.listeners(event).find((fn) => fn.name === `bound ${name}`);
  if (!bound) return false;
  emitter.removeListener(event, bound as (...args: unknown[]) => void);
  emitter.on(event, shared);
  return true;
}

/**
 * An emitter's listener table (`_events`), a null-prototype literal as EventEmitter makes it,
 * is a dictionary in V8 (~180 bytes); copied into an object whose prototype has no members it
 * is a fast one (~40). `last` goes in last, as deleting the property added last keeps an
 * object fast: Aedes removes its once('connected') listener after CONNECT.
 */
function compactListeners(emitter: EventEmitter, last?: string): void {
  const table = (emitter as unknown as { _events?: Record<string | symbol, unknown> })._events;
  if (!table) return;
  const compact = bare() as Record<string | symbol, unknown>;
  const keys = Reflect.ownKeys(table);
  for (const key of keys) if (key !== last) compact[key] = table[key];
  if (last !== undefined && keys.includes(last)) compact[last] = table[last];
  (emitter as unknown as { _events: object })._events = compact;
}

/**
 * Call on the Client `aedes.handle()` returns, before it reads. A stream already destroyed
 * keeps Aedes' own listeners: its 'close' may have gone by.
 */
export function shareClientListeners(client: Client): void {
  const c = client as unknown as ClientInternals;
  const { conn, _parser: parser } = c;
  if (conn.destroyed || conn.client !== client || parser?.client !== client) return;
  if (!swapBound(conn, 'end', 'close', closeClient)) return;
  c._eos();
  c._eos = noop;
  conn.on('close', closeClient);
  swapBound(conn, 'error', 'emit', emitClientError);
  swapBound(parser, 'error', 'emit', emitClientError);
  compactListeners(parser);
  compactListeners(client, 'connected');
}
