/**
 * Multi-pattern prefilter: an Aho-Corasick automaton over the rules' fast patterns, built once
 * per rule group, scanned once per packet payload. It only selects candidate rules — every
 * candidate is then fully inspected — so it may over-approximate: patterns are case-folded
 * (ASCII) and the text is folded while scanning, and overlong patterns are cut to their first
 * MAX_PATTERN bytes (any part of a required content is required too).
 *
 * Layout (typed arrays only, no object per state): states are numbered by depth; the
 * shallowest ones (depth <= 2, where a scan spends most of its time) have full 256-entry
 * transition rows, deeper ones keep their trie edges in CSR form (sorted by byte) plus a
 * failure link. Matches: each state lists the patterns ending exactly there (CSR) and a
 * dictionary link to the nearest state on its failure chain that has some, so outputs are
 * never copied along failure chains. Building sorts the patterns and creates the trie in one
 * pass (no maps); scanning is amortised O(1) per byte and allocates nothing; pattern hits are
 * deduplicated per scan with a stamp array.
 */
import { FOLD } from './keywords/payload.js';

/** Patterns are cut to this many bytes for the automaton (bounds the state count). */
export const MAX_PATTERN = 32;
/** States up to this depth get a full 256-entry transition row (at most MAX_DENSE_ROWS). */
const DENSE_DEPTH = 2;
const MAX_DENSE_ROWS = 4096;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export class AhoCorasick {
  readonly patternCount: number;
  readonly stateCount: number;
  private readonly rootNext: Int32Array;
  private readonly edgeStart: Int32Array;
  private readonly edgeByte: Uint8Array;
  private readonly edgeTarget: Int32Array;
  private readonly fail: Int32Array;
  /** Full transition rows (256 each) of the first `denseRows` states (the shallowest). */
  private readonly dense: Int32Array;
  private readonly denseRows: number;
  /** 1 when the state or its dictionary chain has matches. */
  private readonly hasOut: Uint8Array;
  /** Nearest state on the failure chain with own outputs, -1 when none. */
  private readonly dictLink: Int32Array;
  private readonly outStart: Int32Array;
  private readonly outPat: Int32Array;
  private readonly patStamp: Uint32Array;
  private stamp = 0;
  /** Pattern ids found by the last scan(), `hitCount` of them. */
  readonly hits: Int32Array;
  hitCount = 0;

  /** @param patterns already case-folded */
  constructor(patterns: readonly Uint8Array[]) {
    this.patternCount = patterns.length;
    const pats = patterns.map((p) => (p.length > MAX_PATTERN ? p.subarray(0, MAX_PATTERN) : p));
    const order = pats.map((_, i) => i).sort((a, b) => compareBytes(pats[a]!, pats[b]!));

    // ---- trie from sorted patterns: new states only past the common prefix with the previous ----
    let total = 1;
    for (const p of pats) total += p.length;
    const parent = new Int32Array(total);
    const byteOf = new Uint8Array(total);
    const depth = new Int32Array(total);
    const terminalOf: number[][] = [[]];
    const path: number[] = [0];
    let prev: Uint8Array = new Uint8Array(0);
    let n = 1;
    for (const pid of order) {
      const p = pats[pid]!;
      let lcp = 0;
      const lim = p.length < prev.length ? p.length : prev.length;
      while (lcp < lim && p[lcp] === prev[lcp]) lcp++;
      path.length = lcp + 1;
      let s = path[lcp]!;
      for (let i = lcp; i < p.length; i++) {
        const t = n++;
        parent[t] = s;
        byteOf[t] = p[i]!;
        depth[t] = i + 1;
        terminalOf.push([]);
        path.push(t);
        s = t;
      }
      terminalOf[s]!.push(pid);
      prev = p;
    }
    this.stateCount = n;
    {
      // Renumber states by depth (root first): shallow states get the low ids that have dense
      // transition rows, and failure links always point to lower ids.
      const order = Array.from({ length: n - 1 }, (_, i) => i + 1).sort((a, b) => depth[a]! - depth[b]! || a - b);
      const newId = new Int32Array(n);
      order.forEach((old, i) => (newId[old] = i + 1));
      const p2 = new Int32Array(n);
      const b2 = new Uint8Array(n);
      const d2 = new Int32Array(n);
      const t2: number[][] = new Array<number[]>(n);
      t2[0] = terminalOf[0]!;
      for (let old = 1; old < n; old++) {
        const id = newId[old]!;
        p2[id] = newId[parent[old]!]!;
        b2[id] = byteOf[old]!;
        d2[id] = depth[old]!;
        t2[id] = terminalOf[old]!;
      }
      parent.set(p2.subarray(0, n));
      byteOf.set(b2.subarray(0, n));
      depth.set(d2.subarray(0, n));
      for (let i = 0; i < n; i++) terminalOf[i] = t2[i]!;
    }

    // ---- CSR edges: children are created in byte order, so each list comes out sorted ----
    const edgeStart = new Int32Array(n + 1);
    for (let t = 1; t < n; t++) edgeStart[parent[t]! + 1]!++;
    for (let s = 0; s < n; s++) edgeStart[s + 1]! += edgeStart[s]!;
    const fillPos = edgeStart.slice(0, n);
    const edgeByte = new Uint8Array(n - 1);
    const edgeTarget = new Int32Array(n - 1);
    for (let t = 1; t < n; t++) {
      const e = fillPos[parent[t]!]!++;
      edgeByte[e] = byteOf[t]!;
      edgeTarget[e] = t;
    }
    this.edgeStart = edgeStart;
    this.edgeByte = edgeByte;
    this.edgeTarget = edgeTarget;
    const rootNext = new Int32Array(256);
    for (let e = edgeStart[0]!; e < edgeStart[1]!; e++) rootNext[edgeByte[e]!] = edgeTarget[e]!;
    this.rootNext = rootNext;

    // ---- failure and dictionary links, by increasing depth ----
    const fail = new Int32Array(n);
    const dictLink = new Int32Array(n).fill(-1);
    this.fail = fail;
    // States are numbered by depth: ascending ids visit parents (and failure targets) first.
    for (let t = 1; t < n; t++) {
      const s = parent[t]!;
      const b = byteOf[t]!;
      if (s === 0) fail[t] = 0;
      else {
        let f = fail[s]!;
        let g = -1;
        for (;;) {
          g = this.child(f, b);
          if (g >= 0 || f === 0) break;
          f = fail[f]!;
        }
        fail[t] = g >= 0 && g !== t ? g : 0;
      }
      const ft = fail[t]!;
      dictLink[t] = terminalOf[ft]!.length > 0 ? ft : dictLink[ft]!;
    }
    this.dictLink = dictLink;

    // ---- own outputs, CSR ----
    const outStart = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) outStart[s + 1] = outStart[s]! + terminalOf[s]!.length;
    const outPat = new Int32Array(outStart[n]!);
    for (let s = 0; s < n; s++) outPat.set(terminalOf[s]!, outStart[s]!);
    this.outStart = outStart;
    this.outPat = outPat;

    // ---- dense rows for shallow states (most of the scan happens there) ----
    let rows = 1;
    while (rows < n && depth[rows]! <= DENSE_DEPTH && rows < MAX_DENSE_ROWS) rows++;
    const dense = new Int32Array(rows * 256);
    for (let st = 0; st < rows; st++) {
      const f = fail[st]!;
      for (let b = 0; b < 256; b++) {
        const c = this.child(st, b);
        // The failure state has a lower id, so its row is ready (root: stay at 0).
        dense[st * 256 + b] = c >= 0 ? c : st === 0 ? 0 : dense[f * 256 + b]!;
      }
    }
    this.denseRows = rows;
    this.dense = dense;
    const hasOut = new Uint8Array(n);
    for (let st = 1; st < n; st++) hasOut[st] = outStart[st] !== outStart[st + 1] || dictLink[st]! > 0 ? 1 : 0;
    this.hasOut = hasOut;

    this.patStamp = new Uint32Array(patterns.length);
    this.hits = new Int32Array(patterns.length);
  }

  /** Trie child of s by byte b, -1 when none. */
  private child(s: number, b: number): number {
    if (s === 0) {
      const r = this.rootNext[b]!;
      return r === 0 ? -1 : r;
    }
    let lo = this.edgeStart[s]!;
    let hi = this.edgeStart[s + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const eb = this.edgeByte[mid]!;
      if (eb === b) return this.edgeTarget[mid]!;
      if (eb < b) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private step(s: number, b: number): number {
    for (;;) {
      if (s < this.denseRows) return this.dense[(s << 8) | b]!;
      const lo = this.edgeStart[s]!;
      const hi = this.edgeStart[s + 1]!;
      for (let e = lo; e < hi; e++) {
        const eb = this.edgeByte[e]!;
        if (eb === b) return this.edgeTarget[e]!;
        if (eb > b) break;
      }
      s = this.fail[s]!;
    }
  }

  /** Scan buf[start, end); distinct pattern ids found go to hits[0, hitCount). */
  scan(buf: Uint8Array, start: number, end: number): number {
    let st = (this.stamp + 1) >>> 0;
    if (st === 0) {
      this.patStamp.fill(0);
      st = 1;
    }
    this.stamp = st;
    const patStamp = this.patStamp;
    const outStart = this.outStart;
    const outPat = this.outPat;
    const dictLink = this.dictLink;
    const hits = this.hits;
    const dense = this.dense;
    const denseRows = this.denseRows;
    const hasOut = this.hasOut;
    let n = 0;
    let s = 0;
    for (let i = start; i < end; i++) {
      const b = FOLD[buf[i]!]!;
      s = s < denseRows ? dense[(s << 8) | b]! : this.step(s, b);
      if (hasOut[s] === 0) continue;
      for (let d = outStart[s] === outStart[s + 1] ? dictLink[s]! : s; d > 0; d = dictLink[d]!) {
        for (let o = outStart[d]!; o < outStart[d + 1]!; o++) {
          const pid = outPat[o]!;
          if (patStamp[pid] !== st) {
            patStamp[pid] = st;
            hits[n++] = pid;
          }
        }
      }
    }
    this.hitCount = n;
    return n;
  }
}
