/**
 * Candidate selection by address, for rules the content prefilter cannot select (no content):
 * mostly IP-reputation rules (`alert ip [a,b,c...] any -> $HOME_NET any`, thousands of them in
 * ET's tor/ciarmy/drop/botcc files). Checking each of them on every packet would dominate the
 * cost, so — like Suricata's IP-only engine, with intervals instead of a radix tree — each such
 * rule is indexed under the side (source or destination) whose IPv4 set is smaller, in one
 * table of elementary intervals: a packet's address finds its interval by binary search and
 * gets exactly the rules whose set contains it. The rule is still fully checked afterwards.
 *
 * Rules whose both sides cover most of the space (more than INDEX_MAX_V4 addresses each) are
 * not indexed (they stay "always" candidates). IPv6 is not indexed: rules with any IPv6 range
 * on the indexed side are listed as candidates for every IPv6 packet.
 */
import type { PacketView } from '../decode/packet-view.js';
import type { AddressSet } from './address-set.js';
import type { Rule } from './rule.js';

/** Sets larger than this (IPv4 addresses) are not worth indexing. */
export const INDEX_MAX_V4 = 2 ** 31;

function v4Size(a: AddressSet): number {
  let n = 0;
  for (let i = 0; i < a.v4Start.length; i++) n += a.v4End[i]! - a.v4Start[i]! + 1;
  return n;
}

/** Interval table over one side (source or destination). */
class SideIndex {
  /** Start of each elementary interval, ascending; interval k = [bounds[k], bounds[k+1]). */
  readonly bounds: Float64Array;
  readonly listStart: Int32Array;
  readonly lists: Int32Array;
  /** Rules that also hold IPv6 ranges on this side. */
  readonly v6Rules: Int32Array;

  constructor(entries: Array<{ id: number; set: AddressSet }>) {
    const cuts = new Set<number>([0]);
    for (const { set } of entries) {
      for (let i = 0; i < set.v4Start.length; i++) {
        cuts.add(set.v4Start[i]!);
        cuts.add(set.v4End[i]! + 1);
      }
    }
    const bounds = Float64Array.from([...cuts].sort((a, b) => a - b));
    const nIntervals = bounds.length;
    const find = (x: number): number => {
      let lo = 0;
      let hi = nIntervals - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (bounds[mid]! <= x) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    // Two passes: count, then fill (ids ascending within each list since entries are sorted).
    const counts = new Int32Array(nIntervals + 1);
    const spans: Array<[number, number, number]> = [];
    for (const { id, set } of entries) {
      for (let i = 0; i < set.v4Start.length; i++) {
        const k0 = find(set.v4Start[i]!);
        const endExcl = set.v4End[i]! + 1;
        const k1 = endExcl > 0xffffffff ? nIntervals : find(endExcl);
        spans.push([id, k0, k1]);
        for (let k = k0; k < k1; k++) counts[k + 1]!++;
      }
    }
    for (let k = 0; k < nIntervals; k++) counts[k + 1]! += counts[k]!;
    const fill = counts.slice(0, nIntervals);
    const lists = new Int32Array(counts[nIntervals]!);
    for (const [id, k0, k1] of spans) for (let k = k0; k < k1; k++) lists[fill[k]!++] = id;
    this.bounds = bounds;
    this.listStart = counts;
    this.lists = lists;
    this.v6Rules = Int32Array.from(entries.filter((e) => e.set.v6Count > 0).map((e) => e.id));
  }

  /** Calls mark(id) for each rule whose set may contain the address. */
  lookupV4(addr: number, mark: (id: number) => void): void {
    const b = this.bounds;
    let lo = 0;
    let hi = b.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (b[mid]! <= addr) lo = mid;
      else hi = mid - 1;
    }
    const ls = this.lists;
    for (let i = this.listStart[lo]!; i < this.listStart[lo + 1]!; i++) mark(ls[i]!);
  }
}

export class AddressIndex {
  readonly src: SideIndex | null;
  readonly dst: SideIndex | null;
  /** Rule ids indexed (the rest of the caller's list stays "always"). */
  readonly indexed: Set<number>;

  constructor(rules: readonly Rule[]) {
    const bySrc: Array<{ id: number; set: AddressSet }> = [];
    const byDst: Array<{ id: number; set: AddressSet }> = [];
    this.indexed = new Set();
    for (const r of rules) {
      if (r.bidir) continue;
      const ss = r.src.any ? Infinity : v4Size(r.src);
      const ds = r.dst.any ? Infinity : v4Size(r.dst);
      if (Math.min(ss, ds) > INDEX_MAX_V4) continue;
      if (ss <= ds) bySrc.push({ id: r.id, set: r.src });
      else byDst.push({ id: r.id, set: r.dst });
      this.indexed.add(r.id);
    }
    bySrc.sort((a, b) => a.id - b.id);
    byDst.sort((a, b) => a.id - b.id);
    this.src = bySrc.length > 0 ? new SideIndex(bySrc) : null;
    this.dst = byDst.length > 0 ? new SideIndex(byDst) : null;
  }

  /** Mark the candidates for this packet. `mark` must not allocate (a bound method). */
  lookup(p: PacketView, mark: (id: number) => void): void {
    if (p.ipVersion === 4) {
      if (this.src !== null) this.src.lookupV4(p.src4 >>> 0, mark);
      if (this.dst !== null) this.dst.lookupV4(p.dst4 >>> 0, mark);
    } else if (p.ipVersion === 6) {
      if (this.src !== null) markAll(this.src.v6Rules, mark);
      if (this.dst !== null) markAll(this.dst.v6Rules, mark);
    }
  }
}

function markAll(ids: Int32Array, mark: (id: number) => void): void {
  for (let i = 0; i < ids.length; i++) mark(ids[i]!);
}
