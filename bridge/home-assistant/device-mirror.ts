/**
 * What HA should know of one registry device, kept from the messages the registry applies:
 * which HA sensors it has and on which telemetry form each arrives (the JSON object or the
 * metric's own topic), its LED and its ports. Pure: the publisher decides what to send.
 */
import type { HaDevice, HaSensor, HaSensorMetric } from '../../protocol/home-assistant-discovery.js';
import { HA_SENSORS, isHaSensorMetric } from '../../protocol/home-assistant-discovery.js';
import type { DeviceView, HubMessage } from '../../protocol/message.js';
import type { DeviceTopic } from '../../protocol/names.js';

export interface DeviceMirror {
  /** The form each HA sensor metric last arrived in. */
  readonly forms: Map<HaSensorMetric, HaSensor['form']>;
  /** The discovery config last published (its JSON), or null. */
  config: string | null;
  /** The light state last published (its JSON), or null. */
  light: string | null;
  /** It has published a status (availability comes from it). */
  status: boolean;
}

const SENSOR_ORDER = Object.keys(HA_SENSORS) as HaSensorMetric[];

/** A mirror for a device first met in the registry: metrics it already has are taken to come as JSON objects. */
export function mirrorOf(view: DeviceView): DeviceMirror {
  const forms = new Map<HaSensorMetric, HaSensor['form']>();
  for (const metric of Object.keys(view.metrics)) if (isHaSensorMetric(metric)) forms.set(metric, 'json');
  // Model, firmware and the port map only ever come from a status.
  return { forms, config: null, light: null, status: view.model !== null || view.fw !== null || view.ports !== null };
}

/** Notes the telemetry form of each HA sensor metric in `msg`; true when one is new or changed form. */
export function noteTelemetry(mirror: DeviceMirror, msg: HubMessage, topic: DeviceTopic): boolean {
  const seen = (metric: HaSensorMetric, form: HaSensor['form']): boolean => {
    if (mirror.forms.get(metric) === form) return false;
    mirror.forms.set(metric, form);
    return true;
  };
  if (topic.channel === 'metric') return isHaSensorMetric(topic.metric) && typeof msg.data === 'number' && seen(topic.metric, 'single');
  const data = msg.data;
  if (topic.channel !== 'telemetry' || typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  let changed = false;
  for (const metric of SENSOR_ORDER) if (typeof data[metric] === 'number' && seen(metric, 'json')) changed = true;
  return changed;
}

/** The HA description of `view` with what `mirror` has seen. */
export function haDeviceOf(view: DeviceView, mirror: DeviceMirror): HaDevice {
  return {
    id: view.id,
    model: view.model,
    fw: view.fw,
    sensors: SENSOR_ORDER.flatMap((metric) => {
      const form = mirror.forms.get(metric);
      return form ? [{ metric, form }] : [];
    }),
    light: view.led !== null,
    ports: Object.keys(view.ports ?? {}).sort((a, b) => Number(a) - Number(b)),
    status: mirror.status,
  };
}

/** True when HA would get nothing from `device`: no config is published for it. */
export const isEmpty = (device: HaDevice): boolean => device.sensors.length === 0 && !device.light && device.ports.length === 0;
