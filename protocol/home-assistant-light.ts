/**
 * The LED as a Home Assistant JSON-schema light (HA "MQTT Light", JSON schema): HA's command
 * payload becomes `cmd/led` args, and the LED state becomes the JSON state HA reads. Shared by
 * the hub (which sends the command through its command tracker) and the simulated devices
 * (which obey it themselves).
 *
 * `ON` without an effect is steady light, the `blink` effect blinks, `OFF` turns it off; a colour
 * rides along with any of them and sticks (CONTRACT.md: `{"state":"on"|"off"|"blink","color":"#rrggbb"}`).
 * Keys HA may add that the LED cannot do (`brightness`, `transition`, `flash`) are ignored.
 */
import { type Result, fail, ok } from './errors.js';
import { parseJson } from './json-bounds.js';
import type { Json } from './message.js';
import { LED_COLOR_PATTERN, type LedPayload } from './payloads.js';

/** Largest HA light command read; HA's are well under 200 bytes. */
export const MAX_LIGHT_COMMAND_BYTES = 1024;
export const HA_LIGHT_EFFECT = 'blink';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isByte = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;
const hex = (n: number): string => n.toString(16).padStart(2, '0');

/** `{"r":255,"g":0,"b":0}` → `#ff0000`; null when it is not three bytes. */
function colorOf(value: unknown): string | null {
  if (!isObject(value) || !isByte(value.r) || !isByte(value.g) || !isByte(value.b)) return null;
  return `#${hex(value.r)}${hex(value.g)}${hex(value.b)}`;
}

/** HA's light command (JSON text) as `cmd/led` args. Fails with bad_json, too_complex, too_large or bad_payload. */
export function ledArgsOfLightCommand(text: string): Result<LedPayload> {
  if (text.length > MAX_LIGHT_COMMAND_BYTES) return fail('too_large', `a light command is at most ${MAX_LIGHT_COMMAND_BYTES} bytes`);
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const command = parsed.value;
  if (!isObject(command)) return fail('bad_payload', 'a light command is a JSON object');
  const { state, effect, color } = command;
  if (state !== undefined && state !== 'ON' && state !== 'OFF') return fail('bad_payload', 'state must be "ON" or "OFF"');
  if (effect !== undefined && effect !== null && effect !== HA_LIGHT_EFFECT) return fail('bad_payload', `the only effect is "${HA_LIGHT_EFFECT}"`);
  const hexColor = color === undefined ? null : colorOf(color);
  if (color !== undefined && hexColor === null) return fail('bad_payload', 'color must be {"r","g","b"} with whole numbers from 0 to 255');
  // A command with only an effect or a colour turns the light on, as HA's own turn_on does.
  const led: LedPayload = { state: state === 'OFF' ? 'off' : effect === HA_LIGHT_EFFECT ? 'blink' : 'on' };
  return ok(hexColor === null ? led : { ...led, color: hexColor });
}

/** The LED state (`devices/{id}/led`, the registry's `led`) as HA's JSON light state. */
export function lightStateOf(led: { state: string; color?: string }): { [key: string]: Json } {
  const state: { [key: string]: Json } = { state: led.state === 'off' ? 'OFF' : 'ON', effect: led.state === 'blink' ? HA_LIGHT_EFFECT : null };
  if (led.color === undefined || !LED_COLOR_PATTERN.test(led.color)) return state;
  const byte = (at: number): number => parseInt(led.color?.slice(at, at + 2) ?? '', 16);
  return { ...state, color_mode: 'rgb', color: { r: byte(1), g: byte(3), b: byte(5) } };
}
