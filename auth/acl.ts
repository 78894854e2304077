/**
 * Who may publish and subscribe where. `device` lives in `devices/{its id}/`: it publishes
 * there except on its command channel, and subscribes only to its commands. `viewer` reads
 * everything and writes nothing; `admin` does anything. `null` is an anonymous client, which
 * only exists when anonymous access is allowed, so it may do anything.
 */
import { DEVICES_ROOT } from '../protocol/names.js';
import type { User } from './users.js';

const COMMAND_LEVEL = 'cmd';

/** True when `user` may publish on `topic` (a topic name, no wildcards). */
export function canPublish(user: User | null, topic: string): boolean {
  if (user === null || user.role === 'admin') return true;
  if (user.role === 'viewer') return false;
  const levels = topic.split('/');
  return levels.length >= 3 && levels[0] === DEVICES_ROOT && levels[1] === user.name && levels[2] !== COMMAND_LEVEL;
}

/**
 * True when `user` may subscribe to `filter`. A device's filter must lie inside
 * `devices/{id}/cmd/#`: the first three levels literal, anything after them.
 */
export function canSubscribe(user: User | null, filter: string): boolean {
  if (user === null || user.role !== 'device') return true;
  const levels = filter.split('/');
  return levels.length >= 3 && levels[0] === DEVICES_ROOT && levels[1] === user.name && levels[2] === COMMAND_LEVEL;
}
