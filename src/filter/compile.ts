/**
 * A mirror filter compiled once into typed arrays and evaluated per packet with integer
 * comparisons only (no objects, closures or strings per packet).
 *
 * Layout, per direction and per address family:
 * - rules as struct-of-arrays (rule number, action, protocol, port ranges, CIDR net/mask words);
 * - for TCP/UDP packets that carry ports: the port space (destination or source port, whichever
 *   the rules split more finely) cut into elementary segments at every range boundary; each
 *   segment lists, in rule-number order, the rules that can match a packet in that segment
 *   (protocol TCP/UDP or all, key-port range covering the segment or absent). A binary search
 *   finds the segment;
 * - for every other packet: a list per protocol (rules of that protocol or of all protocols,
 *   without port ranges: a port range needs a packet with ports).
 * Each list stops after the first rule that matches everything that reaches it (e.g. a
 * 0.0.0.0/0 → 0.0.0.0/0 rule without ports), since nothing after it can decide. The first rule
 * of the list that matches decides, which is exactly AWS's first match in ascending rule order:
 * rules left out of a list cannot match that packet. (Rules that differ only in their CIDR
 * blocks share a list and are tried in order; protocol and port are what split large sets.)
 * A port index whose lists would exceed 4M entries (heavily overlapping ranges) falls back to
 * one segment for that protocol.
 *
 * Decisions (p.filterVerdict / p.filterRule):
 * - accept → 1 / rule number; reject → 0 / rule number;
 * - no rule matched, or no rules for that direction → 0 / -1 (RULE_NONE);
 * - amazon-dns: when the filter lists it and `amazonDnsAddress` is configured, a packet from or
 *   to that address is accepted before any rule, in either direction (even an unknown one):
 *   1 / -2 (RULE_AMAZON_DNS). Without a configured address amazon-dns cannot be recognised and
 *   only the rules decide (`notes()` says so);
 * - non-IP packets (ARP...): AWS never mirrors them → 0 / -1, counted as rejected and no-match;
 * - unknown direction, by `directionUnknown`: 'reject' → 0 / -1; 'ingress' / 'egress' → that
 *   list; 'either' (default) → accepted when either list accepts (the ingress list is asked
 *   first and its accepting rule is reported), otherwise rejected, reporting the ingress
 *   list's rejecting rule, else the egress one's, else -1.
 * Counters (typed arrays): hits per rule per direction, accepted, rejected, no-match per
 * direction, amazon-dns per direction, non-IP.
 */
import { Direction, type PacketView } from '../decode/packet-view.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { maskWord, parseCidr } from '../net/cidr.js';
import { formatAddress, parseAddress } from '../net/ip-address.js';
import type { MirrorFilter, MirrorFilterRule, TrafficDirection } from './model.js';

export type DirectionUnknownPolicy = 'reject' | 'ingress' | 'egress' | 'either';
export const DIRECTION_UNKNOWN_POLICIES: readonly DirectionUnknownPolicy[] = ['reject', 'ingress', 'egress', 'either'];

export interface CompileFilterOptions {
  /** Amazon DNS resolver address(es) (VPC base + 2, e.g. 10.0.0.2; IPv6 fd00:ec2::253). */
  amazonDnsAddress?: string | readonly string[] | null;
  /** What to do with packets whose direction is unknown. Default 'either'. */
  directionUnknown?: DirectionUnknownPolicy;
}

export const RULE_NONE = -1;
export const RULE_AMAZON_DNS = -2;

/** Above this many candidate entries a port index falls back to one segment (linear). */
const MAX_PORT_INDEX_ENTRIES = 1 << 22;

// totals[] layout
const T_ACCEPTED = 0;
const T_REJECTED = 1;
const T_NON_IP = 2;
const T_NO_MATCH = 3; // + direction (0 unknown, 1 ingress, 2 egress)
const T_DNS = 6; // + direction
const T_LEN = 9;

const DIR_UNKNOWN = 0;
const DIR_INGRESS = 1;
const DIR_EGRESS = 2;

class PortIndex {
  constructor(
    /** true: key = destination port; false: source port. */
    readonly keyDst: boolean,
    /** Segment start ports, ascending, starts[0] = 0. */
    readonly starts: Int32Array,
    /** Candidate list of segment s: list[listStart[s] .. listStart[s+1]). */
    readonly listStart: Int32Array,
    readonly list: Int32Array,
  ) {}
}

