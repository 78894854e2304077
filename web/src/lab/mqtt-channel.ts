/**
 * The lab's MQTT-over-WebSocket subscriber, with mqtt.js's browser build (bundled). It
 * bypasses the bridge entirely, so its latency runs from the publisher's own `sent` time.
 */
import mqtt from 'mqtt';
import type { LinkState } from '../net/live-connection.js';
import { parseJson } from '../net/message-guard.js';
import { wsFrameBytes, wsUrl } from '../net/ws-transport.js';
import { tickNumber, type LabChannel } from './lab-channel.js';
import { LAB_TOPIC } from './lab-methods.js';
import { LabStats } from './lab-stats.js';
import type { Json } from '../../../protocol/message.js';

/** MQTT fixed header: one type byte plus 1–4 bytes of remaining length (MQTT 3.1.1 §2.2.3). */
export const mqttPacketBytes = (remaining: number): number => 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4) + remaining;

export function createMqttChannel(): LabChannel {
  const stats = new LabStats();
  let state: LinkState = 'connecting';
  // Aedes speaks MQTT 3.1.1 (protocol version 4).
  const client = mqtt.connect(wsUrl(undefined, '/mqtt'), {
    protocolVersion: 4,
    clean: true,
    clientId: `lab-${Math.random().toString(36).slice(2, 10)}`,
    reconnectPeriod: 2000,
    connectTimeout: 5000,
    // The default keepalive timer runs in a Worker made from a blob: URL, which the page's CSP forbids.
    timerVariant: 'native',
  });
  stats.request();
  client.on('connect', () => {
    state = 'live';
    client.subscribe(LAB_TOPIC, { qos: 0 });
  });
  client.on('reconnect', () => {
    state = 'connecting';
    stats.request();
  });
  client.on('close', () => {
    if (state !== 'stopped') state = 'retrying';
  });
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'publish' && typeof packet.length === 'number') stats.bytesOnWire(wsFrameBytes(mqttPacketBytes(packet.length)));
  });
  client.on('message', (_topic, payload) => {
    const data = parseJson(new TextDecoder().decode(payload)) as Json | undefined;
    if (data === undefined) return;
    const sent = typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data.sent === 'number' ? data.sent : null;
    stats.message(tickNumber(data), sent === null ? 0 : Date.now() - sent);
  });
  return {
    method: 'mqtt',
    stats,
    state: () => state,
    close() {
      state = 'stopped';
      client.end(true);
    },
  };
}
