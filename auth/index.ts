/** Users, roles and access rules, shared by the broker (MQTT logins) and the bridge (browser logins). */
export { type Role, type User, type UserStore, ROLES, USER_NAME_PATTERN, isRole, loadUsers, addUser, removeUser, userNameProblem } from './users.js';
export { canPublish, canSubscribe } from './acl.js';
