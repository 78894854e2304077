/**
 * What each Aedes client's MQTT parser (mqtt-packet parser.js) keeps per connection, cut down:
 * - the bytes of a packet in progress go to a `bl` BufferListStream: a whole Duplex stream,
 *   ~1 KB of stream state, of which the parser uses only the buffer-list methods (append,
 *   consume, slice, read*). The plain BufferList of the same `bl`, which that stream is built
 *   on, does the same in ~100 bytes. After a parse error mqtt-packet makes a new stream, but
 *   Aedes closes the connection then;
 * - its list of state names, the same four in every parser, becomes one shared list;
 * - once CONNECT is parsed, `settings` is that whole packet (client id, user name, password,
 *   will), held for the life of the connection though the parser reads only its protocol
 *   level and bridge flag: one shared object per pair stands in for it.
 */
import { createRequire } from 'node:module';
import type { Client, ConnectPacket } from 'aedes';

interface BufferListModule {
  (): object;
  BufferList: new () => object;
}

// The copy of bl that mqtt-packet itself loads, whatever the install layout.
const requireFromParser = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const bl = requireFromParser('bl') as BufferListModule;

interface Settings {
  readonly protocolVersion: ConnectPacket['protocolVersion'];
  readonly bridgeMode: boolean;
}

type WithParser = { _parser?: { _list?: object; _states?: readonly string[]; settings?: unknown } };

/** The first parser's list of state names, which every later one shares. */
let sharedStates: readonly string[] | null = null;
const sameStates = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

const sharedSettings = new Map<string, Settings>();

/** Call on the Client `aedes.handle()` returns, before it reads; leaves alone what is not as expected. */
export function slimParser(client: Client): void {
  const parser = (client as unknown as WithParser)._parser;
  if (!parser) return;
  if (parser._list instanceof bl && (parser._list as { length?: number }).length === 0) parser._list = new bl.BufferList();
  const states = parser._states;
  if (Array.isArray(states)) {
    sharedStates ??= Object.freeze([...states]);
    if (sameStates(states, sharedStates)) parser._states = sharedStates;
  }
}

/** Call from preConnect, when the parser has just taken the CONNECT for its settings. */
export function shareParserSettings(client: Client, packet: ConnectPacket): void {
  const parser = (client as unknown as WithParser)._parser;
  if (!parser || parser.settings !== packet) return;
  const bridgeMode = (packet as { bridgeMode?: boolean }).bridgeMode === true;
  const key = `${packet.protocolVersion}/${bridgeMode}`;
  let settings = sharedSettings.get(key);
  if (!settings) sharedSettings.set(key, (settings = Object.freeze({ protocolVersion: packet.protocolVersion, bridgeMode })));
  parser.settings = settings;
}
