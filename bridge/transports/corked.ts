/**
 * `ws` writes each frame to the socket itself (header and body, corked per frame), so frames
 * sent one after another leave in a write each. Corking the socket around a batch of sends
 * (cork nests) makes them leave together in one write.
 */
import type { Duplex } from 'node:stream';

export function corked<T>(socket: Duplex, send: () => T): T {
  socket.cork();
  try {
    return send();
  } finally {
    socket.uncork();
  }
}
