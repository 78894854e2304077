/** Both sequencers pass the one contract suite; the Redis one runs on a real redis-server. */
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { redisSequencer } from '../../bridge/cluster/redis-sequencer.js';
import { createLocalSequencer } from '../../bridge/ingest/sequencer.js';
import { type TestRedis, startRedis } from '../support/redis.js';
import { sequencerSuite } from './sequencer-suite.js';

const logger = pino({ level: process.env.FLEETWIRE_TEST_LOG ?? 'silent' });
let redis: TestRedis;
let keyspace = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

sequencerSuite('local', async ({ store, apply }) => createLocalSequencer({ store, apply }));

// Each case its own keys: one case's messages must not reach the next one's store.
sequencerSuite('redis', async ({ db, store, apply, metrics }) => {
  const n = ++keyspace;
  return redisSequencer({ url: redis.url, db, logger, metrics, keys: { counter: `t${n}:seq`, stream: `t${n}:messages` } })({ store, apply });
});
