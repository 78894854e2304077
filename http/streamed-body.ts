/**
 * Sends a body made of many chunks without holding it: one chunk is made only when the socket
 * has taken the one before (`res.write()` true, or after `drain`), and the loop yields to the
 * event loop between chunks, so a huge export neither grows memory nor starves other clients.
 * A client that accepts nothing for `stallMs` is cut off; one that leaves stops the work.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setImmediate as yieldTurn } from 'node:timers/promises';

export interface StreamedBody {
  contentType: string;
  /** Offered as the download's name (Content-Disposition). */
  filename: string;
  /** The next chunk of text, or null when the body is complete. Called only when the socket has room. */
  next(): string | null;
}

/** True once the socket drains or closes, false after `ms` of neither; leaves no listener behind. */
async function drained(res: ServerResponse, ms: number): Promise<boolean> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    await Promise.race([once(res, 'drain', { signal: stop.signal }), once(res, 'close', { signal: stop.signal })]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

/** Resolves `'done'` once the body is sent, `'gone'` when the client left, `'stalled'` when it was cut off. */
export async function sendStreamed(res: ServerResponse, body: StreamedBody, stallMs: number): Promise<'done' | 'gone' | 'stalled'> {
  // Chunked transfer coding (RFC 9112 §7.1): the length is not known before the last page is read.
  res.writeHead(200, {
    'content-type': body.contentType,
    'content-disposition': `attachment; filename="${body.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  const gone = (): boolean => res.destroyed || res.writableEnded;
  for (;;) {
    if (gone()) return 'gone';
    const chunk = body.next();
    if (chunk === null) break;
    if (chunk.length === 0) continue;
    if (res.write(chunk)) {
      await yieldTurn();
      continue;
    }
    if (!(await drained(res, stallMs))) {
      res.destroy();
      return 'stalled';
    }
  }
  res.end();
  return 'done';
}
