/** The broker's tables in the shared SQLite file, all prefixed `broker_` (storage/database.ts migrate). */
export const BROKER_PART = 'broker';

export const BROKER_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE broker_retained (topic TEXT PRIMARY KEY, packet BLOB NOT NULL) WITHOUT ROWID;

  -- Subscriptions of persistent sessions (clean session 0). rowid keeps the order they came in.
  CREATE TABLE broker_subscriptions (
    client_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    qos INTEGER NOT NULL,
    options TEXT NOT NULL,
    UNIQUE (client_id, topic)
  );
  CREATE INDEX broker_subscriptions_by_topic ON broker_subscriptions (topic);

  -- QoS 1/2 messages (and PUBRELs) owed to persistent sessions, in the order they are owed.
  -- AUTOINCREMENT: an id is never reused, so a stream paging by id never skips a row.
  CREATE TABLE broker_outgoing (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    broker_id TEXT,
    broker_counter INTEGER,
    message_id INTEGER,
    packet BLOB NOT NULL
  );
  CREATE INDEX broker_outgoing_by_client ON broker_outgoing (client_id, id);
  CREATE INDEX broker_outgoing_by_counter ON broker_outgoing (client_id, broker_counter);
  CREATE INDEX broker_outgoing_by_message ON broker_outgoing (client_id, message_id);

  -- Inbound QoS 2 messages awaiting PUBREL [MQTT-4.3.3].
  CREATE TABLE broker_incoming (
    client_id TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    packet BLOB NOT NULL,
    PRIMARY KEY (client_id, message_id)
  ) WITHOUT ROWID;

  CREATE TABLE broker_wills (client_id TEXT PRIMARY KEY, broker_id TEXT NOT NULL, packet BLOB NOT NULL) WITHOUT ROWID;
  `,
  `
  -- Persistent sessions, with or without subscriptions: Session Present answers from here [MQTT-3.2.2-2].
  -- expires_at (ms since epoch): when an MQTT 5 session whose client is away ends; NULL while the
  -- client is connected or when the session never expires.
  CREATE TABLE broker_sessions (client_id TEXT PRIMARY KEY, expires_at INTEGER) WITHOUT ROWID;
  CREATE INDEX broker_sessions_by_expiry ON broker_sessions (expires_at) WHERE expires_at IS NOT NULL;
  `,
];
