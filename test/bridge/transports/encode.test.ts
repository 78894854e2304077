import { createRequire } from 'node:module';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { messageEvent, messageFrame, messageJson, messageScriptValue, scriptSafe, wsTextFrame } from '../../../bridge/transports/encode.js';
import type { HubMessage } from '../../../protocol/message.js';

describe('scriptSafe', () => {
  it.each([
    ['</script><script>alert(1)</script>'],
    ['<!-- a --> & b'],
    ['line\u2028sep\u2029para'],
    ['plain'],
  ])('%j stays the same value with no markup characters left', (text) => {
    const safe = scriptSafe(JSON.stringify({ text }));
    expect(safe).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(safe)).toEqual({ text });
  });
});

describe('message encodings', () => {
  const msg: HubMessage = { seq: 3, ts: 1, topic: 'devices/d1/telemetry', device: 'd1', kind: 'telemetry', data: { t: 1 } };

  it('give the contract shape and are made once per message', () => {
    expect(JSON.parse(messageJson(msg))).toEqual(msg);
    expect(messageEvent(msg).toString()).toBe(`id: 3\nevent: telemetry\ndata: ${JSON.stringify(msg)}\n\n`);
    expect(messageFrame(msg)).toEqual(wsTextFrame(JSON.stringify(msg)));
    expect(messageJson(msg)).toBe(messageJson(msg));
    expect(messageEvent(msg)).toBe(messageEvent(msg));
    expect(messageFrame(msg)).toBe(messageFrame(msg));
    expect(messageScriptValue(msg)).toBe(messageScriptValue(msg));
  });

  it('leave the message as it was: its keys, its JSON and its clones', () => {
    const fresh: HubMessage = { seq: 4, ts: 2, topic: 'devices/d2/telemetry', device: 'd2', kind: 'telemetry', data: { t: 2 } };
    const before = JSON.stringify(fresh);
    messageEvent(fresh);
    messageFrame(fresh);
    messageScriptValue(fresh);
    expect(Reflect.ownKeys(fresh).filter((k) => Object.getOwnPropertyDescriptor(fresh, k)?.enumerable)).toEqual(['seq', 'ts', 'topic', 'device', 'kind', 'data']);
    expect(JSON.stringify(fresh)).toBe(before);
    expect(messageJson(fresh)).toBe(before);
    expect(structuredClone(fresh)).toStrictEqual(JSON.parse(before));
    expect({ ...fresh }).toStrictEqual(JSON.parse(before));
  });
});

describe('wsTextFrame', () => {
  // ws's own framing, the reference (its types leave the Sender out).
  const { Sender } = createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, opts: object): Buffer[] } };
  // Each length form of RFC 6455 §5.2 on both sides of its bound, and text of multi-byte characters.
  it.each([0, 125, 126, 0xffff, 0x10000])('frames %i bytes of text as ws itself frames them', (size) => {
    const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
    const expected = Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));
    expect(wsTextFrame(text)).toEqual(expected);
  });
});

describe('the iframe script value', () => {
  /** What the frame's script evaluates the value to, as the parent receives it. */
  const evaluate = (msg: HubMessage): unknown => vm.runInNewContext(`(${messageScriptValue(msg)})`) as unknown;
  const base: HubMessage = { seq: 4, ts: 1, topic: 'x/y', device: null, kind: 'message', data: 1 };

  it.each<[string, HubMessage]>([
    ['plain data', { ...base, data: { a: '</script>' } }],
    ['a __proto__ key in data', { ...base, data: JSON.parse('{"__proto__":{"polluted":true},"b":"</script>"}') as HubMessage['data'] }],
    ['a __proto__ user property', { ...base, props: { user: JSON.parse('{"__proto__":"x"}') as Record<string, string> } }],
    ['a string that looks like the key', { ...base, data: 'a"__proto__":' }],
  ])('keeps %s as it is, with no markup characters', (_name, msg) => {
    const value = messageScriptValue(msg);
    expect(value).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.stringify(evaluate(msg))).toBe(messageJson(msg));
  });

  it('is the JSON text itself when no key is __proto__', () => {
    expect(messageScriptValue(base)).toBe(messageJson(base));
  });
});
