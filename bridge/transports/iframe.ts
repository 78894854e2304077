/**
 * `GET /stream/iframe`: the page never ends; each batch of messages arrives as one inline
 * script handing them to `window.parent` with postMessage. The target origin is this hub's own
 * (or `?origin=`, which must be an allowed origin), CSP `frame-ancestors` keeps other sites from
 * framing it, and only scripts carrying this response's nonce run. Message JSON is escaped for
 * a script element (encode.ts scriptSafe), so no device string can end the script or add markup.
 *
 * The parent receives the message objects themselves, plus `{op:"hello",subscriber}`,
 * `{op:"reset",since}` and `{op:"end",reason}`; after `end` it reloads the frame with `since`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { fail, ok } from '../../protocol/errors.js';
import type { Route } from '../../http/router.js';
import { messageScriptValue, scriptSafe } from './encode.js';
import { type StreamFraming, streamHandler } from './http-stream.js';
import type { TransportDeps } from './transport-deps.js';
import { TRANSPORT_PATHS } from '../../protocol/transports.js';

/** Some browsers render a streamed document only after its first kilobyte. */
const PADDING = `<!--${' '.repeat(1024)}-->\n`;

function iframeFraming(nonce: string, targetOrigin: string | null, allowOrigins: readonly string[], maxBytes: number): StreamFraming {
  const script = (code: string): string => `<script nonce="${nonce}">${code}</script>\n`;
  const post = (frame: object): string => script(`m(${scriptSafe(JSON.stringify(frame))})`);
  const target = targetOrigin === null ? 'location.origin' : scriptSafe(JSON.stringify(targetOrigin));
  const ancestors = ["'self'", ...allowOrigins].join(' ');
  return {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; frame-ancestors ${ancestors}; base-uri 'none'; form-action 'none'`,
    },
    preamble: (subscriber) =>
      `<!doctype html><html><head><meta charset="utf-8"><title>fleetwire stream</title></head><body>\n${PADDING}` +
      script(`var target=${target};function m(x){window.parent.postMessage(x,target)}`) +
      post({ op: 'hello', subscriber }),
    messages: (batch) => script(batch.map((msg) => `m(${messageScriptValue(msg)});`).join('')),
    reset: (since) => post({ op: 'reset', since }),
    end: (reason) => `${post({ op: 'end', reason })}</body></html>\n`,
    heartbeat: '<!-- -->\n',
    maxBytes,
  };
}

export function iframeRoute(deps: TransportDeps, allowOrigins: readonly string[]): Route {
  const framing = (_req: IncomingMessage, url: URL) => {
    const origin = url.searchParams.get('origin');
    if (origin !== null && !allowOrigins.includes(origin)) return fail('forbidden', `origin ${origin.slice(0, 100)} is not an allowed origin for the iframe's parent`);
    return ok(iframeFraming(randomBytes(16).toString('base64'), origin, allowOrigins, deps.limits.iframePageBytes));
  };
  return {
    method: 'GET',
    path: TRANSPORT_PATHS.iframe,
    handler: deps.access.guard('viewer', streamHandler(deps, { transport: 'iframe', framing }), { urlToken: true }),
  };
}
