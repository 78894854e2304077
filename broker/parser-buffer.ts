/**
 * Each Aedes client's MQTT parser (mqtt-packet) collects the bytes of a packet in progress in a
 * `bl` BufferListStream: a whole Duplex stream, ~1 KB of stream state per connection, of which
 * the parser uses only the buffer-list methods (append, consume, slice, read*). The plain
 * BufferList of the same `bl`, which that stream is built on, does the same in ~100 bytes. After
 * a parse error mqtt-packet makes a new stream, but Aedes closes the connection then.
 */
import { createRequire } from 'node:module';
import type { Client } from 'aedes';

interface BufferListModule {
  (): object;
  BufferList: new () => object;
}

// The copy of bl that mqtt-packet itself loads, whatever the install layout.
const requireFromParser = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
const bl = requireFromParser('bl') as BufferListModule;

type WithParser = { _parser?: { _list?: object } };

/** Call on the Client `aedes.handle()` returns, before it reads; leaves the parser alone if its buffer is not the expected one. */
export function slimParserBuffer(client: Client): void {
  const parser = (client as unknown as WithParser)._parser;
  if (parser?._list instanceof bl && (parser._list as { length?: number }).length === 0) parser._list = new bl.BufferList();
}
