import { describe, expect, it } from 'vitest';
import { discoveryConfig, lightSetDevice } from '../../protocol/home-assistant-discovery.js';
import { ledArgsOfLightCommand, lightStateOf } from '../../protocol/home-assistant-light.js';

describe('HA light commands as cmd/led args', () => {
  const cases: Array<[string, unknown]> = [
    ['{"state":"ON"}', { state: 'on' }],
    ['{"state":"OFF"}', { state: 'off' }],
    ['{"state":"ON","color":{"r":255,"g":0,"b":0}}', { state: 'on', color: '#ff0000' }],
    ['{"effect":"blink"}', { state: 'blink' }],
    ['{"state":"ON","effect":"blink","color":{"r":1,"g":2,"b":255}}', { state: 'blink', color: '#0102ff' }],
    ['{"state":"OFF","effect":"blink"}', { state: 'off' }],
    ['{"color":{"r":0,"g":128,"b":0}}', { state: 'on', color: '#008000' }],
    ['{"state":"ON","brightness":128,"transition":2}', { state: 'on' }],
  ];
  it.each(cases)('%s → %j', (text, args) => expect(ledArgsOfLightCommand(text)).toEqual({ ok: true, value: args }));

  const refused: Array<[string, string]> = [
    ['{"state":"on"}', 'bad_payload'],
    ['{"state":"ON","effect":"rainbow"}', 'bad_payload'],
    ['{"color":{"r":256,"g":0,"b":0}}', 'bad_payload'],
    ['{"color":{"r":1.5,"g":0,"b":0}}', 'bad_payload'],
    ['{"color":"#ff0000"}', 'bad_payload'],
    ['["ON"]', 'bad_payload'],
    ['ON', 'bad_json'],
    ['[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 'too_complex'],
    [`{"state":"ON","x":"${'a'.repeat(2000)}"}`, 'too_large'],
  ];
  it.each(refused)('refuses %s with %s', (text, code) => expect(ledArgsOfLightCommand(text)).toMatchObject({ ok: false, code }));
});

describe('the LED state as HA light state', () => {
  const cases: Array<[{ state: string; color?: string }, unknown]> = [
    [{ state: 'off' }, { state: 'OFF', effect: null }],
    [{ state: 'on', color: '#FF8000' }, { state: 'ON', effect: null, color_mode: 'rgb', color: { r: 255, g: 128, b: 0 } }],
    [{ state: 'blink', color: '#000001' }, { state: 'ON', effect: 'blink', color_mode: 'rgb', color: { r: 0, g: 0, b: 1 } }],
    [{ state: 'on', color: 'red' }, { state: 'ON', effect: null }],
  ];
  it.each(cases)('%j → %j', (led, state) => expect(lightStateOf(led)).toEqual(state));
});

describe('discovery topics and configs', () => {
  it.each([
    ['fleetwire/ha/led-1/light/set', 'led-1'],
    ['fleetwire/ha/led-1/light/state', null],
    ['fleetwire/ha/led-1/light/set/x', null],
    ['devices/led-1/cmd/led', null],
  ])('the light command topic %s is for %s', (topic, device) => expect(lightSetDevice(topic)).toBe(device));

  it('takes only port names that are digits into its templates, and omits what is unknown', () => {
    const config = discoveryConfig({ id: 'd1', model: null, fw: null, sensors: [{ metric: 'voltage', form: 'single' }], light: false, ports: ['1', "1'] }}{{ 7*7"], status: false });
    expect(Object.keys(config.components as object)).toEqual(['voltage', 'port_1', 'port_1_attached', 'port_1_detached']);
    expect(config.device).toEqual({ identifiers: ['fleetwire_d1'], name: 'd1', manufacturer: 'fleetwire' });
    expect(config.origin).toEqual({ name: 'fleetwire' });
    expect(config).not.toHaveProperty('availability');
    // A reading on its own topic is one number as text: no template needed.
    expect((config.components as Record<string, object>).voltage).toEqual({
      platform: 'sensor',
      unique_id: 'fleetwire_d1_voltage',
      name: 'Voltage',
      device_class: 'voltage',
      unit_of_measurement: 'V',
      state_class: 'measurement',
      state_topic: 'devices/d1/telemetry/voltage',
    });
  });
});
