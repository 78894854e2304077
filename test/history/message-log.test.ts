/** The resume read: committed and queued messages, filters, paging, and the scan bound. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteHistoryStore } from '../../bridge/history/index.js';
import type { HubMessage } from '../../protocol/message.js';
import { matchesAny } from '../../protocol/topic-filter.js';
import { Fixture, message, telemetry } from './fixtures.js';

const T0 = Date.UTC(2025, 0, 1);
const COMMITTED = 200;
const QUEUED = 100;

/** d1..d3 all along, d4 only at the end of what is committed, and topics outside devices/. */
function build(): HubMessage[] {
  const out: HubMessage[] = [];
  for (let seq = 1; seq <= COMMITTED + QUEUED; seq++) {
    const ts = T0 + seq * 1000;
    const device = seq > COMMITTED - 5 && seq <= COMMITTED ? 'd4' : `d${(seq % 3) + 1}`;
    if (seq % 10 === 0) out.push(message(seq, ts, `lab/${device}/note`, `note ${seq}`));
    else if (seq % 7 === 0) out.push(message(seq, ts, `devices/${device}/events`, JSON.stringify({ type: 'progress', job: 'j', percent: seq % 100 })));
    else if (seq % 31 === 0) out.push(message(seq, ts, `devices/${device}`, String(seq)));
    else out.push(telemetry(seq, ts, device, { temperature: seq }));
  }
  return out;
}

/** Pages through messagesAfter the way a subscriber does, until it has examined everything. */
function readAll(store: SqliteHistoryStore, after: number, filters: string[], limit: number): HubMessage[] {
  const got: HubMessage[] = [];
  let cursor = after;
  for (let calls = 0; cursor < store.lastSeq(); calls++) {
    if (calls > 1_000) throw new Error('paging does not advance');
    const page = store.messagesAfter(cursor, filters, limit);
    expect(page.messages.length).toBeLessThanOrEqual(limit);
    expect(page.next).toBeGreaterThan(cursor);
    got.push(...page.messages);
    cursor = page.next;
  }
  return got;
}

describe('messagesAfter', () => {
  const fx = new Fixture();
  const all = build();
  let store: SqliteHistoryStore;

  beforeAll(async () => {
    // A commit window longer than the test: the last QUEUED messages stay in memory.
    ({ store } = fx.open(fx.file(), { commitIntervalMs: 600_000, scanLimit: 25 }));
    const committed = Promise.all(all.slice(0, COMMITTED).map((m) => store.append(m)));
    await store.flush();
    await committed;
    for (const m of all.slice(COMMITTED)) void store.append(m);
  });
  afterAll(() => fx.cleanup());

  it('serves messages that are not committed yet', () => {
    expect(store.health().pending).toBe(QUEUED);
    expect(store.messagesAfter(COMMITTED + QUEUED - 1, ['#'], 10)).toEqual({ messages: [all[all.length - 1]], next: COMMITTED + QUEUED });
  });

  const filterSets: [string, string[]][] = [
    ['everything', ['#']],
    ['one device', ['devices/d1/#']],
    ['one device and one channel of another', ['devices/d2/telemetry', 'devices/d3/events']],
    ['a device-less wildcard', ['devices/+/events']],
    ['the bare device topic', ['devices/d2']],
    ['topics outside devices/', ['lab/#']],
    ['a mix of both', ['lab/+/note', 'devices/d4/#']],
    ['nothing', ['nowhere/at/all']],
  ];
  it.each(filterSets)('returns exactly the matching messages in seq order, paged: %s', (_name, filters) => {
    for (const [after, limit] of [
      [0, 7],
      [137, 1],
      [COMMITTED - 3, 50],
    ] as const) {
      const expected = all.filter((m) => m.seq > after && matchesAny(filters, m.topic));
      expect(readAll(store, after, filters, limit)).toEqual(expected);
    }
  });

  it('examines at most scanLimit rows per call and says how far it got', () => {
    const page = store.messagesAfter(0, ['nowhere/at/all'], 10);
    expect(page).toEqual({ messages: [], next: 25 });
  });

  it('reads only the named device through its index, so a rare device is found in one call', () => {
    const page = store.messagesAfter(0, ['devices/d4/#'], 100);
    expect(page.messages.map((m) => m.seq)).toEqual(all.filter((m) => m.device === 'd4').map((m) => m.seq));
    // The index covered every committed row; the queued ones are scanned within what is left of the budget.
    expect(page.next).toBeGreaterThan(COMMITTED);
  });

  it('answers at or past the end with nothing and next at the end', () => {
    expect(store.messagesAfter(COMMITTED + QUEUED, ['#'], 10)).toEqual({ messages: [], next: COMMITTED + QUEUED });
    expect(store.firstSeq()).toBe(1);
  });
});
