/**
 * Segment store: per flow slot and direction, the received TCP payload addressed by stream
 * offset (bytes after the ISN), as Suricata's TcpSegment list + StreamingBuffer.
 *
 *  - Segment records (start, end) in one pool of typed arrays, a sorted singly linked list per
 *    direction (by start, then length: src/stream-tcp-list.c TcpSegmentCompare). Records are
 *    kept unmerged because the overlap policy depends on where each stored segment starts.
 *  - Bytes in pooled 2048-byte blocks, a sorted linked list per direction; a byte written once
 *    is where every reader finds it.
 *  - Overlaps follow Suricata's BSD policy (the default; DoHandleDataOverlap treats Windows the
 *    same): new data replaces old only where the new segment starts before the stored one,
 *    otherwise the first-seen bytes win. Every stored segment starting at or before the new
 *    one covers a prefix of it, so "old wins" is exactly [start, max end of those) and the
 *    rest of the new segment is written.
 *  - Memory: blocks and records grow in steps up to `memcap` bytes (BLOCK_SIZE per block,
 *    SEGMENT_BYTES per record); an insert that would pass it is refused and counted by the
 *    caller (tcp.segment_memcap_drop). Nothing here throws on any input.
 *  - Allocation: pieces up to LOOP_COPY_MAX bytes are copied by a loop; longer ones with
 *    TypedArray.set over a subarray view of the source (one small view per piece: Buffer.copy
 *    makes the same view internally on Node 20, and a byte loop is several times slower for
 *    full-size segments). Nothing else is allocated
 *    per packet; pools grow in steps and are reused.
 */
import { BLOCK_SIZE, SEGMENT_BYTES } from './stream-config.js';

const BLOCKS_PER_CHUNK = 64;
const INITIAL_SEGMENTS = 1024;

/** insert() results. */
export const InsertResult = {
  Ok: 0,
  /** Every byte was already stored by earlier segments (retransmission). */
  Duplicate: 1,
  /** Refused: the memcap would be passed. */
  Memcap: 2,
} as const;

export class SegmentStore {
  readonly memcap: number;
  /** Bytes charged now (blocks and records). */
  memuse = 0;
  /** Overlaps seen by the last insert(), and bytes there that differed (when compared). */
  lastOverlaps = 0;
  lastDiffBytes = 0;
  /** Compare bytes where the old data wins (check-overlap-different-data). */
  compareOverlaps = false;

  // ---- per direction (index = slot*2 + dir) ----
  private readonly segHead: Int32Array;
  private readonly segTail: Int32Array;
  /** Largest segment end stored in the direction (fast path for in-order data). */
  private readonly maxEnd: Float64Array;
  private readonly blockHead: Int32Array;
  /** Last block touched: lists are walked from it when it lies before the target. */
  private readonly blockHint: Int32Array;

  // ---- segment pool ----
  private segStart = new Float64Array(INITIAL_SEGMENTS);
  private segEnd = new Float64Array(INITIAL_SEGMENTS);
  private segNext = new Int32Array(INITIAL_SEGMENTS);
  private segFree = -1;
  private segCount = 0;

  // ---- block pool ----
  private chunks: Uint8Array[] = [];
  private blockOff = new Float64Array(BLOCKS_PER_CHUNK);
  private blockNext = new Int32Array(BLOCKS_PER_CHUNK);
  private blockFree = -1;
  private blockCount = 0;

  constructor(directions: number, memcap: number) {
    this.memcap = memcap;
    this.segHead = new Int32Array(directions).fill(-1);
    this.segTail = new Int32Array(directions).fill(-1);
    this.maxEnd = new Float64Array(directions);
    this.blockHead = new Int32Array(directions).fill(-1);
    this.blockHint = new Int32Array(directions).fill(-1);
  }

  /** Bytes available for storing right now without reuse, for tests. */
  get segmentsInUse(): number {
    let n = this.segCount;
    for (let s = this.segFree; s >= 0; s = this.segNext[s]!) n--;
    return n;
  }

