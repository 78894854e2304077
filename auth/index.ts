/** Users, roles and access rules, shared by the broker (MQTT logins) and the bridge (browser logins). */
export { type Role, type User, type NewUser, ROLES, USER_NAME_PATTERN, isRole, addUsers, removeUser, userNameProblem } from './users-file.js';
export { type UserStore, loadUsers } from './user-store.js';
export { parseImport } from './user-import.js';
export { canPublish, canSubscribe } from './acl.js';
export { type SessionVerdict, reviewSession } from './session-review.js';
