/**
 * Longest-prefix match over IPv4 and IPv6 prefixes: a binary trie in typed arrays (one node per
 * prefix bit, children and values in Int32Arrays), one trie per family. Built when a file or the
 * configuration is loaded; a lookup walks at most 32 (IPv4) or 128 (IPv6) nodes, allocates
 * nothing and runs per flow record, not per packet.
 *
 * Each node holds one value (an index the owner gives meaning to, -1 = none); where a prefix is
 * added twice, the owner's `better` test decides which value stays.
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
   * Walk the 32 bits of `w` from `node`, keeping the value of the deepest node that has one
   * (start: `best`). Returns that value; `this.end` is the node reached, 0 when the walk fell
   * off the trie.
   */
  walk(node: number, w: number, best: number): number {
    const zero = this.zero;
    const one = this.one;
    const value = this.value;
    for (let i = 31; i >= 0; i--) {
      node = ((w >>> i) & 1) === 0 ? zero[node]! : one[node]!;
      if (node === 0) break;
      const v = value[node]!;
      if (v !== NO_VALUE) best = v;
    }
    this.end = node;
    return best;
  }

  end = 0;

  /** Value of the longest prefix holding the address (1 word for IPv4, 4 for IPv6); NO_VALUE when none. */
  lookup(w0: number, w1: number, w2: number, w3: number, words: number): number {
    let best = this.walk(0, w0, this.value[0]!);
    if (words === 1 || this.end === 0) return best;
    best = this.walk(this.end, w1, best);
    if (this.end === 0) return best;
    best = this.walk(this.end, w2, best);
    if (this.end === 0) return best;
    return this.walk(this.end, w3, best);
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
  lookup4(addr: number): number {
    return this.v4.lookup(addr, 0, 0, 0, 1);
  }

  /** Longest match of an IPv6 address as four 32-bit words, word 0 most significant. */
  lookup6(w0: number, w1: number, w2: number, w3: number): number {
    return this.v6.lookup(w0, w1, w2, w3, 4);
  }

  /** Longest match of the address at words[offset..] (the flow table's keyAddr layout). */
  lookupWords(version: number, words: ArrayLike<number>, offset: number): number {
    return version === 4 ? this.v4.lookup(words[offset]!, 0, 0, 0, 1) : this.v6.lookup(words[offset]!, words[offset + 1]!, words[offset + 2]!, words[offset + 3]!, 4);
  }

  /** Nodes in use (memory: 12 bytes each). */
  get nodes(): number {
    return this.v4.nodes + this.v6.nodes;
  }
}
