/**
 * What Home Assistant's MQTT integration asks of its broker, with its client options (MQTT 5,
 * a random client id, keepalive 60 s, Clean Start, last will and birth on homeassistant/status,
 * discovery under homeassistant/#). Played by MQTT.js with those options; the devices are 3.1.1
 * clients, as most firmware (Tasmota, ESPHome, zigbee2mqtt) still is.
 */
import type { IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectClient, startBroker, until } from './support/harness.js';

afterEach(cleanup);

const STATUS = 'homeassistant/status';
const haOptions = {
  protocolVersion: 5,
  clientId: `ha-${Math.random().toString(36).slice(2, 10)}`,
  keepalive: 60,
  clean: true,
  will: { topic: STATUS, payload: Buffer.from('offline'), qos: 0, retain: false },
} as const;

describe('Home Assistant as a client', () => {
  it('gets retained discovery, and devices see its birth and its will', async () => {
    const tb = await startBroker();
    const plug = await connectClient(tb.url, { protocolVersion: 4, clientId: 'plug-1' });
    const config = JSON.stringify({ name: 'Plug', state_topic: 'plug-1/state', command_topic: 'plug-1/set', unique_id: 'plug-1' });
    await plug.publishAsync('homeassistant/switch/plug-1/config', config, { qos: 1, retain: true });
    const statusSeen: string[] = [];
    plug.on('message', (topic, payload) => topic === STATUS && statusSeen.push(payload.toString()));
    await plug.subscribeAsync(STATUS, { qos: 0 });

    const ha = await connectClient(tb.url, haOptions);
    const discovered: IPublishPacket[] = [];
    ha.on('message', (_t, _p, packet) => discovered.push(packet));
    await ha.subscribeAsync('homeassistant/#', { qos: 0 });
    await until('the retained discovery config arrives', () => discovered.some((p) => p.topic.endsWith('/config')));
    expect(discovered[0]).toMatchObject({ topic: 'homeassistant/switch/plug-1/config', retain: true });
    expect(discovered[0]?.payload.toString()).toBe(config);

    await ha.publishAsync(STATUS, 'online', { qos: 0, retain: false }); // birth
    await until('the device sees the birth', () => statusSeen.includes('online'));
    (ha as unknown as { stream: { destroy(): void } }).stream.destroy();
    await until('the device sees the will', () => statusSeen.includes('offline'));
    expect(statusSeen).toEqual(['online', 'offline']);
  });
});