class FamilyIndex {
  constructor(
    /** Bucket of each protocol 0-255 (0 = the "rules for all protocols" bucket). */
    readonly protoBucket: Uint16Array,
    readonly bucketStart: Int32Array,
    readonly bucketList: Int32Array,
    readonly tcp: PortIndex,
    readonly udp: PortIndex,
  ) {}
}

/** The rules of one direction, as struct-of-arrays, plus the two family indexes. */
class DirRules {
  readonly n: number;
  readonly ruleNumber: Int32Array;
  readonly accept: Uint8Array;
  /** -1 = all protocols. */
  readonly proto: Int16Array;
  readonly family: Uint8Array;
  /** -1 = no range. */
  readonly sFrom: Int32Array;
  readonly sTo: Int32Array;
  readonly dFrom: Int32Array;
  readonly dTo: Int32Array;
  /** 4 words per rule (IPv4: word 0). */
  readonly srcNet: Uint32Array;
  readonly srcMask: Uint32Array;
  readonly dstNet: Uint32Array;
  readonly dstMask: Uint32Array;
  readonly hits: Float64Array;
  readonly v4: FamilyIndex;
  readonly v6: FamilyIndex;

  readonly rules: readonly MirrorFilterRule[];

  constructor(unsorted: readonly MirrorFilterRule[]) {
    const rules = [...unsorted].sort((a, b) => a.ruleNumber - b.ruleNumber);
    this.rules = rules;
    const n = rules.length;
    this.n = n;
    this.ruleNumber = new Int32Array(n);
    this.accept = new Uint8Array(n);
    this.proto = new Int16Array(n);
    this.family = new Uint8Array(n);
    this.sFrom = new Int32Array(n);
    this.sTo = new Int32Array(n);
    this.dFrom = new Int32Array(n);
    this.dTo = new Int32Array(n);
    this.srcNet = new Uint32Array(4 * n);
    this.srcMask = new Uint32Array(4 * n);
    this.dstNet = new Uint32Array(4 * n);
    this.dstMask = new Uint32Array(4 * n);
    this.hits = new Float64Array(n);
    const zeroSrc = new Uint8Array(n);
    const zeroDst = new Uint8Array(n);
    rules.forEach((r, i) => {
      this.ruleNumber[i] = r.ruleNumber;
      this.accept[i] = r.action === 'accept' ? 1 : 0;
      this.proto[i] = r.protocol === null ? -1 : r.protocol;
      this.sFrom[i] = r.srcPorts ? r.srcPorts.from : -1;
      this.sTo[i] = r.srcPorts ? r.srcPorts.to : -1;
      this.dFrom[i] = r.dstPorts ? r.dstPorts.from : -1;
      this.dTo[i] = r.dstPorts ? r.dstPorts.to : -1;
      const s = parseCidr(r.srcCidr);
      const d = parseCidr(r.dstCidr);
      if (typeof s === 'string' || typeof d === 'string') throw new Error(`compileFilter: bad CIDR in rule ${r.ruleNumber}`);
      if (s.family !== d.family) throw new Error(`compileFilter: rule ${r.ruleNumber} mixes IPv4 and IPv6`);
      this.family[i] = s.family;
      for (let w = 0; w < 4; w++) {
        const sm = s.family === 4 ? (w === 0 ? maskWord(s.prefix, 0) : 0) : maskWord(s.prefix, w);
        const dm = d.family === 4 ? (w === 0 ? maskWord(d.prefix, 0) : 0) : maskWord(d.prefix, w);
        this.srcMask[4 * i + w] = sm;
        this.srcNet[4 * i + w] = s.words[w]! & sm;
        this.dstMask[4 * i + w] = dm;
        this.dstNet[4 * i + w] = d.words[w]! & dm;
      }
      zeroSrc[i] = s.prefix === 0 ? 1 : 0;
      zeroDst[i] = d.prefix === 0 ? 1 : 0;
    });
    this.v4 = this.buildFamily(4, zeroSrc, zeroDst);
    this.v6 = this.buildFamily(6, zeroSrc, zeroDst);
  }

