/**
 * Rule grouping, so a packet only looks at rules that could apply to it (Suricata's
 * signature group heads, simplified):
 *  - by protocol bucket: TCP, UDP, ICMPv4, ICMPv6, other (rules for `ip` go everywhere);
 *  - within TCP/UDP, by destination port when the rule names a small destination port set,
 *    else by source port when it names a small source port set (response rules such as
 *    `$HTTP_PORTS -> any`), else in the bucket's "any port" group. Bidirectional rules and
 *    broad port sets (more than PORT_GROUP_MAX ports, e.g. `1024:` or `!80`) stay in "any".
 * A packet is matched against at most three groups: any + its dport group + its sport group.
 *
 * Each group holds a multi-pattern prefilter over its rules' fast patterns (prefilter-native.ts:
 * Hyperscan when the optional native part is built, else the JavaScript Aho-Corasick) and the
 * list of rules without one (always candidates). Port groups are built from elementary port
 * intervals; intervals with the same rule set share one group.
 */
import { buildScanner, type PatternScanner } from './prefilter-native.js';
import { AddressIndex } from './address-index.js';
import { Proto, SigFlag, TxDir, type Rule } from './rule.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../decode/packet-view.js';
import type { PortSet } from './port-set.js';

export const PORT_GROUP_MAX = 4096;

export const Bucket = {
  Tcp: 0,
  Udp: 1,
  Icmp4: 2,
  Icmp6: 3,
  Other: 4,
} as const;
export const BUCKET_COUNT = 5;

export function bucketOf(ipProto: number): number {
  switch (ipProto) {
    case IPPROTO_TCP:
      return Bucket.Tcp;
    case IPPROTO_UDP:
      return Bucket.Udp;
    case IPPROTO_ICMP:
      return Bucket.Icmp4;
    case IPPROTO_ICMPV6:
      return Bucket.Icmp6;
    default:
      return Bucket.Other;
  }
}

/**
 * The transaction rules of one direction in a group: one Aho-Corasick per HTTP buffer over the
 * fast patterns that live in that buffer, and the rules without a pattern (always candidates).
 */
export class TxGroup {
  /** Buffer ids that have an automaton, with (per entry) the automaton and pattern → rules. */
  readonly bufIds: Int32Array;
  readonly acs: PatternScanner[];
  readonly patRuleStart: Int32Array[];
  readonly patRules: Int32Array[];
  readonly always: Int32Array;

  constructor(rules: readonly Rule[], dir: number) {
    const always: number[] = [];
    const byBuf = new Map<number, { index: Map<string, number>; patterns: Uint8Array[]; lists: number[][] }>();
    for (const r of [...rules].sort((a, b) => a.id - b.id)) {
      const pat = r.prefilterPattern;
      // A rule of either side finds its pattern in that side's buffer.
      const pbuf = dir === TxDir.ToClient && r.txDir === TxDir.Both ? r.prefilterBufferTc : r.prefilterBuffer;
      if (pat === null || pbuf < 0) {
        always.push(r.id);
        continue;
      }
      let e = byBuf.get(pbuf);
      if (e === undefined) {
        e = { index: new Map(), patterns: [], lists: [] };
        byBuf.set(pbuf, e);
      }
      const key = Buffer.from(pat.buffer, pat.byteOffset, pat.byteLength).toString('latin1');
      let pid = e.index.get(key);
      if (pid === undefined) {
        pid = e.patterns.length;
        e.index.set(key, pid);
        e.patterns.push(pat);
        e.lists.push([]);
      }
      e.lists[pid]!.push(r.id);
    }
    this.always = Int32Array.from(always);
    const ids = [...byBuf.keys()].sort((a, b) => a - b);
    this.bufIds = Int32Array.from(ids);
    this.acs = [];
    this.patRuleStart = [];
    this.patRules = [];
    for (const id of ids) {
      const e = byBuf.get(id)!;
      this.acs.push(buildScanner(e.patterns));
      const start = new Int32Array(e.lists.length + 1);
      let n = 0;
      e.lists.forEach((l, i) => {
        start[i] = n;
        n += l.length;
      });
      start[e.lists.length] = n;
      const flat = new Int32Array(n);
      e.lists.forEach((l, i) => flat.set(l, start[i]!));
      this.patRuleStart.push(start);
      this.patRules.push(flat);
    }
  }
}

