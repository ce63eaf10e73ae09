/**
 * Bytes of stored fragments in pooled fixed-size blocks. A fragment's bytes are a chain of
 * blocks (`next` links); the blocks come from slabs allocated on demand up to the memcap and
 * then reused forever, so storing and releasing allocate nothing once the slabs exist and a
 * process that never sees a fragment never pays for the pool.
 */

/**
 * memcpy between Uint8Arrays without creating a view: Node's Buffer copy takes any Uint8Array
 * as source and target. A JS byte loop is ~25x slower; set(subarray()) makes an object per call.
 */
const bufferCopy = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

export function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number): void {
  if (len > 0) bufferCopy.call(src, dst, dstOff, srcOff, srcOff + len);
}

/** Block size: an MTU-sized fragment is 3 blocks (each block is one native copy); a tiny one wastes < 512 bytes. */
export const BLOCK_SIZE = 512;
const BLOCK_SHIFT = 9;
/** Blocks per slab (2 MiB slabs). */
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
      copyBytes(src, off + done, slab, (b & (SLAB_BLOCKS - 1)) << BLOCK_SHIFT, n);
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
      copyBytes(this.slabs[b >> SLAB_SHIFT]!, base + skip, dst, dstOff + done, n);
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
