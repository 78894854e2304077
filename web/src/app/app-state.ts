/**
 * The dashboard's state and its one live connection. Every message passes through one
 * dispatch that updates the fleet, command log, feed and alerts, then tells the views; views
 * only read state and schedule their own rendering.
 */
import type { HubMessage, Json } from '../../../protocol/message.js';
import { Backoff } from '../net/backoff.js';
import { ApiError, fetchDevices, fetchEvents, sendCommand } from '../net/api.js';
import { createLiveConnection, type LinkStatus, type LiveConnection } from '../net/live-connection.js';
import { isTransportKind, type TransportKind } from '../../../protocol/transports.js';
import { AlertEngine, isRuleList, type AlertEvent, type AlertRule } from '../state/alert-engine.js';
import { CommandLog, type CommandEntry } from '../state/command-log.js';
import { EventFeed, alertFeedItem, feedItemOf, statusItem, type FeedItem } from '../state/event-feed.js';
import { FleetStore } from '../state/fleet-store.js';
import { readingsOf } from '../../../protocol/readings.js';
import { Emitter } from '../ui/emitter.js';
import { loadPref, savePref } from '../ui/preferences.js';

/** Stored events the feed starts with. */
const RECENT_EVENTS = 100;

/** Everything the dashboard shows lives under `devices/`. */
export const DASHBOARD_FILTERS = ['devices/#'] as const;

export type AppEvents = {
  /** Every live message, once, after the stores took it in. */
  message: HubMessage;
  feed: FeedItem;
  /** A device whose command log changed. */
  commands: string;
  alert: AlertEvent;
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
  readonly alerts: AlertEngine;
  readonly bus: Emitter<AppEvents>;
  readonly connection: LiveConnection;
  transport(): TransportKind;
  setTransport(kind: TransportKind): void;
  rules(): AlertRule[];
  setRules(rules: AlertRule[]): void;
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
  const alerts = new AlertEngine();
  const bus = new Emitter<AppEvents>();
  let rules = loadPref<AlertRule[]>('alert-rules', isRuleList, []);
  alerts.setRules(rules);

  const addFeed = (item: FeedItem | null): void => {
    if (item && feed.add(item)) bus.emit('feed', item);
  };
  const onAlerts = (events: AlertEvent[]): void => {
    for (const ev of events) {
      addFeed(alertFeedItem(ev));
      bus.emit('alert', ev);
    }
  };

  const dispatch = (msg: HubMessage): void => {
    const before = msg.device === null ? undefined : fleet.devices.get(msg.device)?.online;
    fleet.apply(msg);
    const after = msg.device === null ? undefined : fleet.devices.get(msg.device)?.online;
    if (msg.kind === 'status' && before !== undefined && after !== undefined && before !== after) addFeed(statusItem(msg, after));
    addFeed(feedItemOf(msg));
    const changed = commands.apply(msg);
    if (changed !== null) bus.emit('commands', changed);
    if (msg.device !== null) for (const { metric, value } of readingsOf(msg)) onAlerts(alerts.observe(msg.device, metric, value, msg.ts));
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
  setInterval(() => onAlerts(alerts.tick(connection.hubNow())), 1000);

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
    rules: () => rules,
    setRules(next) {
      rules = next;
      savePref('alert-rules', next);
      alerts.setRules(next);
    },
    async command(device, name, args) {
      const accepted = await sendCommand(device, name, args);
      const entry = commands.sent(device, accepted.id, name, args, connection.hubNow());
      bus.emit('commands', device);
      return entry;
    },
  };
}
