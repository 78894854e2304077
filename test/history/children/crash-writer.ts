/**
 * Child process for crash.test.ts: appends telemetry in bursts, the way QoS 1 ingest does,
 * and writes to stdout `sent <seq>` once a burst up to <seq> is handed to the store (as the
 * bridge fans it out at that moment) and `ack <seq>` once a message's commit promise settled.
 * stdout to a pipe is synchronous on Linux, so a line printed is a line received.
 * It runs until it is killed. With a second argument, message n is stamped n times that many ms
 * after the epoch instead of now, so a short run spans many minutes of rollups.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createHistoryStore } from '../../../bridge/history/index.js';
import { openDatabase } from '../../../storage/database.js';

const [file, msPerMessage] = process.argv.slice(2);
if (!file) throw new Error('usage: crash-writer <database file> [ms per message]');
const stamp = (seq: number): number => (msPerMessage === undefined ? Date.now() : seq * Number(msPerMessage));
const store = createHistoryStore({ db: openDatabase(file), logger: pino({ level: 'silent' }), metrics: new Registry(), commitIntervalMs: 2 });

let seq = store.lastSeq();
process.stdout.write(`start ${seq}\n`);
for (;;) {
  const burst: Promise<number>[] = [];
  for (let i = 0; i < 40; i++) {
    const s = ++seq;
    const msg = { seq: s, ts: stamp(s), topic: 'devices/crash/telemetry', device: 'crash', kind: 'telemetry' as const, data: { value: s } };
    burst.push(store.append(msg).then(() => s));
  }
  process.stdout.write(`sent ${seq}\n`);
  for (const s of await Promise.all(burst)) process.stdout.write(`ack ${s}\n`);
}
