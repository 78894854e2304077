/** A whole hub in its own process for the benchmarks: `node --import tsx hub-child.ts <db file> [users file]`. */
import { HUB_DEFAULTS } from '../../server/config.js';
import { createFleetwire } from '../../server/create-fleetwire.js';

const [dbFile = '', usersFile = null] = process.argv.slice(2);
// Every simulated browser connects from this machine, one address as behind a proxy: the per-address cap is lifted.
const httpLimits = { maxConnectionsPerAddress: 100_000 };
const hub = await createFleetwire({ ...HUB_DEFAULTS, mqttPort: 0, httpPort: 0, tlsPort: 0, dbFile, usersFile, logLevel: 'error', httpLimits });
process.once('SIGTERM', () => void hub.close().then(() => process.exit(0)));
process.stdout.write(`ready ${hub.mqttUrl} ${hub.httpUrl}\n`);
