/**
 * Rule port sets: `any`, single ports, ranges `a:b`, `1024:` (to 65535), `:1023` (from 0),
 * lists `[...]` (nested), negation `!` and variables `$NAME`. List semantics as addresses:
 * (union of positive items) minus (union of negated items). Frozen into sorted inclusive
 * ranges in Int32Arrays; `size` says how many ports the set covers (the rule grouper uses it
 * to decide whether a rule deserves a port-specific group).
 */
import { RuleError } from './rule-error.js';
import { splitList } from './address-set.js';
import { MAX_VAR_DEPTH } from './variables.js';

type Range = [number, number];
const PORT_MAX = 65535;

function normalize(list: Range[]): Range[] {
  const s = list.slice().sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}

function complement(list: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [a, b] of normalize(list)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= PORT_MAX) out.push([next, PORT_MAX]);
  return out;
}

function subtract(a: Range[], b: Range[]): Range[] {
  const nb = complement(b);
  const out: Range[] = [];
  for (const [as, ae] of normalize(a)) {
    for (const [bs, be] of nb) {
      const s = Math.max(as, bs);
      const e = Math.min(ae, be);
      if (s <= e) out.push([s, e]);
    }
  }
  return out;
}

function parsePort(t: string, whole: string): number {
  if (!/^\d{1,5}$/.test(t) || Number(t) > PORT_MAX) throw new RuleError(`bad port '${whole}'`, 'invalid port');
  return Number(t);
}

function parseExpr(text: string, vars: ReadonlyMap<string, string>, depth: number): Range[] {
  if (depth > MAX_VAR_DEPTH) throw new RuleError('port variables nest too deep (loop?)', 'invalid port');
  const t = text.trim();
  if (t === '') throw new RuleError('empty port', 'invalid port');
  if (t.startsWith('!')) {
    const inner = normalize(parseExpr(t.slice(1), vars, depth + 1));
    if (inner.length === 1 && inner[0]![0] === 0 && inner[0]![1] === PORT_MAX) {
      throw new RuleError(`'${t}' negates every port`, 'invalid port');
    }
    return complement(inner);
  }
  if (t.toLowerCase() === 'any') return [[0, PORT_MAX]];
  if (t.startsWith('$')) {
    const name = t.slice(1);
    const v = vars.get(name);
    if (v === undefined) throw new RuleError(`unknown port variable '$${name}'`, 'unknown variable');
    return parseExpr(v, vars, depth + 1);
  }
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new RuleError(`unbalanced '[' in '${t}'`, 'invalid port');
    const pos: Range[] = [];
    const neg: Range[] = [];
    let havePos = false;
    for (const item of splitList(t.slice(1, -1), 'port')) {
      if (item === '') throw new RuleError(`empty item in port list '${t}'`, 'invalid port');
      if (item.startsWith('!')) neg.push(...parseExpr(item.slice(1), vars, depth + 1));
      else {
        pos.push(...parseExpr(item, vars, depth + 1));
        havePos = true;
      }
    }
    const out = subtract(havePos ? pos : [[0, PORT_MAX]], neg);
    if (out.length === 0) throw new RuleError(`port list '${t}' matches nothing`, 'invalid port');
    return out;
  }
  const colon = t.indexOf(':');
  if (colon >= 0) {
    const a = t.slice(0, colon).trim();
    const b = t.slice(colon + 1).trim();
    const lo = a === '' ? 0 : parsePort(a, t);
    const hi = b === '' ? PORT_MAX : parsePort(b, t);
    if (lo > hi) throw new RuleError(`port range '${t}' is backwards`, 'invalid port');
    return [[lo, hi]];
  }
  const n = parsePort(t, t);
  return [[n, n]];
}

export class PortSet {
  readonly any: boolean;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Number of ports in the set. */
  readonly size: number;

  constructor(ranges: Range[]) {
    const n = normalize(ranges);
    this.start = Int32Array.from(n.map((r) => r[0]));
    this.end = Int32Array.from(n.map((r) => r[1]));
    let size = 0;
    for (const [a, b] of n) size += b - a + 1;
    this.size = size;
    this.any = size === PORT_MAX + 1;
  }

  /** `port` is -1 for packets without ports: only `any` matches those. */
  match(port: number): boolean {
    if (this.any) return true;
    if (port < 0) return false;
    const st = this.start;
    const en = this.end;
    for (let i = 0; i < st.length; i++) {
      if (port < st[i]!) return false;
      if (port <= en[i]!) return true;
    }
    return false;
  }
}

export function parsePortSet(text: string, vars: ReadonlyMap<string, string>): PortSet {
  return new PortSet(parseExpr(text, vars, 0));
}

export function isPortExpression(text: string, vars: ReadonlyMap<string, string>): boolean {
  try {
    parseExpr(text, vars, 0);
    return true;
  } catch {
    return false;
  }
}
