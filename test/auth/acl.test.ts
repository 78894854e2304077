/** canPublish / canSubscribe for every role, table-driven. */
import { describe, expect, it } from 'vitest';
import { type User, canPublish, canSubscribe } from '../../auth/index.js';

const device: User = { name: 'd1', role: 'device' };
const viewer: User = { name: 'v', role: 'viewer' };
const admin: User = { name: 'a', role: 'admin' };

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
  ])('%o on %s: %s', (user, topic, expected) => {
    expect(canPublish(user, topic)).toBe(expected);
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
  ])('%o to %s: %s', (user, filter, expected) => {
    expect(canSubscribe(user, filter)).toBe(expected);
  });
});
