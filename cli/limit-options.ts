/**
 * The broker's and the HTTP port's limits as `fleetwire start` flags, one table each: each flag,
 * its environment variable and its parser come from one row. Flags left out keep the defaults.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BROKER_LIMITS, type BrokerLimits } from '../broker/index.js';
import { HTTP_LIMITS, type HttpLimits } from '../server/http-limits.js';
import { parseCount, parseDuration, parseSize } from './parse.js';

interface LimitFlag<K extends string> {
  /** flag name without dashes, and its value's placeholder */
  name: string;
  arg: string;
  limit: K;
  what: string;
  parse: (value: string) => number;
  /** the default as a person would write it */
  shown: string;
}

const seconds = (value: string): number => Math.ceil(parseDuration(value) / 1000);
/** Aedes' topic router stops at 100 levels. */
const topicLevels = (value: string): number => {
  const n = parseCount(value);
  if (n > 100) throw new InvalidArgumentError('must be at most 100.');
  return n;
};
const d = BROKER_LIMITS;

const LIMIT_FLAGS: readonly LimitFlag<keyof BrokerLimits>[] = [
  { name: 'max-packet-size', arg: 'size', limit: 'maxPacketSize', what: 'largest MQTT packet accepted', parse: parseSize, shown: `${d.maxPacketSize / 1024}KiB` },
  { name: 'max-topic-levels', arg: 'n', limit: 'maxTopicLevels', what: 'most levels in a topic or filter, at most 100', parse: topicLevels, shown: String(d.maxTopicLevels) },
  { name: 'max-connections', arg: 'n', limit: 'maxConnections', what: 'open MQTT connections (0: unlimited)', parse: parseCount, shown: String(d.maxConnections) },
  { name: 'connects-per-client-id', arg: 'n', limit: 'connectsPerClientIdPerMinute', what: 'CONNECTs per client id per minute (0: unlimited)', parse: parseCount, shown: String(d.connectsPerClientIdPerMinute) },
  { name: 'publish-rate', arg: 'n', limit: 'publishesPerSecond', what: 'PUBLISH packets per client per second; a faster client is slowed down, not dropped (0: unlimited)', parse: parseCount, shown: String(d.publishesPerSecond) },
  { name: 'max-keepalive', arg: 'duration', limit: 'maxKeepaliveSeconds', what: 'longest keepalive a client may ask for (0: no limit)', parse: seconds, shown: `${d.maxKeepaliveSeconds / 3600}h` },
  { name: 'connect-timeout', arg: 'duration', limit: 'connectTimeoutMs', what: 'time a new connection has to send CONNECT', parse: parseDuration, shown: `${d.connectTimeoutMs / 1000}s` },
  { name: 'drain-timeout', arg: 'duration', limit: 'drainTimeoutMs', what: "time a subscriber's full socket may hold up delivery before it is dropped", parse: parseDuration, shown: `${d.drainTimeoutMs / 1000}s` },
  { name: 'max-buffered', arg: 'size', limit: 'maxBufferedBytes', what: 'bytes waiting for one slow client before it is dropped (0: unlimited)', parse: parseSize, shown: `${d.maxBufferedBytes / 1024 / 1024}MiB` },
  { name: 'max-queued', arg: 'n', limit: 'maxQueuedMessages', what: 'QoS 1/2 messages kept per offline persistent session (0: unlimited)', parse: parseCount, shown: String(d.maxQueuedMessages) },
];

const h = HTTP_LIMITS;
const HTTP_LIMIT_FLAGS: readonly LimitFlag<keyof HttpLimits>[] = [
  { name: 'max-http-connections', arg: 'n', limit: 'maxConnections', what: 'open HTTP connections, streams and WebSockets included; at most half the open-file limit is used', parse: parseCount, shown: String(h.maxConnections) },
  { name: 'http-connections-per-address', arg: 'n', limit: 'maxConnectionsPerAddress', what: 'open HTTP connections from one client address (behind a proxy: all of them)', parse: parseCount, shown: String(h.maxConnectionsPerAddress) },
  { name: 'http-headers-timeout', arg: 'duration', limit: 'headersTimeoutMs', what: 'time a connection has to send request headers', parse: parseDuration, shown: `${h.headersTimeoutMs / 1000}s` },
  { name: 'http-request-timeout', arg: 'duration', limit: 'requestTimeoutMs', what: 'time to receive a whole request, body included', parse: parseDuration, shown: `${h.requestTimeoutMs / 1000}s` },
];

const envName = (name: string): string => `FLEETWIRE_${name.toUpperCase().replace(/-/g, '_')}`;
const attribute = (name: string): string => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

export function addLimitOptions(cmd: Command): Command {
  const grouped: [string, readonly LimitFlag<string>[]][] = [['Broker limits:', LIMIT_FLAGS], ['HTTP limits:', HTTP_LIMIT_FLAGS]];
  for (const [heading, flags] of grouped) {
    for (const f of flags) {
      const option = new Option(`--${f.name} <${f.arg}>`, `${f.what} (default: ${f.shown})`)
        .env(envName(f.name))
        .argParser(f.parse)
        // Left unset, the part's own default applies; this text is what `config check` shows for it.
        .default(undefined, f.shown)
        .helpGroup(heading);
      cmd.addOption(option);
    }
  }
  return cmd;
}

function given<K extends string>(table: readonly LimitFlag<K>[], flags: Record<string, unknown>): Partial<Record<K, number>> {
  const limits: Partial<Record<K, number>> = {};
  for (const f of table) {
    const value = flags[attribute(f.name)];
    if (typeof value === 'number') limits[f.limit] = value;
  }
  return limits;
}

/** The broker limits given on the command line or in the environment. */
export const limitsFrom = (flags: Record<string, unknown>): Partial<BrokerLimits> => given(LIMIT_FLAGS, flags);

/** The HTTP limits given on the command line or in the environment. */
export const httpLimitsFrom = (flags: Record<string, unknown>): Partial<HttpLimits> => given(HTTP_LIMIT_FLAGS, flags);
