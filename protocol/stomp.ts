/** STOMP names the hub and the dashboard share (docs/CONTRACT.md "STOMP"), so a rename fails the type check on both; the paths are in transports.ts. */

/** WebSocket subprotocols, best first: the names stompjs and Spring offer for each version. */
export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'] as const;
/** The header of the MESSAGE that says a resume point is gone (the `reset` of the other transports). */
export const STOMP_CONTROL_HEADER = 'fleetwire-control';