  get blocksInUse(): number {
    let n = this.blockCount;
    for (let b = this.blockFree; b >= 0; b = this.blockNext[b]!) n--;
    return n;
  }

  hasData(k: number): boolean {
    return this.segHead[k]! >= 0;
  }

  /**
   * Store data[off, off+len) at stream offset `start` in direction k. Returns InsertResult.
   * The caller has already clipped the segment to what may be stored (base, depth).
   */
  insert(k: number, start: number, data: Uint8Array, off: number, len: number): number {
    this.lastOverlaps = 0;
    this.lastDiffBytes = 0;
    if (len <= 0) return InsertResult.Duplicate;
    const end = start + len;
    // Memory: at worst one record and ceil(len/BLOCK)+1 new blocks.
    const worst = SEGMENT_BYTES + (Math.floor(len / BLOCK_SIZE) + 2) * BLOCK_SIZE;
    if (this.memuse + worst > this.memcap && !this.fitsExactly(k, start, end)) return InsertResult.Memcap;

    if (start >= this.maxEnd[k]! || this.segHead[k]! < 0) {
      // In order (or first): no overlap possible, append.
      this.writeBytes(k, start, data, off, len);
      this.appendRecord(k, start, end);
      this.maxEnd[k] = end;
      return InsertResult.Ok;
    }

    // Walk: old wins over [start, keepEnd) where keepEnd = max end of segments starting <= start.
    let keepEnd = start;
    let prev = -1;
    let s = this.segHead[k]!;
    let overlaps = 0;
    while (s >= 0) {
      const ss = this.segStart[s]!;
      const se = this.segEnd[s]!;
      if (ss > start || (ss === start && se > end)) break;
      if (se > start) {
        overlaps++;
        if (se > keepEnd) keepEnd = se;
      }
      prev = s;
      s = this.segNext[s]!;
    }
    // Segments starting after the new one: new data wins where they overlap.
    for (let t = s; t >= 0; t = this.segNext[t]!) {
      const ts = this.segStart[t]!;
      if (ts >= end) break;
      overlaps++;
    }
    this.lastOverlaps = overlaps;
    if (keepEnd >= end) {
      if (this.compareOverlaps) this.lastDiffBytes = this.countDiff(k, start, end, data, off);
      return InsertResult.Duplicate;
    }
    if (this.compareOverlaps) {
      this.lastDiffBytes = this.countDiff(k, start, keepEnd, data, off) + this.countDiffStored(k, keepEnd, end, data, off + (keepEnd - start));
    }
    this.writeBytes(k, keepEnd, data, off + (keepEnd - start), end - keepEnd);
    // Insert the record after `prev`.
    const r = this.newRecord(start, end);
    if (prev < 0) {
      this.segNext[r] = this.segHead[k]!;
      this.segHead[k] = r;
    } else {
      this.segNext[r] = this.segNext[prev]!;
      this.segNext[prev] = r;
    }
    if (this.segNext[r] === -1) this.segTail[k] = r;
    if (end > this.maxEnd[k]!) this.maxEnd[k] = end;
    return InsertResult.Ok;
  }

  /** Under memcap pressure: would the insert need no new memory? (never: records cost) */
  private fitsExactly(_k: number, _start: number, _end: number): boolean {
    return false;
  }

  /**
   * End of the data contiguous from `from` (== from when `from` is not stored).
   */
  contiguousEnd(k: number, from: number): number {
    let cur = from;
    for (let s = this.segHead[k]!; s >= 0; s = this.segNext[s]!) {
      const ss = this.segStart[s]!;
      if (ss > cur) break;
      const se = this.segEnd[s]!;
      if (se > cur) cur = se;
    }
    return cur;
  }

  /** First stored offset at or after `from`, -1 when nothing is stored there. */
  nextDataAt(k: number, from: number): number {
    let best = -1;
    for (let s = this.segHead[k]!; s >= 0; s = this.segNext[s]!) {
      const ss = this.segStart[s]!;
      const se = this.segEnd[s]!;
      if (se <= from) continue;
      const c = ss > from ? ss : from;
      if (best < 0 || c < best) best = c;
      if (ss > from) break;
    }
    return best;
  }

