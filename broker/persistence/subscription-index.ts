/**
 * In-memory topic trie of the stored QoS 1/2 subscriptions, rebuilt from SQLite at start-up:
 * `subscriptionsByTopic` runs for every QoS 1/2 publish, so it must not scan the table.
 * It visits `#` before the exact level and `+`, as qlobber does, so matches come in the same
 * order as the reference in-memory persistence.
 */

export interface IndexedSubscription {
  clientId: string;
  topic: string;
  qos: number;
  rh: number | undefined;
  rap: boolean | undefined;
  nl: boolean | undefined;
}

interface Node {
  children: Map<string, Node>;
  /** clientId → subscription whose filter ends at this node */
  subs: Map<string, IndexedSubscription>;
}

const newNode = (): Node => ({ children: new Map(), subs: new Map() });

export class SubscriptionIndex {
  private readonly root = newNode();
  private count = 0;

  /** Number of (client, filter) pairs held. */
  get size(): number {
    return this.count;
  }

  /** Adds or replaces the client's subscription to `sub.topic`. */
  add(sub: IndexedSubscription): void {
    let node = this.root;
    for (const level of sub.topic.split('/')) {
      let next = node.children.get(level);
      if (!next) {
        next = newNode();
        node.children.set(level, next);
      }
      node = next;
    }
    if (!node.subs.has(sub.clientId)) this.count++;
    node.subs.set(sub.clientId, sub);
  }

  /** Removes the client's subscription to `filter`, pruning emptied branches. */
  remove(clientId: string, filter: string): void {
    const path: [Node, string][] = [];
    let node: Node | undefined = this.root;
    for (const level of filter.split('/')) {
      path.push([node, level]);
      node = node.children.get(level);
      if (!node) return;
    }
    if (!node.subs.delete(clientId)) return;
    this.count--;
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i] as [Node, string];
      const child = parent.children.get(level) as Node;
      if (child.subs.size > 0 || child.children.size > 0) break;
      parent.children.delete(level);
    }
  }

  /** Every subscription whose filter matches `topic`. Wildcards at the first level skip `$` topics [MQTT-4.7.2-1]. */
  match(topic: string): IndexedSubscription[] {
    const out: IndexedSubscription[] = [];
    if (this.count === 0) return out; // no persistent session subscribes at QoS 1/2: most hubs, every publish
    this.collect(this.root, topic.split('/'), 0, topic.startsWith('$'), out);
    return out;
  }

  private collect(node: Node, levels: string[], i: number, dollar: boolean, out: IndexedSubscription[]): void {
    const wildcardsAllowed = !(dollar && i === 0);
    const rest = wildcardsAllowed ? node.children.get('#') : undefined;
    if (rest) out.push(...rest.subs.values()); // '#' also matches the parent level [MQTT-4.7.1-2]
    if (i === levels.length) {
      out.push(...node.subs.values());
      return;
    }
    const exact = node.children.get(levels[i] as string);
    if (exact) this.collect(exact, levels, i + 1, dollar, out);
    const one = wildcardsAllowed ? node.children.get('+') : undefined;
    if (one) this.collect(one, levels, i + 1, dollar, out);
  }
}
