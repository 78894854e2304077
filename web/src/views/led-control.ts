/**
 * The LED switch, used in the overview rows and on the device page. The switch shows what the
 * device last reported on its retained `led` topic; while a command is on its way it shows the
 * requested state as pending, and a refusal or timeout is told in a toast.
 */
import { LED_COLOR_PATTERN, type LedState } from '../../../protocol/payloads.js';
import type { App } from '../app/app-state.js';
import type { DeviceRow } from '../state/fleet-store.js';
import { h, setAttr, toggleClass } from '../ui/dom.js';
import { toast } from '../ui/toast.js';

interface Pending {
  state: LedState;
  id: string | null;
}

/** Requested LED states per device until the command settles. */
const pending = new Map<string, Pending>();

/** Models that have an LED, for devices that have not reported one yet. */
const LED_MODELS = /^(led|edge)/;

export const hasLed = (row: DeviceRow): boolean => row.led !== null || LED_MODELS.test(row.model ?? '');

/** Sends an LED command and tracks it; resolves once the hub accepted it. */
export async function requestLed(app: App, device: string, state: LedState, color?: string): Promise<void> {
  const ask: Pending = { state, id: null };
  pending.set(device, ask);
  app.bus.emit('commands', device);
  try {
    const entry = await app.command(device, 'led', color ? { state, color } : { state });
    ask.id = entry.id;
    settleIfDone(app, device);
  } catch (err) {
    if (pending.get(device) === ask) pending.delete(device);
    app.bus.emit('commands', device);
    toast(`LED command for ${device} was not sent`, err instanceof Error ? err.message : '', 'error');
  }
}

/** Clears the pending state once the hub reports the command settled; called on every command-log change. */
export function settleIfDone(app: App, device: string): void {
  const ask = pending.get(device);
  if (!ask || ask.id === null) return;
  const entry = app.commands.list(device).find((c) => c.id === ask.id);
  if (!entry || entry.status === 'pending') return;
  pending.delete(device);
  if (entry.status !== 'acked') toast(`LED command ${entry.status} on ${device}`, entry.error ?? '', 'error');
}

export function ledPending(device: string): LedState | null {
  return pending.get(device)?.state ?? null;
}

/** A switch button; `update` points it at a device (rows are recycled, so the device can change). */
export function createLedSwitch(app: App): { el: HTMLButtonElement; update(row: DeviceRow | null): void } {
  let device: string | null = null;
  let current: DeviceRow | null = null;
  const knob = h('span', { class: 'switch-knob', attrs: { 'aria-hidden': 'true' } });
  const el = h('button', { class: 'switch', attrs: { type: 'button', role: 'switch', 'aria-checked': 'false' } }, knob);
  el.addEventListener('click', (ev) => {
    ev.stopPropagation();
    if (!device || !current) return;
    const shown = ledPending(device) ?? current.led?.state ?? 'off';
    void requestLed(app, device, shown === 'off' ? 'on' : 'off', current.led?.color);
  });
  return {
    el,
    update(row) {
      current = row;
      device = row?.id ?? null;
      const want = device ? ledPending(device) : null;
      const state = want ?? row?.led?.state ?? 'off';
      setAttr(el, 'aria-checked', state === 'off' ? 'false' : 'true');
      setAttr(el, 'aria-label', row ? `LED of ${row.id}: ${state}${want ? ' (sending)' : ''}` : 'LED');
      setAttr(el, 'aria-busy', want ? 'true' : null);
      toggleClass(el, 'is-blink', state === 'blink');
      // Only a well-formed #rrggbb reaches CSS; anything else a device sends is ignored.
      const reported = row?.led?.color ?? '';
      const color = LED_COLOR_PATTERN.test(reported) ? reported : '';
      if (el.style.getPropertyValue('--led') !== color) el.style.setProperty('--led', color);
      el.disabled = row === null;
    },
  };
}
