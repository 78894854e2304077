/**
 * Child process for hub.test.ts: a whole hub on ephemeral ports over the given database
 * file, printing `ready <mqtt url> <http url>` once it listens. It runs until it is killed.
 */
import { HUB_DEFAULTS } from '../../../server/config.js';
import { createFleetwire } from '../../../server/create-fleetwire.js';

const dbFile = process.argv[2];
if (!dbFile) throw new Error('usage: hub-process <database file>');
const hub = await createFleetwire({ ...HUB_DEFAULTS, mqttPort: 0, httpPort: 0, tlsPort: 0, dbFile, logLevel: 'silent' });
process.stdout.write(`ready ${hub.mqttUrl} ${hub.httpUrl}\n`);
