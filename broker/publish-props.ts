/**
 * The application properties of a v5 PUBLISH (MQTT 5 §3.3.2.3) as the hub carries them to
 * browsers: mqtt-packet's parsed properties in, the contract's `props` out (docs/CONTRACT.md
 * "MQTT 5"). Transport properties (topic alias, message expiry, subscription identifier) are
 * the broker's business and stay out. mqtt-packet turns any property sent twice into an array;
 * only User Property may repeat (MQTT 5 §3.3.2.3.7), so any other repeated one is left out.
 */
import type { MessageProps } from '../protocol/message.js';

/** The packet's properties as mqtt-packet parses them. */
interface PacketProperties {
  contentType?: unknown;
  payloadFormatIndicator?: unknown;
  responseTopic?: unknown;
  correlationData?: unknown;
  userProperties?: unknown;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function userProps(raw: unknown): MessageProps['user'] | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  // Keys are the client's: a key such as `__proto__` must stay an own key, not a prototype.
  const user: NonNullable<MessageProps['user']> = Object.create(null) as NonNullable<MessageProps['user']>;
  let any = false;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string' && !isStringList(value)) continue;
    user[key] = value;
    any = true;
  }
  return any ? user : undefined;
}

/** The contract's `props` of a publish; undefined when it carried none of them (every 3.1.1 publish). */
export function publishProps(properties: PacketProperties | undefined): MessageProps | undefined {
  if (properties === undefined) return undefined;
  const props: MessageProps = {};
  const { contentType, payloadFormatIndicator, responseTopic, correlationData } = properties;
  if (typeof contentType === 'string') props.contentType = contentType;
  // mqtt-packet reads the indicator byte as a boolean.
  if (typeof payloadFormatIndicator === 'boolean') props.payloadFormat = payloadFormatIndicator ? 1 : 0;
  if (typeof responseTopic === 'string') props.responseTopic = responseTopic;
  if (Buffer.isBuffer(correlationData)) props.correlationData = { base64: correlationData.toString('base64') };
  const user = userProps(properties.userProperties);
  if (user) props.user = user;
  return Object.keys(props).length > 0 ? props : undefined;
}
