/**
 * Longest-prefix match over IPv4 and IPv6 prefixes: a binary trie in typed arrays (one node per
 * prefix bit, children and values in Int32Arrays), one trie per family. Built when a file or the
 * configuration is loaded; a lookup walks at most 32 (IPv4) or 128 (IPv6) nodes, allocates
 * nothing and runs per flow record, not per packet.
 *
 * Each node holds one value (an index the owner gives meaning to, -1 = none). Owners that need
 * more than "the value of the longest prefix" (ip-ranges.ts: the most specific non-AMAZON
 * service) pass a `better` test when inserting and a `wanted` test when looking up.
 */
export const NO_VALUE = -1;

class BitTrie {
  private zero: Int32Array;
  private one: Int32Array;
  private value: Int32Array;
  nodes = 1;

  constructor(initial: number) {
    const n = Math.max(16, initial);
    this.zero = new Int32Array(n);
    this.one = new Int32Array(n);
    this.value = new Int32Array(n).fill(NO_VALUE);
  }

  private grow(): void {
    const n = this.zero.length * 2;
    const z = new Int32Array(n);
    z.set(this.zero);
    const o = new Int32Array(n);
    o.set(this.one);
    const v = new Int32Array(n).fill(NO_VALUE);
    v.set(this.value);
    this.zero = z;
    this.one = o;
    this.value = v;
  }

  /** Bit `i` (0 = most significant) of the address in words w0..w3. */
  insert(words: ArrayLike<number>, prefix: number, value: number, better: (candidate: number, current: number) => boolean): void {
    let node = 0;
    for (let i = 0; i < prefix; i++) {
      const bit = (words[i >>> 5]! >>> (31 - (i & 31))) & 1;
      const next = bit === 0 ? this.zero : this.one;
      let child = next[node]!;
      if (child === 0) {
        if (this.nodes === this.zero.length) this.grow();
        child = this.nodes++;
        (bit === 0 ? this.zero : this.one)[node] = child;
      }
      node = child;
    }
    const cur = this.value[node]!;
    if (cur === NO_VALUE || better(value, cur)) this.value[node] = value;
  }

  /**
   * The value of the longest prefix holding the address whose value passes `wanted` (every
   * value when wanted is null); NO_VALUE when none. `bits`: 32 or 128.
   */
  lookup(w0: number, w1: number, w2: number, w3: number, bits: number, wanted: ((v: number) => boolean) | null): number {
    let node = 0;
    let best = this.value[0]!;
    if (best !== NO_VALUE && wanted !== null && !wanted(best)) best = NO_VALUE;
    for (let i = 0; i < bits; i++) {
      const w = i < 32 ? w0 : i < 64 ? w1 : i < 96 ? w2 : w3;
      const bit = (w >>> (31 - (i & 31))) & 1;
      node = bit === 0 ? this.zero[node]! : this.one[node]!;
      if (node === 0) break;
      const v = this.value[node]!;
      if (v !== NO_VALUE && (wanted === null || wanted(v))) best = v;
    }
    return best;
  }
}

const ALWAYS_BETTER = (): boolean => true;

/** Prefixes of both families mapped to integer values. */
export class PrefixTrie {
  private readonly v4 = new BitTrie(1024);
  private readonly v6 = new BitTrie(1024);
  /** Prefixes inserted (repeats included). */
  size = 0;

  /**
   * Add a prefix (`words` as ParsedAddress.words: IPv4 in word 0). Where a prefix is added
   * twice, `better(new, old)` decides which value stays (default: the last one).
   */
  insert(family: 4 | 6, words: ArrayLike<number>, prefix: number, value: number, better: (candidate: number, current: number) => boolean = ALWAYS_BETTER): void {
    if (value < 0) throw new RangeError('prefix values must be non-negative');
    (family === 4 ? this.v4 : this.v6).insert(words, prefix, value, better);
    this.size++;
  }

  /** Longest match of an IPv4 address (unsigned or signed 32-bit). */
  lookup4(addr: number, wanted: ((v: number) => boolean) | null = null): number {
    return this.v4.lookup(addr >>> 0, 0, 0, 0, 32, wanted);
  }

  /** Longest match of an IPv6 address as four 32-bit words, word 0 most significant. */
  lookup6(w0: number, w1: number, w2: number, w3: number, wanted: ((v: number) => boolean) | null = null): number {
    return this.v6.lookup(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0, 128, wanted);
  }

  /** Longest match of the address at words[offset..] (the flow table's keyAddr layout). */
  lookupWords(version: number, words: ArrayLike<number>, offset: number, wanted: ((v: number) => boolean) | null = null): number {
    return version === 4 ? this.lookup4(words[offset]!, wanted) : this.lookup6(words[offset]!, words[offset + 1]!, words[offset + 2]!, words[offset + 3]!, wanted);
  }

  /** Nodes in use (memory: 12 bytes each). */
  get nodes(): number {
    return this.v4.nodes + this.v6.nodes;
  }
}
