/**
 * Hash routes, so the hub serves one page at `/` and a link to a device works from anywhere:
 * `#/` the fleet, `#/device/{id}` one device, `#/events` events and alerts.
 */
import { isDeviceId } from '../../../protocol/names.js';

export type Route = { name: 'overview' } | { name: 'device'; id: string } | { name: 'events' } | { name: 'missing'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/') return { name: 'overview' };
  if (path === '/events') return { name: 'events' };
  const device = /^\/device\/([^/]+)$/.exec(path);
  if (device) {
    let id = '';
    try {
      id = decodeURIComponent(device[1] as string);
    } catch {
      return { name: 'missing', path };
    }
    if (isDeviceId(id)) return { name: 'device', id };
  }
  return { name: 'missing', path };
}