/** One prefilter scanner over some rules' fast patterns, with pattern id → rule ids (CSR). */
export class PatternRules {
  readonly scanner: PatternScanner;
  readonly start: Int32Array;
  readonly rules: Int32Array;

  /** `rules` ascending by id, each with a prefilter pattern; identical patterns share an id. */
  constructor(rules: readonly Rule[]) {
    const patIndex = new Map<string, number>();
    const patterns: Uint8Array[] = [];
    const lists: number[][] = [];
    for (const r of rules) {
      const pat = r.prefilterPattern!;
      const key = Buffer.from(pat.buffer, pat.byteOffset, pat.byteLength).toString('latin1');
      let pid = patIndex.get(key);
      if (pid === undefined) {
        pid = patterns.length;
        patIndex.set(key, pid);
        patterns.push(pat);
        lists.push([]);
      }
      lists[pid]!.push(r.id);
    }
    this.scanner = buildScanner(patterns);
    const start = new Int32Array(patterns.length + 1);
    let n = 0;
    lists.forEach((l, i) => {
      start[i] = n;
      n += l.length;
    });
    start[patterns.length] = n;
    const flat = new Int32Array(n);
    lists.forEach((l, i) => flat.set(l, start[i]!));
    this.start = start;
    this.rules = flat;
  }
}

export class RuleGroup {
  /**
   * Packet rules with a fast pattern, split as Suricata's PrefilterPktPayload and
   * PrefilterPktStream engines are (engine.ts matchRule decides what each rule inspects):
   *  - `pkt`: rules that inspect the packet payload even when the packet went into the stream
   *    (not stream rules, or stream rules that also require the packet);
   *  - `stream`: stream rules (rule.sigFlags RequireStream), the only ones a raw stream window
   *    can match.
   * A stream window is scanned with `stream` only, the payload of a packet that went into the
   * stream with `pkt` only, any other payload with both; so an established TCP packet's bytes
   * go through each scanner once instead of every pattern scanning payload and window. A rule
   * may be in both; null when empty.
   */
  readonly pkt: PatternRules | null;
  readonly stream: PatternRules | null;
  /** Transaction rules by TxDir (index 1 to server, 2 to client); null when none. */
  readonly tx: (TxGroup | null)[] = [null, null, null];
  /** Rules without a prefilter pattern and not address-indexed, ascending id. */
  readonly always: Int32Array;
  /** Rules without a prefilter pattern, selected by address (IP-reputation style). */
  readonly addrIndex: AddressIndex | null;
  /** All rule ids of the group (ascending), for stats/tests. */
  readonly ruleIds: Int32Array;

  constructor(allRules: readonly Rule[]) {
    this.ruleIds = Int32Array.from(allRules.map((r) => r.id).sort((a, b) => a - b));
    // Transaction rules are candidates only in the tx pass (engine.ts), by their buffers.
    for (const dir of [1, 2]) {
      // Rules of symmetric buffers (TxDir.Both: DNS names, events) inspect either side.
      const txr = allRules.filter((r) => r.txDir === dir || r.txDir === TxDir.Both);
      if (txr.length > 0) this.tx[dir] = new TxGroup(txr, dir);
    }
    const rules = allRules.filter((r) => r.txDir === 0).sort((a, b) => a.id - b.id);
    const noPattern = rules.filter((r) => r.prefilterPattern === null);
    const withPattern = rules.filter((r) => r.prefilterPattern !== null);
    const stream = withPattern.filter((r) => (r.sigFlags & SigFlag.RequireStream) !== 0);
    const pkt = withPattern.filter((r) => (r.sigFlags & SigFlag.RequireStream) === 0 || (r.sigFlags & SigFlag.RequirePacket) !== 0);
    const idx = noPattern.length > 0 ? new AddressIndex(noPattern) : null;
    this.addrIndex = idx !== null && idx.indexed.size > 0 ? idx : null;
    this.always = Int32Array.from(noPattern.filter((r) => idx === null || !idx.indexed.has(r.id)).map((r) => r.id));
    this.pkt = pkt.length > 0 ? new PatternRules(pkt) : null;
    this.stream = stream.length > 0 ? new PatternRules(stream) : null;
  }
}

/**
 * Groups with the same rules share one RuleGroup (and automaton): `ip` rules land in every
 * protocol bucket, and port groups of different buckets often hold the same rules.
 */
export class GroupCache {
  private readonly groups = new Map<string, RuleGroup>();
  /** Automata built (for stats/tests). */
  built = 0;

