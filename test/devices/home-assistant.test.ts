/**
 * `fleetwire fleet --ha-discovery` against mosquitto (its own process, on loopback), Home
 * Assistant played over MQTT 5: every device announces itself with the hub's config format,
 * announces itself again on HA's birth, obeys HA's JSON light commands itself (the LED's
 * retained state and the light's state both change), and goes unavailable when dropped.
 */
import { describe, expect, it } from 'vitest';
import { type Config, componentsOf, connectHomeAssistant, expectValidConfig } from '../support/home-assistant.js';
import { mosquittoVersion, startMosquitto } from '../support/local-servers.js';
import { eventually, runFleet, track } from './support.js';

const installed = mosquittoVersion() !== null;
const DEVICES = ['thermo-1', 'power-1', 'led-1', 'hub-1', 'edge-1'];
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

describe.skipIf(!installed)('fleetwire fleet --ha-discovery against mosquitto', () => {
  it('announces each device to Home Assistant and obeys its light commands', async () => {
    const mosquitto = await startMosquitto();
    track({ close: () => mosquitto.stop() });
    const run = runFleet(['--count', '5', '--mix', 'thermo:1,power:1,led:1,hub:1,edge:1', '--broker', mosquitto.url, '--interval', '50ms', '--ha-discovery', '--control-port', '0', '--log-level', 'warn']);
    const control = await eventually('control URL', () => run.lines.map((l) => /^control: (http:\S+)$/.exec(l)?.[1]).find(Boolean), 30_000);
    await eventually('all online', () => run.lines.some((l) => /all 5 devices online/.test(l)), 30_000);
    const ha = track(await connectHomeAssistant(mosquitto.url));

    for (const id of DEVICES) expectValidConfig(await ha.config(id, () => true, `the config of ${id}`), id);
    const edge = ha.configs('edge-1').at(-1) as Config;
    expect(edge.device).toMatchObject({ model: 'edge-1', sw_version: '1.0.0' });
    expect(Object.keys(componentsOf(edge, 'sensor')).sort()).toEqual(['current', 'power', 'temperature', 'voltage']);
    expect(Object.keys(componentsOf(edge, 'binary_sensor'))).toEqual(['port_1', 'port_2', 'port_3', 'port_4']);
    expect(Object.keys(componentsOf(ha.configs('thermo-1').at(-1) as Config, 'light'))).toEqual([]);
    expect(ha.received.filter((m) => m.topic.endsWith('/config')).every((m) => m.retain)).toBe(true);

    const before = new Map(DEVICES.map((id) => [id, ha.configs(id).length]));
    await ha.birth();
    await eventually('configs again after the birth', () => DEVICES.every((id) => ha.configs(id).length > (before.get(id) ?? 0)));

    const light = componentsOf(ha.configs('led-1').at(-1) as Config, 'light').led as Config;
    await ha.subscribe('devices/led-1/led');
    await ha.subscribe(light.state_topic as string);
    await eventually('the light state, retained', () => ha.json(light.state_topic as string).some((s) => same(s, { state: 'OFF', effect: null })));

    await ha.command(light.command_topic as string, { state: 'ON', color: { r: 255, g: 0, b: 0 } });
    await eventually('the LED on and red', () => ha.json('devices/led-1/led').some((s) => same(s, { state: 'on', color: '#ff0000' })));
    await eventually('the light state ON, red', () => ha.json(light.state_topic as string).some((s) => same(s, { state: 'ON', effect: null, color_mode: 'rgb', color: { r: 255, g: 0, b: 0 } })));
    await ha.command(light.command_topic as string, { effect: 'blink' });
    await eventually('the LED blinking', () => ha.json('devices/led-1/led').some((s) => same(s, { state: 'blink', color: '#ff0000' })));
    await eventually('the light state blinking', () => ha.json(light.state_topic as string).some((s) => same(s, { state: 'ON', effect: 'blink', color_mode: 'rgb', color: { r: 255, g: 0, b: 0 } })));
    // A command the light cannot take changes nothing and is said so in the fleet's log.
    const leds = ha.json('devices/led-1/led').length;
    await ha.command(light.command_topic as string, { state: 'ON', effect: 'rainbow' });
    await eventually('the refusal logged', () => run.lines.some((l) => /command ignored/.test(l) && /rainbow|the only effect/.test(l)));
    expect(ha.json('devices/led-1/led')).toHaveLength(leds);

    const [availability] = edge.availability as Config[];
    await ha.subscribe(availability?.topic as string);
    const dropped = await fetch(`${control}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'drop', target: 'edge-1' }) });
    expect(dropped.status).toBe(200);
    await eventually('edge-1 unavailable', () => ha.json(availability?.topic as string).some((s) => (s as { online?: boolean }).online === false));

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
