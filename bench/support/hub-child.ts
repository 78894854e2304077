/** A whole hub in its own process for the benchmarks: `node --import tsx hub-child.ts <db file>`. */
import { HUB_DEFAULTS } from '../../server/config.js';
import { createFleetwire } from '../../server/create-fleetwire.js';

const hub = await createFleetwire({ ...HUB_DEFAULTS, mqttPort: 0, httpPort: 0, tlsPort: 0, dbFile: process.argv[2] ?? '', logLevel: 'error' });
process.once('SIGTERM', () => void hub.close().then(() => process.exit(0)));
process.stdout.write(`ready ${hub.mqttUrl} ${hub.httpUrl}\n`);
