/** A whole hub in its own process for the benchmarks: `node --import tsx hub-child.ts <db file> [users file]`. */
import { HUB_DEFAULTS } from '../../server/config.js';
import { createFleetwire } from '../../server/create-fleetwire.js';

const [dbFile = '', usersFile = null] = process.argv.slice(2);
// Every simulated browser and device connects from this machine, one address as behind a proxy:
// the per-address caps are lifted (the login one is charged while a password check is under way,
// so a fleet's logins at once would otherwise be held to its ten a minute).
const httpLimits = { maxConnectionsPerAddress: 100_000 };
const brokerLimits = { authFailuresPerMinute: 100_000 };
const hub = await createFleetwire({ ...HUB_DEFAULTS, mqttPort: 0, httpPort: 0, tlsPort: 0, dbFile, usersFile, logLevel: 'error', httpLimits, brokerLimits });
process.once('SIGTERM', () => void hub.close().then(() => process.exit(0)));
process.stdout.write(`ready ${hub.mqttUrl} ${hub.httpUrl}\n`);
