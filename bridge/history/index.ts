/** History in SQLite: the store the bridge appends to and replays from, and its REST routes. */
export { createHistoryStore, HistoryBacklogError, type SqliteHistoryStore } from './sqlite-store.js';
export { historyRoutes, type HistoryRouteOptions } from './routes.js';
export { DEFAULT_RETENTION, HISTORY_DEFAULTS, type HistoryOptions, type Retention } from './options.js';
export type { PruneReport } from './retention.js';
export type { CommandPage, CommandQuery, EventQuery, HistoryHealth, HistoryQuery, HistoryStore, MessagePage } from './store.js';
export { exportRoutes, type ExportRouteOptions } from './export-routes.js';
export { retentionRoutes } from './retention-routes.js';
