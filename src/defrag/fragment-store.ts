/**
 * Bytes of stored fragments in pooled fixed-size blocks. A fragment's bytes are a chain of
 * blocks (`next` links); the blocks come from slabs allocated on demand up to the memcap and
 * then reused forever, so storing and releasing allocate nothing once the slabs exist and a
 * process that never sees a fragment never pays for the pool.
 */

/** Block size: small enough that tiny fragments waste little, large enough for few links. */
export const BLOCK_SIZE = 256;
const BLOCK_SHIFT = 8;
/** Blocks per slab (1 MiB slabs). */
const SLAB_BLOCKS = 4096;
const SLAB_SHIFT = 12;

export class FragmentStore {
  /** Blocks the memcap allows. */
  readonly maxBlocks: number;
  /** Next block in a chain, -1 at the end; for free blocks the next free one. */
  private readonly next: Int32Array;
  private readonly slabs: Uint8Array[] = [];
  /** Blocks handed out so far from the slabs (the rest of the last slab is untouched). */
  private carved = 0;
  private freeHead = -1;
  /** Blocks in use (memuse = inUse * BLOCK_SIZE). */
  inUse = 0;

  constructor(memcapBytes: number) {
    this.maxBlocks = Math.max(1, Math.floor(memcapBytes / BLOCK_SIZE));
    this.next = new Int32Array(this.maxBlocks);
  }

  get memuse(): number {
    return this.inUse * BLOCK_SIZE;
  }

  /** Blocks needed for `len` bytes (at least one, so that every fragment owns a chain). */
  static blocksFor(len: number): number {
    return len <= BLOCK_SIZE ? 1 : (len + BLOCK_SIZE - 1) >> BLOCK_SHIFT;
  }

  /** Could `len` bytes be stored now? */
  canStore(len: number): boolean {
    return this.inUse + FragmentStore.blocksFor(len) <= this.maxBlocks;
  }

  private alloc(): number {
    let b = this.freeHead;
    if (b >= 0) {
      this.freeHead = this.next[b]!;
    } else {
      b = this.carved++;
      if (b >> SLAB_SHIFT >= this.slabs.length) this.slabs.push(new Uint8Array(SLAB_BLOCKS * BLOCK_SIZE));
    }
    this.next[b] = -1;
    this.inUse++;
    return b;
  }

  /** Copy src[off, off+len) into a new chain; the caller checked canStore(len). Returns the head. */
  store(src: Uint8Array, off: number, len: number): number {
    const head = this.alloc();
    let b = head;
    let done = 0;
    for (;;) {
      const n = len - done < BLOCK_SIZE ? len - done : BLOCK_SIZE;
      const slab = this.slabs[b >> SLAB_SHIFT]!;
      const base = (b & (SLAB_BLOCKS - 1)) << BLOCK_SHIFT;
      // Byte loops, not set(subarray()): a subarray is an object per call.
      for (let i = 0, s = off + done; i < n; i++) slab[base + i] = src[s + i]!;
      done += n;
      if (done >= len) break;
      const nb = this.alloc();
      this.next[b] = nb;
      b = nb;
    }
    return head;
  }

  /** Copy `len` bytes starting `skip` bytes into the chain at `head` to dst[dstOff...]. */
  copyOut(head: number, skip: number, len: number, dst: Uint8Array, dstOff: number): void {
    let b = head;
    while (skip >= BLOCK_SIZE && b >= 0) {
      b = this.next[b]!;
      skip -= BLOCK_SIZE;
    }
    let done = 0;
    while (done < len && b >= 0) {
      const base = (b & (SLAB_BLOCKS - 1)) << BLOCK_SHIFT;
      const avail = BLOCK_SIZE - skip;
      const n = len - done < avail ? len - done : avail;
      const slab = this.slabs[b >> SLAB_SHIFT]!;
      for (let i = 0, s = base + skip, d = dstOff + done; i < n; i++) dst[d + i] = slab[s + i]!;
      done += n;
      skip = 0;
      b = this.next[b]!;
    }
  }

  /** Return a whole chain to the free list. */
  release(head: number): void {
    let b = head;
    while (b >= 0) {
      const nb = this.next[b]!;
      this.next[b] = this.freeHead;
      this.freeHead = b;
      this.inUse--;
      b = nb;
    }
  }
}
