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
import type { BridgeMetrics } from '../metrics.js';
import { type Decoded, decodePayload } from './payload.js';
import type { MessageEntry, Sequencer } from './sequencer.js';

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
  sequencer: Pick<Sequencer, 'submit'>;
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
  /** Settles once this node has the message on disk. */
  committed: Promise<void> | undefined;
}

/** A step returns false to stop: the publish is not carried further. */
type Step = (ctx: IngestContext) => boolean;

/** Characters of a refused payload quoted in its reject message. */
const REJECT_PREVIEW = 200;

/**
 * Returns the ingest function for the broker's onPublish (ADMIT). Never throws. For QoS ≥ 1 it
 * returns the sequencer's promise, so the PUBACK waits until this node has the message on disk.
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
      'sequence',
      (ctx) => {
        const decoded = ctx.decoded as Result<Decoded>;
        const { topic } = ctx.input;
        let entry: MessageEntry;
        if (decoded.ok) entry = { topic, device: ctx.device, kind: decoded.value.kind, data: decoded.value.data };
        else {
          opts.metrics.rejects.inc({ code: decoded.code });
          const reject: RejectData = { code: decoded.code, reason: decoded.error, topic, payload: ctx.input.payload.subarray(0, REJECT_PREVIEW).toString('utf8') };
          entry = { topic, device: ctx.device, kind: 'reject', data: { ...reject } };
        }
        // APPLY (apply.ts) stores, fans out, settles an ack and updates the registry, on every node.
        ctx.committed = opts.sequencer.submit(entry, ctx.topic);
        return true;
      },
    ],
  ];

  return (input) => {
    const ctx: IngestContext = { input, topic: null, device: null, decoded: null, committed: undefined };
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
    return input.qos > 0 ? ctx.committed : undefined;
  };
}
