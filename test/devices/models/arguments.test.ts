import { describe, expect, it } from 'vitest';
import { parseFirmwareArgs } from '../../../devices/models/firmware.js';
import { parseLedArgs } from '../../../devices/models/led.js';

describe('LED command arguments', () => {
  it.each([
    [{ state: 'on' }, { ok: true, value: { state: 'on' } }],
    [{ state: 'blink', color: '#A0b1C2' }, { ok: true, value: { state: 'blink', color: '#A0b1C2' } }],
    [{}, { ok: false, error: 'state must be one of on, off, blink' }],
    [{ state: 1 }, { ok: false, error: 'state must be one of on, off, blink' }],
    [{ state: 'on', color: '#fff' }, { ok: false, error: 'color must be "#rrggbb"' }],
    [{ state: 'on', color: null }, { ok: false, error: 'color must be "#rrggbb"' }],
    [{ state: 'on', speed: 2 }, { ok: false, error: "unknown argument 'speed'" }],
  ])('%j', (args, expected) => {
    expect(parseLedArgs(args as never)).toEqual(expected);
  });
});

describe('firmware command arguments', () => {
  it.each([
    [{ version: '1.1.0' }, { ok: true, value: { version: '1.1.0', failAt: null, reason: 'image checksum mismatch' } }],
    [{ version: '2.0.0', failAt: 50, reason: 'power lost' }, { ok: true, value: { version: '2.0.0', failAt: 50, reason: 'power lost' } }],
    [{ version: '1.0.0' }, { ok: false, error: 'already running 1.0.0' }],
    [{ version: 'v2' }, { ok: false, error: 'version must look like "1.2.3"' }],
    [{}, { ok: false, error: 'version must look like "1.2.3"' }],
    [{ version: '2.0.0', failAt: 0 }, { ok: false, error: 'failAt must be a whole percent from 1 to 99' }],
    [{ version: '2.0.0', failAt: 12.5 }, { ok: false, error: 'failAt must be a whole percent from 1 to 99' }],
    [{ version: '2.0.0', reason: '' }, { ok: false, error: 'reason must be text of 1 to 200 characters' }],
    [{ version: '2.0.0', force: true }, { ok: false, error: "unknown argument 'force'" }],
  ])('%j', (args, expected) => {
    expect(parseFirmwareArgs(args as never, '1.0.0')).toEqual(expected);
  });
});
