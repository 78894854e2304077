/**
 * MQTT 5 Maximum Packet Size from the broker to a client: the broker must not send a packet
 * larger than the limit the client gave in CONNECT [MQTT-3.1.2-24], and discards a PUBLISH that
 * would be, for that client only, as if it had been sent [MQTT-3.1.2-25]. Aedes 2.0.0-beta.1
 * records the limit but sends regardless; authorizeForward asks this before each delivery. Only
 * clients that set a limit pay for the encoding.
 */
import { createRequire } from 'node:module';
import type { AedesPublishPacket, Client } from 'aedes';

interface PacketEncoder {
  generate(packet: object, opts: { protocolVersion: 5 }): Buffer;
}
const mqttPacket = createRequire(import.meta.url)('mqtt-packet') as PacketEncoder;

/** False when the PUBLISH, as it will go out, is over the client's Maximum Packet Size. */
export function fitsClient(client: Client, packet: AedesPublishPacket): boolean {
  const max = client.version === 5 ? client.maximumPacketSize : undefined;
  if (max === undefined || max === 0) return true;
  const payloadBytes = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
  if (payloadBytes + 4 > max) return false; // a fixed header and a topic length at the very least
  // the packet id Aedes assigns later takes two bytes [MQTT-3.3.2.2]
  const outgoing = { ...packet, cmd: 'publish', messageId: packet.qos > 0 ? 1 : undefined };
  return mqttPacket.generate(outgoing, { protocolVersion: 5 }).length <= max;
}
