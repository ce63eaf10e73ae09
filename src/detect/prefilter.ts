/**
 * Multi-pattern prefilter: an Aho-Corasick automaton over the rules' fast patterns, built once
 * per rule group, scanned once per packet payload. It only selects candidate rules — every
 * candidate is then fully inspected — so it may over-approximate: patterns are case-folded
 * (ASCII) and the text is folded while scanning, and overlong patterns are cut to their first
 * MAX_PATTERN bytes (any part of a required content is required too).
 *
 * Layout (typed arrays only, no object per state): a trie is built from the sorted patterns,
 * states are renumbered by depth, failure links and dictionary links (nearest state on the
 * failure chain with own outputs, so outputs are never copied along chains) are computed.
 * Scanning then uses one of two forms:
 *  - full DFA (up to MAX_DFA_STATES states): a 256-entry Uint16 row per state with failure
 *    transitions and ASCII folding precomputed into the rows, and states that have outputs
 *    numbered last, so the hot loop is one load and one compare per byte;
 *  - hybrid (more states): 32-bit dense rows (also folded) for the MAX_DENSE_ROWS shallowest
 *    states, where a scan spends nearly all its time, and sorted sparse edges plus failure
 *    links for deeper ones, bounding memory for large rule sets.
 * Scanning allocates nothing; pattern hits are deduplicated per scan with a stamp array.
 */
import { FOLD } from './keywords/payload.js';

/** Patterns are cut to this many bytes for the automaton (bounds the state count). */
export const MAX_PATTERN = 32;
/**
 * Up to this many states the automaton is a full DFA with 16-bit entries (512 B per state, at
 * most 8 MiB): one load per byte. Beyond it only the MAX_DENSE_ROWS shallowest states get
 * (32-bit) rows and deeper ones walk sparse edges and failure links, which bounds memory for
 * 10 000+ patterns while a scan of mostly-non-matching text still stays in dense rows.
 */
