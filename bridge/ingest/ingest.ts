/**
 * Ingest: every MQTT publish the broker accepts becomes one contract message. The steps run in
 * the order listed; the list is the documentation. A payload that breaks the contract is never
 * recorded as data: it becomes a `reject` message on the same topic, so whoever watches the
 * device sees what is wrong.
 */
import type { Logger } from 'pino';
import { type Result, fail } from '../../protocol/errors.js';
import type { RejectData } from '../../protocol/message.js';
import { type DeviceTopic, deviceOfTopic, isDeviceId, parseDeviceTopic } from '../../protocol/names.js';
import type { AckPayload } from '../../protocol/payloads.js';
import type { CommandTracker } from '../commands/command-tracker.js';
import type { BridgeMetrics } from '../metrics.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { MessageLog, Recorded } from './message-log.js';
import { type Decoded, decodePayload } from './payload.js';

/** One publish as the broker hands it over (its onPublish hook). */
export interface IncomingPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** null: the hub itself published it. */
  clientId: string | null;
}

export interface IngestOptions {
  log: Pick<MessageLog, 'record'>;
  commands: Pick<CommandTracker, 'settle'>;
  registry: Pick<DeviceRegistry, 'observe'>;
  maxPayloadBytes: number;
  metrics: BridgeMetrics;
  logger: Logger;
}

interface IngestContext {
  readonly input: IncomingPublish;
  /** The contract topic, null for any other topic. */
  topic: DeviceTopic | null;
  device: string | null;
  decoded: Result<Decoded> | null;
  recorded: Recorded | null;
}

/** A step returns false to stop: the publish is not carried further. */
type Step = (ctx: IngestContext) => boolean;

/** Characters of a refused payload quoted in its reject message. */
const REJECT_PREVIEW = 200;

/**
 * Returns the ingest function for the broker's onPublish. Never throws. For QoS ≥ 1 it returns
 * the store's commit promise so the PUBACK waits for the message to be on disk.
 */
export function createIngest(opts: IngestOptions): (input: IncomingPublish) => void | Promise<void> {
  const steps: [name: string, step: Step][] = [
    // `$SYS/...` and other `$` topics are the broker's own, not device traffic [MQTT-4.7.2].
    ['skip broker topics', (ctx) => !ctx.input.topic.startsWith('$')],
    [
      'parse topic',
      (ctx) => {
        ctx.topic = parseDeviceTopic(ctx.input.topic);
        const device = ctx.topic?.device ?? deviceOfTopic(ctx.input.topic);
        ctx.device = device !== null && isDeviceId(device) ? device : null;
        if (ctx.topic && ctx.device === null) {
          ctx.topic = null;
          ctx.decoded = fail('bad_device_id', 'device id in the topic must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$');
        }
        return true;
      },
    ],
    // The tracker already recorded the hub's own command as a `command` message.
    ['skip own commands', (ctx) => !(ctx.input.clientId === null && ctx.topic?.channel === 'command')],
    [
      'validate payload',
      (ctx) => {
        ctx.decoded ??= decodePayload(ctx.topic, ctx.input.payload, opts.maxPayloadBytes);
        return true;
      },
    ],
    [
      'record and fan out',
      (ctx) => {
        const decoded = ctx.decoded as Result<Decoded>;
        const { topic } = ctx.input;
        if (decoded.ok) {
          ctx.recorded = opts.log.record({ topic, device: ctx.device, kind: decoded.value.kind, data: decoded.value.data });
          return true;
        }
        opts.metrics.rejects.inc({ code: decoded.code });
        const reject: RejectData = { code: decoded.code, reason: decoded.error, topic, payload: ctx.input.payload.subarray(0, REJECT_PREVIEW).toString('utf8') };
        ctx.recorded = opts.log.record({ topic, device: ctx.device, kind: 'reject', data: { ...reject } });
        return true;
      },
    ],
    [
      'settle command',
      (ctx) => {
        const decoded = ctx.decoded as Result<Decoded>;
        if (decoded.ok && decoded.value.kind === 'ack') opts.commands.settle(decoded.value.data as unknown as AckPayload, ctx.device as string);
        return true;
      },
    ],
    [
      'update registry',
      (ctx) => {
        if (ctx.topic && ctx.recorded) opts.registry.observe(ctx.recorded.msg, ctx.topic);
        return true;
      },
    ],
  ];

  return (input) => {
    const ctx: IngestContext = { input, topic: null, device: null, decoded: null, recorded: null };
    let current = '';
    try {
      for (const [name, step] of steps) {
        current = name;
        if (!step(ctx)) return;
      }
    } catch (err) {
      opts.logger.error({ err, topic: input.topic, step: current }, 'ingest failed');
      return;
    }
    return input.qos > 0 ? ctx.recorded?.committed : undefined;
  };
}
