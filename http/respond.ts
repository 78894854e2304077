/** JSON responses and bounded request bodies, shared by every HTTP route. */
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS, type ErrorCode, type Result, fail, ok } from '../protocol/errors.js';
import { parseJson } from '../protocol/json-bounds.js';

/** Requests answered before their body was read (too large, wrong type): see sendJson. */
const unreadBodies = new WeakSet<IncomingMessage>();

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    // Answered before the body was read (too large, wrong type): the rest of it must not be
    // taken for the next request, so the connection ends here (RFC 9112 §9.6).
    ...(unreadBodies.has(res.req) ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** Errors are JSON `{"error": "..."}` with the status the code maps to (CONTRACT.md). */
export function sendError(res: ServerResponse, code: ErrorCode, error: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, ERRORS[code], { error, code });
}

/** A whole error response as raw bytes, for a socket that has no ServerResponse: a refused upgrade or an unparsable request. */
export function rawError(code: ErrorCode, error: string): string {
  const status = ERRORS[code];
  const body = JSON.stringify({ error, code });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}

/** Refuses a WebSocket upgrade with a JSON error, before any WebSocket exists. */
export function refuseUpgrade(socket: Duplex, code: ErrorCode, error: string): void {
  socket.end(rawError(code, error));
}

const DEFAULT_BODY_LIMIT = 64 * 1024;

/** True when the request says it has a body: a Content-Length above 0 or a Transfer-Encoding (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

const isJsonType = (type: string | undefined): boolean => (type ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';

/** Discards the rest of a body this request will not use; its answer closes the connection. */
function skipBody(req: IncomingMessage): void {
  unreadBodies.add(req);
  req.resume();
}

/**
 * Reads and parses a JSON body of at most `limit` bytes, within the JSON bounds
 * (protocol/json-bounds.ts); never throws. A body must be
 * `application/json`: a form or text/plain body (what a cross-site form or simple request can
 * send) is refused with 415 before it is read. No body at all reads as `undefined`.
 */
export function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Result<unknown>> {
  return new Promise((resolve) => {
    if (!hasBody(req)) {
      resolve(ok(undefined));
      return;
    }
    if (!isJsonType(req.headers['content-type'])) {
      skipBody(req);
      resolve(fail('unsupported_media_type', 'send the body as JSON with Content-Type: application/json'));
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      skipBody(req);
      resolve(fail('too_large', `body is larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // A chunked body past the limit: answer now and drop the rest unread (the answer closes the connection).
      req.off('data', onData);
      chunks.length = 0;
      skipBody(req);
      resolve(fail('too_large', `body is larger than ${limit} bytes`));
    };
    req.on('data', onData);
    req.on('error', () => resolve(fail('bad_request', 'request body could not be read')));
    req.on('close', () => resolve(fail('bad_request', 'request body ended early')));
    req.on('end', () => {
      if (size > limit) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.length === 0) return resolve(ok(undefined));
      const parsed = parseJson(text);
      resolve(parsed.ok || parsed.code !== 'bad_json' ? parsed : fail('bad_json', 'body is not valid JSON'));
    });
  });
}
