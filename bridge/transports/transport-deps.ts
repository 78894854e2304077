/** What every browser transport is built from. */
import type { Logger } from 'pino';
import type { Access } from '../access/access.js';
import type { CommandTracker } from '../commands/command-tracker.js';
import type { Hub } from '../hub/hub.js';
import type { BridgeLimits } from '../limits.js';
import type { BridgeMetrics } from '../metrics.js';

export interface TransportDeps {
  hub: Hub;
  commands: Pick<CommandTracker, 'send'>;
  access: Access;
  limits: BridgeLimits;
  metrics: BridgeMetrics;
  logger: Logger;
}