export const MAX_DFA_STATES = 16384;
export const MAX_DENSE_ROWS = 4096;
const DEEP_LEAF = 0x100;
const DEEP_MULTI = 0x200;
/** Above this many accepted byte pairs (of 65 536) the root skip loop is not used. */
const MAX_SKIP_PAIRS = 4096;

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
  /** Full transition rows (256 each) of the first `denseRows` states (the shallowest). */
  private readonly dense: Int32Array;
  private readonly denseRows: number;
  /** Hybrid form: per deep state [child byte | DEEP_LEAF | DEEP_MULTI, failure link]. */
  private readonly deep: Int32Array;
  /** Full DFA (n <= MAX_DFA_STATES): 256 entries per state in DFA numbering, folded; else null. */
  private readonly dfa: Uint16Array | null;
  /** DFA ids >= this have outputs; dfaOutOld[id - dfaFirstOut] is the trie state. */
  private readonly dfaFirstOut: number;
  private readonly dfaOutOld: Int32Array;
  /** 1 at (b0 << 8) | b1 when a scan at the root may not skip b0 (see the constructor). */
  private readonly pairOk: Uint8Array;
  /** Skipping pays only while most text pairs are rejected. */
  private readonly useSkip: boolean;
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
  /** Length of the shortest (cut) pattern. */
  private readonly minPattern: number;

  /**
   * @param patterns already case-folded
   * @param limits the form thresholds (defaults MAX_DFA_STATES, MAX_DENSE_ROWS,
   *   MAX_SKIP_PAIRS); tests change them to exercise every scan path on small inputs
   */
  constructor(patterns: readonly Uint8Array[], limits: { maxDfaStates?: number; maxDenseRows?: number; maxSkipPairs?: number } = {}) {
    const maxDfaStates = Math.min(limits.maxDfaStates ?? MAX_DFA_STATES, 65536);
    const maxDenseRows = Math.max(1, limits.maxDenseRows ?? MAX_DENSE_ROWS);
    this.patternCount = patterns.length;
    const pats = patterns.map((p) => (p.length > MAX_PATTERN ? p.subarray(0, MAX_PATTERN) : p));
    this.minPattern = pats.reduce((m, p) => (p.length < m ? p.length : m), MAX_PATTERN);
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
      // Renumber: the MAX_DENSE_ROWS shallowest states first (root first), in depth order, as
      // they get the dense rows of the hybrid form; the deeper rest in trie-creation (pattern)
      // order, so a scan walking along one pattern touches neighbouring entries (the hybrid's
      // deep steps are cache-miss bound otherwise). Siblings stay in byte order either way.
      const byDepth = Array.from({ length: n - 1 }, (_, i) => i + 1).sort((a, b) => depth[a]! - depth[b]! || a - b);
      const k = Math.min(n - 1, maxDenseRows - 1);
      const order = byDepth.slice(0, k).concat(byDepth.slice(k).sort((a, b) => a - b));
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
    // By increasing depth, so parents and failure targets are done first.
    const bfs = Array.from({ length: n - 1 }, (_, i) => i + 1).sort((a, b) => depth[a]! - depth[b]! || a - b);
    for (const t of bfs) {
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

    const hasOut = new Uint8Array(n);
    for (let st = 1; st < n; st++) hasOut[st] = outStart[st] !== outStart[st + 1] || dictLink[st]! > 0 ? 1 : 0;
    this.hasOut = hasOut;
    this.patStamp = new Uint32Array(patterns.length);
    this.hits = new Int32Array(patterns.length);

    // ---- root skip filter over byte pairs ----
    // From the root, a text pair (b0, b1) that is not a (folded) 2-byte trie prefix, with no
    // output after b0, leaves the automaton exactly where a fresh start at b1 would: root. So
    // a scan at the root may skip such positions with loads that do not depend on each other,
    // which runs about twice as fast as the state-to-state load chain of the automaton.
    const pairOk = new Uint8Array(65536);
    let pairs = 0;
    for (let b0 = 0; b0 < 256; b0++) {
      const s1 = this.child(0, FOLD[b0]!);
      if (s1 < 0) continue;
      for (let b1 = 0; b1 < 256; b1++) {
        if (hasOut[s1] === 1 || this.child(s1, FOLD[b1]!) >= 0) {
          pairOk[(b0 << 8) | b1] = 1;
          pairs++;
        }
      }
    }
    this.pairOk = pairOk;
    this.useSkip = pairs <= (limits.maxSkipPairs ?? MAX_SKIP_PAIRS);

    if (n <= maxDfaStates) {
      // ---- full DFA: every state gets a dense row ----
      // Renumber so that states with outputs come last: the hot loop then needs one compare
      // (s >= dfaFirstOut) instead of a second table load to know whether to report.
      const outCount = hasOut.reduce((a, v) => a + v, 0);
      const firstOut = n - outCount;
      const dfaId = new Int32Array(n);
      const outOld = new Int32Array(outCount);
      let lo = 0;
      let hi = firstOut;
      for (let st = 0; st < n; st++) {
        if (hasOut[st] === 1) {
          outOld[hi - firstOut] = st;
          dfaId[st] = hi++;
        } else dfaId[st] = lo++;
      }
      // Rows are built in trie numbering and depth order (not id order: deep ids are in
      // pattern order) so the failure state's row is always ready, then copied to the DFA
      // slot. Case folding lives in the table (the entry for 'A' is the one for 'a'), so the
      // scan loop needs no FOLD lookup.
      const row = new Uint16Array(n * 256);
      const dfa = new Uint16Array(n * 256);
      for (let k = 0; k < n; k++) {
        const st = k === 0 ? 0 : bfs[k - 1]!;
        const f = fail[st]!;
        const base = st * 256;
        for (let b = 0; b < 256; b++) {
          const fb = FOLD[b]!;
          const c = this.child(st, fb);
          row[base + b] = c >= 0 ? c : st === 0 ? 0 : row[f * 256 + b]!;
        }
        const nb = dfaId[st]! * 256;
        for (let b = 0; b < 256; b++) dfa[nb + b] = dfaId[row[base + b]!]!;
      }
      this.dfa = dfa;
      this.dfaFirstOut = firstOut;
      this.dfaOutOld = outOld;
      this.deep = new Int32Array(0);
      this.dense = new Int32Array(0);
      this.denseRows = 0;
      return;
    }

    // ---- hybrid (too many states for a full DFA): dense rows for the shallowest states ----
    let rows = 1;
    while (rows < n && rows < maxDenseRows) rows++;
    const dense = new Int32Array(rows * 256);
    for (let st = 0; st < rows; st++) {
      const f = fail[st]!;
      for (let b = 0; b < 256; b++) {
        const c = this.child(st, FOLD[b]!);
        // The failure state has a lower id, so its row is ready (root: stay at 0).
        dense[st * 256 + b] = c >= 0 ? c : st === 0 ? 0 : dense[f * 256 + b]!;
      }
    }
    this.denseRows = rows;
    this.dense = dense;
    // Deep states, one 2-int record each (next to each other in memory, the scan there is
    // cache-miss bound): [child info, failure link]. Most deep states have one child, which
    // (pattern-order numbering) is always s + 1, so the info is just its byte; LEAF / MULTI
    // flags never equal a byte, MULTI sends the lookup to the sorted CSR edges.
    const deep = new Int32Array(2 * n);
    for (let st = rows; st < n; st++) {
      const c = edgeStart[st + 1]! - edgeStart[st]!;
      deep[2 * st] = c === 0 ? DEEP_LEAF : c === 1 && edgeTarget[edgeStart[st]!] === st + 1 ? edgeByte[edgeStart[st]!]! : DEEP_MULTI;
      deep[2 * st + 1] = fail[st]!;
    }
    this.deep = deep;
    this.dfa = null;
    this.dfaFirstOut = 0;
    this.dfaOutOld = new Int32Array(0);
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

  /** Scan buf[start, end); distinct pattern ids found go to hits[0, hitCount). */
  scan(buf: Uint8Array, start: number, end: number): number {
    // Shorter than every pattern: nothing to find (short payloads against long-pattern groups).
    if (end - start < this.minPattern) {
      this.hitCount = 0;
      return 0;
    }
    let st = (this.stamp + 1) >>> 0;
    if (st === 0) {
      this.patStamp.fill(0);
      st = 1;
    }
    this.stamp = st;
    const n = this.dfa !== null ? this.scanDfa(this.dfa, buf, start, end, st) : this.scanHybrid(buf, start, end, st);
    this.hitCount = n;
    return n;
  }

  /** Adds the patterns ending at trie state s (own and dictionary chain) to hits[n...]. */
  private report(s: number, n: number, st: number): number {
    const outStart = this.outStart;
    const outPat = this.outPat;
    const dictLink = this.dictLink;
    const patStamp = this.patStamp;
    const hits = this.hits;
    for (let d = outStart[s] === outStart[s + 1] ? dictLink[s]! : s; d > 0; d = dictLink[d]!) {
      for (let o = outStart[d]!; o < outStart[d + 1]!; o++) {
        const pid = outPat[o]!;
        if (patStamp[pid] !== st) {
          patStamp[pid] = st;
          hits[n++] = pid;
        }
      }
    }
    return n;
  }

  private scanDfa(dfa: Uint16Array, buf: Uint8Array, start: number, end: number, st: number): number {
    const firstOut = this.dfaFirstOut;
    const pairOk = this.pairOk;
    const skip = this.useSkip;
    let n = 0;
    let s = 0;
    for (let i = start; i < end; i++) {
      if (s === 0 && skip) {
        let pair = buf[i]! << 8;
        while (i + 1 < end) {
          const b1 = buf[i + 1]!;
          if (pairOk[pair | b1] !== 0) break;
          pair = b1 << 8;
          i++;
        }
      }
      s = dfa[(s << 8) | buf[i]!]!;
      if (s >= firstOut) n = this.report(this.dfaOutOld[s - firstOut]!, n, st);
    }
    return n;
  }

  private scanHybrid(buf: Uint8Array, start: number, end: number, st: number): number {
    const dense = this.dense;
    const denseRows = this.denseRows;
    const hasOut = this.hasOut;
    const edgeStart = this.edgeStart;
    const edgeByte = this.edgeByte;
    const edgeTarget = this.edgeTarget;
    const deep = this.deep;
    const pairOk = this.pairOk;
    const skip = this.useSkip;
    let n = 0;
    let s = 0;
    for (let i = start; i < end; i++) {
      if (s === 0 && skip) {
        let pair = buf[i]! << 8;
        while (i + 1 < end) {
          const b1 = buf[i + 1]!;
          if (pairOk[pair | b1] !== 0) break;
          pair = b1 << 8;
          i++;
        }
      }
      const raw = buf[i]!;
      if (s < denseRows) s = dense[(s << 8) | raw]!;
      else {
        // Deep state: its child, else sparse edges, else failure links until a dense row.
        const b = FOLD[raw]!;
        for (;;) {
          const info = deep[s << 1]!;
          if (info === b) {
            s++;
            break;
          }
          if (info === DEEP_MULTI) {
            let next = -1;
            for (let e = edgeStart[s]!, hi = edgeStart[s + 1]!; e < hi; e++) {
              const eb = edgeByte[e]!;
              if (eb === b) {
                next = edgeTarget[e]!;
                break;
              }
              if (eb > b) break;
            }
            if (next >= 0) {
              s = next;
              break;
            }
          }
          s = deep[(s << 1) | 1]!;
          if (s < denseRows) {
            s = dense[(s << 8) | raw]!;
            break;
          }
        }
      }
      if (hasOut[s] !== 0) n = this.report(s, n, st);
    }
    return n;
  }
}
