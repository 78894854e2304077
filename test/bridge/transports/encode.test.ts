import { describe, expect, it } from 'vitest';
import { messageEvent, messageJson, scriptSafe } from '../../../bridge/transports/encode.js';
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
    expect(messageEvent(msg)).toBe(`id: 3\nevent: telemetry\ndata: ${JSON.stringify(msg)}\n\n`);
    expect(messageJson(msg)).toBe(messageJson(msg));
  });
});