  /** Highest stored end in direction k (0 when empty). */
  storedEnd(k: number): number {
    return this.segHead[k]! < 0 ? 0 : this.maxEnd[k]!;
  }

  /** Copy stored bytes [start, start+len) into out[outOff..]. Bytes never stored read as 0. */
  read(k: number, start: number, len: number, out: Uint8Array, outOff: number): void {
    let pos = start;
    const end = start + len;
    while (pos < end) {
      const bo = pos - (pos % BLOCK_SIZE);
      const b = this.findBlock(k, bo, false);
      const inBlock = pos - bo;
      const n = Math.min(BLOCK_SIZE - inBlock, end - pos);
      const o = outOff + (pos - start);
      if (b < 0) out.fill(0, o, o + n);
      else {
        const ch = this.chunks[(b / BLOCKS_PER_CHUNK) | 0]!;
        const base = (b % BLOCKS_PER_CHUNK) * BLOCK_SIZE + inBlock;
        copyBytes(out, o, ch, base, n);
      }
      pos += n;
    }
  }

  /** Free every segment and block wholly before offset `x`. */
  releaseBefore(k: number, x: number): void {
    let s = this.segHead[k]!;
    while (s >= 0 && this.segEnd[s]! <= x) {
      const nx = this.segNext[s]!;
      this.freeRecord(s);
      s = nx;
    }
    this.segHead[k] = s;
    if (s < 0) {
      this.segTail[k] = -1;
      this.maxEnd[k] = 0;
    }
    let b = this.blockHead[k]!;
    while (b >= 0 && this.blockOff[b]! + BLOCK_SIZE <= x) {
      const nx = this.blockNext[b]!;
      if (this.blockHint[k] === b) this.blockHint[k] = -1;
      this.freeBlock(b);
      b = nx;
    }
    this.blockHead[k] = b;
  }

  /** Free everything of direction k. */
  clear(k: number): void {
    let s = this.segHead[k]!;
    while (s >= 0) {
      const nx = this.segNext[s]!;
      this.freeRecord(s);
      s = nx;
    }
    this.segHead[k] = -1;
    this.segTail[k] = -1;
    this.maxEnd[k] = 0;
    let b = this.blockHead[k]!;
    while (b >= 0) {
      const nx = this.blockNext[b]!;
      this.freeBlock(b);
      b = nx;
    }
    this.blockHead[k] = -1;
    this.blockHint[k] = -1;
  }

  // ------------------------------------------------------------------ internals

  private appendRecord(k: number, start: number, end: number): void {
    const r = this.newRecord(start, end);
    const t = this.segTail[k]!;
    if (t < 0) this.segHead[k] = r;
    else this.segNext[t] = r;
    this.segTail[k] = r;
  }

  private newRecord(start: number, end: number): number {
    let r = this.segFree;
    if (r >= 0) this.segFree = this.segNext[r]!;
    else {
      if (this.segCount === this.segStart.length) this.growSegments();
      r = this.segCount++;
    }
    this.segStart[r] = start;
    this.segEnd[r] = end;
    this.segNext[r] = -1;
    this.memuse += SEGMENT_BYTES;
    return r;
  }

  private freeRecord(r: number): void {
    this.segNext[r] = this.segFree;
    this.segFree = r;
    this.memuse -= SEGMENT_BYTES;
  }

  private growSegments(): void {
    const n = this.segStart.length * 2;
    const a = new Float64Array(n);
    a.set(this.segStart);
    this.segStart = a;
    const b = new Float64Array(n);
    b.set(this.segEnd);
    this.segEnd = b;
    const c = new Int32Array(n);
    c.set(this.segNext);
    this.segNext = c;
  }

