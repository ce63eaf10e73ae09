/**
 * A single-producer single-consumer ring of frames over SharedArrayBuffers: how the reading
 * thread hands packets to one worker thread (replay --workers) without a postMessage, an object
 * or a copy into a message per frame.
 *
 * Layout: `ctl` (Int32Array) holds free-running byte counters head (producer) and tail
 * (consumer), whose difference is the bytes in use; `data` holds records at 8-byte aligned
 * positions (counter & mask). A record is a 64-byte header then the frame's bytes:
 *
 *   i32[0] caplen (-1: skip to the ring's start)   i32[1] wirelen   i32[2] link type (or a
 *   HASH_START_* tunnel kind)   i32[3] tsNsec   f64[2] tsSec   f64[3] frame number
 *   i32[8] outer IP version   i32[9] outer src4   i32[10] outer dst4   i32[11] sport<<16|dport
 *   i32[12..15] outer src6
 *
 * A record never wraps: when it does not fit before the end, a skip marker is written and it
 * starts at 0. Backpressure: the producer waits (Atomics.wait with a short timeout, so the
 * reading thread can drain its workers' messages meanwhile) when the ring is full; the consumer
 * waits on head when it is empty. Each side wakes the other only when it said it was waiting,
 * and in batches: the producer publishes head every PUBLISH_EVERY records (and before it waits,
 * drains or closes), the consumer wakes a waiting producer once half the ring is free. A wake
 * per record would cost a futex call and a context switch per packet.
 */

/** Records between two publications of head. */
const PUBLISH_EVERY = 32;

export const RECORD_HEADER_BYTES = 64;

/** Buffer's native copy works on any Uint8Array and, unlike set(subarray()), allocates nothing. */
const copyBytes = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

/** Atomics.waitAsync (V8 since Node 16; not in TypeScript's ES2022 library). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: unknown } }).waitAsync;

const enum Ctl {
  Head = 0,
  Tail = 1,
  Closed = 2,
  ConsumerWaiting = 3,
  ProducerWaiting = 4,
  /** Packet time (seconds, uint32) of the last frame of the whole input, set at close. */
  EndSec = 5,
  /**
   * A ring running the other way (a worker's pcap frames to the main thread): the frame number
   * (| 0) up to which the worker has handled its input, so the main thread can tell that no
   * record with a smaller number is still to come.
   */
  Progress = 6,
  Count = 8,
}

/** What a worker needs to attach to a ring (structured-cloneable: SharedArrayBuffers). */
export interface FrameRingShared {
  ctl: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export class FrameRing {
  readonly ctl: Int32Array;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly capacity: number;
  private readonly mask: number;
  /** The side's own copy of its counter (only it writes it). */
  private head = 0;
  private tail = 0;
  /** Frames pushed / times the producer found the ring full (main's statistics). */
  pushed = 0;
  /** Consumer: frame number of the last record consumeRing handed to the pipeline. */
  consumedFrameNo = 0;
  /** Records written since head was last published. */
  private unpublished = 0;
  fullWaits = 0;

  constructor(readonly shared: FrameRingShared) {
    this.ctl = new Int32Array(shared.ctl);
    this.u8 = new Uint8Array(shared.data);
    this.i32 = new Int32Array(shared.data);
    this.f64 = new Float64Array(shared.data);
    this.capacity = shared.data.byteLength;
    this.mask = this.capacity - 1;
    this.head = Atomics.load(this.ctl, Ctl.Head);
    this.tail = Atomics.load(this.ctl, Ctl.Tail);
  }

  /** A new ring of `capacity` bytes (a power of two, at least 64 KiB). */
  static create(capacity: number): FrameRing {
    let cap = 1 << 16;
    while (cap < capacity) cap *= 2;
    return new FrameRing({ ctl: new SharedArrayBuffer(Ctl.Count * 4), data: new SharedArrayBuffer(cap) });
  }

  /** The largest frame a record can carry (a bigger one is cut to this). */
  get maxFrameBytes(): number {
    return (this.capacity >>> 2) - RECORD_HEADER_BYTES;
  }

  // ------------------------------------------------------------------ producer

  /**
   * Reserve room for a record of `len` frame bytes. Returns its header position (bytes) or -1
   * when the ring is full (then waitForRoom and try again). Fill the header and bytes, then commit.
   */
  reserve(len: number): number {
    const need = (RECORD_HEADER_BYTES + len + 7) & ~7;
    const tail = Atomics.load(this.ctl, Ctl.Tail);
    let head = this.head;
    const pos = head & this.mask;
    const toEnd = this.capacity - pos;
    const pad = need > toEnd ? toEnd : 0;
    if (this.capacity - ((head - tail) | 0) < pad + need) return -1;
    if (pad > 0) {
      this.i32[pos >>> 2] = -1;
      head = (head + pad) | 0;
      this.head = head;
    }
    return head & this.mask;
  }

  /** Publish the record reserved at `pos` holding `len` frame bytes. */
  commit(pos: number, len: number): void {
    this.i32[pos >>> 2] = len;
    const need = (RECORD_HEADER_BYTES + len + 7) & ~7;
    this.head = (this.head + need) | 0;
    this.pushed++;
    if (++this.unpublished >= PUBLISH_EVERY) this.publish();
  }

  /** Make the records written so far visible to the consumer (and wake it if it waits). */
  publish(): void {
    this.unpublished = 0;
    Atomics.store(this.ctl, Ctl.Head, this.head);
    if (Atomics.load(this.ctl, Ctl.ConsumerWaiting) !== 0) Atomics.notify(this.ctl, Ctl.Head);
  }

  /** Copy a frame in (one call: reserve + header + bytes + commit). False when the ring is full. */
  pushFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number, frameNo: number): boolean {
    const len = caplen < this.maxFrameBytes ? caplen : this.maxFrameBytes;
    const pos = this.reserve(len);
    if (pos < 0) return false;
    const w = pos >>> 2;
    const i32 = this.i32;
    i32[w + 1] = wirelen;
    i32[w + 2] = linktype;
    i32[w + 3] = tsNsec;
    this.f64[(pos >>> 3) + 2] = tsSec;
    this.f64[(pos >>> 3) + 3] = frameNo;
    copyBytes.call(buf, this.u8, pos + RECORD_HEADER_BYTES, offset, offset + len);
    this.commit(pos, len);
    return true;
  }

