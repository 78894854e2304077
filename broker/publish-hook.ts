/**
 * Hands every accepted message to the `onPublish` hook exactly once: client publishes after the
 * ACL, last wills, and the hub's own publishes. For QoS 1/2 the caller waits for the hook, so
 * PUBACK/PUBREC leaves only once the hook has the message. A hook that throws or rejects is
 * logged and counted. A client's QoS 1/2 message it failed on is refused, so the client is
 * dropped without an acknowledgement and sends it again [MQTT-4.4.0-1]: an acknowledged
 * message is one the hook took. QoS 0 messages and the hub's own publishes go through.
 */
import type { Logger } from 'pino';
import type { Publish } from '../protocol/publish.js';

export type PublishHook = (msg: Publish<Buffer>) => void | Promise<void>;

/** Hears how the hook took a client's message: an object, not a callback, so a message of a flood costs no closure. */
export interface HookAnswer {
  answered(err: Error | null): void;
}

export interface PublishHookRunner {
  /**
   * Passes a client's message (or will) to the hook and tells `to` the hook's error or null: at
   * once for QoS 0 (and for a hook that returns no promise), when the hook settles for QoS 1/2.
   * A QoS 2 message whose packet id is already stored or in the hook for that client (a
   * retransmission [MQTT-4.3.3]) waits for the first and is not passed again. The QoS 0 path
   * makes no promise: it runs for every message of a flood.
   */
  fromClient(msg: Publish<Buffer>, messageId: number | undefined, to: HookAnswer): void;
  /** Passes a hub publish to the hook and resolves when the hook settles. */
  fromHub(msg: Publish<Buffer>): Promise<void>;
  /** Resolves when every hook call started so far has settled. */
  settled(): Promise<void>;
}

export interface PublishHookOptions {
  hook: PublishHook | undefined;
  /** True when the persistence holds this client's QoS 2 message awaiting PUBREL. */
  isStoredQos2: (clientId: string, messageId: number) => boolean;
  logger: Logger;
  onFailure: () => void;
}

export function createPublishHook(opts: PublishHookOptions): PublishHookRunner {
  const running = new Set<Promise<Error | null>>();
  /** `${clientId} ${messageId}` → the hook call for a QoS 2 message not yet stored by Aedes */
  const qos2InHook = new Map<string, Promise<Error | null>>();

  const fail = (msg: Publish<Buffer>, err: unknown): Error => {
    opts.onFailure();
    opts.logger.error({ err, topic: msg.topic, clientId: msg.clientId, qos: msg.qos }, 'onPublish hook failed');
    return err instanceof Error ? err : new Error(String(err));
  };

  /**
   * Calls the hook now (keeping arrival order). Null when it finished synchronously without an
   * error (the common case, and the QoS 0 one), else a promise that never rejects: it gives the
   * hook's error or null.
   */
  const call = (msg: Publish<Buffer>): Promise<Error | null> | null => {
    const hook = opts.hook;
    if (!hook) return null;
    let result: void | Promise<void>;
    try {
      result = hook(msg);
    } catch (err) {
      return Promise.resolve(fail(msg, err));
    }
    if (!(result instanceof Promise)) return null;
    const settled = result.then(
      () => null,
      (err: unknown) => fail(msg, err),
    );
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return settled;
  };
  const promised = (msg: Publish<Buffer>): Promise<Error | null> => call(msg) ?? Promise.resolve(null);

  return {
    fromClient(msg, messageId, to) {
      if (msg.qos !== 2 || msg.clientId === null || messageId === undefined) {
        const pending = call(msg);
        if (pending === null || msg.qos === 0) to.answered(null);
        else void pending.then((err) => to.answered(err));
        return;
      }
      const settled = (err: Error | null): void => to.answered(err);
      const key = `${msg.clientId} ${messageId}`;
      const retransmission = (): void => opts.logger.debug({ clientId: msg.clientId, messageId }, 'QoS 2 retransmission: not passed to onPublish again');
      // Aedes stores an authorized QoS 2 message in the microtasks that follow, so once the
      // hook has settled and a macrotask has passed, the persistence answers for it and Aedes
      // only repeats PUBREC for the retransmission.
      const first = qos2InHook.get(key);
      if (first) {
        retransmission();
        void first.then((err) => setImmediate(settled, err));
        return;
      }
      if (opts.isStoredQos2(msg.clientId, messageId)) {
        retransmission();
        settled(null);
        return;
      }
      const done = promised(msg).then((err) => {
        qos2InHook.delete(key);
        return err;
      });
      qos2InHook.set(key, done);
      void done.then(settled);
    },
    fromHub: (msg) => promised(msg).then(() => undefined),
    async settled() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
