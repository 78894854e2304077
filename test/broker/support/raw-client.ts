/** MQTT 3.1.1 (or 5) over a bare socket: for tests and the broker benchmark, which need bytes no client library would send, or a client that costs next to nothing. */
import { type Socket, connect as netConnect } from 'node:net';
import { CONNACK, type ConnectOptions, PUBLISH, PacketReader, type RawPacket, SUBACK, connectPacket, pubackPacket, subscribePacket } from './raw-packets.js';

export interface RawClientOptions extends Omit<ConnectOptions, 'protocol'> {
  /** Packets after CONNACK, one call per chunk read. */
  onPackets?: (packets: RawPacket[], socket: Socket) => void;
}

/** Connects and completes CONNECT/CONNACK; rejects when the socket fails first or the CONNACK refuses [MQTT-3.2.2.3]. */
export function rawClient(port: number, clientId: string, opts: RawClientOptions = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const reader = new PacketReader();
    let connected = false;
    socket.once('error', reject);
    socket.on('connect', () => socket.write(connectPacket(clientId, opts)));
    socket.on('data', (chunk: Buffer) => {
      let packets = reader.push(chunk);
      const connack = packets[0];
      if (!connected && connack?.type === CONNACK) {
        const code = connack.body[1] ?? 0;
        if (code !== 0) {
          socket.destroy();
          reject(new Error(`CONNACK return code ${code}`));
          return;
        }
        connected = true;
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve(socket);
        packets = packets.slice(1);
      }
      if (packets.length > 0) opts.onPackets?.(packets, socket);
    });
  });
}

/** A raw subscriber that hands each PUBLISH to `onPublish` and acknowledges QoS 1 ones; resolves after SUBACK. */
export async function rawSubscriber(port: number, clientId: string, filter: string, qos: 0 | 1, onPublish: (p: RawPacket) => void, version: 4 | 5 = 4): Promise<Socket> {
  let subscribed: () => void = () => undefined;
  const suback = new Promise<void>((resolve) => (subscribed = resolve));
  const socket = await rawClient(port, clientId, {
    version,
    onPackets: (packets, s) => {
      const acks: Buffer[] = [];
      for (const p of packets) {
        if (p.type === SUBACK) subscribed();
        if (p.type !== PUBLISH) continue;
        onPublish(p);
        if (((p.flags >> 1) & 3) === 1) acks.push(pubackPacket(p.body.readUInt16BE(2 + p.body.readUInt16BE(0))));
      }
      if (acks.length > 0) s.write(Buffer.concat(acks));
    },
  });
  socket.write(subscribePacket(1, filter, qos, version));
  await suback;
  return socket;
}