  /**
   * Copy a tunnel datagram in (serve's dispatching receiver): `start` is HASH_START_VXLAN or
   * HASH_START_GENEVE (decode/inner-flow-hash.ts), with the outer tuple it arrived with.
   * False when the ring is full.
   */
  pushDatagram(
    buf: Uint8Array,
    offset: number,
    length: number,
    start: number,
    outerIpVersion: number,
    outerSrc4: number,
    outerDst4: number,
    outerSrc6: Uint32Array | null,
    outerSport: number,
    outerDport: number,
    tsSec: number,
    tsNsec: number,
  ): boolean {
    const len = length < this.maxFrameBytes ? length : this.maxFrameBytes;
    const pos = this.reserve(len);
    if (pos < 0) return false;
    const w = pos >>> 2;
    const i32 = this.i32;
    i32[w + 1] = len;
    i32[w + 2] = start;
    i32[w + 3] = tsNsec;
    this.f64[(pos >>> 3) + 2] = tsSec;
    this.f64[(pos >>> 3) + 3] = 0;
    i32[w + 8] = outerIpVersion;
    i32[w + 9] = outerSrc4;
    i32[w + 10] = outerDst4;
    i32[w + 11] = ((outerSport & 0xffff) << 16) | (outerDport & 0xffff);
    if (outerSrc6 !== null) {
      i32[w + 12] = outerSrc6[0]! | 0;
      i32[w + 13] = outerSrc6[1]! | 0;
      i32[w + 14] = outerSrc6[2]! | 0;
      i32[w + 15] = outerSrc6[3]! | 0;
    }
    copyBytes.call(buf, this.u8, pos + RECORD_HEADER_BYTES, offset, offset + len);
    this.commit(pos, len);
    return true;
  }

  /** Producer: publish the records so far, then say the input is handled up to `frameNo`. */
  setProgress(frameNo: number): void {
    this.publish();
    Atomics.store(this.ctl, Ctl.Progress, frameNo | 0);
  }

  /** Consumer: the producer's progress (frame number | 0), read before peek(). */
  get progress(): number {
    return Atomics.load(this.ctl, Ctl.Progress);
  }

  /** Wait (at most `ms`) for the consumer to free room. */
  waitForRoom(ms: number): void {
    this.publish();
    this.fullWaits++;
    const tail = Atomics.load(this.ctl, Ctl.Tail);
    Atomics.store(this.ctl, Ctl.ProducerWaiting, 1);
    Atomics.wait(this.ctl, Ctl.Tail, tail, ms);
    Atomics.store(this.ctl, Ctl.ProducerWaiting, 0);
  }

