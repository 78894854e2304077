/**
 * The fleet as the page knows it: the registry snapshot from `GET /api/devices` kept current
 * by live messages. The snapshot and the stream race each other at start-up, so every field
 * remembers the hub time it was last set live and a snapshot never overwrites newer live data.
 * Pure (no DOM), unit-tested in Node.
 */
import { applyMessage, deviceTopicOf, newDeviceView } from '../../../protocol/device-view.js';
import type { DeviceView, HubMessage } from '../../../protocol/message.js';

export interface DeviceRow extends DeviceView {
  /** Hub time of the live message that last set status, LED and ports; 0 when only the snapshot did. */
  liveTs: { status: number; led: number; ports: number };
}

/** Most devices the page tracks; beyond it new ids are ignored so a flood of fake ids cannot exhaust memory. */
export const MAX_DEVICES = 20_000;

/** A device seen for the first time at hub time `ts`, before any status says it is online. */
export const emptyRow = (id: string, ts: number): DeviceRow => ({ ...newDeviceView(id, ts), liveTs: { status: 0, led: 0, ports: 0 } });

export class FleetStore {
  readonly devices = new Map<string, DeviceRow>();
  /** Ids changed since the last `takeChanges()`. */
  private changed = new Set<string>();
  /** Bumped when a device is added, so views know the set (not only values) changed. */
  membership = 0;

  /** Merges a registry snapshot; live fields newer than the snapshot's `lastSeen` win. */
  applySnapshot(list: readonly DeviceView[]): void {
    for (const view of list) {
      const row = this.row(view.id, view.firstSeen);
      if (!row) continue;
      row.firstSeen = Math.min(row.firstSeen, view.firstSeen || row.firstSeen);
      row.lastSeen = Math.max(row.lastSeen, view.lastSeen);
      if (row.liveTs.status <= view.lastSeen) Object.assign(row, { online: view.online, model: view.model, fw: view.fw, source: view.source, units: view.units, problems: view.problems });
      if (row.liveTs.led <= view.lastSeen) row.led = view.led;
      if (row.liveTs.ports <= view.lastSeen) row.ports = view.ports;
      for (const [metric, m] of Object.entries(view.metrics)) {
        const mine = row.metrics[metric];
        if (!mine || mine.ts < m.ts) row.metrics[metric] = m;
      }
      this.changed.add(view.id);
    }
  }

  /** Applies one live message as the hub's registry does (protocol/device-view.ts); returns true when a device changed. */
  apply(msg: HubMessage): boolean {
    const topic = deviceTopicOf(msg);
    if (topic === null) return false;
    const row = this.row(topic.device, msg.ts);
    if (!row) return false;
    const { led, ports } = row;
    applyMessage(row, msg);
    if (msg.kind === 'status') row.liveTs.status = msg.ts;
    if (row.led !== led) row.liveTs.led = msg.ts;
    if (row.ports !== ports) row.liveTs.ports = msg.ts;
    this.changed.add(row.id);
    return true;
  }

  /** Marks a device for redrawing though its data did not change (e.g. a command on its way). */
  touch(id: string): void {
    if (this.devices.has(id)) this.changed.add(id);
  }

  takeChanges(): Set<string> {
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  private row(id: string, ts: number): DeviceRow | null {
    const found = this.devices.get(id);
    if (found) return found;
    if (this.devices.size >= MAX_DEVICES) return null;
    const row = emptyRow(id, ts);
    this.devices.set(id, row);
    this.membership++;
    return row;
  }
}
