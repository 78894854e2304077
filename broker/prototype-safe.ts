/**
 * Aedes 2.0.0-beta.1 branched before the fix for GHSA-52qw-whmv-87c5 (Aedes 1.1.1): it keys
 * plain objects by strings from the wire — connected clients and peer brokers by id, a client's
 * subscriptions by topic filter — so a client id or filter named like an Object.prototype member
 * ('constructor', '__proto__', 'toString') reads back an inherited function, and the next call on
 * it throws outside any handler, ending the process. These maps are replaced by prototype-less
 * ones, as the fix does, before any packet is read.
 */
import type { Aedes, Client } from 'aedes';

interface KeyedByWire {
  clients?: object;
  brokers?: object;
  subscriptions?: object;
  duplicates?: object;
}

/**
 * The prototype of the replacement maps: it has no members and none can be reached from the wire
 * (with no Object.prototype in the chain, '__proto__' is an ordinary key). Objects made with
 * Object.create(null) start in V8's dictionary mode, ~160 bytes empty; these start small, which
 * matters twice per connected client.
 */
const NO_MEMBERS = Object.freeze(Object.create(null) as object);
/** A fast-mode object no key can reach a prototype member from. */
export const bare = (): object => Object.create(NO_MEMBERS) as object;

/** Call right after `new Aedes()`, before listen(). */
export function makeBrokerPrototypeSafe(aedes: Aedes): void {
  const maps = aedes as unknown as KeyedByWire;
  maps.clients = bare();
  maps.brokers = bare();
}

/** Call on the Client `aedes.handle()` returns; Aedes reads the socket only on a later tick. */
export function makeClientPrototypeSafe(client: Client): void {
  const maps = client as unknown as KeyedByWire;
  maps.subscriptions = bare();
  maps.duplicates = bare();
}

/**
 * Aedes folds the filters of one SUBSCRIBE (and of a session it restores) into an object literal,
 * where the key '__proto__' sets the prototype instead: the filter is lost and the next step
 * throws outside any handler. PacketGuard refuses a SUBSCRIBE naming it, before Aedes parses it.
 */
export const UNSAFE_FILTER = Buffer.from('\u0000\u0009__proto__', 'latin1');
