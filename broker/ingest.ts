/**
 * Hands every accepted message to the `onPublish` hook exactly once: client publishes after the
 * ACL, last wills, and the hub's own publishes. For QoS 1/2 the caller waits for the hook, so
 * PUBACK/PUBREC leaves only once the hook has the message. A hook that throws or rejects is
 * logged and counted; the message still goes through (the hook owns its policy).
 */
import type { Logger } from 'pino';

export interface InboundPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** The publishing client's id; null for the hub's own publishes. */
  clientId: string | null;
}

export type PublishHook = (msg: InboundPublish) => void | Promise<void>;

export interface Ingest {
  /**
   * Passes a client's message (or will) to the hook. Resolves at once for QoS 0, when the hook
   * settles for QoS 1/2. A QoS 2 message whose packet id is already stored or in the hook for
   * that client (a retransmission [MQTT-4.3.3]) waits for the first and is not passed again.
   */
  fromClient(msg: InboundPublish, messageId: number | undefined): Promise<void>;
  /** Passes a hub publish to the hook and resolves when the hook settles. */
  fromHub(msg: InboundPublish): Promise<void>;
  /** Resolves when every hook call started so far has settled. */
  settled(): Promise<void>;
}

export interface IngestOptions {
  hook: PublishHook | undefined;
  /** True when the persistence holds this client's QoS 2 message awaiting PUBREL. */
  isStoredQos2: (clientId: string, messageId: number) => boolean;
  logger: Logger;
  onFailure: () => void;
}

export function createIngest(opts: IngestOptions): Ingest {
  const running = new Set<Promise<void>>();
  /** `${clientId} ${messageId}` → the hook call for a QoS 2 message not yet stored by Aedes */
  const qos2InHook = new Map<string, Promise<void>>();

  const fail = (msg: InboundPublish, err: unknown): void => {
    opts.onFailure();
    opts.logger.error({ err, topic: msg.topic, clientId: msg.clientId }, 'onPublish hook failed; the message goes through');
  };

  /** Calls the hook now (keeping arrival order) and returns a promise that never rejects. */
  const call = (msg: InboundPublish): Promise<void> => {
    const hook = opts.hook;
    if (!hook) return Promise.resolve();
    let settled: Promise<void>;
    try {
      settled = Promise.resolve(hook(msg)).catch((err: unknown) => fail(msg, err));
    } catch (err) {
      fail(msg, err);
      return Promise.resolve();
    }
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return settled;
  };

  return {
    fromClient(msg, messageId) {
      if (msg.qos !== 2 || msg.clientId === null || messageId === undefined) {
        const settled = call(msg);
        return msg.qos === 0 ? Promise.resolve() : settled;
      }
      const key = `${msg.clientId} ${messageId}`;
      const retransmission = (): void => opts.logger.debug({ clientId: msg.clientId, messageId }, 'QoS 2 retransmission: not passed to onPublish again');
      // Aedes stores an authorized QoS 2 message in the microtasks that follow, so once the
      // hook has settled and a macrotask has passed, the persistence answers for it and Aedes
      // only repeats PUBREC for the retransmission.
      const first = qos2InHook.get(key);
      if (first) {
        retransmission();
        return first.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
      }
      if (opts.isStoredQos2(msg.clientId, messageId)) {
        retransmission();
        return Promise.resolve();
      }
      const settled = call(msg).then(() => {
        qos2InHook.delete(key);
      });
      qos2InHook.set(key, settled);
      return settled;
    },
    fromHub: call,
    async settled() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
