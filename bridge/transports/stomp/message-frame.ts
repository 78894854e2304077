/**
 * The MESSAGE frame of a hub message, made for each subscription that gets it. Everything but
 * the subscription's own headers is the same for every subscriber of a message, so that tail
 * (destination, content type, length and body) is built once per message and STOMP version
 * and cached beside it, as ../encode.ts does for the other transports.
 */
import type { HubMessage } from '../../../protocol/message.js';
import { messageJson } from '../encode.js';
import { TOPIC_PREFIX } from './destination.js';
import type { StompVersion } from './frame.js';
import { escapeHeader } from './header-escape.js';

/** Each version escapes a little differently (header-escape.ts): one cache each. */
const tails: Record<StompVersion, WeakMap<HubMessage, string>> = { '1.2': new WeakMap(), '1.1': new WeakMap(), '1.0': new WeakMap() };

const tail = (destination: string, body: string, version: StompVersion): string =>
  `destination:${escapeHeader(destination, version)}\ncontent-type:application/json\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`;

function topicTail(msg: HubMessage, version: StompVersion): string {
  let text = tails[version].get(msg);
  if (text === undefined) {
    text = tail(`${TOPIC_PREFIX}${msg.topic}`, messageJson(msg), version);
    tails[version].set(msg, text);
  }
  return text;
}

/**
 * `MESSAGE` for `msg` on subscription `subscription`: `message-id` is the seq, `ack` (1.2, when
 * the subscription acknowledges) names it for ACK/NACK. `destination` is the same for every
 * message of a subscription or, for topics, `/topic/{the message's topic}` (pass null).
 */
export function messageFrame(msg: HubMessage, subscription: string, ack: string | null, destination: string | null, version: StompVersion): string {
  const head = `MESSAGE\nsubscription:${escapeHeader(subscription, version)}\nmessage-id:${msg.seq}\n${ack === null ? '' : `ack:${escapeHeader(ack, version)}\n`}`;
  return head + (destination === null ? topicTail(msg, version) : tail(destination, messageJson(msg), version));
}
