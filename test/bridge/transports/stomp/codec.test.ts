/** The STOMP codec (STOMP 1.2 §Frames, §Value Encoding, §Header content-length), table-driven. */
import { describe, expect, it } from 'vitest';
import { type Decoded, FrameDecoder } from '../../../../bridge/transports/stomp/frame-decoder.js';
import { encodeFrame } from '../../../../bridge/transports/stomp/frame-encoder.js';
import type { StompVersion } from '../../../../bridge/transports/stomp/frame.js';
import { escapeHeader, unescapeHeader } from '../../../../bridge/transports/stomp/header-escape.js';
import { messageFrame } from '../../../../bridge/transports/stomp/message-frame.js';
import type { HubMessage } from '../../../../protocol/message.js';

const LIMITS = { maxFrameBytes: 1024, maxHeaders: 8, maxHeaderBytes: 256 };

function decode(text: string | Buffer, version: StompVersion = '1.2', limits = LIMITS): Decoded[] {
  const d = new FrameDecoder(limits);
  d.version = version;
  return d.push(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));
}

const frames = (out: Decoded[]) => out.flatMap((d) => (d.type === 'frame' ? [{ command: d.frame.command, headers: d.frame.headers, body: d.frame.body.toString('utf8') }] : []));
const errorOf = (out: Decoded[]) => out.find((d) => d.type === 'error') as { message: string } | undefined;

describe('header escaping', () => {
  it.each([
    ['1.2', 'a:b\nc\\d\re', 'a\\cb\\nc\\\\d\\re'],
    ['1.1', 'a:b\nc\\d', 'a\\cb\\nc\\\\d'],
    ['1.1', 'cr\rhere', 'cr here'],
    ['1.0', 'a:b\nc\\d', 'a:b c\\d'],
    ['1.2', '/topic/x/+', '/topic/x/+'],
  ] as const)('%s escapes %j as %j', (version, raw, escaped) => {
    expect(escapeHeader(raw, version)).toBe(escaped);
  });

  it.each([
    ['1.2', 'a\\cb\\nc\\\\d\\re', 'a:b\nc\\d\re'],
    ['1.1', 'a\\cb\\nc\\\\d', 'a:b\nc\\d'],
    ['1.0', 'a\\cb', 'a\\cb'],
    ['1.2', 'plain', 'plain'],
  ] as const)('%s unescapes %j as %j', (version, escaped, raw) => {
    expect(unescapeHeader(escaped, version)).toBe(raw);
  });

  it.each([
    ['1.2', 'a\\tb'],
    ['1.2', 'ends\\'],
    ['1.1', 'a\\rb'],
  ] as const)('%s refuses the undefined escape in %j', (version, text) => {
    expect(unescapeHeader(text, version)).toBeNull();
  });
});

describe('decoding', () => {
  it.each([
    ['a bare frame', 'SEND\ndestination:/topic/a\n\nhello\0', [{ command: 'SEND', headers: [['destination', '/topic/a']], body: 'hello' }]],
    ['CR LF line ends', 'SEND\r\ndestination:/topic/a\r\n\r\nhi\0', [{ command: 'SEND', headers: [['destination', '/topic/a']], body: 'hi' }]],
    ['no headers, no body', 'DISCONNECT\n\n\0', [{ command: 'DISCONNECT', headers: [], body: '' }]],
    ['repeated headers kept in order', 'SEND\nx:1\nx:2\n\n\0', [{ command: 'SEND', headers: [['x', '1'], ['x', '2']], body: '' }]],
    ['a colon in the value', 'CONNECT\nlogin:a:b\n\n\0', [{ command: 'CONNECT', headers: [['login', 'a:b']], body: '' }]],
    ['CONNECT headers are not unescaped', 'CONNECT\npasscode:a\\cb\n\n\0', [{ command: 'CONNECT', headers: [['passcode', 'a\\cb']], body: '' }]],
    ['escaped headers', 'SEND\nde\\cst:a\\nb\n\n\0', [{ command: 'SEND', headers: [['de:st', 'a\nb']], body: '' }]],
    ['NULL inside a content-length body', 'SEND\ncontent-length:3\n\na\0b\0', [{ command: 'SEND', headers: [['content-length', '3']], body: 'a\0b' }]],
    ['two frames and heart-beats between', '\n\r\nSEND\n\n1\0\n\nSEND\n\n2\0\n', [{ command: 'SEND', headers: [], body: '1' }, { command: 'SEND', headers: [], body: '2' }]],
    ['trailing spaces kept (1.2 trims nothing)', 'SEND\nx: a \n\n\0', [{ command: 'SEND', headers: [['x', ' a ']], body: '' }]],
  ])('%s', (_name, text, expected) => {
    const out = decode(text);
    expect(errorOf(out)).toBeUndefined();
    expect(frames(out)).toEqual(expected);
  });

  it('reports heart-beats', () => {
    expect(decode('\n')).toEqual([{ type: 'heartbeat' }]);
    expect(decode('\r\n\n')).toEqual([{ type: 'heartbeat' }]);
  });

  it('counts content-length in bytes, not characters', () => {
    const body = 'héllo ✓';
    const out = decode(`SEND\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`);
    expect(frames(out)[0]?.body).toBe(body);
  });

  it('waits for the rest of a frame split anywhere', () => {
    const text = Buffer.from('SEND\ndestination:/topic/a\ncontent-length:5\n\nhello\0SEND\n\nx\0');
    for (let cut = 1; cut < text.length; cut++) {
      const d = new FrameDecoder(LIMITS);
      const out = [...d.push(text.subarray(0, cut)), ...d.push(text.subarray(cut))];
      expect(frames(out).map((f) => f.body)).toEqual(['hello', 'x']);
    }
  });

  it.each([
    ['an unknown command', 'MESSAGE\n\n\0', 'not a STOMP client command'],
    ['a lower-case command', 'send\n\n\0', 'not a STOMP client command'],
    ['a header without a colon', 'SEND\nnocolon\n\n\0', 'has no colon'],
    ['an undefined escape', 'SEND\nx:a\\tb\n\n\0', 'escape'],
    ['a bad content-length', 'SEND\ncontent-length:-1\n\n\0', 'content-length'],
    ['no NULL where content-length ends', 'SEND\ncontent-length:2\n\nabc\0', 'NULL'],
    ['too many headers', `SEND\n${'h:1\n'.repeat(9)}\n\0`, 'more than 8 headers'],
    ['headers too long', `SEND\nh:${'x'.repeat(300)}\n\n\0`, 'headers are longer'],
    ['a frame too large (content-length)', 'SEND\ncontent-length:2000\n\n', 'larger than 1024'],
    ['a frame too large (no NULL)', `SEND\n\n${'x'.repeat(1100)}`, 'larger than 1024'],
  ])('refuses %s', (_name, text, message) => {
    expect(errorOf(decode(text))?.message).toContain(message);
  });

  it('refuses an escape 1.1 does not define, which 1.2 does', () => {
    expect(errorOf(decode('SEND\nx:a\\rb\n\n\0', '1.1'))).toBeDefined();
    expect(errorOf(decode('SEND\nx:a\\rb\n\n\0', '1.2'))).toBeUndefined();
  });

  it('decodes nothing more after an error', () => {
    const d = new FrameDecoder(LIMITS);
    expect(d.push(Buffer.from('BOGUS\n\n\0'))[0]?.type).toBe('error');
    expect(d.push(Buffer.from('SEND\n\n\0'))).toEqual([]);
  });
});

