/**
 * MQTT topic filters indexed as a trie of levels, so fan-out costs the depth of a topic rather
 * than the number of subscribers. Matching follows protocol/topic-filter.ts exactly ([MQTT-4.7]).
 */

interface Node<T> {
  children: Map<string, Node<T>>;
  /** Items whose filter ends at this node. */
  items: Set<T>;
}

const node = <T>(): Node<T> => ({ children: new Map(), items: new Set() });

export class FilterIndex<T> {
  private readonly root: Node<T> = node();

  /** Adds `item` under `filter` (a valid filter; see isValidFilter). Adding twice is a no-op. */
  add(filter: string, item: T): void {
    let at = this.root;
    for (const level of filter.split('/')) {
      let next = at.children.get(level);
      if (!next) {
        next = node();
        at.children.set(level, next);
      }
      at = next;
    }
    at.items.add(item);
  }

  /** Removes `item` from `filter`, pruning branches left empty so the trie never outgrows its filters. */
  remove(filter: string, item: T): void {
    const path: [Node<T>, string][] = [];
    let at: Node<T> | undefined = this.root;
    for (const level of filter.split('/')) {
      const next: Node<T> | undefined = at.children.get(level);
      if (!next) return;
      path.push([at, level]);
      at = next;
    }
    at.items.delete(item);
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i] as [Node<T>, string];
      const child = parent.children.get(level) as Node<T>;
      if (child.items.size > 0 || child.children.size > 0) break;
      parent.children.delete(level);
    }
  }

  /** Calls `visit` for each item of each filter matching `topic`; an item under several matching filters is visited once per filter. */
  match(topic: string, visit: (item: T) => void): void {
    const levels = topic.split('/');
    // Wildcards at the first level do not match `$` topics [MQTT-4.7.2-1].
    this.walk(this.root, levels, 0, !topic.startsWith('$'), visit);
  }

  private walk(at: Node<T>, levels: string[], i: number, wildcards: boolean, visit: (item: T) => void): void {
    if (wildcards) {
      // `#` also matches the parent level: `a/#` matches `a` [MQTT-4.7.1-2].
      const hash = at.children.get('#');
      if (hash) for (const item of hash.items) visit(item);
    }
    if (i === levels.length) {
      for (const item of at.items) visit(item);
      return;
    }
    const exact = at.children.get(levels[i] as string);
    if (exact) this.walk(exact, levels, i + 1, true, visit);
    const plus = wildcards ? at.children.get('+') : undefined;
    if (plus) this.walk(plus, levels, i + 1, true, visit);
  }
}
