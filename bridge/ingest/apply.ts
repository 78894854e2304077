/**
 * APPLY: what every node does with every sequenced message, in seq order, whichever node
 * admitted it (ADMIT is ingest.ts; the sequencer joins the two). The steps run in the order
 * listed; the list is the documentation. `record` is the pipeline's own; every other step is
 * bound by the part that reacts to it (the hub, the command tracker, the registry, the alert
 * rules), so no part
 * needs another built first.
 */
import type { Logger } from 'pino';
import { deviceTopicOf } from '../../protocol/device-view.js';
import { type CommandView, type HubMessage, MESSAGE_KINDS, type MessageKind } from '../../protocol/message.js';
import { ackCommandId } from '../../protocol/message-props.js';
import type { DeviceTopic } from '../../protocol/names.js';
import type { AckPayload } from '../../protocol/payloads.js';
import type { HistoryStore } from '../history/store.js';
import type { Tally } from '../../metrics/hot-counter.js';
import type { BridgeMetrics } from '../metrics.js';
import type { Apply } from './sequencer.js';

/** The steps parts subscribe to, each with what it is handed. */
export interface AppliedSteps {
  /** Hands a recorded message to live subscribers; runs in the same synchronous step as the append, so live delivery and replay agree. */
  'fan out'(msg: HubMessage): void;
  /** A device's ack, for the command it answers: `id` is the command's, from the JSON or the MQTT 5 Correlation Data (ackCommandId). */
  'settle ack'(ack: AckPayload, device: string): void;
  /** A command state, recorded by this node's tracker or another's. */
  'keep remote command'(view: CommandView): void;
  /** A message about a device (deviceTopicOf), with its contract topic. */
  'update registry'(msg: HubMessage, topic: DeviceTopic): void;
  /** Every recorded message, after the registry has it, for the alert rules (bridge/alerts). */
  'evaluate alerts'(msg: HubMessage): void;
}
export type AppliedStep = keyof AppliedSteps;

export interface ApplyPipeline {
  /** For the sequencer. Throws when a step has no handler yet (the sequencer reports it). */
  apply: Apply;
  /** Subscribes a part to one step; each step takes one handler, bound once. */
  on<S extends AppliedStep>(step: S, handler: AppliedSteps[S]): void;
}

export interface ApplyOptions {
  store: Pick<HistoryStore, 'append'>;
  metrics: BridgeMetrics;
  logger: Logger;
}

interface ApplyContext {
  readonly msg: HubMessage;
  /** The parsed contract topic when the sequencer has it. */
  readonly topic: DeviceTopic | null;
  /** Nobody on this node waits for the commit. */
  readonly lazy: boolean;
  /** Settles once the message is on disk; rejected when the store refused it. */
  committed: Promise<void>;
  recorded: boolean;
}

export function createApplyPipeline(opts: ApplyOptions): ApplyPipeline {
  const handlers: Partial<AppliedSteps> = {};
  const handler = <S extends AppliedStep>(step: S): AppliedSteps[S] => {
    const bound = handlers[step];
    if (!bound) throw new Error(`APPLY step "${step}" has no handler: the bridge is not built yet`);
    return bound as AppliedSteps[S];
  };
  const recorded = Object.fromEntries(MESSAGE_KINDS.map((kind) => [kind, opts.metrics.messages.tally({ kind })])) as Record<MessageKind, Tally>;

  const steps: [name: 'record' | AppliedStep, step: (ctx: ApplyContext) => void][] = [
    [
      'record',
      (ctx) => {
        const { msg } = ctx;
        try {
          ctx.committed = opts.store.append(msg, ctx.lazy);
        } catch (err) {
          // Not in the store means replay would never show it: do not show it live either.
          opts.logger.error({ err, seq: msg.seq, topic: msg.topic }, 'store refused a message');
          ctx.committed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
          ctx.committed.catch(() => undefined); // logged here; a QoS 0 caller never awaits it
          return;
        }
        // The store reports why its commits fail, once, not per message; its promise is shared
        // by the whole group commit, so nothing here is allocated per message.
        recorded[msg.kind].inc(1);
        ctx.recorded = true;
      },
    ],
    [
      'fan out',
      (ctx) => {
        if (ctx.recorded) handler('fan out')(ctx.msg);
      },
    ],
    [
      'settle ack',
      ({ msg }) => {
        const id = ackCommandId(msg);
        if (id !== null && msg.device !== null) handler('settle ack')({ ...(msg.data as unknown as AckPayload), id }, msg.device);
      },
    ],
    [
      'keep remote command',
      ({ msg }) => {
        if (msg.kind === 'command') handler('keep remote command')(msg.data as unknown as CommandView);
      },
    ],
    [
      'update registry',
      (ctx) => {
        const topic = deviceTopicOf(ctx.msg, ctx.topic ?? undefined);
        if (topic) handler('update registry')(ctx.msg, topic);
      },
    ],
    [
      'evaluate alerts',
      (ctx) => {
        if (ctx.recorded) handler('evaluate alerts')(ctx.msg);
      },
    ],
  ];

  return {
    apply(msg, topic, lazy) {
      const ctx: ApplyContext = { msg, topic, lazy, committed: Promise.resolve(), recorded: false };
      for (const [, step] of steps) step(ctx);
      return ctx.committed;
    },
    on(step, handler) {
      if (handlers[step]) throw new Error(`APPLY step "${step}" already has a handler`);
      handlers[step] = handler;
    },
  };
}
