/** A small typed event emitter; `on` returns the function that unsubscribes. */

export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<K extends keyof Events>(name: K, fn: (value: Events[K]) => void): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(fn as (value: never) => void);
    this.listeners.set(name, set);
    return () => set.delete(fn as (value: never) => void);
  }

  emit<K extends keyof Events>(name: K, value: Events[K]): void {
    for (const fn of this.listeners.get(name) ?? []) (fn as (value: Events[K]) => void)(value);
  }
}
