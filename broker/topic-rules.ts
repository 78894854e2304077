/** Checks on topic names a client publishes to ([MQTT-4.7]), shared by wills and the hub's own publishes. */

/** One line saying why `topic` cannot be published to, or null when it can. */
export function topicProblem(topic: string, maxLevels: number): string | null {
  if (topic.length === 0) return 'the topic is empty'; // [MQTT-4.7.3-1]
  if (topic.includes('+') || topic.includes('#')) return `topic '${topic}' has a wildcard`; // [MQTT-3.3.2-2]
  if (topic.includes('\u0000')) return 'the topic has a NUL character'; // [MQTT-4.7.3-2]
  if (topic.split('/').length > maxLevels) return `topic has more than ${maxLevels} levels`;
  return null;
}
