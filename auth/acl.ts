/**
 * Who may publish and subscribe where. `device` lives in `devices/{its id}/`: it publishes
 * there except on its command channel, and subscribes only to its commands. `viewer` reads
 * everything and writes nothing; `admin` does anything. A user's topic patterns
 * (topic-patterns.ts) add to what its role allows, never take away. `null` is an anonymous
 * client, which only exists when anonymous access is allowed, so it may do anything.
 */
import { DEVICES_ROOT } from '../protocol/names.js';
import { patternsAllowPublish, patternsAllowSubscribe } from './topic-patterns.js';
import type { User } from './users-file.js';

const COMMAND_LEVEL = 'cmd';

function roleAllowsPublish(user: User, levels: string[]): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'viewer') return false;
  return levels.length >= 3 && levels[0] === DEVICES_ROOT && levels[1] === user.name && levels[2] !== COMMAND_LEVEL;
}

/** A device's filter must lie inside `devices/{id}/cmd/#`: the first three levels literal, anything after them. */
function roleAllowsSubscribe(user: User, levels: string[]): boolean {
  if (user.role !== 'device') return true;
  return levels.length >= 3 && levels[0] === DEVICES_ROOT && levels[1] === user.name && levels[2] === COMMAND_LEVEL;
}

/** True when `user`, connected as `clientId`, may publish on `topic` (a topic name, no wildcards). */
export function canPublish(user: User | null, topic: string, clientId: string): boolean {
  if (user === null) return true;
  return roleAllowsPublish(user, topic.split('/')) || patternsAllowPublish(user.publish, user.name, clientId, topic);
}

/** True when `user`, connected as `clientId`, may subscribe to `filter`. */
export function canSubscribe(user: User | null, filter: string, clientId: string): boolean {
  if (user === null) return true;
  return roleAllowsSubscribe(user, filter.split('/')) || patternsAllowSubscribe(user.subscribe, user.name, clientId, filter);
}
