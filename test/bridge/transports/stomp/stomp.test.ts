/**
 * `GET /stomp` with `@stomp/stompjs`: broadcast, command results to their sender only,
 * receipts, acknowledgement, heart-beats both ways, and bad frames that end one connection
 * with an ERROR while every other goes on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView, HubMessage } from '../../../../protocol/message.js';
import { waitFor } from '../../../support/wait.js';
import { type Rig, startRig, stopRigs } from '../../support/bridge-rig.js';
import { type RawStomp, rawStomp } from '../../support/raw-stomp.js';
import { type StompLink, stompConnect } from '../../support/stomp-client.js';

let rig: Rig;
const links: StompLink[] = [];
const raws: RawStomp[] = [];
beforeAll(async () => {
  rig = await startRig({ limits: { stompHeartbeatMs: 500, stompAckWindow: 3, stompMaxSubscriptions: 4, maxFrameBytes: 4096 } });
  void rig.publish('devices/d1/status', '{"online":true}');
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  for (const r of raws.splice(0)) r.close();
});
afterAll(stopRigs);

async function link(): Promise<StompLink> {
  const l = await stompConnect(rig.url);
  links.push(l);
  return l;
}
async function raw(protocols?: string[]): Promise<RawStomp> {
  const r = await rawStomp(rig.url, { protocols });
  raws.push(r);
  return r;
}
const body = (m: { body: string }): HubMessage => JSON.parse(m.body) as HubMessage;

describe('STOMP over WebSocket', () => {
  it('streams /topic/{filter} as MESSAGE frames: message-id is the seq, body the message JSON; nothing else arrives', async () => {
    const a = await link();
    const got = await a.subscribe('/topic/devices/+/telemetry');
    void rig.publish('devices/d1/telemetry', '{"t":1}');
    void rig.publish('devices/d1/events', '{"type":"boot"}');
    void rig.publish('done/x', '1');
    const end = await a.subscribe('/topic/done/#');
    void rig.publish('done/x', '2');
    await waitFor(() => end.length === 1, 5000, 'done');
    expect(got).toHaveLength(1);
    const m = got[0]!;
    expect(m.headers).toMatchObject({ destination: '/topic/devices/d1/telemetry', 'content-type': 'application/json', 'message-id': String(body(m).seq) });
    expect(body(m)).toMatchObject({ topic: 'devices/d1/telemetry', device: 'd1', kind: 'telemetry', data: { t: 1 } });
  });

  it('negotiates the subprotocol and the highest common version', async () => {
    const r = await raw(['v10.stomp', 'v11.stomp']);
    expect(r.ws.protocol).toBe('v11.stomp');
    r.send('CONNECT\naccept-version:1.0,1.1\nhost:hub\n\n\0');
    await waitFor(() => r.frames[0], 5000, 'CONNECTED');
    expect(r.frames[0]).toMatchObject({ command: 'CONNECTED', headers: { version: '1.1' } });
    const old = await raw([]);
    old.send('CONNECT\n\n\0');
    await waitFor(() => old.frames[0], 5000, 'CONNECTED');
    expect(old.frames[0]?.headers.version).toBe('1.0');
  });

  it('broadcasts a SEND to /topic/{topic} to every subscriber of it, after the RECEIPT says it is recorded', async () => {
    const [a, b, c] = [await link(), await link(), await link()];
    const atB = await b.subscribe('/topic/chat/#');
    const atC = await c.subscribe('/topic/other');
    const receipt = await a.send('/topic/chat/room', 'hello all', { 'content-type': 'text/plain' });
    expect(receipt.headers['receipt-id']).toBeDefined();
    await waitFor(() => atB.length === 1, 5000, 'broadcast');
    expect(body(atB[0]!)).toMatchObject({ topic: 'chat/room', kind: 'message', data: 'hello all' });
    expect(rig.published.some((p) => p.topic === 'chat/room' && p.payload === 'hello all')).toBe(true);
    expect(atC).toHaveLength(0);
  });

  it('sends a command from /app/devices/{id}/commands/{name}; its states reach only the sender on /user/queue/commands', async () => {
    const [a, b] = [await link(), await link()];
    const [atA, atB] = [await a.subscribe('/user/queue/commands'), await b.subscribe('/user/queue/commands')];
    const receiptA = await a.send('/app/devices/d1/commands/led', '{"state":"on"}');
    const receiptB = await b.send('/app/devices/d1/commands/led', '{"state":"off"}');
    const idA = receiptA.headers['command-id']!;
    const idB = receiptB.headers['command-id']!;
    expect(receiptA.headers['command-status']).toBe('pending');
    expect(rig.published.find((p) => p.topic === 'devices/d1/cmd/led' && p.payload.includes(idA))).toBeDefined();
    void rig.publish('devices/d1/ack', JSON.stringify({ id: idA, ok: true, result: { state: 'on' } }));
    void rig.publish('devices/d1/ack', JSON.stringify({ id: idB, ok: true, result: { state: 'off' } }));
    const acked = (list: typeof atA, id: string) => list.some((m) => body(m).kind === 'command' && (body(m).data as unknown as CommandView).id === id && (body(m).data as unknown as CommandView).status === 'acked');
    await waitFor(() => acked(atA, idA) && acked(atB, idB), 5000, 'both acked');
    const ids = (list: typeof atA) => new Set(list.map((m) => (body(m).data as { id: string }).id));
    expect(ids(atA)).toEqual(new Set([idA]));
    expect(ids(atB)).toEqual(new Set([idB]));
    expect(atA.map((m) => body(m).kind)).toEqual(expect.arrayContaining(['command', 'ack']));
    expect(atA.every((m) => m.headers.destination === '/user/queue/commands')).toBe(true);
  });

  it('ack:client holds at most the window unacknowledged; an ACK or NACK settles every earlier message too', async () => {
    const a = await link();
    const got = await a.subscribe('/topic/acks/client', { ack: 'client' });
    for (let i = 0; i < 7; i++) void rig.publish('acks/client', String(i));
    await waitFor(() => got.length === 3, 5000, 'a window');
    await a.subscribe('/topic/barrier/1'); // a round trip: nothing more came meanwhile
    expect(got).toHaveLength(3);
    got[2]!.ack();
    await waitFor(() => got.length === 6, 5000, 'the next window');
    got[5]!.nack();
    await waitFor(() => got.length === 7, 5000, 'the last');
    expect(got.map((m) => body(m).data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(got[0]!.headers.ack).toBe(`${body(got[0]!).seq}/${got[0]!.headers.subscription}`);
  });

  it('ack:client-individual settles one message at a time', async () => {
    const a = await link();
    const got = await a.subscribe('/topic/acks/one', { ack: 'client-individual' });
    for (let i = 0; i < 5; i++) void rig.publish('acks/one', String(i));
    await waitFor(() => got.length === 3, 5000, 'a window');
    got[1]!.ack();
    await waitFor(() => got.length === 4, 5000, 'one more');
    await a.subscribe('/topic/barrier/2');
    expect(got).toHaveLength(4); // 0, 2 and 3 still wait
    got[0]!.nack();
    await waitFor(() => got.length === 5, 5000, 'the last');
    expect(got.map((m) => body(m).data)).toEqual([0, 1, 2, 3, 4]);
  });

  it('drops a client that falls silent for twice its heart-beat interval', async () => {
    const r = await raw();
    r.send('CONNECT\naccept-version:1.2\nheart-beat:100,100\n\n\0');
    await waitFor(() => r.frames[0], 5000, 'CONNECTED');
    expect(r.frames[0]?.headers['heart-beat']).toBe('500,500'); // the hub's interval is a floor
    // The raw client sends nothing after CONNECT: after twice its interval it is dropped.
    expect(await r.closed).toBe(1006);
  });

  it('sends heart-beats when quiet, and keeps a client that beats', async () => {
    const a = await stompConnect(rig.url, { heartbeatIncoming: 10, heartbeatOutgoing: 50 });
    links.push(a);
    expect(a.connected.headers['heart-beat']).toBe('500,500');
    const r = await raw();
    r.send('CONNECT\naccept-version:1.2\nheart-beat:500,500\n\n\0');
    const beating = setInterval(() => r.send('\n'), 50);
    try {
      await waitFor(() => r.heartbeats >= 3, 10_000, 'three heart-beats from the hub');
      r.send('SUBSCRIBE\nid:1\ndestination:/topic/alive\nreceipt:alive\n\n\0');
      await waitFor(() => r.frames.some((f) => f.command === 'RECEIPT'), 5000, 'still connected');
    } finally {
      clearInterval(beating);
    }
  });

  it('drops a connection that sends no CONNECT', async () => {
    const r = await raw();
    expect(await r.closed).toBe(1006);
    expect(r.frames).toEqual([]);
  });

  it('DISCONNECT with a receipt: the RECEIPT is the last frame, then the connection closes', async () => {
    const r = await raw();
    r.send('CONNECT\naccept-version:1.2\n\n\0');
    r.send('DISCONNECT\nreceipt:bye-1\n\n\0');
    expect(await r.closed).toBe(1000);
    expect(r.frames.map((f) => f.command)).toEqual(['CONNECTED', 'RECEIPT']);
    expect(r.frames[1]?.headers['receipt-id']).toBe('bye-1');
  });

  it.each([
    ['an unknown command', 'HELLO\n\n\0', 'not a STOMP client command'],
    ['a header without a colon', 'SEND\ndestination\n\n\0', 'no colon'],
    ['an undefined escape', 'SEND\ndestination:/topic/a\\t\n\n\0', 'escape'],
    ['a body longer than content-length says', 'SEND\ndestination:/topic/a\ncontent-length:1\n\nab\0', 'NULL'],
    ['a frame over the size limit', `SEND\ndestination:/topic/a\n\n${'x'.repeat(5000)}\0`, 'larger than 4096'],
    ['SUBSCRIBE without an id', 'SUBSCRIBE\ndestination:/topic/a\nreceipt:r1\n\n\0', 'needs an id'],
    ['a bad filter', 'SUBSCRIBE\nid:1\ndestination:/topic/a/#/b\n\n\0', 'not an MQTT topic filter'],
    ['an unknown destination', 'SUBSCRIBE\nid:1\ndestination:/queue/a\n\n\0', 'cannot subscribe'],
    ['a bad ack mode', 'SUBSCRIBE\nid:1\ndestination:/topic/a\nack:sometimes\n\n\0', 'ack must be'],
    ['a bad since', 'SUBSCRIBE\nid:1\ndestination:/topic/a\nsince:-4\n\n\0', 'since'],
    ['an ACK of nothing', 'ACK\nid:7/none\n\n\0', 'no subscription'],
    ['a COMMIT of no transaction', 'COMMIT\ntransaction:t9\n\n\0', 'no open transaction'],
    ['a SEND in no transaction', 'SEND\ndestination:/topic/a\ntransaction:t9\n\nx\0', 'BEGIN it first'],
    ['a BEGIN without an id', 'BEGIN\n\n\0', 'needs a transaction header'],
    ['a command body that is not JSON', 'SEND\ndestination:/app/devices/d1/commands/led\n\n{oops\0', 'JSON'],
    ['a command to an unknown device', 'SEND\ndestination:/app/devices/nobody/commands/led\n\n{}\0', 'no device'],
    ['a SEND to a device topic', 'SEND\ndestination:/topic/devices/d1/status\n\n{}\0', 'devices/'],
    ['a SEND to a wildcard', 'SEND\ndestination:/topic/a/#\n\nx\0', 'without + or #'],
    ['a second CONNECT', 'CONNECT\naccept-version:1.2\n\n\0', 'already connected'],
  ])('answers %s with an ERROR and closes, disturbing nothing else', async (_name, frame, message) => {
    const bystander = await link();
    const got = await bystander.subscribe('/topic/calm');
    const r = await raw();
    r.send('CONNECT\naccept-version:1.2\n\n\0');
    await waitFor(() => r.frames[0], 5000, 'CONNECTED');
    r.send(frame);
    await r.closed;
    const error = r.frames.at(-1);
    expect(error?.command).toBe('ERROR');
    expect(error?.headers.message).toContain(message);
    void rig.publish('calm', 'still here');
    await waitFor(() => got.length === 1, 5000, 'the bystander still served');
  });

  it('answers a frame before CONNECT with an ERROR carrying its receipt id', async () => {
    const r = await raw();
    r.send('SUBSCRIBE\nid:1\ndestination:/topic/a\nreceipt:early\n\n\0');
    await r.closed;
    expect(r.frames).toEqual([expect.objectContaining({ command: 'ERROR', headers: expect.objectContaining({ 'receipt-id': 'early', message: 'SUBSCRIBE before CONNECT' }) })]);
  });

  it('refuses a version it does not speak', async () => {
    const r = await raw();
    r.send('CONNECT\naccept-version:2.0\n\n\0');
    await r.closed;
    expect(r.frames[0]?.headers.message).toContain('supported protocol versions are 1.2 1.1 1.0');
  });

  it('holds at most the subscription limit per connection, with unique ids', async () => {
    const r = await raw();
    r.send('CONNECT\naccept-version:1.2\n\n\0');
    for (let i = 0; i < 5; i++) r.send(`SUBSCRIBE\nid:s${i}\ndestination:/topic/t${i}\nreceipt:r${i}\n\n\0`);
    await r.closed;
    expect(r.frames.map((f) => f.command)).toEqual(['CONNECTED', 'RECEIPT', 'RECEIPT', 'RECEIPT', 'RECEIPT', 'ERROR']);
    expect(r.frames.at(-1)?.headers.message).toBe('at most 4 subscriptions per connection');
  });

  it('holds the SENDs of a transaction until COMMIT, and drops them on ABORT', async () => {
    const r = await raw();
    const messages = () => r.frames.filter((f) => f.command === 'MESSAGE').map((f) => (JSON.parse(f.body) as HubMessage).data);
    const receipt = (id: string) => waitFor(() => r.frames.some((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === id), 5000, `receipt ${id}`);
    r.send('CONNECT\naccept-version:1.2\n\n\0SUBSCRIBE\nid:1\ndestination:/topic/tx/#\nreceipt:sub\n\n\0');
    await receipt('sub');
    r.send('BEGIN\ntransaction:t1\n\n\0SEND\ndestination:/topic/tx/a\ntransaction:t1\n\none\0SEND\ndestination:/topic/tx/a\ntransaction:t1\nreceipt:held\n\ntwo\0');
    await receipt('held');
    r.send('BEGIN\ntransaction:t2\n\n\0SEND\ndestination:/topic/tx/a\ntransaction:t2\n\nnever\0ABORT\ntransaction:t2\n\n\0');
    r.send('SUBSCRIBE\nid:2\ndestination:/topic/barrier\nreceipt:barrier\n\n\0');
    await receipt('barrier');
    expect(messages()).toEqual([]);
    r.send('COMMIT\ntransaction:t1\nreceipt:commit\n\n\0');
    await receipt('commit');
    r.send('SEND\ndestination:/topic/tx/a\n\nafter\0');
    await waitFor(() => messages().length === 3, 5000, 'three messages');
    expect(messages()).toEqual(['one', 'two', 'after']);
  });

  it('UNSUBSCRIBE stops a subscription', async () => {
    const a = await link();
    const got: unknown[] = [];
    const sub = a.client.subscribe('/topic/un/#', (m) => got.push(m));
    await a.subscribe('/topic/barrier');
    void rig.publish('un/a', '1');
    await waitFor(() => got.length === 1, 5000, 'first');
    sub.unsubscribe();
    const end = await a.subscribe('/topic/un-end');
    void rig.publish('un/a', '2');
    void rig.publish('un-end', '1');
    await waitFor(() => end.length === 1, 5000, 'end');
    expect(got).toHaveLength(1);
  });
});
