/**
 * The MQTT 5 properties of a message: mqtt-packet's parsed properties become the contract's
 * `props` (broker/publish-props.ts), and an ack names its command by Correlation Data or JSON
 * `id` (protocol/message-props.ts), which the ack decoder accepts (bridge/ingest/payload.ts);
 * ingest carries props with the message and counts them towards the payload limit.
 */
import { describe, expect, it } from 'vitest';
import { admit } from '../../bridge/ingest/ingest.js';
import { decodePayload } from '../../bridge/ingest/payload.js';
import { publishProps } from '../../broker/publish-props.js';
import type { HubMessage, MessageProps } from '../../protocol/message.js';
import { ackCommandId, correlationText } from '../../protocol/message-props.js';
import { parseDeviceTopic } from '../../protocol/names.js';

const b64 = (text: string | Buffer): { base64: string } => ({ base64: Buffer.from(text).toString('base64') });

describe('publishProps', () => {
  const userOf = (entries: [string, unknown][]): Record<string, unknown> => Object.assign(Object.create(null) as object, Object.fromEntries(entries));

  it.each<[string, Parameters<typeof publishProps>[0], MessageProps | undefined]>([
    ['no properties (3.1.1)', undefined, undefined],
    ['only transport properties', { topicAlias: 3, messageExpiryInterval: 60, subscriptionIdentifier: 2 } as object, undefined],
    [
      'every application property',
      { contentType: 'application/json', payloadFormatIndicator: true, responseTopic: 'r/1', correlationData: Buffer.from([0, 255]), userProperties: userOf([['k', ['v', 'w']], ['site', 'n']]) },
      { contentType: 'application/json', payloadFormat: 1, responseTopic: 'r/1', correlationData: { base64: 'AP8=' }, user: { k: ['v', 'w'], site: 'n' } },
    ],
    ['payload format 0', { payloadFormatIndicator: false }, { payloadFormat: 0 }],
    ['a property sent twice (a protocol error) is left out', { contentType: ['a', 'b'], responseTopic: 'r' }, { responseTopic: 'r' }],
    ['user property values that are not text are left out', { userProperties: userOf([['n', 5], ['ok', 'y']]) }, { user: { ok: 'y' } }],
  ])('%s', (_name, properties, props) => {
    expect(publishProps(properties)).toEqual(props);
  });

  it('keeps a user property named __proto__ as a key', () => {
    const props = publishProps({ userProperties: userOf([['__proto__', 'x']]) });
    expect(JSON.stringify(props)).toBe('{"user":{"__proto__":"x"}}');
  });
});

describe('ackCommandId', () => {
  const ack = (data: HubMessage['data'], props?: MessageProps): Pick<HubMessage, 'kind' | 'data' | 'props'> => ({ kind: 'ack', data, ...(props ? { props } : {}) });

  it.each<[string, Pick<HubMessage, 'kind' | 'data' | 'props'>, string | null]>([
    ['the JSON id of a 3.1.1 ack', ack({ id: 'c1', ok: true }), 'c1'],
    ['the Correlation Data of a v5 ack without id', ack({ ok: true }, { correlationData: b64('c2') }), 'c2'],
    ['the Correlation Data before the JSON id', ack({ id: 'c1', ok: true }, { correlationData: b64('c2') }), 'c2'],
    ['the JSON id when the Correlation Data is not UTF-8', ack({ id: 'c1', ok: true }, { correlationData: b64(Buffer.from([0xff, 0xfe])) }), 'c1'],
    ['nothing without either', ack({ ok: true }, { user: { k: 'v' } }), null],
    ['nothing for another kind', { kind: 'command', data: { id: 'c1' } }, null],
  ])('%s', (_name, msg, id) => {
    expect(ackCommandId(msg)).toBe(id);
  });

  it('reads hostile props from the network as none', () => {
    expect(correlationText({ correlationData: { base64: 5 } } as unknown as MessageProps)).toBeNull();
    expect(correlationText({ correlationData: { base64: '!!' } })).toBeNull();
  });
});

describe('an ack with Correlation Data', () => {
  const decode = (payload: string, props?: MessageProps) => decodePayload(parseDeviceTopic('devices/d1/ack'), Buffer.from(payload), 1024, props);

  it('needs no JSON id', () => {
    expect(decode('{"ok":true}', { correlationData: b64('c1') })).toEqual({ ok: true, value: { kind: 'ack', data: { ok: true } } });
  });

  it.each<[string, string, MessageProps | undefined]>([
    ['no id and no Correlation Data', '{"ok":true}', undefined],
    ['no id and other properties', '{"ok":true}', { contentType: 'application/json' }],
    ['no id and binary Correlation Data', '{"ok":true}', { correlationData: b64(Buffer.from([0xff])) }],
    ['a bad JSON id even with Correlation Data', '{"id":7,"ok":true}', { correlationData: b64('c1') }],
  ])('is refused with %s', (_name, payload, props) => {
    expect(decode(payload, props)).toMatchObject({ ok: false, code: 'bad_payload' });
  });
});

describe('ingest with props', () => {
  const publish = (topic: string, payload: string, props: MessageProps) => ({ topic, payload: Buffer.from(payload), qos: 1 as const, retain: false, clientId: 'd1', props });
  const big: MessageProps = { user: { note: 'x'.repeat(100) } };

  it('carries them with the message, and with a reject they may explain', () => {
    expect(admit(publish('devices/d1/telemetry', '{"t":1}', { contentType: 'application/json' }), 1024)).toMatchObject({ kind: 'telemetry', props: { contentType: 'application/json' } });
    expect(admit(publish('devices/d1/telemetry', 'warm', { contentType: 'text/plain' }), 1024)).toMatchObject({ kind: 'reject', data: { code: 'bad_json' }, props: { contentType: 'text/plain' } });
  });

  it('counts them towards the payload limit, and leaves them out of the too_large reject', () => {
    const refused = admit(publish('devices/d1/telemetry', '{"t":1}', big), 100);
    expect(refused).toMatchObject({ kind: 'reject', data: { code: 'too_large', reason: expect.stringContaining('payload and MQTT 5 properties are') } });
    expect(refused && 'props' in refused).toBe(false);
    expect(admit(publish('devices/d1/telemetry', '{"t":1}', big), 200)).toMatchObject({ kind: 'telemetry', props: big });
  });
});
