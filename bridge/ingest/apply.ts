/**
 * APPLY: what every node does with every sequenced message, in seq order — record and fan out,
 * settle the command an ack answers, keep command states this node does not track, and update
 * the registry. A message reaches here once per node, whichever node admitted it.
 */
import type { CommandView } from '../../protocol/message.js';
import { parseDeviceTopic } from '../../protocol/names.js';
import type { AckPayload } from '../../protocol/payloads.js';
import type { CommandTracker } from '../commands/command-tracker.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { MessageLog } from './message-log.js';
import type { Apply } from './sequencer.js';

export interface ApplyOptions {
  log: MessageLog;
  commands: Pick<CommandTracker, 'settle' | 'observe'>;
  registry: Pick<DeviceRegistry, 'observe'>;
}

/** Returns the APPLY function; it throws only when a step does (the sequencer reports it). */
export function createApply(opts: ApplyOptions): Apply {
  return (msg, parsed) => {
    const committed = opts.log.record(msg);
    if (msg.device !== null) {
      if (msg.kind === 'ack') opts.commands.settle(msg.data as unknown as AckPayload, msg.device);
      else if (msg.kind === 'command') opts.commands.observe(msg.data as unknown as CommandView);
      // Only contract topics (with a valid device id) change the registry; ADMIT parsed most already.
      const topic = parsed ?? parseDeviceTopic(msg.topic);
      if (topic) opts.registry.observe(msg, topic);
    }
    return committed;
  };
}