describe('encoding', () => {
  it('writes escaped headers, content-length and NULL', () => {
    const text = encodeFrame({ command: 'MESSAGE', headers: [['destination', '/topic/a:b'], ['x', 'line\nbreak']], body: 'héllo' }, '1.2');
    expect(text).toBe('MESSAGE\ndestination:/topic/a\\cb\nx:line\\nbreak\ncontent-length:6\n\nhéllo\0');
  });

  it('does not escape CONNECTED, nor anything in 1.0', () => {
    expect(encodeFrame({ command: 'CONNECTED', headers: [['version', '1.2'], ['server', 'a:b']] }, '1.2')).toBe('CONNECTED\nversion:1.2\nserver:a:b\n\n\0');
    expect(encodeFrame({ command: 'MESSAGE', headers: [['destination', '/topic/a:b\nc']] }, '1.0')).toBe('MESSAGE\ndestination:/topic/a:b c\n\n\0');
  });
});

describe('MESSAGE frames', () => {
  const msg: HubMessage = { seq: 7, ts: 1, topic: 'lab/a:b', device: null, kind: 'message', data: 'é' };
  const json = JSON.stringify(msg);

  it.each([
    ['1.2', 's:1', '7/s:1', null, `MESSAGE\nsubscription:s\\c1\nmessage-id:7\nack:7/s\\c1\ndestination:/topic/lab/a\\cb\ncontent-type:application/json\ncontent-length:${Buffer.byteLength(json)}\n\n${json}\0`],
    ['1.0', 's:1', null, null, `MESSAGE\nsubscription:s:1\nmessage-id:7\ndestination:/topic/lab/a:b\ncontent-type:application/json\ncontent-length:${Buffer.byteLength(json)}\n\n${json}\0`],
    ['1.2', 'q', null, '/user/queue/commands', `MESSAGE\nsubscription:q\nmessage-id:7\ndestination:/user/queue/commands\ncontent-type:application/json\ncontent-length:${Buffer.byteLength(json)}\n\n${json}\0`],
  ] as const)('%s, subscription %j, ack %j, destination %j', (version, sub, ack, destination, expected) => {
    expect(messageFrame(msg, sub, ack, destination, version)).toBe(expected);
    expect(messageFrame(msg, sub, ack, destination, version)).toBe(expected); // from the cache
  });

  it('decodes back to the message', () => {
    const d = new FrameDecoder({ maxFrameBytes: 4096, maxHeaders: 8, maxHeaderBytes: 1024 });
    const text = messageFrame(msg, 's:1', '7/s:1', null, '1.2').replace(/^MESSAGE/, 'SEND');
    const [out] = d.push(Buffer.from(text));
    expect(out?.type === 'frame' && JSON.parse(out.frame.body.toString())).toEqual(msg);
    expect(out?.type === 'frame' && out.frame.headers.slice(0, 2)).toEqual([['subscription', 's:1'], ['message-id', '7']]);
  });
});
