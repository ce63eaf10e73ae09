/**
 * The constant text of a rule in alert outputs (EVE `alert` object parts, fast.log body),
 * serialised once per rule and reused for every alert of it: no object + JSON.stringify per
 * alert. Kept here, not on Rule, because detect must not depend on output formats.
 *
 * Memoised by Rule object in WeakMaps: a rule reload brings new Rule objects (built on their
 * first alert) and the old ones' text goes with them.
 */
import { Action, type Rule } from '../detect/rule.js';

export interface RuleEveFragments {
  /** The EVE `alert` object up to and including severity (no closing brace). */
  head: string;
  /** The rest: metadata (if any) and the closing brace. Per-packet `source`/`target` objects
   *  (target keyword) go between head and tail. */
  tail: string;
}

const eveCache = new WeakMap<Rule, RuleEveFragments>();
const fastCache = new WeakMap<Rule, string>();

/** The pre-serialised `alert` object parts of a rule. */
export function ruleEveFragments(rule: Rule): RuleEveFragments {
  const head =
    `{"action":"allowed","gid":${rule.gid},"signature_id":${rule.sid},"rev":${rule.rev}` +
    `,"signature":${JSON.stringify(rule.msg)},"category":${JSON.stringify(rule.category)},"severity":${rule.priority}`;
  let tail = '';
  if (rule.metadata.length > 0) {
    const groups = new Map<string, string[]>();
    for (const [k, v] of rule.metadata) {
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(v);
    }
    const parts: string[] = [];
    for (const [k, vs] of groups) parts.push(`${JSON.stringify(k)}:[${vs.map((v) => JSON.stringify(v)).join(',')}]`);
    tail += `,"metadata":{${parts.join(',')}}`;
  }
  return { head, tail: tail + '}' };
}

/** `[gid:sid:rev] msg [**] [Classification: ...] [Priority: n]` for fast.log ("[wDrop] " first
 *  for drop and reject rules, as Suricata in IDS mode). */
export function ruleFastLogBody(rule: Rule): string {
  const wdrop = rule.action === Action.Drop || rule.action === Action.Reject ? '[wDrop] ' : '';
  return `${wdrop}[**] [${rule.gid}:${rule.sid}:${rule.rev}] ${rule.msg} [**] [Classification: ${rule.classtype === null ? '(null)' : rule.category}] [Priority: ${rule.priority}]`;
}

/** ruleEveFragments, memoised per rule. */
export function eveFragmentsOf(rule: Rule): RuleEveFragments {
  let f = eveCache.get(rule);
  if (f === undefined) eveCache.set(rule, (f = ruleEveFragments(rule)));
  return f;
}

/** ruleFastLogBody, memoised per rule. */
export function fastLogBodyOf(rule: Rule): string {
  let b = fastCache.get(rule);
  if (b === undefined) fastCache.set(rule, (b = ruleFastLogBody(rule)));
  return b;
}
