import { describe, expect, it } from 'vitest';
import type { HubMessage, Json, MessageKind } from '../../../protocol/message.js';
import { COMMANDS_PER_DEVICE, CommandLog } from '../../../web/src/state/command-log.js';

let seq = 0;
const msg = (kind: MessageKind, topic: string, data: Json, ts = 1000): HubMessage => ({ seq: ++seq, ts, topic, device: topic.split('/')[1] ?? null, kind, data });

describe('CommandLog', () => {
  it('follows a command through the hub’s CommandView messages', () => {
    const log = new CommandLog();
    log.sent('d1', 'c1', 'led', { state: 'on' }, 500);
    expect(log.list('d1')[0]).toMatchObject({ id: 'c1', status: 'pending', created: 500 });
    log.apply(msg('command', 'devices/d1/cmd/led', { id: 'c1', device: 'd1', name: 'led', args: { state: 'on' }, status: 'acked', created: 400, settled: 900, result: { state: 'on' }, error: null }));
    expect(log.list('d1')[0]).toMatchObject({ status: 'acked', settled: 900, result: { state: 'on' } });
  });

  it('settles on the device ack even when it arrives before the POST answer', () => {
    const log = new CommandLog();
    log.apply(msg('command', 'devices/d1/cmd/led', { id: 'c2', args: { state: 'off' } }));
    expect(log.apply(msg('ack', 'devices/d1/ack', { id: 'c2', ok: false, error: 'bad colour' }, 1500))).toBe('d1');
    const entry = log.sent('d1', 'c2', 'led', { state: 'off' }, 900);
    expect(entry).toMatchObject({ status: 'failed', error: 'bad colour', settled: 1500, name: 'led' });
    expect(log.list('d1')).toHaveLength(1);
  });

  it('settles on a v5 device’s ack that names the command by Correlation Data alone', () => {
    const log = new CommandLog();
    log.sent('d1', 'c5', 'led', null, 1);
    const ack: HubMessage = { ...msg('ack', 'devices/d1/ack', { ok: true, result: 7 }, 1200), props: { correlationData: { base64: Buffer.from('c5').toString('base64') } } };
    expect(log.apply(ack)).toBe('d1');
    expect(log.list('d1')[0]).toMatchObject({ status: 'acked', result: 7, settled: 1200 });
  });

  it('never steps back from a final state', () => {
    const log = new CommandLog();
    log.sent('d1', 'c3', 'led', null, 1);
    log.apply(msg('command', 'devices/d1/cmd/led', { id: 'c3', status: 'timeout', error: 'no ack in 10 s' }));
    log.apply(msg('command', 'devices/d1/cmd/led', { id: 'c3', status: 'pending' }));
    log.apply(msg('ack', 'devices/d1/ack', { id: 'c3', ok: true }));
    expect(log.list('d1')[0]).toMatchObject({ status: 'timeout', error: 'no ack in 10 s' });
  });

  it('tracks a firmware job’s progress and failure reason', () => {
    const log = new CommandLog();
    log.sent('e1', 'job1', 'firmware', { version: '2.0.0' }, 1);
    log.apply(msg('event', 'devices/e1/events', { type: 'progress', job: 'job1', percent: 40, stage: 'download' }));
    expect(log.firmwareJob('e1')?.progress).toEqual({ percent: 40, stage: 'download', error: null });
    log.apply(msg('event', 'devices/e1/events', { type: 'progress', job: 'job1', percent: 140, stage: 'failed', error: 'checksum' }));
    expect(log.firmwareJob('e1')?.progress).toEqual({ percent: 100, stage: 'failed', error: 'checksum' });
  });

  it('ignores acks for unknown commands and keeps a bounded list per device', () => {
    const log = new CommandLog();
    expect(log.apply(msg('ack', 'devices/d1/ack', { id: 'nope', ok: true }))).toBe(null);
    for (let i = 0; i < COMMANDS_PER_DEVICE + 5; i++) log.sent('d1', `c${i}`, 'led', null, i);
    expect(log.list('d1')).toHaveLength(COMMANDS_PER_DEVICE);
    expect(log.list('d1')[0]?.id).toBe(`c${COMMANDS_PER_DEVICE + 4}`);
    expect(log.apply(msg('ack', 'devices/d1/ack', { id: 'c0', ok: true }))).toBe(null);
  });

  it('restores stored commands in creation order, and a live final state wins over a stored pending one', () => {
    const log = new CommandLog();
    const view = (id: string, created: number, status: 'pending' | 'acked' | 'timeout') => ({ id, device: 'd1', name: 'led', args: null, status, created, settled: null, result: null, error: null });
    log.sent('d1', 'live', 'led', null, 3000);
    log.restore(view('old', 1000, 'acked'));
    log.restore(view('mid', 2000, 'timeout'));
    expect(log.list('d1').map((c) => [c.id, c.status])).toEqual([['live', 'pending'], ['mid', 'timeout'], ['old', 'acked']]);
    log.apply(msg('ack', 'devices/d1/ack', { id: 'live', ok: true }));
    log.restore(view('live', 3000, 'pending'));
    expect(log.list('d1')[0]).toMatchObject({ id: 'live', status: 'acked' });
    log.restore(view('mid', 2000, 'acked'));
    expect(log.list('d1')[1]?.status).toBe('timeout');
  });
});
