/**
 * Starts a real hub on ephemeral ports with its own temp data directory, for integration tests.
 * Every hub started here is closed by `stopAll()` (call it in afterEach/afterAll).
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { HUB_DEFAULTS, type HubConfig } from '../../server/config.js';
import { type Fleetwire, createFleetwire } from '../../server/create-fleetwire.js';

import { TempDirs } from './temp-dirs.js';

export { waitFor } from './wait.js';

export interface TestHub extends Fleetwire {
  readonly config: HubConfig;
  readonly dataDir: string;
}

const running = new Set<TestHub>();
const temp = new TempDirs();

/** A fresh temp directory, removed by stopAll(). */
export const tempDir = (prefix?: string): string => temp.make(prefix);

/** Starts a hub; pass `dataDir` to reuse an earlier hub's data (a restart). */
export async function startHub(overrides: Partial<HubConfig> & { dataDir?: string } = {}): Promise<TestHub> {
  const { dataDir = tempDir(), ...rest } = overrides;
  const config: HubConfig = { ...HUB_DEFAULTS, mqttPort: 0, httpPort: 0, tlsPort: 0, dbFile: join(dataDir, 'fleetwire.db'), logLevel: 'silent', ...rest };
  const hub = await createFleetwire(config, { logger: pino({ level: process.env.FLEETWIRE_TEST_LOG ?? 'silent' }) });
  // Inherits from the hub rather than spreading it: its URL getters throw for a listener that is off.
  const handle: TestHub = Object.assign(Object.create(hub) as Fleetwire, {
    config,
    dataDir,
    close: async () => {
      running.delete(handle);
      await hub.close();
    },
  });
  running.add(handle);
  return handle;
}

/** Closes every hub this file started and removes the temp directories. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((hub) => hub.close()));
  temp.remove();
}
