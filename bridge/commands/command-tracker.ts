/**
 * Commands with pushed results. The hub assigns the id, publishes `devices/{id}/cmd/{name}` at
 * QoS 1 (CONTRACT.md) and tracks the command: pending → acked / failed / timeout. Each state
 * change is recorded as a `command` message (data: the CommandView), so everyone watching the
 * device sees it on any transport, and the sender's key follows the command's topics so it sees
 * it too, whatever it watches. The tracker sequences its own `command` messages; the MQTT
 * publish to the device does not pass the ingest hook (it would only record them twice).
 *
 * An offline device is refused (409 device_offline), not queued: a queued command would mostly time out
 * before the device came back, and a refusal tells the person at once.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type Result, fail, ok } from '../../protocol/errors.js';
import type { CommandState, CommandView, Json } from '../../protocol/message.js';
import { DEVICE_ID_PATTERN, METRIC_PATTERN, isCommandName, isDeviceId, topics } from '../../protocol/names.js';
import type { CommandPayload } from '../../protocol/payloads.js';
import type { ResponseRequest } from '../../protocol/publish.js';
import type { CommandPage, CommandQuery, HistoryStore } from '../history/store.js';
import type { Hub } from '../hub/hub.js';
import type { ApplyPipeline } from '../ingest/apply.js';
import type { Sequencer } from '../ingest/sequencer.js';
import type { BridgeLimits } from '../limits.js';
import type { BridgeMetrics } from '../metrics.js';
import type { DeviceRegistry } from '../registry/device-registry.js';

export interface CommandRequest {
  device: string;
  name: string;
  /** A JSON object; undefined sends `{}`. */
  args: unknown;
  /** The sender key whose subscribers get this command's messages pushed; null: none. */
  sender: string | null;
}

export interface CommandTracker {
  /** Validates, records `pending` and publishes. Fails: bad_device_id, bad_param, too_large, unknown_device, device_offline, too_many. */
  send(req: CommandRequest): Result<CommandView>;
  /** The command's current state; a pending command left over from before a restart reads as `timeout` once its time is up. */
  get(id: string): CommandView | undefined;
  /** A page of the command history, newest first, with the same reading of left-over pending commands as `get`. */
  list(q: CommandQuery): Result<CommandPage>;
  /** Stops the timers; pending commands stay `pending` in the store until read after their time. */
  close(): void;
}

export interface CommandTrackerOptions {
  store: Pick<HistoryStore, 'saveCommand' | 'command' | 'commands'>;
  sequencer: Pick<Sequencer, 'submit'>;
  /**
   * The tracker subscribes to APPLY's `settle ack` (a device's ack settles its pending command;
   * acks for unknown, settled or another device's commands change nothing) and `keep remote
   * command` (a state recorded by another node's tracker is kept, so `get` answers for it here too).
   */
  applied: Pick<ApplyPipeline, 'on'>;
  hub: Pick<Hub, 'follow'>;
  registry: Pick<DeviceRegistry, 'get'>;
  /** Sends the command to the device over MQTT, without passing the ingest hook; `request` reaches a v5 device as Response Topic and Correlation Data. */
  deliver(topic: string, payload: string, qos: 0 | 1 | 2, request?: ResponseRequest): Promise<void>;
  /** ms a command may stay pending. */
  timeoutMs: number;
  limits: Pick<BridgeLimits, 'maxPendingCommands' | 'maxFrameBytes'>;
  metrics: BridgeMetrics;
  logger: Logger;
}

/** How long a sender keeps following a command's topics after its timeout, ms: room for a late ack. */
const FOLLOW_GRACE_MS = 60_000;

