/**
 * Iframe streaming on `GET /stream/iframe`: a hidden same-origin frame loads a page that
 * never ends; each of its script blocks hands a batch of messages to this window with
 * `postMessage`, besides `{op:"hello"}`, `{op:"reset"}` and `{op:"end"}` control frames. The
 * frame's `load` event means the document ended, i.e. the stream closed.
 */
import type { HubMessage } from '../../../protocol/message.js';
import { isHubMessage, parseJson } from './message-guard.js';
import { streamQuery, utf8Length, type Transport, type TransportOptions } from './transport.js';

/** The page that hosts the frame must not show it, nor let it take focus. */
function hiddenFrame(src: string): HTMLIFrameElement {
  const frame = document.createElement('iframe');
  frame.src = src;
  frame.title = 'live stream';
  frame.tabIndex = -1;
  frame.setAttribute('aria-hidden', 'true');
  frame.className = 'stream-frame';
  return frame;
}

export function createIframeTransport(opts: TransportOptions): Transport {
  const { handlers } = opts;
  const origin = opts.origin ?? window.location.origin;
  let frame: HTMLIFrameElement | null = null;
  let opened = false;

  let countedScript: Element | null = null;
  /**
   * Bytes of the script block that carried this message, read from the frame's own DOM. A block
   * carries a batch: the first message of it is charged the whole block, the rest nothing, so
   * the mean per message comes out right.
   */
  const chunkBytes = (msg: HubMessage): number => {
    const scripts = frame?.contentDocument?.scripts;
    const last = scripts && scripts.length > 0 ? scripts[scripts.length - 1] : undefined;
    if (!last) return utf8Length(JSON.stringify(msg));
    if (last === countedScript) return 0;
    countedScript = last;
    return utf8Length(last.outerHTML) + 1;
  };

  /** The hub's first frame (`hello`) or any message shows the stream is up. */
  const markOpen = (): void => {
    if (opened) return;
    opened = true;
    handlers.open();
  };

  const onMessage = (ev: MessageEvent<unknown>): void => {
    if (!frame || ev.source !== frame.contentWindow || ev.origin !== origin) return;
    const data = typeof ev.data === 'string' ? parseJson(ev.data) : ev.data;
    markOpen();
    if (isHubMessage(data)) {
      handlers.message(data, chunkBytes(data));
      return;
    }
    const op = typeof data === 'object' && data !== null ? (data as { op?: unknown }).op : undefined;
    if (op === 'reset') handlers.reset();
    else if (op === 'end') {
      stop();
      handlers.closed('the hub ended the stream');
    }
  };

  const stop = (): void => {
    countedScript = null;
    window.removeEventListener('message', onMessage);
    frame?.remove();
    frame = null;
  };

  return {
    kind: 'iframe',
    open(since) {
      stop();
      opened = false;
      const el = hiddenFrame(`${opts.origin ?? ''}/stream/iframe?${streamQuery(opts.filters, { since })}`);
      frame = el;
      window.addEventListener('message', onMessage);
      handlers.request();
      // A streaming document fires `load` only when the hub ends it (restart, cut-off, error page).
      el.addEventListener('load', () => {
        if (frame !== el) return;
        stop();
        handlers.closed('stream document ended');
      });
      // A frame that never finishes loading holds back the page's own `load` event (and its
      // spinner): attach it only once the page has loaded.
      if (document.readyState === 'complete') document.body.append(el);
      else window.addEventListener('load', () => frame === el && document.body.append(el), { once: true });
    },
    close: stop,
  };
}
