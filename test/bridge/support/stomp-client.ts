/**
 * `@stomp/stompjs` as a Node test client: over `ws` for `GET /stomp` (Node 20 has no global
 * WebSocket). Every subscribe and send asks for a RECEIPT and resolves once it arrives, so a
 * test knows the hub has acted; an ERROR frame rejects what is waiting and is kept.
 */
import { Client, type IFrame, type IMessage, type StompHeaders } from '@stomp/stompjs';
import WebSocket from 'ws';

export interface StompLink {
  readonly client: Client;
  /** The CONNECTED frame. */
  readonly connected: IFrame;
  /** ERROR frames received. */
  readonly errors: IFrame[];
  /** Resolves when the socket closes. */
  readonly closed: Promise<void>;
  /** Subscribes and waits for the receipt; messages collect in the array returned (and go to `each`). */
  subscribe(destination: string, headers?: StompHeaders, each?: (m: IMessage) => void): Promise<IMessage[]>;
  /** Sends and resolves with the receipt (or rejects with the ERROR's message). */
  send(destination: string, body: string, headers?: StompHeaders): Promise<IFrame>;
  close(): Promise<void>;
}

export interface StompOptions {
  connectHeaders?: StompHeaders;
  /** Headers of the HTTP upgrade (cookie, authorization, origin). */
  headers?: Record<string, string>;
  /** ms; 0 = none (the default, so tests are not timing-bound). */
  heartbeatIncoming?: number;
  heartbeatOutgoing?: number;
}

let receipts = 0;

export function stompConnect(base: string, opts: StompOptions = {}): Promise<StompLink> {
  const url = `${base.replace(/^http/, 'ws')}/stomp`;
  const errors: IFrame[] = [];
  const waiting = new Set<(err: Error) => void>();
  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((r) => (closedResolve = r));
  const client = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp'], { headers: opts.headers }) as never,
    connectHeaders: opts.connectHeaders ?? {},
    heartbeatIncoming: opts.heartbeatIncoming ?? 0,
    heartbeatOutgoing: opts.heartbeatOutgoing ?? 0,
    reconnectDelay: 0,
    debug: () => undefined,
  });
  const withReceipt = (act: (receipt: string) => unknown): Promise<IFrame> =>
    new Promise((resolve, reject) => {
      const receipt = `r-${++receipts}`;
      const fail = (err: Error): void => reject(err);
      waiting.add(fail);
      client.watchForReceipt(receipt, (frame) => {
        waiting.delete(fail);
        resolve(frame);
      });
      act(receipt);
    });

  return new Promise((resolve, reject) => {
    client.onStompError = (frame) => {
      errors.push(frame);
      const err = new Error(frame.headers.message ?? 'STOMP ERROR');
      for (const fail of waiting) fail(err);
      waiting.clear();
      reject(err);
    };
    client.onWebSocketClose = () => {
      closedResolve();
      reject(new Error('socket closed before CONNECTED'));
    };
    client.onWebSocketError = () => reject(new Error('websocket failed'));
    client.onConnect = (connected) =>
      resolve({
        client,
        connected,
        errors,
        closed,
        async subscribe(destination, headers = {}, each = () => undefined) {
          const messages: IMessage[] = [];
          const take = (m: IMessage): void => {
            messages.push(m);
            each(m);
          };
          await withReceipt((receipt) => client.subscribe(destination, take, { ...headers, receipt }));
          return messages;
        },
        async send(destination, body, headers = {}) {
          return withReceipt((receipt) => client.publish({ destination, body, headers: { ...headers, receipt } }));
        },
        async close() {
          await client.deactivate({ force: true });
          await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
        },
      });
    client.activate();
  });
}
