/**
 * docs/asyncapi.yaml names every topic family of the contract: each topic builder of
 * protocol/names.ts, protocol/alerts.ts and protocol/home-assistant-discovery.ts (and the lab's
 * topic) is an MQTT channel there, and
 * every MQTT channel there is one of them. Addresses are compared with their parameters blanked,
 * so `devices/{id}/status` and `devices/{device}/status` are one family.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertTopic } from '../../protocol/alerts.js';
import { HA_STATUS_TOPIC, haTopics } from '../../protocol/home-assistant-discovery.js';
import { MESSAGE_KINDS } from '../../protocol/message.js';
import { topics } from '../../protocol/names.js';
import { LAB_TOPIC } from '../../server/lab.js';

interface Channel {
  address: string;
  servers?: { $ref: string }[];
  messages: Record<string, unknown>;
}
interface Operation {
  action: 'send' | 'receive';
  channel: { $ref: string };
}
interface Description {
  asyncapi: string;
  servers: Record<string, { protocol: string }>;
  channels: Record<string, Channel>;
  operations: Record<string, Operation>;
  components: { schemas: { hubMessage: { properties: { kind: { enum: string[] } } } } };
}

const doc = parse(readFileSync(fileURLToPath(new URL('../../docs/asyncapi.yaml', import.meta.url)), 'utf8')) as Description;
const PARAM = '{}';
const blank = (address: string): string => address.replace(/\{[^}]+\}/g, PARAM);

/** Every topic family the code builds, with its parameters blank; filters (ending in `#`) are subscriptions, not topics. */
const codeFamilies = new Set(
  [
    ...Object.values(topics).map((build) => build(PARAM, PARAM)),
    alertTopic(PARAM, PARAM),
    LAB_TOPIC,
    ...[haTopics.discovery, haTopics.lightSet, haTopics.lightState].map((build) => build(PARAM)),
    HA_STATUS_TOPIC,
  ].filter((topic) => !topic.endsWith('#')),
);

/** A channel on an MQTT listener (the browser channels are on the HTTP port). */
const isMqtt = (channel: Channel): boolean => (channel.servers ?? []).some((s) => ['mqtt', 'secure-mqtt'].includes(doc.servers[s.$ref.replace('#/servers/', '')]?.protocol ?? ''));

describe('docs/asyncapi.yaml', () => {
  it('is AsyncAPI 3.0', () => {
    expect(doc.asyncapi).toMatch(/^3\.0\./);
  });

  it('describes every MQTT topic family of protocol/, and only those', () => {
    const described = new Set(Object.values(doc.channels).filter(isMqtt).map((channel) => blank(channel.address)));
    const undescribed = [...codeFamilies].filter((t) => !described.has(t)).sort();
    const unknown = [...described].filter((t) => !codeFamilies.has(t)).sort();
    expect({ undescribed, unknown }, `topic families the code builds but docs/asyncapi.yaml lacks: ${undescribed.join(', ') || 'none'}; channels no code builds: ${unknown.join(', ') || 'none'}`).toEqual({ undescribed: [], unknown: [] });
  });

  it('gives every channel a message and an operation, and every operation a known channel', () => {
    const used = new Set(Object.values(doc.operations).map((op) => op.channel.$ref));
    for (const [name, channel] of Object.entries(doc.channels)) {
      expect(Object.keys(channel.messages).length, `channel ${name} has messages`).toBeGreaterThan(0);
      expect(used.has(`#/channels/${name}`), `channel ${name} has an operation`).toBe(true);
    }
    for (const [name, op] of Object.entries(doc.operations)) expect(doc.channels[op.channel.$ref.replace('#/channels/', '')], `operation ${name}'s channel`).toBeDefined();
  });

  it('gives the browser message the kinds of protocol/message.ts', () => {
    expect(new Set(doc.components.schemas.hubMessage.properties.kind.enum)).toEqual(new Set(MESSAGE_KINDS));
  });
});
