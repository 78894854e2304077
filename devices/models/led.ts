/**
 * An LED that obeys `cmd/led` (CONTRACT.md: `{"state":"on"|"off"|"blink","color":"#rrggbb"}`),
 * keeps its state retained on `devices/{id}/led`, and reports its drive current.
 */
import { topics } from '../../protocol/names.js';
import { LED_COLOR_PATTERN, LED_STATES, type LedPayload, type LedState } from '../../protocol/payloads.js';
import { type CommandResult, type JsonObject, type Metrics, type Part, type PartHost, round, unknownArgument } from './part.js';

/** Mean drive current (mA) per state; blinking is on half the time. */
const DRIVE_MA: Record<LedState, number> = { on: 18, blink: 9, off: 0 };

/** Checks `cmd/led` arguments before anything changes. */
export function parseLedArgs(args: JsonObject): { ok: true; value: Partial<LedPayload> & { state: LedState } } | { ok: false; error: string } {
  const stranger = unknownArgument(args, ['state', 'color']);
  if (stranger) return { ok: false, error: stranger };
  const { state, color } = args;
  if (typeof state !== 'string' || !(LED_STATES as readonly string[]).includes(state)) {
    return { ok: false, error: `state must be one of ${LED_STATES.join(', ')}` };
  }
  if (color !== undefined && (typeof color !== 'string' || !LED_COLOR_PATTERN.test(color))) {
    return { ok: false, error: 'color must be "#rrggbb"' };
  }
  return { ok: true, value: color === undefined ? { state: state as LedState } : { state: state as LedState, color } };
}

export function createLed(host: PartHost): Part {
  let led: LedPayload = { state: 'off' };
  const topic = topics.led(host.id);
  const payload = (): JsonObject => ({ ...led });

  const command = (args: JsonObject): CommandResult => {
    const parsed = parseLedArgs(args);
    if (!parsed.ok) return parsed;
    // A colour given once sticks until another is given, as on a real RGB LED.
    led = { ...led, ...parsed.value };
    host.retain(topic, payload());
    return { ok: true, result: payload() };
  };

  return {
    readings: ['led_ma'],
    step(metrics: Metrics) {
      const mean = DRIVE_MA[led.state];
      metrics.led_ma = mean === 0 ? 0 : round(mean + host.rng.normal(0, 0.2), 2);
    },
    retained: () => [{ topic, payload: payload() }],
    commands: { led: command },
  };
}
