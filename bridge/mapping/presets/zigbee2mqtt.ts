/**
 * Zigbee2MQTT (https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html), base topic
 * `zigbee2mqtt`: the device id is the friendly name (one topic level; names with `/` are not
 * mapped). `zigbee2mqtt/<name>` carries the whole device state as JSON; `<name>/availability`
 * is `{"state":"online"}` (the bare text before 1.32). Buttons send `"action"` in the state.
 */
export const zigbee2mqtt = {
  source: 'zigbee2mqtt',
  rules: [
    {
      name: 'state',
      topic: 'zigbee2mqtt/{id}',
      readings: 'numbers',
      units: { temperature: '°C', humidity: '%', battery: '%', voltage: 'mV', power: 'W', energy: 'kWh', illuminance_lux: 'lx', pressure: 'hPa', linkquality: 'lqi' },
      led: { path: 'state', on: 'ON', off: 'OFF' },
      event: { type: 'action', path: 'action' },
    },
    { name: 'availability', topic: 'zigbee2mqtt/{id}/availability', status: { path: ['state', '$'], online: 'online', offline: 'offline' } },
  ],
};