  /**
   * No more records: the consumer ends once it has taken what is in the ring. `endSec`: the
   * packet time the whole input reached (every worker times out its flows up to it).
   */
  close(endSec = 0): void {
    this.publish();
    Atomics.store(this.ctl, Ctl.EndSec, endSec | 0);
    Atomics.store(this.ctl, Ctl.Closed, 1);
    Atomics.notify(this.ctl, Ctl.Head);
  }

  /** Bytes in the ring (queue depth). */
  get used(): number {
    return (Atomics.load(this.ctl, Ctl.Head) - Atomics.load(this.ctl, Ctl.Tail)) | 0;
  }

  // ------------------------------------------------------------------ consumer

  /** Header position of the next record, or -1 when the ring is empty. */
  peek(): number {
    for (;;) {
      const head = Atomics.load(this.ctl, Ctl.Head);
      if (head === this.tail) return -1;
      const pos = this.tail & this.mask;
      if (this.i32[pos >>> 2] !== -1) return pos;
      this.tail = (this.tail + (this.capacity - pos)) | 0;
    }
  }

  /** Free the record at `pos` (returned by peek) after its bytes were used or copied. */
  release(pos: number): void {
    const need = (RECORD_HEADER_BYTES + this.i32[pos >>> 2]! + 7) & ~7;
    this.tail = (this.tail + need) | 0;
    Atomics.store(this.ctl, Ctl.Tail, this.tail);
    // Wake a waiting producer once half the ring is free, not at every record.
    if (Atomics.load(this.ctl, Ctl.ProducerWaiting) !== 0 && ((Atomics.load(this.ctl, Ctl.Head) - this.tail) | 0) <= this.capacity >>> 1) Atomics.notify(this.ctl, Ctl.Tail);
  }

  /** The producer closed the ring (records may remain: check peek first). */
  get closed(): boolean {
    return Atomics.load(this.ctl, Ctl.Closed) !== 0;
  }

  /** The packet time the whole input reached (valid once closed). */
  get endSec(): number {
    return Atomics.load(this.ctl, Ctl.EndSec) >>> 0;
  }

  /** Wait (at most `ms`) for a record or the close. */
  waitForData(ms: number): void {
    Atomics.store(this.ctl, Ctl.ConsumerWaiting, 1);
    if (Atomics.load(this.ctl, Ctl.Closed) === 0) Atomics.wait(this.ctl, Ctl.Head, this.tail, ms);
    Atomics.store(this.ctl, Ctl.ConsumerWaiting, 0);
  }

  /**
   * The same without blocking the thread (serve's workers answer messages and run timers while
   * their ring is empty): resolves on a record, the close, or after `ms`.
   */
  async waitForDataAsync(ms: number): Promise<void> {
    Atomics.store(this.ctl, Ctl.ConsumerWaiting, 1);
    if (Atomics.load(this.ctl, Ctl.Closed) === 0) {
      const w = waitAsync(this.ctl, Ctl.Head, this.tail, ms);
      if (w.async) await w.value;
    }
    Atomics.store(this.ctl, Ctl.ConsumerWaiting, 0);
  }

  // Header fields of the record at `pos`.
  caplen(pos: number): number {
    return this.i32[pos >>> 2]!;
  }
  wirelen(pos: number): number {
    return this.i32[(pos >>> 2) + 1]!;
  }
  linktype(pos: number): number {
    return this.i32[(pos >>> 2) + 2]!;
  }
  tsNsec(pos: number): number {
    return this.i32[(pos >>> 2) + 3]!;
  }
  tsSec(pos: number): number {
    return this.f64[(pos >>> 3) + 2]!;
  }
  frameNo(pos: number): number {
    return this.f64[(pos >>> 3) + 3]!;
  }
  outerIpVersion(pos: number): number {
    return this.i32[(pos >>> 2) + 8]!;
  }
  outerSrc4(pos: number): number {
    return this.i32[(pos >>> 2) + 9]!;
  }
  outerDst4(pos: number): number {
    return this.i32[(pos >>> 2) + 10]!;
  }
  outerSport(pos: number): number {
    return this.i32[(pos >>> 2) + 11]! >>> 16;
  }
  outerDport(pos: number): number {
    return this.i32[(pos >>> 2) + 11]! & 0xffff;
  }
  /** The outer IPv6 source into `out` (4 words). */
  outerSrc6(pos: number, out: Uint32Array): void {
    const w = (pos >>> 2) + 12;
    for (let i = 0; i < 4; i++) out[i] = this.i32[w + i]!;
  }
}
