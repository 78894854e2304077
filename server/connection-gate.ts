/**
 * Counts the HTTP port's open connections, in total and per client address, from accept to
 * close (so an upgraded WebSocket or a never-ending stream still counts), and says which new
 * connection goes over a cap.
 */
import type { Duplex } from 'node:stream';
import { peerAddress } from '../http/client-address.js';
import type { ErrorCode } from '../protocol/errors.js';
import type { HttpLimits } from './http-limits.js';

export interface Refusal {
  code: Extract<ErrorCode, 'too_many' | 'busy'>;
  error: string;
}

export interface ConnectionGate {
  /** Counts `socket` until it closes, or says why it is refused (it is then not counted). */
  admit(socket: Duplex & { remoteAddress?: string | undefined }): Refusal | null;
  /** Connections counted now. */
  size(): number;
}

export function createConnectionGate(limits: Pick<HttpLimits, 'maxConnections' | 'maxConnectionsPerAddress'>): ConnectionGate {
  const perAddress = new Map<string, number>();
  let total = 0;
  return {
    admit(socket) {
      // The PROXY header's address when there is one; forwarding headers come later, with the request.
      const address = peerAddress(socket);
      const fromHere = perAddress.get(address) ?? 0;
      if (total >= limits.maxConnections) return { code: 'busy', error: `the hub holds as many HTTP connections as it may (${limits.maxConnections}); try again later` };
      if (fromHere >= limits.maxConnectionsPerAddress) return { code: 'too_many', error: `${limits.maxConnectionsPerAddress} HTTP connections from this address are open already; close some first` };
      total++;
      perAddress.set(address, fromHere + 1);
      socket.once('close', () => {
        total--;
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left === 0) perAddress.delete(address);
        else perAddress.set(address, left);
      });
      return null;
    },
    size: () => total,
  };
}
