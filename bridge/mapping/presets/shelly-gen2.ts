/**
 * Shelly Gen2 and later (https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Mqtt),
 * topic prefix `<model>-<mac>` by default, the device id. `<prefix>/online` is the retained
 * `true`/`false` last will; `<prefix>/status/switch:0` the whole switch status ("Generic status
 * update over MQTT" on); `<prefix>/events/rpc` the RPC notifications, of which NotifyEvent
 * carries button presses.
 */
export const shellyGen2 = {
  source: 'shelly',
  rules: [
    { name: 'online', topic: '{id}/online', status: { online: true, offline: false } },
    {
      name: 'switch',
      topic: '{id}/status/switch:0',
      readings: { power: 'apower', voltage: 'voltage', current: 'current', energy_total: 'aenergy.total', temperature: 'temperature.tC' },
      units: { power: 'W', voltage: 'V', current: 'A', energy_total: 'Wh', temperature: '°C' },
      led: { path: 'output', on: true, off: false },
    },
    { name: 'event', topic: '{id}/events/rpc', when: { path: 'method', is: 'NotifyEvent' }, event: { type: 'button', path: 'params.events[0].event' } },
  ],
};