  get(rules: readonly Rule[]): RuleGroup {
    const key = rules
      .map((r) => r.id)
      .sort((a, b) => a - b)
      .join(',');
    let g = this.groups.get(key);
    if (g === undefined) {
      g = new RuleGroup(rules);
      this.groups.set(key, g);
      this.built++;
    }
    return g;
  }
}

/** Port → group index + 1 (0 = no group) and the groups. */
export class PortGroups {
  readonly map: Uint16Array | Uint32Array;
  readonly groups: RuleGroup[];

  constructor(entries: Array<{ rule: Rule; ports: PortSet }>, cache: GroupCache) {
    this.groups = [];
    if (entries.length === 0) {
      this.map = new Uint16Array(0);
      return;
    }
    // Elementary intervals: boundaries at every range start and end+1.
    const bounds = new Set<number>([0, 65536]);
    for (const { ports } of entries) {
      for (let i = 0; i < ports.start.length; i++) {
        bounds.add(ports.start[i]!);
        bounds.add(ports.end[i]! + 1);
      }
    }
    const sorted = [...bounds].sort((a, b) => a - b);
    const groupIndex = new Map<string, number>();
    const groupRules: Rule[][] = [];
    const map = new Uint32Array(65536);
    for (let k = 0; k + 1 < sorted.length; k++) {
      const lo = sorted[k]!;
      const hi = sorted[k + 1]! - 1;
      const members = entries.filter((e) => e.ports.match(lo)).map((e) => e.rule);
      if (members.length === 0) continue;
      const key = members.map((r) => r.id).join(',');
      let gi = groupIndex.get(key);
      if (gi === undefined) {
        gi = groupRules.length;
        groupIndex.set(key, gi);
        groupRules.push(members);
      }
      map.fill(gi + 1, lo, hi + 1);
    }
    for (const rs of groupRules) this.groups.push(cache.get(rs));
    this.map = this.groups.length < 65535 ? Uint16Array.from(map) : map;
  }

  groupFor(port: number): RuleGroup | null {
    if (port < 0 || this.map.length === 0) return null;
    const g = this.map[port]!;
    return g === 0 ? null : this.groups[g - 1]!;
  }
}

export class ProtoBucket {
  readonly any: RuleGroup;
  readonly byDport: PortGroups;
  readonly bySport: PortGroups;
  readonly ruleCount: number;

  constructor(rules: readonly Rule[], usePorts: boolean, cache: GroupCache) {
    const any: Rule[] = [];
    const dport: Array<{ rule: Rule; ports: PortSet }> = [];
    const sport: Array<{ rule: Rule; ports: PortSet }> = [];
    for (const r of rules) {
      if (!usePorts || r.bidir) any.push(r);
      else if (!r.dp.any && r.dp.size <= PORT_GROUP_MAX) dport.push({ rule: r, ports: r.dp });
      else if (!r.sp.any && r.sp.size <= PORT_GROUP_MAX) sport.push({ rule: r, ports: r.sp });
      else any.push(r);
    }
    this.any = cache.get(any);
    this.byDport = new PortGroups(dport, cache);
    this.bySport = new PortGroups(sport, cache);
    this.ruleCount = rules.length;
  }
}

/** Which buckets a rule's protocol puts it in. */
function bucketsFor(r: Rule): number[] {
  switch (r.proto) {
    case Proto.Tcp:
      return [Bucket.Tcp];
    case Proto.Udp:
      return [Bucket.Udp];
    case Proto.Icmp:
      return [Bucket.Icmp4, Bucket.Icmp6];
    case Proto.Icmpv4:
      return [Bucket.Icmp4];
    case Proto.Icmpv6:
      return [Bucket.Icmp6];
    case Proto.Sctp:
      return [Bucket.Other];
    case Proto.TcpUdp:
      return [Bucket.Tcp, Bucket.Udp];
    default:
      return [Bucket.Tcp, Bucket.Udp, Bucket.Icmp4, Bucket.Icmp6, Bucket.Other];
  }
}

export function buildBuckets(rules: readonly Rule[]): ProtoBucket[] {
  const per: Rule[][] = Array.from({ length: BUCKET_COUNT }, () => []);
  for (const r of rules) for (const b of bucketsFor(r)) per[b]!.push(r);
  const cache = new GroupCache();
  return per.map((rs, b) => new ProtoBucket(rs, b === Bucket.Tcp || b === Bucket.Udp, cache));
}
