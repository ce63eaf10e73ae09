/**
 * Rule address sets: `any`, IPv4/IPv6 addresses, CIDR blocks (prefix or dotted mask), ranges
 * `a-b`, lists `[...]` (nested), negation `!` and variables `$NAME`.
 *
 * Semantics as in Suricata: a list is (union of its positive items) minus (union of its
 * negated items), where a list with only negated items starts from "everything"; `!X` alone is
 * everything minus X. Negating the whole address space (`!any`) or a list that ends up empty
 * is an error.
 *
 * Build time uses BigInt intervals (simple, exact set algebra); the result is frozen into
 * sorted, merged, inclusive ranges in typed arrays: IPv4 as u32 start/end, IPv6 as four u32
 * words per bound. Matching a packet is a binary search with integer comparisons only.
 */
import type { PacketView } from '../decode/packet-view.js';
import { parseIpv4, parseIpv6 } from '../net/ip-address.js';
import { RuleError } from './rule-error.js';
import { MAX_VAR_DEPTH } from './variables.js';

type Range = [bigint, bigint];

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

/** Interval set over both families (build time only). */
interface Ranges {
  v4: Range[];
  v6: Range[];
}

function normalize(list: Range[]): Range[] {
  if (list.length <= 1) return list.slice();
  const s = list.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Range[] = [];
  let [cs, ce] = s[0]!;
  for (let i = 1; i < s.length; i++) {
    const [ns, ne] = s[i]!;
    if (ns <= ce + 1n) {
      if (ne > ce) ce = ne;
    } else {
      out.push([cs, ce]);
      cs = ns;
      ce = ne;
    }
  }
  out.push([cs, ce]);
  return out;
}

function complement(list: Range[], max: bigint): Range[] {
  const n = normalize(list);
  const out: Range[] = [];
  let next = 0n;
  for (const [s, e] of n) {
    if (s > next) out.push([next, s - 1n]);
    next = e + 1n;
  }
  if (next <= max) out.push([next, max]);
  return out;
}

function subtract(a: Range[], b: Range[], max: bigint): Range[] {
  // a ∩ ¬b
  const nb = complement(b, max);
  const na = normalize(a);
  const out: Range[] = [];
  let j = 0;
  for (const [as, ae] of na) {
    while (j < nb.length && nb[j]![1] < as) j++;
    for (let k = j; k < nb.length && nb[k]![0] <= ae; k++) {
      const s = nb[k]![0] > as ? nb[k]![0] : as;
      const e = nb[k]![1] < ae ? nb[k]![1] : ae;
      if (s <= e) out.push([s, e]);
    }
  }
  return out;
}

const ALL: () => Ranges = () => ({ v4: [[0n, V4_MAX]], v6: [[0n, V6_MAX]] });

function isAll(r: Ranges): boolean {
  const a = normalize(r.v4);
  const b = normalize(r.v6);
  return a.length === 1 && a[0]![0] === 0n && a[0]![1] === V4_MAX && b.length === 1 && b[0]![0] === 0n && b[0]![1] === V6_MAX;
}

// ---------------------------------------------------------------------------- literals

// Rule literals have always taken leading zeros in IPv4 octets (lenient) but no IPv6 zone id.
function parseV4(text: string): bigint | null {
  const v = parseIpv4(text, 'lenient');
  return v === null ? null : BigInt(v);
}

function parseV6(text: string): bigint | null {
  if (text.includes('%')) return null;
  const w = parseIpv6(text, 'lenient');
  if (w === null) return null;
  return (BigInt(w[0]!) << 96n) | (BigInt(w[1]!) << 64n) | (BigInt(w[2]!) << 32n) | BigInt(w[3]!);
}

function prefixRange(base: bigint, prefix: number, bits: number): Range {
  const hostBits = BigInt(bits - prefix);
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << hostBits) - 1n);
  const start = base & mask;
  return [start, start | ((1n << hostBits) - 1n)];
}