  private buildFamily(fam: 4 | 6, zeroSrc: Uint8Array, zeroDst: Uint8Array): FamilyIndex {
    const idx: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.family[i] === fam) idx.push(i);
    const anyAddr = (i: number) => zeroSrc[i] === 1 && zeroDst[i] === 1;
    const noPorts = (i: number) => this.sFrom[i] < 0 && this.dFrom[i] < 0;

    // Packets without ports: one bucket per protocol named by a rule, bucket 0 for the others.
    const protoBucket = new Uint16Array(256);
    const lists: number[][] = [];
    const bucketFor = (proto: number): number[] => {
      const out: number[] = [];
      for (const i of idx) {
        if (!noPorts(i)) continue;
        if (this.proto[i] !== -1 && this.proto[i] !== proto) continue;
        out.push(i);
        if (anyAddr(i)) break;
      }
      return out;
    };
    lists.push(bucketFor(-2)); // only all-protocol rules
    const named = new Set<number>();
    for (const i of idx) if (this.proto[i] >= 0) named.add(this.proto[i]);
    for (const proto of [...named].sort((a, b) => a - b)) {
      protoBucket[proto] = lists.length;
      lists.push(bucketFor(proto));
    }
    const bucketStart = new Int32Array(lists.length + 1);
    let total = 0;
    lists.forEach((l, b) => {
      bucketStart[b] = total;
      total += l.length;
    });
    bucketStart[lists.length] = total;
    const bucketList = new Int32Array(lists.flat());
    return new FamilyIndex(protoBucket, bucketStart, bucketList, this.buildPorts(idx, 6, anyAddr), this.buildPorts(idx, 17, anyAddr));
  }

  private buildPorts(idx: number[], proto: number, anyAddr: (i: number) => boolean): PortIndex {
    const cand = idx.filter((i) => this.proto[i] === -1 || this.proto[i] === proto);
    const distinct = (from: Int32Array, to: Int32Array) => new Set(cand.filter((i) => from[i]! >= 0).map((i) => `${from[i]}-${to[i]}`)).size;
    const keyDst = distinct(this.dFrom, this.dTo) >= distinct(this.sFrom, this.sTo);
    const kFrom = keyDst ? this.dFrom : this.sFrom;
    const kTo = keyDst ? this.dTo : this.sTo;
    const oFrom = keyDst ? this.sFrom : this.dFrom;
    const oTo = keyDst ? this.sTo : this.dTo;
    const bounds = new Set<number>([0]);
    for (const i of cand) {
      if (kFrom[i]! < 0) continue;
      bounds.add(kFrom[i]!);
      if (kTo[i]! < 65535) bounds.add(kTo[i]! + 1);
    }
    let starts = [...bounds].sort((a, b) => a - b);
    const segList = (lo: number, hi: number): number[] => {
      const out: number[] = [];
      for (const i of cand) {
        if (kFrom[i]! >= 0 && (kFrom[i]! > lo || kTo[i]! < hi)) continue;
        out.push(i);
        const otherAll = oFrom[i]! < 0 || (oFrom[i] === 0 && oTo[i] === 65535);
        if (otherAll && anyAddr(i)) break;
      }
      return out;
    };
    let lists = starts.map((s, k) => segList(s, k + 1 < starts.length ? starts[k + 1]! - 1 : 65535));
    if (lists.reduce((a, l) => a + l.length, 0) > MAX_PORT_INDEX_ENTRIES) {
      starts = [0];
      lists = [cand];
    }
    const listStart = new Int32Array(starts.length + 1);
    let total = 0;
    lists.forEach((l, k) => {
      listStart[k] = total;
      total += l.length;
    });
    listStart[starts.length] = total;
    return new PortIndex(keyDst, new Int32Array(starts), listStart, new Int32Array(lists.flat()));
  }
}

export interface FilterSummary {
  accepted: number;
  rejected: number;
  no_match: number;
  by_rule: Record<string, number>;
}

export interface RuleHitStat {
  direction: TrafficDirection;
  /** Rule number, or 'amazon-dns'. */
  ruleNumber: number | 'amazon-dns';
  action: 'accept' | 'reject';
  hits: number;
}

