/**
 * Alert rules shared by a cluster's nodes through Redis (the RuleBook of bridge/alerts). One
 * hash holds every rule with its webhook secret, and a tombstone for each removed one; a channel
 * says that it changed. Each node keeps its own copy in SQLite — it evaluates from that, through
 * restarts and while Redis is away — and brings the copy in line with the hash at start, on every
 * change, after every reconnect and once a minute (for a change said while it resubscribed).
 *
 * Only a tombstone removes a rule: a rule a node has and the hash lacks is put back (Redis lost
 * its data, or the node ran alone before it joined), so losing Redis never deletes rules.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AlertRuleView } from '../../protocol/alerts.js';
import { alertGuardScope } from '../alerts/alert-engine.js';
import type { RuleBookFactory, RuleCopy } from '../alerts/rule-book.js';
import { DEFAULT_KEYS, type StreamKeys, guardKey } from './seq-stream.js';

export interface SharedRulesOptions {
  /** redis:// or rediss:// */
  url: string;
  /** The sequencer's keys: the rules live beside them. */
  keys?: StreamKeys;
  /** ms between full comparisons with Redis besides the ones on changes; default 60 000. */
  resyncMs?: number;
  logger: Logger;
}

/** A removed rule's guard fields outlive it this long, so a node back from far away cannot resolve its alerts twice. */
const GUARD_KEEP_S = 30 * 86_400;

type Stored = RuleCopy | { removed: number };

function parseStored(id: string, text: string): Stored | null {
  try {
    const v = JSON.parse(text) as { removed?: unknown; rule?: Partial<AlertRuleView>; secret?: unknown };
    if (typeof v.removed === 'number') return { removed: v.removed };
    if (v.rule?.id === id && typeof v.secret === 'string' && typeof v.rule.condition === 'object') return v as RuleCopy;
  } catch {
    // reported below
  }
  return null;
}

/** Returns the bridge's rule book for a cluster node. */
export function sharedRules(o: SharedRulesOptions): RuleBookFactory {
  return (local) => {
    const log = o.logger.child({ part: 'cluster' });
    const keys = o.keys ?? DEFAULT_KEYS;
    const hash = `${keys.counter}:alert-rules`;
    const channel = `${hash}:changed`;
    // Fails at once while Redis is away: an admin's request is answered 503 instead of waiting.
    const cmd = new Redis(o.url, { connectionName: 'fleetwire-rules', enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const sub = new Redis(o.url, { connectionName: 'fleetwire-rules-sub' });
    for (const conn of [cmd, sub]) conn.on('error', (err: Error) => log.debug({ err: err.message }, 'redis rules connection error'));

    /** Brings this node's rules in line with the hash, and puts back what the hash lacks. */
    const compare = async (): Promise<void> => {
      const all = await cmd.hgetall(hash);
      for (const [id, text] of Object.entries(all)) {
        const stored = parseStored(id, text);
        if (stored === null) log.warn({ rule: id.slice(0, 80) }, 'an alert rule in Redis is not readable; left alone');
        else if ('removed' in stored) {
          if (local.has(id)) local.remove(id);
        } else if (!local.has(id)) local.add(stored);
      }
      const missing = local.list().filter((copy) => all[copy.rule.id] === undefined);
      for (const copy of missing) await cmd.hsetnx(hash, copy.rule.id, JSON.stringify(copy));
      if (missing.length > 0) {
        log.warn({ rules: missing.length }, 'alert rules this node had were missing in Redis: put back');
        await cmd.publish(channel, 'restored');
      }
    };

    let running: Promise<void> | null = null;
    let again = false;
    /** One comparison at a time; a change said during one gets another after it. */
    const resync = (): void => {
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          try {
            await compare();
          } catch (err) {
            log.debug({ err }, 'alert rules not compared with Redis; tried again on the next change or reconnect');
          }
        } while (again);
      })().finally(() => (running = null));
    };

    cmd.on('ready', resync);
    sub.on('ready', resync);
    sub.on('message', resync);
    sub.subscribe(channel).catch((err: unknown) => log.debug({ err }, 'alert rule channel not subscribed yet'));
    const timer = setInterval(resync, o.resyncMs ?? 60_000);
    timer.unref();

    /** Runs one transaction; rejects when Redis is away or any command failed. */
    const run = async (tx: ReturnType<Redis['multi']>): Promise<void> => {
      const results = (await tx.exec()) ?? [];
      const failed = results.find(([err]) => err !== null);
      if (failed) throw failed[0] as Error;
    };

    return {
      async add(copy) {
        await run(cmd.multi().hset(hash, copy.rule.id, JSON.stringify(copy)).publish(channel, copy.rule.id));
        local.add(copy); // unless the change, said on the channel, came back first
      },
      async remove(id) {
        if (!local.has(id)) return false;
        const tombstone: Stored = { removed: Date.now() };
        await run(cmd.multi().hset(hash, id, JSON.stringify(tombstone)).expire(guardKey(keys, alertGuardScope(id)), GUARD_KEEP_S).publish(channel, id));
        local.remove(id); // unless the change, said on the channel, came back first
        return true;
      },
      close() {
        clearInterval(timer);
        cmd.disconnect();
        sub.disconnect();
      },
    };
  };
}
