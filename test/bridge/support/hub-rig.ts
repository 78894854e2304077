/**
 * The whole hub (broker + bridge + HTTP, from server/create-fleetwire.ts) with one MQTT device
 * connection, behind the same publish/restart surface as the bridge rig, so the delivery suite
 * also runs end to end: device → MQTT → broker → ingest → store → hub → browser.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { HubConfig } from '../../../server/config.js';
import { type TestHub, startHub } from '../../support/hub.js';

export interface HubRig {
  readonly url: string;
  readonly hub: TestHub;
  /** Publishes from the rig's device connection (QoS 0, in order). */
  publish(topic: string, payload: string): void;
  /** Stops the hub and starts it again on the same data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHubRig(config: Partial<HubConfig> = {}): Promise<HubRig> {
  let hub = await startHub(config);
  const connect = (): Promise<MqttClient> => mqtt.connectAsync(hub.mqttUrl, { clientId: 'rig-device', reconnectPeriod: 0 });
  let device = await connect();
  const rig: HubRig = {
    get url() {
      return hub.httpUrl;
    },
    get hub() {
      return hub;
    },
    publish(topic, payload) {
      device.publish(topic, payload, { qos: 0 });
    },
    async restart() {
      await device.endAsync();
      await hub.close();
      hub = await startHub({ ...config, dataDir: hub.dataDir });
      device = await connect();
    },
    async close() {
      await device.endAsync(true);
      await hub.close();
    },
  };
  return rig;
}
