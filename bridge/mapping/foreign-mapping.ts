/**
 * What ingest's `map foreign topic` step calls: Home Assistant discovery configs become dynamic
 * rules (ha-config.ts), every other foreign publish goes through the mapper. A discovery config
 * that is not JSON, is too large, names a topic its sender may not publish on, or would exceed
 * the number of configs kept is refused: counted, logged at debug, and a `reject` on the config
 * topic says why. Configs published by fleetwire itself are ignored (counted too).
 */
import { Counter, type Registry } from 'prom-client';
import type { ErrorCode } from '../../protocol/errors.js';
import type { Json } from '../../protocol/message.js';
import type { Publish } from '../../protocol/publish.js';
import type { MessageEntry } from '../ingest/sequencer.js';
import { HA_DISCOVERY_SOURCE } from '../../protocol/device-view.js';
import { discoveryTopic, readDiscovery } from './ha-config.js';
import { rejectPreview } from '../ingest/payload.js';
import type { Mapper } from './mapper.js';

/** Largest discovery config taken, bytes (a device config with all its components included). */
export const MAX_DISCOVERY_BYTES = 32 * 1024;
/** Most discovery configs kept at once. */
export const MAX_DISCOVERY_CONFIGS = 2000;

export interface ForeignMapping {
  /** The contract entries (and rejects) a foreign publish means; `data` is the payload as ingest decoded it. */
  map(input: Publish<Buffer>, data: Json): MessageEntry[];
}

export interface ForeignMappingOptions {
  mapper: Mapper;
  /** Home Assistant discovery on; off: `homeassistant/…` topics are plain messages. */
  haInbound: boolean;
  /** True when the client that sent a discovery config may itself publish on `topic` (null: the hub's own publish). */
  mayPublish(clientId: string | null, topic: string): boolean;
  metrics: Registry;
}

export function createForeignMapping(opts: ForeignMappingOptions): ForeignMapping {
  const { mapper } = opts;
  const configs = new Set<string>();
  const outcomes = new Counter({ name: 'fleetwire_ha_discovery_configs_total', help: 'Home Assistant discovery configs, by outcome (mapped, removed, ignored, refused)', labelNames: ['outcome'], registers: [opts.metrics] });

  const refuse = (input: Publish<Buffer>, code: ErrorCode, reason: string): MessageEntry[] => {
    outcomes.inc({ outcome: 'refused' });
    return [{ topic: input.topic, device: null, kind: 'reject', data: { code, reason: `discovery config refused: ${reason}`, topic: input.topic, payload: rejectPreview(input.payload) } }];
  };

  const discover = (input: Publish<Buffer>, data: Json): MessageEntry[] => {
    const { topic } = input;
    if (input.payload.length === 0) {
      // An empty retained config removes the entity (HA discovery); the device stays in the registry.
      if (configs.delete(topic)) outcomes.inc({ outcome: 'removed' });
      mapper.setRules(topic, null);
      return [];
    }
    if (input.payload.length > MAX_DISCOVERY_BYTES) return refuse(input, 'too_large', `${input.payload.length} bytes; the limit is ${MAX_DISCOVERY_BYTES}`);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return refuse(input, 'bad_json', 'the payload is not a JSON object');
    const read = readDiscovery(topic, data);
    if (read.kind === 'ignored') {
      outcomes.inc({ outcome: 'ignored' });
      return [];
    }
    if (read.kind === 'refused') return refuse(input, 'bad_payload', read.reason);
    const found = read.value;
    if (mapper.isNative(found.device)) return refuse(input, 'forbidden', `device "${found.device}" publishes on its own devices/ topics; discovery does not write into it`);
    const forbidden = found.topics.find((t) => !opts.mayPublish(input.clientId, t));
    if (forbidden !== undefined) return refuse(input, 'forbidden', `it names ${JSON.stringify(forbidden.slice(0, 80))}, where its sender may not publish`);
    if (!configs.has(topic) && configs.size >= MAX_DISCOVERY_CONFIGS) return refuse(input, 'too_many', `the hub keeps at most ${MAX_DISCOVERY_CONFIGS} discovery configs`);
    configs.add(topic);
    mapper.setRules(topic, found.rules);
    outcomes.inc({ outcome: 'mapped' });
    const status = mapper.describe(found.device, HA_DISCOVERY_SOURCE, { model: found.model, fw: found.fw, units: found.units, problems: found.problems.map(([key, problem]) => [`${topic}#${key}`, problem]) });
    return status ? [status] : [];
  };

  return {
    map(input, data) {
      if (opts.haInbound && discoveryTopic(input.topic)) return discover(input, data);
      return mapper.map(input.topic, data, input.payload);
    },
  };
}
