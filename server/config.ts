/**
 * The hub's configuration: one typed defaults object, merged by spread and validated once.
 * Only the CLI entry fills it from flags and the environment; tests build it directly.
 */
import { type BrokerLimits, isLoopback } from '../broker/index.js';
import type { ClientCertMode } from '../broker/client-certificate.js';
import type { ForwardedHeader } from '../http/trusted-proxies.js';
import { type HttpLimits, resolveHttpLimits } from './http-limits.js';

export interface HubConfig {
  /** Bind address of every listener. Anything but loopback needs a users file (or allowAnonymous). */
  host: string;
  /** MQTT over TCP; 0 picks a free port, null: off. */
  mqttPort: number | null;
  /** HTTP: dashboard, SSE, WebSocket, REST, MQTT over WebSocket at /mqtt; HTTPS when tlsCert is set. 0 picks a free port; null: off (none of these). */
  httpPort: number | null;
  /** MQTT over TLS, used only when tlsCert and tlsKey are given; 0 picks a free port, null: off (the certificate is then for HTTPS only). */
  tlsPort: number | null;
  /** PEM files; both or neither. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** PEM CA bundle verifying device certificates on MQTT over TLS; null: none. */
  mqttTlsCa: string | null;
  /** Device logins by client certificate on MQTT over TLS (broker/client-certificate.ts). */
  mqttClientCert: ClientCertMode;
  /** MQTT over TCP expects a PROXY protocol v1/v2 header on every connection (behind HAProxy, an NLB, …) and logs and limits by the address in it. */
  mqttProxyProtocol: boolean;
  /** The same for MQTT over TLS: the header comes before the TLS handshake. */
  tlsProxyProtocol: boolean;
  /** The same for the HTTP(S) port, WebSocket upgrades included. */
  httpProxyProtocol: boolean;
  /** Reverse proxies (addresses, CIDRs, `loopback`) whose forwarding header names the HTTP client (http/trusted-proxies.ts); empty: none. */
  trustProxy: string[];
  /** The forwarding header read from a trusted proxy. */
  forwardedHeader: ForwardedHeader;
  /** The SQLite file holding history and broker state. */
  dbFile: string;
  /** The users file; null: no users (anonymous access, loopback only). */
  usersFile: string | null;
  /** Allow anonymous MQTT and browser access even off loopback or with a users file (warned loudly). */
  allowAnonymous: boolean;
  /** Extra origins allowed to call the browser endpoints (same-origin is always allowed). */
  allowOrigins: string[];
  /** Host names a hub without a users file answers to besides localhost and IP addresses (DNS rebinding: http/request-origin.ts). */
  allowHosts: string[];
  /** The HTTP port's limits that differ from its defaults (server/http-limits.ts documents each). */
  httpLimits: Partial<HttpLimits>;
  /** Demo devices run inside the hub over real MQTT connections; 0: none. */
  fleet: number;
  fleetSeed: number;
  /** ms between a demo device's readings */
  fleetIntervalMs: number;
  /** JSON file deviceId → password for the demo fleet when a users file is in force. */
  fleetCredentials: string | null;
  /** The broker's limits that differ from its defaults (broker/limits.ts documents each). */
  brokerLimits: Partial<BrokerLimits>;
  /** ms a command may stay pending before it times out. */
  commandTimeoutMs: number;
  /** Raw readings are kept this long, ms; 0 keeps them forever. Rollups and the resume log have their own windows (bridge/history). */
  retentionRawMs: number;
  /** Alert webhooks may reach loopback and private addresses even when the hub listens beyond loopback (on loopback they always may). */
  webhookAllowPrivate: boolean;
  /** Mapping presets by name and rule files by path (bridge/mapping): foreign firmware's topics become devices; empty: none. */
  map: string[];
  /** A rule set written in the config file (its `mapping-rules` key), with where it was read for error lines; null: none. */
  mapRules: { where: string; rules: unknown } | null;
  /** Devices announcing themselves by Home Assistant MQTT discovery appear as devices (README "Home Assistant"). */
  haInbound: boolean;
  /** Publish the registry's devices to Home Assistant (retained discovery configs) and obey HA's light commands (bridge/home-assistant). */
  haDiscovery: boolean;
  /** redis:// or rediss:// URL: run as one node of a cluster sharing this Redis (broker state, seq order); null: one process. */
  redis: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export const HUB_DEFAULTS: HubConfig = {
  host: '127.0.0.1',
  mqttPort: 1883,
  httpPort: 8080,
  tlsPort: 8883,
  tlsCert: null,
  tlsKey: null,
  mqttTlsCa: null,
  mqttClientCert: 'off',
  mqttProxyProtocol: false,
  tlsProxyProtocol: false,
  httpProxyProtocol: false,
  trustProxy: [],
  forwardedHeader: 'x-forwarded-for',
  dbFile: './data/fleetwire.db',
  usersFile: null,
  allowAnonymous: false,
  allowOrigins: [],
  allowHosts: [],
  httpLimits: {},
  fleet: 0,
  fleetSeed: 42,
  fleetIntervalMs: 1000,
  fleetCredentials: null,
  brokerLimits: {},
  commandTimeoutMs: 10_000,
  retentionRawMs: 7 * 86_400_000,
  webhookAllowPrivate: false,
  map: [],
  mapRules: null,
  haInbound: true,
  haDiscovery: false,
  redis: null,
  logLevel: 'info',
};

/** Cross-field checks the per-option parsers cannot make. Returns one line naming the option, or null. */
export function configProblem(c: HubConfig): string | null {
  if ((c.tlsCert === null) !== (c.tlsKey === null)) return '--tls-cert and --tls-key go together: give both or neither.';
  if (c.mqttPort === null && c.httpPort === null && (c.tlsPort === null || c.tlsCert === null)) {
    return 'every listener is off: give --mqtt-port, --http-port, or --tls-port with --tls-cert and --tls-key.';
  }
  if (c.mqttClientCert !== 'off' && (c.mqttTlsCa === null || c.tlsCert === null || c.tlsPort === null || c.usersFile === null)) {
    return `--mqtt-client-cert ${c.mqttClientCert} needs MQTT over TLS (--tls-cert, --tls-key, --tls-port), --mqtt-tls-ca to verify the certificates, and --users-file for the users they name.`;
  }
  if (c.mqttTlsCa !== null && c.mqttClientCert === 'off') return '--mqtt-tls-ca is used only with --mqtt-client-cert optional or require.';
  const proxied: [boolean, boolean, string][] = [
    [c.mqttProxyProtocol, c.mqttPort !== null, '--mqtt-proxy-protocol needs --mqtt-port'],
    [c.tlsProxyProtocol, c.tlsPort !== null && c.tlsCert !== null, '--tls-proxy-protocol needs MQTT over TLS (--tls-port, --tls-cert and --tls-key)'],
    [c.httpProxyProtocol, c.httpPort !== null, '--http-proxy-protocol needs --http-port'],
  ];
  for (const [on, listening, problem] of proxied) if (on && !listening) return `${problem}, which is off.`;
  // The demo devices are MQTT clients of the hub's own TCP listener.
  if (c.fleet > 0 && c.mqttPort === null) return '--fleet needs MQTT over TCP: the demo devices connect to --mqtt-port, which is off.';
  if (!isLoopback(c.host) && c.usersFile === null && !c.allowAnonymous) {
    return `--host ${c.host} is not loopback: give --users-file so clients must log in (or --allow-anonymous to open it to anyone).`;
  }
  if (c.fleet > 0 && c.usersFile !== null && c.fleetCredentials === null && !c.allowAnonymous) {
    return '--fleet with a users file needs --fleet-credentials (a JSON file of device id → password).';
  }
  try {
    resolveHttpLimits(c.httpLimits, null);
  } catch (err) {
    return `${(err as Error).message}.`;
  }
  return null;
}