/** One address literal: address, CIDR, dotted-mask CIDR or a-b range. */
function parseLiteral(text: string): Ranges {
  const r: Ranges = { v4: [], v6: [] };
  const dash = text.indexOf('-');
  if (dash > 0) {
    const a = text.slice(0, dash).trim();
    const b = text.slice(dash + 1).trim();
    const a4 = parseV4(a);
    const b4 = parseV4(b);
    if (a4 !== null && b4 !== null && a4 <= b4) {
      r.v4.push([a4, b4]);
      return r;
    }
    const a6 = parseV6(a);
    const b6 = parseV6(b);
    if (a6 !== null && b6 !== null && a6 <= b6) {
      r.v6.push([a6, b6]);
      return r;
    }
    throw new RuleError(`bad address range '${text}'`, 'invalid address');
  }
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const pfx = slash >= 0 ? text.slice(slash + 1) : null;
  const v4 = parseV4(addr);
  if (v4 !== null) {
    let prefix = 32;
    if (pfx !== null) {
      if (/^\d{1,2}$/.test(pfx) && Number(pfx) <= 32) prefix = Number(pfx);
      else {
        const m = parseV4(pfx);
        if (m === null) throw new RuleError(`bad netmask in '${text}'`, 'invalid address');
        // Dotted mask: must be contiguous ones.
        const inv = ~m & V4_MAX;
        if ((inv & (inv + 1n)) !== 0n) throw new RuleError(`non-contiguous netmask in '${text}'`, 'invalid address');
        prefix = m.toString(2).replace(/0/g, '').length;
      }
    }
    r.v4.push(prefixRange(v4, prefix, 32));
    return r;
  }
  const v6 = parseV6(addr);
  if (v6 !== null) {
    let prefix = 128;
    if (pfx !== null) {
      if (!/^\d{1,3}$/.test(pfx) || Number(pfx) > 128) throw new RuleError(`bad prefix in '${text}'`, 'invalid address');
      prefix = Number(pfx);
    }
    r.v6.push(prefixRange(v6, prefix, 128));
    return r;
  }
  throw new RuleError(`bad address '${text}'`, 'invalid address');
}

// ---------------------------------------------------------------------------- grammar

/** Split the inside of a [...] list on top-level commas. */
export function splitList(inner: string, what: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of inner) {
    if (ch === '[') depth++;
    else if (ch === ']') {
      depth--;
      if (depth < 0) throw new RuleError(`unbalanced ']' in ${what} list`, `invalid ${what}`);
    }
    if (ch === ',' && depth === 0) {
      items.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new RuleError(`unbalanced '[' in ${what} list`, `invalid ${what}`);
  items.push(cur.trim());
  return items;
}

function parseExpr(text: string, vars: ReadonlyMap<string, string>, depth: number): Ranges {
  if (depth > MAX_VAR_DEPTH) throw new RuleError('address variables nest too deep (loop?)', 'invalid address');
  const t = text.trim();
  if (t === '') throw new RuleError('empty address', 'invalid address');
  if (t.startsWith('!')) {
    const inner = parseExpr(t.slice(1), vars, depth + 1);
    if (isAll(inner)) throw new RuleError(`'${t}' negates the whole address space`, 'invalid address');
    return { v4: complement(inner.v4, V4_MAX), v6: complement(inner.v6, V6_MAX) };
  }
  if (t.toLowerCase() === 'any') return ALL();
  if (t.startsWith('$')) {
    const name = t.slice(1);
    const v = vars.get(name);
    if (v === undefined) throw new RuleError(`unknown address variable '$${name}'`, 'unknown variable');
    return parseExpr(v, vars, depth + 1);
  }
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new RuleError(`unbalanced '[' in '${t}'`, 'invalid address');
    const items = splitList(t.slice(1, -1), 'address');
    const pos: Ranges = { v4: [], v6: [] };
    const neg: Ranges = { v4: [], v6: [] };
    let havePos = false;
    for (const item of items) {
      if (item === '') throw new RuleError(`empty item in address list '${t}'`, 'invalid address');
      if (item.startsWith('!')) {
        const r = parseExpr(item.slice(1), vars, depth + 1);
        neg.v4.push(...r.v4);
        neg.v6.push(...r.v6);
      } else {
        const r = parseExpr(item, vars, depth + 1);
        pos.v4.push(...r.v4);
        pos.v6.push(...r.v6);
        havePos = true;
      }
    }
    const base = havePos ? pos : ALL();
    const out = { v4: subtract(base.v4, neg.v4, V4_MAX), v6: subtract(base.v6, neg.v6, V6_MAX) };
    if (out.v4.length === 0 && out.v6.length === 0) throw new RuleError(`address list '${t}' matches nothing`, 'invalid address');
    return out;
  }
  return parseLiteral(t);
}

