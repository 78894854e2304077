/**
 * Ingest: every MQTT publish the broker accepts becomes one contract message. The steps run in
 * the order listed; the list is the documentation. A payload that breaks the contract is never
 * recorded as data: it becomes a `reject` message on the same topic, so whoever watches the
 * device sees what is wrong. A foreign publish (outside `devices/`) that a mapping rule or a
 * Home Assistant discovery config names is also turned into the entries a native device would
 * publish (`map foreign topic`, bridge/mapping), sequenced after the raw message.
 */
import type { Logger } from 'pino';
import type { Publish } from '../../protocol/publish.js';
import { type Result, fail } from '../../protocol/errors.js';
import type { RejectData } from '../../protocol/message.js';
import { DEVICES_PREFIX, DEVICES_ROOT, DEVICE_ID_PATTERN, type DeviceTopic, deviceOfTopic, isDeviceId, parseDeviceTopic } from '../../protocol/names.js';
import type { ForeignMapping } from '../mapping/foreign-mapping.js';
import type { BridgeMetrics } from '../metrics.js';
import { type Decoded, decodePayload, rejectPreview } from './payload.js';
import type { MessageEntry, Sequencer } from './sequencer.js';

export interface IngestOptions {
  sequencer: Pick<Sequencer, 'submit'>;
  maxPayloadBytes: number;
  /** Turns foreign topics (Tasmota, Zigbee2MQTT, HA discovery, …) into contract entries; none: they stay plain messages. */
  mapping?: ForeignMapping;
  metrics: BridgeMetrics;
  logger: Logger;
}

/** A topic in the contract's own tree (`devices` or below it), which no mapping rule may take. */
const isUnderDevices = (topic: string): boolean => topic === DEVICES_ROOT || topic.startsWith(DEVICES_PREFIX);

interface IngestContext {
  readonly input: Publish<Buffer>;
  readonly maxPayloadBytes: number;
  /** The contract topic, null for any other topic. */
  topic: DeviceTopic | null;
  device: string | null;
  decoded: Result<Decoded> | null;
  /** The message as ADMIT built it, for the sequencer. */
  entry: MessageEntry | null;
  /** What a mapping rule made of a foreign publish: contract entries for its device, or rejects. */
  mapped: MessageEntry[];
  /** Settles once this node has the message on disk. */
  committed: Promise<void> | undefined;
}

/** A step returns false to stop: the publish is not carried further. */
type Step = (ctx: IngestContext) => boolean;

/** Characters of a refused payload quoted in its reject message. */

/** ADMIT: a publish becomes a message entry without seq; pure, so tests build messages with it too. */
const ADMIT: [name: string, step: Step][] = [
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
        ctx.decoded = fail('bad_device_id', `device id in the topic must match ${DEVICE_ID_PATTERN.source}`);
      }
      return true;
    },
  ],
  [
    'validate payload',
    (ctx) => {
      ctx.decoded ??= decodePayload(ctx.topic, ctx.input.payload, ctx.maxPayloadBytes, ctx.input.props);
      return true;
    },
  ],
  [
    'build entry',
    (ctx) => {
      const decoded = ctx.decoded as Result<Decoded>;
      const { topic } = ctx.input;
      if (decoded.ok) ctx.entry = { topic, device: ctx.device, kind: decoded.value.kind, data: decoded.value.data };
      else {
        const reject: RejectData = { code: decoded.code, reason: decoded.error, topic, payload: rejectPreview(ctx.input.payload) };
        ctx.entry = { topic, device: ctx.device, kind: 'reject', data: { ...reject } };
      }
      // A v5 publish's properties go with it, a reject's too (they may be why it was refused),
      // unless they are what made it too large.
      if (ctx.input.props && (decoded.ok || decoded.code !== 'too_large')) ctx.entry.props = ctx.input.props;
      return true;
    },
  ],
];

const context = (input: Publish<Buffer>, maxPayloadBytes: number): IngestContext => ({ input, maxPayloadBytes, topic: null, device: null, decoded: null, entry: null, mapped: [], committed: undefined });

/** Runs ADMIT alone: the entry a publish becomes (a `reject` when its payload breaks the contract), or null when it is not carried. */
export function admit(input: Publish<Buffer>, maxPayloadBytes: number): MessageEntry | null {
  const ctx = context(input, maxPayloadBytes);
  for (const [, step] of ADMIT) if (!step(ctx)) return null;
  return ctx.entry;
}

/**
 * Returns the ingest function for the broker's onPublish: ADMIT, then `sequence`. Never throws.
 * For QoS ≥ 1 it returns the sequencer's promise, so the PUBACK waits until this node has the
 * message on disk.
 */
export function createIngest(opts: IngestOptions): (input: Publish<Buffer>) => void | Promise<void> {
  const { mapping } = opts;
  const countReject = (entry: MessageEntry): void => {
    if (entry.kind === 'reject') opts.metrics.rejects.inc({ code: (entry.data as unknown as RejectData).code });
  };
  const steps: [name: string, step: Step][] = [
    ...ADMIT,
    [
      'map foreign topic',
      (ctx) => {
        // Native topics are never mapped; a payload refused by the bounds is not read further.
        const entry = ctx.entry as MessageEntry;
        if (mapping && entry.kind === 'message' && !isUnderDevices(ctx.input.topic)) ctx.mapped = mapping.map(ctx.input, entry.data);
        return true;
      },
    ],
    [
      'sequence',
      (ctx) => {
        const entry = ctx.entry as MessageEntry;
        countReject(entry);
        // APPLY (apply.ts) runs on every node: record, fan out, settle ack, keep remote command, update registry.
        // The raw publish first, then what the mapping made of it, each its own seq.
        // Only a QoS 1/2 PUBACK waits for the commit [MQTT-4.3.2-2].
        const lazy = ctx.input.qos === 0;
        ctx.committed = opts.sequencer.submit(entry, ctx.topic, lazy);
        if (ctx.mapped.length === 0) return true;
        const committed = [ctx.committed];
        for (const mapped of ctx.mapped) {
          countReject(mapped);
          committed.push(opts.sequencer.submit(mapped, parseDeviceTopic(mapped.topic), lazy));
        }
        ctx.committed = Promise.all(committed).then(() => undefined);
        ctx.committed.catch(() => undefined); // a QoS 0 publish drops it; the store logs failures
        return true;
      },
    ],
  ];

  return (input) => {
    const ctx = context(input, opts.maxPayloadBytes);
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
