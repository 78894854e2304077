/** JSON responses and bounded request bodies, shared by every HTTP route. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode, type Result, fail, ok } from '../protocol/errors.js';
import { parseJson } from '../protocol/json-bounds.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
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

const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Reads and parses a JSON body of at most `limit` bytes, within the JSON bounds (protocol/json-bounds.ts); never throws. */
export function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Result<unknown>> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve(fail('too_large', `body is larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(fail('too_large', `body is larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => resolve(fail('bad_request', 'request body could not be read')));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.length === 0) return resolve(ok(undefined));
      const parsed = parseJson(text);
      resolve(parsed.ok || parsed.code !== 'bad_json' ? parsed : fail('bad_json', 'body is not valid JSON'));
    });
  });
}