// ---------------------------------------------------------------------------- frozen set

export class AddressSet {
  /** Matches every address of both families. */
  readonly any: boolean;
  readonly v4Start: Uint32Array;
  readonly v4End: Uint32Array;
  /** 4 words per range bound (word 0 most significant). */
  readonly v6Start: Uint32Array;
  readonly v6End: Uint32Array;
  readonly v6Count: number;

  constructor(r: Ranges) {
    const v4 = normalize(r.v4);
    const v6 = normalize(r.v6);
    this.any = isAll({ v4, v6 });
    this.v4Start = new Uint32Array(v4.length);
    this.v4End = new Uint32Array(v4.length);
    v4.forEach(([s, e], i) => {
      this.v4Start[i] = Number(s);
      this.v4End[i] = Number(e);
    });
    this.v6Count = v6.length;
    this.v6Start = new Uint32Array(v6.length * 4);
    this.v6End = new Uint32Array(v6.length * 4);
    v6.forEach(([s, e], i) => {
      for (let w = 0; w < 4; w++) {
        const shift = BigInt(96 - 32 * w);
        this.v6Start[i * 4 + w] = Number((s >> shift) & V4_MAX);
        this.v6End[i * 4 + w] = Number((e >> shift) & V4_MAX);
      }
    });
  }

  matchV4(a: number): boolean {
    if (this.any) return true;
    const st = this.v4Start;
    const en = this.v4End;
    let lo = 0;
    let hi = st.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a < st[mid]!) hi = mid - 1;
      else if (a > en[mid]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  matchV6(w: Uint32Array): boolean {
    if (this.any) return true;
    const st = this.v6Start;
    const en = this.v6End;
    let lo = 0;
    let hi = this.v6Count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp6(w, st, mid * 4) < 0) hi = mid - 1;
      else if (cmp6(w, en, mid * 4) > 0) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Match the packet's source (src true) or destination address. */
  matchPacket(p: PacketView, src: boolean): boolean {
    if (this.any) return true;
    if (p.ipVersion === 4) return this.matchV4(src ? p.src4 : p.dst4);
    if (p.ipVersion === 6) return this.matchV6(src ? p.src6 : p.dst6);
    return false;
  }
}

function cmp6(w: Uint32Array, arr: Uint32Array, off: number): number {
  for (let i = 0; i < 4; i++) {
    const a = w[i]!;
    const b = arr[off + i]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** Parse a rule address field (may throw RuleError). */
export function parseAddressSet(text: string, vars: ReadonlyMap<string, string>): AddressSet {
  return new AddressSet(parseExpr(text, vars, 0));
}

/** Parse-only check used for `--var NAME=VALUE` (is VALUE an address expression?). */
export function isAddressExpression(text: string, vars: ReadonlyMap<string, string>): boolean {
  try {
    parseExpr(text, vars, 0);
    return true;
  } catch {
    return false;
  }
}
