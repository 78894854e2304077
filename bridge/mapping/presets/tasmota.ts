/**
 * Tasmota (https://tasmota.github.io/docs/MQTT/), default FullTopic `%prefix%/%topic%/`: the
 * device id is `%topic%` (`tasmota_A1B2C3` by default). `tele/<t>/LWT` is the retained
 * `Online`/`Offline` last will; `tele/<t>/SENSOR` and `tele/<t>/STATE` come every TelePeriod;
 * `stat/<t>/POWER` on every relay change; `tele/<t>/INFO1` once after boot.
 */
export const tasmota = {
  source: 'tasmota',
  rules: [
    { name: 'lwt', topic: 'tele/{id}/LWT', status: { online: 'Online', offline: 'Offline' } },
    { name: 'info', topic: 'tele/{id}/INFO1', info: { model: ['Info1.Module', 'Module'], fw: ['Info1.Version', 'Version'] } },
    {
      name: 'sensor',
      topic: 'tele/{id}/SENSOR',
      readings: {
        voltage: 'ENERGY.Voltage',
        current: 'ENERGY.Current',
        power: 'ENERGY.Power',
        power_factor: 'ENERGY.Factor',
        energy_today: 'ENERGY.Today',
        energy_total: 'ENERGY.Total',
        // Sensors report under their own name: {"AM2301":{"Temperature":22.1,"Humidity":45}}.
        temperature: '*.Temperature',
        humidity: '*.Humidity',
        pressure: '*.Pressure',
      },
      units: { voltage: 'V', current: 'A', power: 'W', energy_today: 'kWh', energy_total: 'kWh', humidity: '%', pressure: 'hPa' },
    },
    {
      name: 'state',
      topic: 'tele/{id}/STATE',
      readings: { uptime: 'UptimeSec', wifi_rssi: 'Wifi.RSSI', wifi_signal: 'Wifi.Signal' },
      units: { uptime: 's', wifi_rssi: '%', wifi_signal: 'dBm' },
      led: { path: ['POWER', 'POWER1'], on: 'ON', off: 'OFF' },
    },
    { name: 'power', topic: 'stat/{id}/POWER', led: { on: 'ON', off: 'OFF' } },
  ],
};
