/**
 * ESPHome's MQTT client (https://esphome.io/components/mqtt.html), topic prefix the node name,
 * the device id. `<node>/status` is the retained `online`/`offline` birth and will;
 * `<node>/sensor/<object_id>/state` one number as text; `binary_sensor` `ON`/`OFF`;
 * `switch` `ON`/`OFF` and `light` JSON `{"state":"ON",...}`.
 */
export const esphome = {
  source: 'esphome',
  rules: [
    { name: 'status', topic: '{id}/status', status: { online: 'online', offline: 'offline' } },
    { name: 'sensor', topic: '{id}/sensor/{metric}/state', readings: { '{metric}': '$' } },
    { name: 'binary-sensor', topic: '{id}/binary_sensor/{metric}/state', readings: { '{metric}': '$' } },
    { name: 'switch', topic: '{id}/switch/+/state', led: { on: 'ON', off: 'OFF' } },
    { name: 'light', topic: '{id}/light/+/state', led: { path: 'state', on: 'ON', off: 'OFF' } },
  ],
};
