/**
 * MQTT 5 Server Keep Alive [MQTT-3.2.2-21]: an MQTT 5 client asking for no keepalive, or for more
 * than the broker's limit, is not refused (as a 3.1.1 one is, connect-policy.ts) but told in
 * CONNACK to use the limit, and held to it. Aedes 2.0.0-beta.1 does this only under its own
 * `keepaliveLimit`, which also refuses every 3.1.1 client asking for keepalive 0 with a return
 * code 3.1.1 does not have (6); so the broker sets the per-client value Aedes reads for it
 * (`_serverKeepAlive`, which the exact pin of the beta keeps stable).
 */
import type { Client, ConnectPacket } from 'aedes';

/** Call from preConnect, before Aedes reads the CONNECT. `maxSeconds` 0 = no limit. */
export function imposeServerKeepAlive(client: Client, packet: ConnectPacket, maxSeconds: number): void {
  if (maxSeconds === 0 || packet.protocolVersion !== 5) return;
  const asked = packet.keepalive ?? 0;
  if (asked === 0 || asked > maxSeconds) (client as unknown as { _serverKeepAlive: number })._serverKeepAlive = maxSeconds;
}
