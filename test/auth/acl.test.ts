/** canPublish / canSubscribe for every role, and the patterns that add to a role, table-driven. */
import { describe, expect, it } from 'vitest';
import { type User, canPublish, canSubscribe } from '../../auth/index.js';

const device: User = { name: 'd1', role: 'device' };
const viewer: User = { name: 'v', role: 'viewer' };
const admin: User = { name: 'a', role: 'admin' };
/** A Tasmota plug: its own topics by user name, its commands by client id. */
const tasmota: User = { name: 'plug1', role: 'device', publish: ['tele/%u/#', 'stat/%u/#'], subscribe: ['cmnd/%c/#'] };
const reader: User = { name: 'r', role: 'viewer', publish: ['lab/%u'] };
const CLIENT = 'DVES_1A2B';

describe('canPublish', () => {
  it.each([
    [device, 'devices/d1/telemetry', true],
    [device, 'devices/d1/telemetry/temperature', true],
    [device, 'devices/d1/status', true],
    [device, 'devices/d1/ack', true],
    [device, 'devices/d1/events', true],
    [device, 'devices/d1/cmd/led', false],
    [device, 'devices/d1/cmd', false],
    [device, 'devices/d1', false],
    [device, 'devices/d10/telemetry', false],
    [device, 'devices/d2/telemetry', false],
    [device, 'other/d1/telemetry', false],
    [viewer, 'devices/d1/telemetry', false],
    [viewer, 'anything', false],
    [admin, 'devices/d1/cmd/led', true],
    [admin, 'anything', true],
    [null, 'anything', true],
    [tasmota, 'tele/plug1/SENSOR', true],
    [tasmota, 'tele/plug1', true],
    [tasmota, 'stat/plug1/POWER', true],
    [tasmota, 'devices/plug1/telemetry', true],
    [tasmota, 'tele/plug2/SENSOR', false],
    [tasmota, 'cmnd/DVES_1A2B/POWER', false],
    [tasmota, 'devices/plug1/cmd/led', false],
    [reader, 'lab/r', true],
    [reader, 'lab/r/x', false],
  ])('%o on %s: %s', (user, topic, expected) => {
    expect(canPublish(user, topic, CLIENT)).toBe(expected);
  });
});

describe('canSubscribe', () => {
  it.each([
    [device, 'devices/d1/cmd/#', true],
    [device, 'devices/d1/cmd/led', true],
    [device, 'devices/d1/cmd/+', true],
    [device, 'devices/d1/cmd', true],
    [device, 'devices/d1/#', false],
    [device, 'devices/d1/+/led', false],
    [device, 'devices/+/cmd/#', false],
    [device, 'devices/d2/cmd/#', false],
    [device, 'devices/d1/telemetry', false],
    [device, '#', false],
    [viewer, '#', true],
    [viewer, 'devices/+/telemetry', true],
    [admin, '#', true],
    [null, '#', true],
    [tasmota, 'cmnd/DVES_1A2B/#', true],
    [tasmota, 'cmnd/DVES_1A2B/POWER', true],
    [tasmota, 'cmnd/DVES_1A2B/+', true],
    [tasmota, 'cmnd/+/#', false],
    [tasmota, 'cmnd/#', false],
    [tasmota, 'cmnd/plug1/#', false],
    [tasmota, 'devices/plug1/cmd/#', true],
    [tasmota, 'tele/plug1/#', false],
  ])('%o to %s: %s', (user, filter, expected) => {
    expect(canSubscribe(user, filter, CLIENT)).toBe(expected);
  });

  it('never lets a client id with wildcards or levels widen a %c pattern', () => {
    for (const clientId of ['#', '+', 'a/b', '']) expect(canSubscribe(tasmota, `cmnd/${clientId}/x`, clientId)).toBe(false);
  });
});
