/**
 * Commands per device and how each is going: pending → acked / failed / timeout, from the
 * hub's `command` messages (a CommandView at each state change), the device's `ack`, and the
 * firmware job's `progress` events. Pure, unit-tested in Node.
 */
import type { CommandState, CommandView, HubMessage, Json } from '../../../protocol/message.js';
import { ackCommandId } from '../../../protocol/message-props.js';
import { parseDeviceTopic } from '../../../protocol/names.js';
import { field, numberField, stringField } from '../net/message-guard.js';

/** A command as the hub reports it (`created` is when it was first seen if the hub's own state came later), plus a firmware job's progress. */
export interface CommandEntry extends CommandView {
  /** Firmware jobs: the latest progress event. */
  progress: { percent: number; stage: string | null; error: string | null } | null;
}

/** Commands remembered per device, newest kept. */
export const COMMANDS_PER_DEVICE = 50;

const STATES: readonly string[] = ['pending', 'acked', 'failed', 'timeout'];
const isState = (s: unknown): s is CommandState => typeof s === 'string' && STATES.includes(s);

export class CommandLog {
  private readonly byDevice = new Map<string, CommandEntry[]>();
  private readonly byId = new Map<string, CommandEntry>();

  /** Records a command this page sent, as the hub accepted it. */
  sent(device: string, id: string, name: string, args: Json, ts: number): CommandEntry {
    return this.upsert(id, device, name, args, ts);
  }

  /** Takes in a command from the hub's stored history (`GET /api/commands`); what this page saw live wins once final. */
  restore(view: CommandView): void {
    const known = this.byId.get(view.id);
    if (known) {
      if (known.status === 'pending' && view.status !== 'pending') Object.assign(known, { status: view.status, settled: view.settled, result: view.result, error: view.error });
      return;
    }
    const list = this.byDevice.get(view.device) ?? [];
    const at = list.findIndex((c) => c.created < view.created);
    if (at === -1 && list.length >= COMMANDS_PER_DEVICE) return;
    const entry: CommandEntry = { ...view, progress: null };
    list.splice(at === -1 ? list.length : at, 0, entry);
    for (const old of list.splice(COMMANDS_PER_DEVICE)) this.byId.delete(old.id);
    this.byDevice.set(view.device, list);
    this.byId.set(view.id, entry);
  }

  /** Applies a `command`, `ack` or progress `event` message; returns the device whose log changed. */
  apply(msg: HubMessage): string | null {
    if (msg.device === null) return null;
    if (msg.kind === 'command') return this.applyCommand(msg, msg.device);
    if (msg.kind === 'ack') return this.applyAck(msg);
    if (msg.kind === 'event' && stringField(msg.data, 'type') === 'progress') return this.applyProgress(msg);
    return null;
  }

  /** Newest first. */
  list(device: string): readonly CommandEntry[] {
    return this.byDevice.get(device) ?? [];
  }

  /** The device's newest firmware job, if any. */
  firmwareJob(device: string): CommandEntry | null {
    return this.list(device).find((c) => c.name === 'firmware') ?? null;
  }

  private applyCommand(msg: HubMessage, device: string): string | null {
    const id = stringField(msg.data, 'id');
    if (id === null) return null;
    const topic = parseDeviceTopic(msg.topic);
    const name = stringField(msg.data, 'name') ?? (topic?.channel === 'command' ? topic.command : 'command');
    const entry = this.upsert(id, device, name, field(msg.data, 'args') ?? null, numberField(msg.data, 'created') ?? msg.ts);
    const status = field(msg.data, 'status');
    // The raw publish to the device carries no status; a CommandView does. Never step back from a final state.
    if (isState(status) && (entry.status === 'pending' || status !== 'pending')) {
      entry.status = status;
      entry.settled = numberField(msg.data, 'settled') ?? (status === 'pending' ? null : msg.ts);
      entry.result = field(msg.data, 'result') ?? entry.result;
      entry.error = stringField(msg.data, 'error') ?? entry.error;
    }
    return device;
  }

  private applyAck(msg: HubMessage): string | null {
    const id = ackCommandId(msg);
    const entry = id === null ? undefined : this.byId.get(id);
    if (!entry || entry.status !== 'pending') return null;
    const ok = field(msg.data, 'ok') === true;
    entry.status = ok ? 'acked' : 'failed';
    entry.settled = msg.ts;
    entry.result = field(msg.data, 'result') ?? null;
    entry.error = ok ? null : stringField(msg.data, 'error') ?? 'refused by the device';
    return entry.device;
  }

  private applyProgress(msg: HubMessage): string | null {
    const job = stringField(msg.data, 'job');
    const percent = numberField(msg.data, 'percent');
    if (job === null || percent === null || msg.device === null) return null;
    const entry = this.byId.get(job) ?? this.upsert(job, msg.device, 'firmware', null, msg.ts);
    entry.progress = { percent: Math.max(0, Math.min(100, percent)), stage: stringField(msg.data, 'stage'), error: stringField(msg.data, 'error') };
    return entry.device;
  }

  private upsert(id: string, device: string, name: string, args: Json, ts: number): CommandEntry {
    const known = this.byId.get(id);
    if (known) {
      if (known.args === null) known.args = args;
      return known;
    }
    const entry: CommandEntry = { id, device, name, args, status: 'pending', created: ts, settled: null, result: null, error: null, progress: null };
    const list = this.byDevice.get(device) ?? [];
    list.unshift(entry);
    for (const old of list.splice(COMMANDS_PER_DEVICE)) this.byId.delete(old.id);
    this.byDevice.set(device, list);
    this.byId.set(id, entry);
    return entry;
  }
}
