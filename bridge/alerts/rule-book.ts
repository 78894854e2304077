/**
 * Where alert rules are made and removed. On one node that is its own store; in a cluster,
 * Redis as well (bridge/cluster/shared-rules.ts), so every node holds every rule in its SQLite
 * file and evaluates it. The engine and the store of a node change together, through LocalRules.
 */
import type { AlertRuleView } from '../../protocol/alerts.js';

/** A rule with its webhook secret. */
export interface RuleCopy {
  rule: AlertRuleView;
  secret: string;
}

/** This node's rules: its store and its engine, kept in step. */
export interface LocalRules {
  list(): RuleCopy[];
  has(id: string): boolean;
  /** Adds a rule this node does not have yet; one it has is left as it is. */
  add(copy: RuleCopy): void;
  /** Removes the rule (its firing alerts resolve); false when there was none. */
  remove(id: string): boolean;
}

export interface RuleBook {
  /** Makes the rule on every node; rejects when it could not, and then nothing was made. */
  add(copy: RuleCopy): Promise<void>;
  /** Removes the rule on every node; false when this node has no such rule. */
  remove(id: string): Promise<boolean>;
  close(): void;
}

/** Builds the rule book over this node's rules. */
export type RuleBookFactory = (local: LocalRules) => RuleBook;

/** One node: its own rules are all the rules. */
export const localRuleBook: RuleBookFactory = (local) => ({
  add: async (copy) => local.add(copy),
  remove: async (id) => local.remove(id),
  close: () => undefined,
});
