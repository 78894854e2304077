/**
 * Aedes 2.0.0-beta.1 gives every client a Map for MQTT 5 topic aliases (`_topicAliases`), which
 * it reads and writes only when the client speaks MQTT 5 (handlers/publish.js): a 3.1 or 3.1.1
 * client has no properties to set an alias with. Such a client's empty Map (~180 bytes) is
 * swapped for one shared Map that stays empty, as the exact pin of the beta keeps that field
 * stable. Were Aedes ever to write an alias into it, the write is dropped: the client's next use
 * of the alias finds none and is refused, and no client sees another's aliases.
 */
import type { Client, ConnectPacket } from 'aedes';

class NoTopicAliases extends Map<number, string> {
  override set(): this {
    return this;
  }
}

const NONE = new NoTopicAliases();

/** Call from preConnect, before Aedes reads the CONNECT. */
export function shareTopicAliasMap(client: Client, packet: ConnectPacket): void {
  if (packet.protocolVersion !== 5) (client as unknown as { _topicAliases: Map<number, string> })._topicAliases = NONE;
}