  private newBlock(off: number): number {
    let b = this.blockFree;
    if (b >= 0) this.blockFree = this.blockNext[b]!;
    else {
      if (this.blockCount === this.chunks.length * BLOCKS_PER_CHUNK) {
        this.chunks.push(new Uint8Array(BLOCKS_PER_CHUNK * BLOCK_SIZE));
        if (this.blockOff.length < this.chunks.length * BLOCKS_PER_CHUNK) {
          const n = this.blockOff.length * 2;
          const a = new Float64Array(n);
          a.set(this.blockOff);
          this.blockOff = a;
          const c = new Int32Array(n);
          c.set(this.blockNext);
          this.blockNext = c;
        }
      }
      b = this.blockCount++;
    }
    this.blockOff[b] = off;
    this.blockNext[b] = -1;
    this.memuse += BLOCK_SIZE;
    return b;
  }

  private freeBlock(b: number): void {
    this.blockNext[b] = this.blockFree;
    this.blockFree = b;
    this.memuse -= BLOCK_SIZE;
  }

  /** Block of direction k starting at stream offset `bo`; created (in order) when `create`. */
  private findBlock(k: number, bo: number, create: boolean): number {
    let prev = -1;
    let b = this.blockHead[k]!;
    const h = this.blockHint[k]!;
    if (h >= 0 && this.blockOff[h]! <= bo) {
      if (this.blockOff[h] === bo) return h;
      prev = h;
      b = this.blockNext[h]!;
    }
    while (b >= 0 && this.blockOff[b]! < bo) {
      prev = b;
      b = this.blockNext[b]!;
    }
    if (b >= 0 && this.blockOff[b] === bo) {
      this.blockHint[k] = b;
      return b;
    }
    if (!create) return -1;
    const nb = this.newBlock(bo);
    this.blockNext[nb] = b;
    if (prev < 0) this.blockHead[k] = nb;
    else this.blockNext[prev] = nb;
    this.blockHint[k] = nb;
    return nb;
  }

  private writeBytes(k: number, start: number, data: Uint8Array, off: number, len: number): void {
    let pos = start;
    const end = start + len;
    while (pos < end) {
      const bo = pos - (pos % BLOCK_SIZE);
      const b = this.findBlock(k, bo, true);
      const inBlock = pos - bo;
      const n = Math.min(BLOCK_SIZE - inBlock, end - pos);
      const ch = this.chunks[(b / BLOCKS_PER_CHUNK) | 0]!;
      const base = (b % BLOCKS_PER_CHUNK) * BLOCK_SIZE + inBlock;
      const src = off + (pos - start);
      copyBytes(ch, base, data, src, n);
      pos += n;
    }
  }

  /** Bytes of data (new) that differ from the stored ones over [from, to). */
  private countDiff(k: number, from: number, to: number, data: Uint8Array, dataOffAtStart: number): number {
    // data index of stream offset `from` is dataOffAtStart + (from - segStart); callers pass
    // the segment start as `from` here.
    return this.compareRange(k, from, to, data, dataOffAtStart);
  }

  private countDiffStored(k: number, from: number, to: number, data: Uint8Array, dataOff: number): number {
    return this.compareRange(k, from, to, data, dataOff);
  }

  private compareRange(k: number, from: number, to: number, data: Uint8Array, dataOff: number): number {
    let diff = 0;
    for (let s = this.segHead[k]!; s >= 0; s = this.segNext[s]!) {
      const a = Math.max(from, this.segStart[s]!);
      const z = Math.min(to, this.segEnd[s]!);
      for (let pos = a; pos < z; pos++) {
        const bo = pos - (pos % BLOCK_SIZE);
        const b = this.findBlock(k, bo, false);
        if (b < 0) continue;
        const ch = this.chunks[(b / BLOCKS_PER_CHUNK) | 0]!;
        if (ch[(b % BLOCKS_PER_CHUNK) * BLOCK_SIZE + (pos - bo)] !== data[dataOff + (pos - from)]) diff++;
      }
    }
    return diff;
  }
}

/**
 * Below this many bytes a copy is a plain loop: TypedArray.set needs a subarray view of the
 * source, one small object per copy, and most segments are short. Longer copies take the view
 * (memcpy speed; one short-lived object per copy).
 */
const LOOP_COPY_MAX = 256;

function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, n: number): void {
  if (n <= LOOP_COPY_MAX) {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!;
  } else dst.set(src.subarray(srcOff, srcOff + n), dstOff);
}
