/**
 * Where a device came from, as the registry's `source` says (README "Mapping foreign topics"):
 * its own contract topics, a mapping preset or rule file, or Home Assistant discovery. Shared by
 * the fleet table and the device page so both say it the same way. Everything here is text.
 */
import { HA_DISCOVERY_SOURCE, NATIVE_SOURCE } from '../../../protocol/device-view.js';

/** A short label for the fleet table; empty for native devices, the common case. */
export const sourceBadge = (source: string): string => (source === NATIVE_SOURCE ? '' : source === HA_DISCOVERY_SOURCE ? 'HA' : source);

/** A sentence for the device page. */
export function sourceSentence(source: string): string {
  if (source === NATIVE_SOURCE) return 'Native: publishes on the contract’s devices/… topics.';
  if (source === HA_DISCOVERY_SOURCE) return 'Found by Home Assistant MQTT discovery; its state topics are mapped.';
  return `Mapped from its own topics by “${source}” (a --map preset or rule file).`;
}