const isObject = (v: unknown): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createCommandTracker(opts: CommandTrackerOptions): CommandTracker {
  const pending = new Map<string, { view: CommandView; timer: NodeJS.Timeout }>();
  const log = opts.logger.child({ part: 'commands' });

  /** Ids of this tracker's settled commands whose `command` message is not applied yet: it is its own, not a remote one. */
  const settling = new Set<string>();

  /** Records a state change: store, message to watchers, metric. The promise settles once the message is applied here. */
  const announce = (view: CommandView): Promise<void> => {
    opts.store.saveCommand(view);
    opts.metrics.commands.inc({ status: view.status });
    // Lazy: the promise only ends `settling`; nobody's answer waits for the disk.
    return opts.sequencer.submit({ topic: topics.command(view.device, view.name), device: view.device, kind: 'command', data: { ...view } }, null, true);
  };

  const finish = (id: string, status: Exclude<CommandState, 'pending'>, result: Json, error: string | null): void => {
    const entry = pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    pending.delete(id);
    settling.add(id);
    const applied = (): boolean => settling.delete(id);
    announce({ ...entry.view, status, settled: Date.now(), result, error }).then(applied, applied);
  };

  opts.applied.on('settle ack', (ack, device) => {
    const entry = pending.get(ack.id);
    if (!entry || entry.view.device !== device) return;
    if (ack.ok) finish(ack.id, 'acked', ack.result ?? null, null);
    else finish(ack.id, 'failed', null, ack.error);
  });
  opts.applied.on('keep remote command', (view) => {
    if (!pending.has(view.id) && !settling.has(view.id)) opts.store.saveCommand(view);
  });

  const validate = (req: CommandRequest): Result<{ [key: string]: Json }> => {
    if (!isDeviceId(req.device)) return fail('bad_device_id', `device id must match ${DEVICE_ID_PATTERN.source}`);
    if (typeof req.name !== 'string' || !isCommandName(req.name)) return fail('bad_param', `command "name" must match ${METRIC_PATTERN.source}`);
    const args = req.args ?? {};
    if (!isObject(args)) return fail('bad_param', 'command "args" must be a JSON object');
    if (Buffer.byteLength(JSON.stringify(args)) > opts.limits.maxFrameBytes) return fail('too_large', `command args are larger than ${opts.limits.maxFrameBytes} bytes`);
    return ok(args);
  };

  /** A stored command: one left pending by an earlier run reads as `timeout` once its time is up, and is saved so. */
  const current = (stored: CommandView): CommandView => {
    if (stored.status !== 'pending' || pending.has(stored.id) || stored.created + opts.timeoutMs > Date.now()) return stored;
    const timedOut: CommandView = { ...stored, status: 'timeout', settled: Date.now(), error: `no ack within ${opts.timeoutMs} ms` };
    opts.store.saveCommand(timedOut);
    return timedOut;
  };

  return {
    send(req) {
      const checked = validate(req);
      if (!checked.ok) return checked;
      const device = opts.registry.get(req.device);
      if (!device) return fail('unknown_device', `no device "${req.device}" has been seen`);
      if (!device.online) return fail('device_offline', `device "${req.device}" is offline: commands are refused, not queued`);
      if (pending.size >= opts.limits.maxPendingCommands) return fail('too_many', `${pending.size} commands are already pending`);

      const now = Date.now();
      const view: CommandView = { id: randomUUID(), device: req.device, name: req.name, args: checked.value, status: 'pending', created: now, settled: null, result: null, error: null };
      if (req.sender !== null) opts.hub.follow(req.sender, [topics.command(view.device, view.name), topics.ack(view.device)], now + opts.timeoutMs + FOLLOW_GRACE_MS);
      const timer = setTimeout(() => finish(view.id, 'timeout', null, `no ack within ${opts.timeoutMs} ms`), opts.timeoutMs);
      timer.unref();
      pending.set(view.id, { view, timer });
      void announce(view);
      const payload: CommandPayload = { id: view.id, args: checked.value };
      // A v5 device may answer on the Response Topic with the Correlation Data alone (MQTT 5 §4.10).
      const request: ResponseRequest = { responseTopic: topics.ack(view.device), correlationData: view.id };
      opts.deliver(topics.command(view.device, view.name), JSON.stringify(payload), 1, request).catch((err: unknown) => {
        log.warn({ err, command: view.id, device: view.device }, 'command publish failed');
        finish(view.id, 'failed', null, `the broker did not take the command: ${err instanceof Error ? err.message : String(err)}`);
      });
      return ok(view);
    },
    get(id) {
      const live = pending.get(id);
      if (live) return live.view;
      const stored = opts.store.command(id);
      return stored === undefined ? undefined : current(stored);
    },
    list(q) {
      const page = opts.store.commands(q);
      if (!page.ok) return page;
      return { ok: true, value: { ...page.value, commands: page.value.commands.map((c) => pending.get(c.id)?.view ?? current(c)) } };
    },
    close() {
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
