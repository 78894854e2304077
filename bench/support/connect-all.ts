/** Many MQTT connections opened as a fleet opens them: at most `window` CONNECTs outstanding at a time. */
import type { Socket } from 'node:net';
import { type RawClientOptions, rawClient } from '../../test/broker/support/raw-client.js';

export interface Connected {
  sockets: Socket[];
  /** From the first CONNECT to the last CONNACK, ms. */
  ms: number;
  /** Connections refused or failed before their CONNACK. */
  refused: number;
}

/** Connects one client per id (its options from `optionsOf`); resolves once every one is accepted or refused. */
export async function connectAll(port: number, ids: readonly string[], window: number, optionsOf: (id: string) => RawClientOptions): Promise<Connected> {
  const sockets: Socket[] = [];
  let refused = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      try {
        sockets.push(await rawClient(port, id, optionsOf(id)));
      } catch {
        refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, ids.length) }, worker));
  return { sockets, ms: performance.now() - t0, refused };
}
