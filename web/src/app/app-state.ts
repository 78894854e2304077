/**
 * The dashboard's state and its one live connection. Every message passes through one
 * dispatch that updates the fleet, command log, feed and alerts, then tells the views; views
 * only read state and schedule their own rendering.
 */
import type { HubMessage, Json } from '../../../protocol/message.js';
import { Backoff } from '../net/backoff.js';
import { ApiError, fetchAlerts, fetchDevices, fetchEvents, sendCommand } from '../net/api.js';
import { createLiveConnection, type LinkStatus, type LiveConnection } from '../net/live-connection.js';
import { isTransportKind, type TransportKind } from '../../../protocol/transports.js';
import { CommandLog, type CommandEntry } from '../state/command-log.js';
import { EventFeed, feedItemOf, statusItem, type FeedItem } from '../state/event-feed.js';
import { FleetStore } from '../state/fleet-store.js';
import { HubAlerts, type AlertUpdate } from '../state/hub-alerts.js';
import { Emitter } from '../ui/emitter.js';
import { loadPref, savePref } from '../ui/preferences.js';

/** Stored events the feed starts with. */
const RECENT_EVENTS = 100;

/** Everything the dashboard shows: the devices, and the hub's alerts about them. */
export const DASHBOARD_FILTERS = ['devices/#', 'alerts/#'] as const;

export type AppEvents = {
  /** Every live message, once, after the stores took it in. */
  message: HubMessage;
  feed: FeedItem;
  /** A device whose command log changed. */
  commands: string;
  /** An alert on the hub fired, was acknowledged or resolved. */
  alert: AlertUpdate;
  link: LinkStatus;
  /** The registry snapshot was (re)loaded. */
  snapshot: null;
  /** The hub could not resume from our cursor: state built from messages may have a hole. */
  reset: null;
  /** The hub wants a login. */
  auth: null;
};

export interface App {
  readonly fleet: FleetStore;
  readonly commands: CommandLog;
  readonly feed: EventFeed;
  readonly alerts: HubAlerts;
  readonly bus: Emitter<AppEvents>;
  readonly connection: LiveConnection;
  transport(): TransportKind;
  setTransport(kind: TransportKind): void;
  /** Reloads the firing alerts from the hub (after a reset, or an action of this page). */
  reloadAlerts(): void;
  /** Sends a command; the entry then updates through the command log as the hub reports. */
  command(device: string, name: string, args: Json): Promise<CommandEntry>;
}

/** `?transport=` in the address wins over the remembered choice, so a link can pick one. */
function initialTransport(): TransportKind {
  const asked = new URLSearchParams(window.location.search).get('transport');
  if (isTransportKind(asked)) return asked;
  return loadPref<TransportKind>('transport', (x): x is TransportKind => typeof x === 'string' && isTransportKind(x), 'sse');
}

export function createApp(): App {
  const fleet = new FleetStore();
  const commands = new CommandLog();
  const feed = new EventFeed();
  const alerts = new HubAlerts();
  const bus = new Emitter<AppEvents>();

  const addFeed = (item: FeedItem | null): void => {
    if (item && feed.add(item)) bus.emit('feed', item);
  };
  const reloadAlerts = (): void => {
    fetchAlerts({ state: 'firing', limit: 1000 }).then(
      (list) => {
        alerts.load(list);
        bus.emit('snapshot', null);
      },
      () => undefined,
    );
  };

  const dispatch = (msg: HubMessage): void => {
    const before = msg.device === null ? undefined : fleet.devices.get(msg.device)?.online;
    fleet.apply(msg);
    const after = msg.device === null ? undefined : fleet.devices.get(msg.device)?.online;
    if (msg.kind === 'status' && before !== undefined && after !== undefined && before !== after) addFeed(statusItem(msg, after));
    addFeed(feedItemOf(msg));
    const changed = commands.apply(msg);
    if (changed !== null) bus.emit('commands', changed);
    const alert = alerts.apply(msg);
    if (alert) bus.emit('alert', alert);
    bus.emit('message', msg);
  };

  const snapshotBackoff = new Backoff({ initialMs: 1000 });
  let snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  const loadSnapshot = (): void => {
    clearTimeout(snapshotTimer);
    fetchDevices().then(
      (list) => {
        snapshotBackoff.reset();
        fleet.applySnapshot(list);
        bus.emit('snapshot', null);
      },
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) bus.emit('auth', null);
        else snapshotTimer = setTimeout(loadSnapshot, snapshotBackoff.next());
      },
    );
  };

  let kind = initialTransport();
  const connection = createLiveConnection({
    filters: DASHBOARD_FILTERS,
    kind,
    onMessage: dispatch,
    // The hub no longer has what we missed: the registry snapshot is the way back to the truth.
    onReset: () => {
      loadSnapshot();
      reloadAlerts();
      bus.emit('reset', null);
    },
    onStatus: (status) => bus.emit('link', status),
  });
  loadSnapshot();
  // The feed starts with what the hub stored, so a freshly opened page is not blank.
  fetchEvents(undefined, RECENT_EVENTS).then(
    (stored) => stored.forEach((msg) => addFeed(feedItemOf(msg))),
    () => undefined,
  );
  reloadAlerts();

  return {
    fleet,
    commands,
    feed,
    alerts,
    bus,
    connection,
    transport: () => kind,
    setTransport(next) {
      kind = next;
      savePref('transport', next);
      connection.setKind(next);
    },
    reloadAlerts,
    async command(device, name, args) {
      const accepted = await sendCommand(device, name, args);
      const entry = commands.sent(device, accepted.id, name, args, connection.hubNow());
      bus.emit('commands', device);
      return entry;
    },
  };
}
