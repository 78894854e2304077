/** The shipped presets by the name `--map` takes. Each is checked by the same parser as a rule file. */
import { esphome } from './esphome.js';
import { shellyGen2 } from './shelly-gen2.js';
import { tasmota } from './tasmota.js';
import { zigbee2mqtt } from './zigbee2mqtt.js';

export const PRESETS: Readonly<Record<string, { source: string; rules: unknown[] }>> = {
  tasmota,
  'shelly-gen2': shellyGen2,
  zigbee2mqtt,
  esphome,
};
