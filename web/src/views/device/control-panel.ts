/**
 * What a person can do to a device: switch its LED (on, off, blink, colour) and run a firmware
 * update, whose job shows as a live progress bar fed by the device's `progress` events.
 */
import { LED_COLOR_PATTERN } from '../../../../protocol/payloads.js';
import type { App } from '../../app/app-state.js';
import type { CommandEntry } from '../../state/command-log.js';
import type { DeviceRow } from '../../state/fleet-store.js';
import { h, pill, setAttr, setText } from '../../ui/dom.js';
import { toast } from '../../ui/toast.js';
import { createLedSwitch, hasLed, ledPending, requestLed } from '../led-control.js';

/** What a version string may look like: dotted numbers with an optional suffix, e.g. 1.4.0-rc1. */
const VERSION_PATTERN = /^\d+(\.\d+){0,3}(-[0-9A-Za-z.]{1,20})?$/;

export interface ControlPanel {
  el: HTMLElement;
  update(row: DeviceRow | undefined, job: CommandEntry | null): void;
}

function ledSection(app: App, device: string): { el: HTMLElement; update(row: DeviceRow): void } {
  const sw = createLedSwitch(app);
  const stateText = h('span', { class: 'led-state' });
  const blink = h('button', { class: 'button', text: 'Blink', attrs: { type: 'button' } });
  const color = h('input', { class: 'color', attrs: { type: 'color', 'aria-label': 'LED colour', value: '#ffb000' } });
  let current: DeviceRow | null = null;
  blink.addEventListener('click', () => void requestLed(app, device, 'blink', color.value));
  color.addEventListener('change', () => {
    if (LED_COLOR_PATTERN.test(color.value)) void requestLed(app, device, current?.led?.state === 'blink' ? 'blink' : 'on', color.value);
  });
  const el = h('section', { class: 'panel', attrs: { 'aria-labelledby': 'led-title' } }, h('h2', { text: 'LED', attrs: { id: 'led-title' } }), h('div', { class: 'led-controls' }, sw.el, stateText, blink, color));
  return {
    el,
    update(row) {
      current = row;
      sw.update(row);
      const want = ledPending(device);
      setText(stateText, want ? `sending ${want}…` : row.led ? `${row.led.state}${row.led.color ? ` · ${row.led.color}` : ''}` : 'not reported yet');
      if (row.led?.color && LED_COLOR_PATTERN.test(row.led.color) && document.activeElement !== color) color.value = row.led.color;
    },
  };
}

function firmwareSection(app: App, device: string): { el: HTMLElement; update(row: DeviceRow | undefined, job: CommandEntry | null): void } {
  const current = h('span', { class: 'fw-current' });
  const version = h('input', { class: 'text-input', attrs: { type: 'text', 'aria-label': 'Firmware version to install', placeholder: 'e.g. 2.0.0', maxlength: '32', spellcheck: 'false' } });
  const submit = h('button', { class: 'button button-primary', text: 'Update', attrs: { type: 'submit' } });
  const bar = h('progress', { class: 'progress', attrs: { max: '100', value: '0', 'aria-label': 'Firmware update progress' } });
  const jobText = h('span', { class: 'job-text' });
  const jobState = h('span', { class: 'job-state' });
  const jobBox = h('div', { class: 'job', attrs: { 'aria-live': 'polite' } }, h('div', { class: 'job-line' }, jobText, jobState), bar);
  jobBox.hidden = true;
  const form = h('form', { class: 'fw-form' }, version, submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const wanted = version.value.trim();
    if (!VERSION_PATTERN.test(wanted)) {
      toast('That is not a firmware version', 'Use dotted numbers such as 2.0.0.', 'warn');
      return;
    }
    submit.disabled = true;
    app.command(device, 'firmware', { version: wanted }).then(
      () => (version.value = ''),
      (err: unknown) => toast('Firmware update was not sent', err instanceof Error ? err.message : '', 'error'),
    ).finally(() => (submit.disabled = false));
  });
  const el = h('section', { class: 'panel', attrs: { 'aria-labelledby': 'fw-title' } }, h('h2', { text: 'Firmware', attrs: { id: 'fw-title' } }), h('p', {}, 'Installed: ', current), form, jobBox);
  return {
    el,
    update(row, job) {
      setText(current, row?.fw ?? 'unknown');
      jobBox.hidden = job === null;
      if (!job) return;
      const percent = job.progress?.percent ?? 0;
      const failed = job.status === 'failed' || job.status === 'timeout' || /fail|error/i.test(job.progress?.stage ?? '');
      const done = !failed && percent >= 100;
      const target = typeof job.args === 'object' && job.args !== null && !Array.isArray(job.args) ? job.args.version : undefined;
      const name = typeof target === 'string' ? target : 'Update';
      const stage = job.progress?.stage ?? (job.status === 'pending' ? 'waiting for the device' : 'starting');
      setText(jobText, done ? `${name}: finished` : failed ? `${name}: stopped at ${Math.round(percent)} %` : `${name}: ${stage} · ${Math.round(percent)} %`);
      const [label, tone] = failed ? [job.progress?.error ?? job.error ?? job.status, 'bad'] : done ? ['done', 'ok'] : ['running', 'busy'];
      jobState.replaceChildren(pill(label, tone));
      setAttr(bar, 'value', String(Math.round(percent)));
      bar.classList.toggle('is-failed', failed);
    },
  };
}

export function createControlPanel(app: App, device: string): ControlPanel {
  const led = ledSection(app, device);
  const fw = firmwareSection(app, device);
  const el = h('div', { class: 'controls' }, led.el, fw.el);
  return {
    el,
    update(row, job) {
      led.el.hidden = !row || !hasLed(row);
      if (row && !led.el.hidden) led.update(row);
      fw.update(row, job);
    },
  };
}
