/**
 * The history tables, as migrations for storage/database.ts `migrate` (part `history`).
 * Append a new migration for every change; never edit one that has shipped.
 */

export const HISTORY_PART = 'history';

export const HISTORY_MIGRATIONS: readonly string[] = [
  `
  -- seq_reserved: seqs up to here may have reached browsers, so a restart continues above it.
  -- log_floor: messages up to here are not all stored (the write queue overflowed); resumes from below get reset.
  CREATE TABLE history_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO history_meta (key, value) VALUES ('seq_reserved', 0), ('log_floor', 0);

  -- The message log resume replays, in seq order; data is the message's JSON.
  -- scope is the second level of any devices/ topic (devices/d1 included, which has no device):
  -- a resume filtered to devices/d1/# reads only rows of that scope, through the index.
  CREATE TABLE history_messages (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    topic TEXT NOT NULL,
    device TEXT,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    scope TEXT
  );
  CREATE INDEX history_messages_by_scope ON history_messages (scope, seq);

  -- One row per (device, metric) so points and rollups carry a small integer key.
  CREATE TABLE history_series (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    metric TEXT NOT NULL,
    UNIQUE (device, metric)
  );

  -- Clustered by series then time: a range query reads one contiguous run of pages.
  -- seq keeps two readings in the same ms apart.
  CREATE TABLE history_points (
    series INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (series, ts, seq)
  ) WITHOUT ROWID;

  -- Rollups keep the sum, not the average, so buckets combine exactly.
  CREATE TABLE history_rollup_minute (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    sum_v REAL NOT NULL,
    min_v REAL NOT NULL,
    max_v REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE history_rollup_hour (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    sum_v REAL NOT NULL,
    min_v REAL NOT NULL,
    max_v REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
  ) WITHOUT ROWID;

  CREATE TABLE history_events (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    device TEXT,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX history_events_by_ts ON history_events (ts);
  CREATE INDEX history_events_by_device ON history_events (device, ts);

  -- Registry entries and commands are kept whole as JSON: they are read whole.
  CREATE TABLE history_devices (id TEXT PRIMARY KEY, view TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE history_commands (
    id TEXT PRIMARY KEY,
    created INTEGER NOT NULL,
    view TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX history_commands_by_created ON history_commands (created);
  `,
  `
  -- The command history is listed per device, newest first (GET /api/commands?device=).
  ALTER TABLE history_commands ADD COLUMN device TEXT;
  UPDATE history_commands SET device = json_extract(view, '$.device');
  CREATE INDEX history_commands_by_device ON history_commands (device, created);
  `,
  `
  -- Raw-reading retention per device or model (scope 'device' or 'model'); 0 keeps them forever.
  CREATE TABLE history_retention (scope TEXT NOT NULL, name TEXT NOT NULL, raw_ms INTEGER NOT NULL, PRIMARY KEY (scope, name)) WITHOUT ROWID;
  `,
  `
  -- A message's MQTT 5 properties (its props, as JSON); NULL when the publish had none.
  ALTER TABLE history_messages ADD COLUMN props TEXT;
  ALTER TABLE history_events ADD COLUMN props TEXT;
  `,
  `
  -- rollup_horizon: the rollup tables hold every reading before this minute and none from it on
  -- (rollup-writer.ts). Rollups so far were written with their readings: the minute after the
  -- newest point (found per series, through the primary key), or 0 when there is none.
  INSERT INTO history_meta (key, value)
    SELECT 'rollup_horizon', coalesce(max(newest) / 60000 * 60000 + 60000, 0)
    FROM (SELECT (SELECT max(ts) FROM history_points WHERE series = s.id) AS newest FROM history_series s);
  `,
];
