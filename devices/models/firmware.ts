/**
 * Over-the-air update, `cmd/firmware` with `{"version":"x.y.z"}`: the device acks that it
 * accepted the job, publishes `progress` events (ten steps over the job's duration), then
 * reboots (drops and reconnects) and reports the new version in its status. With
 * `{"failAt":40,"reason":"…"}` it stops at that percent and reports why instead.
 */
import type { ProgressEvent } from '../../protocol/payloads.js';
import type { Task } from '../scheduler.js';
import type { CommandResult, JsonObject, Part, PartHost } from './part.js';
import { unknownArgument } from './part.js';

const VERSION_PATTERN = /^\d{1,4}\.\d{1,4}\.\d{1,4}$/;
const STEPS = 10;
const MAX_REASON = 200;
const DEFAULT_REASON = 'image checksum mismatch';

export interface FirmwareHost extends PartHost {
  /** The running version. */
  fw: string;
  /** Disconnects cleanly and comes back after `downMs` (the new version is already set). */
  reboot(downMs: number): void;
}

interface Job {
  id: string;
  version: string;
  failAt: number | null;
  reason: string;
}

/** Checks `cmd/firmware` arguments; `current` is the running version. */
export function parseFirmwareArgs(args: JsonObject, current: string): { ok: true; value: Omit<Job, 'id'> } | { ok: false; error: string } {
  const stranger = unknownArgument(args, ['version', 'failAt', 'reason']);
  if (stranger) return { ok: false, error: stranger };
  const { version, failAt, reason } = args;
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) return { ok: false, error: 'version must look like "1.2.3"' };
  if (version === current) return { ok: false, error: `already running ${current}` };
  if (failAt !== undefined && (typeof failAt !== 'number' || !Number.isInteger(failAt) || failAt < 1 || failAt > 99)) {
    return { ok: false, error: 'failAt must be a whole percent from 1 to 99' };
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON)) {
    return { ok: false, error: `reason must be text of 1 to ${MAX_REASON} characters` };
  }
  return { ok: true, value: { version, failAt: failAt ?? null, reason: reason ?? DEFAULT_REASON } };
}

const stageOf = (percent: number): string => (percent <= 50 ? 'download' : percent <= 60 ? 'verify' : 'flash');

export function createFirmware(host: FirmwareHost, durationMs: number): Part {
  let job: Job | null = null;
  let task: Task | null = null;

  const progress = (e: Omit<ProgressEvent, 'type'> & { error?: string }): void => host.event({ type: 'progress', ...e });

  const advance = (percent: number): void => {
    const current = job;
    if (!current) return;
    if (current.failAt !== null && percent >= current.failAt) {
      progress({ job: current.id, percent: current.failAt, stage: 'failed', error: current.reason });
      job = null;
      return;
    }
    progress({ job: current.id, percent, stage: stageOf(percent) });
    if (percent < 100) {
      task = host.scheduler.after(durationMs / STEPS, () => advance(percent + 100 / STEPS));
      return;
    }
    host.fw = current.version;
    job = null;
    host.reboot(Math.min(1000, Math.max(50, durationMs / STEPS)));
  };

  const command = (args: JsonObject, id: string): CommandResult => {
    if (job) return { ok: false, error: `firmware job ${job.id} is in progress` };
    const parsed = parseFirmwareArgs(args, host.fw);
    if (!parsed.ok) return parsed;
    job = { id, ...parsed.value };
    // The ack goes out first; progress starts one step later.
    task = host.scheduler.after(durationMs / STEPS, () => advance(100 / STEPS));
    return { ok: true, result: { job: id, from: host.fw, to: parsed.value.version, durationMs } };
  };

  return {
    commands: { firmware: command },
    close: () => task?.cancel(),
  };
}