export interface FilterStats {
  accepted: number;
  rejected: number;
  noMatch: { unknown: number; ingress: number; egress: number };
  amazonDns: { unknown: number; ingress: number; egress: number };
  nonIp: number;
  rules: RuleHitStat[];
}

export class CompiledFilter {
  readonly ingress: DirRules;
  readonly egress: DirRules;
  readonly directionUnknown: DirectionUnknownPolicy;
  /** 0 reject, 1 ingress, 2 egress, 3 either. */
  private readonly unknownMode: number;
  /** The filter lists amazon-dns and a resolver address is configured. */
  readonly amazonDnsActive: boolean;
  /** Configured resolver addresses (text), [] when none. */
  readonly amazonDnsAddresses: readonly string[];
  private readonly dns4: number;
  private readonly hasDns4: boolean;
  private readonly dns6 = new Uint32Array(4);
  private readonly hasDns6: boolean;
  /** See the T_* layout. */
  readonly totals = new Float64Array(T_LEN);

  constructor(
    readonly filter: MirrorFilter,
    opts: CompileFilterOptions = {},
  ) {
    this.ingress = new DirRules(filter.ingress);
    this.egress = new DirRules(filter.egress);
    const policy = opts.directionUnknown ?? 'either';
    if (!DIRECTION_UNKNOWN_POLICIES.includes(policy)) {
      throw new MirrorsinkError(ErrorCode.Config, `directionUnknown must be one of ${DIRECTION_UNKNOWN_POLICIES.join(', ')}, got '${String(policy)}'`);
    }
    this.directionUnknown = policy;
    this.unknownMode = DIRECTION_UNKNOWN_POLICIES.indexOf(policy);
    const raw = opts.amazonDnsAddress;
    const list = raw === undefined || raw === null ? [] : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s !== '') : [...raw];
    let dns4 = 0;
    let hasDns4 = false;
    let hasDns6 = false;
    const texts: string[] = [];
    for (const s of list) {
      const a = parseAddress(s);
      if (!a) throw new MirrorsinkError(ErrorCode.Config, `amazonDnsAddress: '${s}' is not an IPv4 or IPv6 address`);
      if (a.family === 4) {
        if (hasDns4) throw new MirrorsinkError(ErrorCode.Config, 'amazonDnsAddress: at most one IPv4 and one IPv6 address');
        dns4 = a.words[0];
        hasDns4 = true;
      } else {
        if (hasDns6) throw new MirrorsinkError(ErrorCode.Config, 'amazonDnsAddress: at most one IPv4 and one IPv6 address');
        this.dns6.set(a.words);
        hasDns6 = true;
      }
      texts.push(formatAddress(a));
    }
    this.amazonDnsAddresses = texts;
    const listed = filter.networkServices.includes('amazon-dns');
    this.amazonDnsActive = listed && texts.length > 0;
    this.dns4 = dns4;
    this.hasDns4 = listed && hasDns4;
    this.hasDns6 = listed && hasDns6;
  }

  /** Things a user should know about how this filter will be evaluated. */
  notes(): string[] {
    const out: string[] = [];
    if (this.filter.networkServices.includes('amazon-dns')) {
      if (!this.amazonDnsActive) {
        out.push('amazon-dns is listed but no Amazon DNS resolver address is configured (amazonDnsAddress / --amazon-dns-address, normally the VPC base address + 2): resolver traffic is decided by the rules alone');
      } else {
        out.push(`amazon-dns: every packet to or from ${this.amazonDnsAddresses.join(' or ')} is mirrored before the rules are evaluated (reported as rule -2)`);
      }
    }
    if (this.ingress.n === 0) out.push('no ingress rules: no ingress traffic is mirrored' + (this.amazonDnsActive ? ' (except amazon-dns)' : ''));
    if (this.egress.n === 0) out.push('no egress rules: no egress traffic is mirrored' + (this.amazonDnsActive ? ' (except amazon-dns)' : ''));
    return out;
  }

  /**
   * Decide whether AWS would mirror the packet in `direction`. Sets p.filterVerdict (1/0) and
   * p.filterRule (rule number, -1 none, -2 amazon-dns), counts, returns the verdict.
   */
  evaluate(p: PacketView, direction: Direction): boolean {
    const v = p.ipVersion;
    const dir = direction === Direction.Ingress ? DIR_INGRESS : direction === Direction.Egress ? DIR_EGRESS : DIR_UNKNOWN;
    if (v !== 4 && v !== 6) {
      this.totals[T_NON_IP]++;
      return this.reject(p, dir);
    }
    if (v === 4 ? this.hasDns4 && (p.src4 === this.dns4 || p.dst4 === this.dns4) : this.hasDns6 && this.isDns6(p)) {
      p.filterVerdict = 1;
      p.filterRule = RULE_AMAZON_DNS;
      this.totals[T_DNS + dir]++;
      this.totals[T_ACCEPTED]++;
      return true;
    }
    if (dir === DIR_INGRESS) return this.decide(p, this.ingress, this.match(this.ingress, p, v), dir);
    if (dir === DIR_EGRESS) return this.decide(p, this.egress, this.match(this.egress, p, v), dir);
    switch (this.unknownMode) {
      case 1:
        return this.decide(p, this.ingress, this.match(this.ingress, p, v), DIR_UNKNOWN);
      case 2:
        return this.decide(p, this.egress, this.match(this.egress, p, v), DIR_UNKNOWN);
      case 3: {
        const i = this.match(this.ingress, p, v);
        if (i >= 0 && this.ingress.accept[i] === 1) return this.decide(p, this.ingress, i, DIR_UNKNOWN);
        const e = this.match(this.egress, p, v);
        if (e >= 0 && this.egress.accept[e] === 1) return this.decide(p, this.egress, e, DIR_UNKNOWN);
        if (i >= 0) return this.decide(p, this.ingress, i, DIR_UNKNOWN);
        return this.decide(p, this.egress, e, DIR_UNKNOWN);
      }
      default:
        return this.reject(p, DIR_UNKNOWN);
    }
  }

  private isDns6(p: PacketView): boolean {
    const d = this.dns6;
    const s = p.src6;
    const t = p.dst6;
    return (s[0] === d[0] && s[1] === d[1] && s[2] === d[2] && s[3] === d[3]) || (t[0] === d[0] && t[1] === d[1] && t[2] === d[2] && t[3] === d[3]);
  }

  private reject(p: PacketView, dir: number): boolean {
    p.filterVerdict = 0;
    p.filterRule = RULE_NONE;
    this.totals[T_NO_MATCH + dir]++;
    this.totals[T_REJECTED]++;
    return false;
  }

  /** `dir` is the direction the no-match is counted under. */
  private decide(p: PacketView, d: DirRules, i: number, dir: number): boolean {
    if (i < 0) return this.reject(p, dir);
    d.hits[i]++;
    p.filterRule = d.ruleNumber[i]!;
    if (d.accept[i] === 1) {
      p.filterVerdict = 1;
      this.totals[T_ACCEPTED]++;
      return true;
    }
    p.filterVerdict = 0;
    this.totals[T_REJECTED]++;
    return false;
  }

  /** Index of the first matching rule of `d`, -1 when none. */
  private match(d: DirRules, p: PacketView, v: number): number {
    if (d.n === 0) return -1;
    const fam = v === 4 ? d.v4 : d.v6;
    const proto = p.ipProto;
    let list: Int32Array;
    let j: number;
    let end: number;
    if ((proto === 6 || proto === 17) && p.sport >= 0 && p.dport >= 0) {
      const pi = proto === 6 ? fam.tcp : fam.udp;
      const key = pi.keyDst ? p.dport : p.sport;
      const starts = pi.starts;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid]! <= key) lo = mid;
        else hi = mid - 1;
      }
      list = pi.list;
      j = pi.listStart[lo]!;
      end = pi.listStart[lo + 1]!;
    } else {
      const b = proto >= 0 && proto <= 255 ? fam.protoBucket[proto]! : 0;
      list = fam.bucketList;
      j = fam.bucketStart[b]!;
      end = fam.bucketStart[b + 1]!;
    }
    const sport = p.sport;
    const dport = p.dport;
    for (; j < end; j++) {
      const i = list[j]!;
      const sf = d.sFrom[i]!;
      if (sf >= 0 && (sport < sf || sport > d.sTo[i]!)) continue;
      const df = d.dFrom[i]!;
      if (df >= 0 && (dport < df || dport > d.dTo[i]!)) continue;
      const o = 4 * i;
      if (v === 4) {
        if (((p.src4 & d.srcMask[o]!) >>> 0) !== d.srcNet[o]) continue;
        if (((p.dst4 & d.dstMask[o]!) >>> 0) !== d.dstNet[o]) continue;
      } else {
        const s = p.src6;
        const t = p.dst6;
        if (((s[0]! & d.srcMask[o]!) >>> 0) !== d.srcNet[o] || ((s[1]! & d.srcMask[o + 1]!) >>> 0) !== d.srcNet[o + 1] ||
          ((s[2]! & d.srcMask[o + 2]!) >>> 0) !== d.srcNet[o + 2] || ((s[3]! & d.srcMask[o + 3]!) >>> 0) !== d.srcNet[o + 3]) continue;
        if (((t[0]! & d.dstMask[o]!) >>> 0) !== d.dstNet[o] || ((t[1]! & d.dstMask[o + 1]!) >>> 0) !== d.dstNet[o + 1] ||
          ((t[2]! & d.dstMask[o + 2]!) >>> 0) !== d.dstNet[o + 2] || ((t[3]! & d.dstMask[o + 3]!) >>> 0) !== d.dstNet[o + 3]) continue;
      }
      return i;
    }
    return -1;
  }

  /** Zero every counter. */
  resetCounters(): void {
    this.totals.fill(0);
    this.ingress.hits.fill(0);
    this.egress.hits.fill(0);
  }

  /**
   * Counters as `mirrorsink replay --json` prints them: accepted, rejected, no_match (rejected
   * packets with rule -1: no rule matched, non-IP, or unknown direction under 'reject') and
   * by_rule `"<direction>:<rule>:<action>"` for every rule (0 when never hit), plus
   * `"<direction>:amazon-dns:accept"` when amazon-dns is active (direction may be `unknown`).
   */
  summary(): FilterSummary {
    const t = this.totals;
    const byRule: Record<string, number> = {};
    for (const [name, d] of [['ingress', this.ingress], ['egress', this.egress]] as const) {
      for (let i = 0; i < d.n; i++) byRule[`${name}:${d.ruleNumber[i]}:${d.accept[i] ? 'accept' : 'reject'}`] = d.hits[i]!;
    }
    if (this.amazonDnsActive) {
      byRule['ingress:amazon-dns:accept'] = t[T_DNS + DIR_INGRESS]!;
      byRule['egress:amazon-dns:accept'] = t[T_DNS + DIR_EGRESS]!;
      if (t[T_DNS + DIR_UNKNOWN]! > 0) byRule['unknown:amazon-dns:accept'] = t[T_DNS + DIR_UNKNOWN]!;
    }
    return {
      accepted: t[T_ACCEPTED]!,
      rejected: t[T_REJECTED]!,
      no_match: t[T_NO_MATCH]! + t[T_NO_MATCH + 1]! + t[T_NO_MATCH + 2]!,
      by_rule: byRule,
    };
  }

  /** Structured counters (for metrics). Rule hits under an unknown direction count in the
   *  direction of the list whose rule decided. */
  stats(): FilterStats {
    const t = this.totals;
    const rules: RuleHitStat[] = [];
    for (const [name, d] of [['ingress', this.ingress], ['egress', this.egress]] as const) {
      for (let i = 0; i < d.n; i++) rules.push({ direction: name, ruleNumber: d.ruleNumber[i]!, action: d.accept[i] ? 'accept' : 'reject', hits: d.hits[i]! });
    }
    return {
      accepted: t[T_ACCEPTED]!,
      rejected: t[T_REJECTED]!,
      noMatch: { unknown: t[T_NO_MATCH]!, ingress: t[T_NO_MATCH + 1]!, egress: t[T_NO_MATCH + 2]! },
      amazonDns: { unknown: t[T_DNS]!, ingress: t[T_DNS + 1]!, egress: t[T_DNS + 2]! },
      nonIp: t[T_NON_IP]!,
      rules,
    };
  }
}

export function compileFilter(filter: MirrorFilter, opts: CompileFilterOptions = {}): CompiledFilter {
  return new CompiledFilter(filter, opts);
}
