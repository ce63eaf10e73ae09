/**
 * Flowbit state: which named bits are set on which flow. Flowbits are set on few flows, so
 * instead of a bit array per flow slot (flows × names) this is a bounded open-addressing table
 * keyed by (flow slot, bit) in typed arrays. Each entry remembers the slot's generation when
 * it was set: when the flow table reuses a slot for a new flow (generation bumped), the old
 * flow's bits read as unset and their entries are free for reuse — no clean-up pass needed.
 *
 * Probing is bounded (PROBE entries from the hash position). When every entry of a window is
 * live, the first one is overwritten and counted in `evictions` (a bit of some other flow is
 * forgotten): the table never grows and never throws.
 */
import { tableCapacity } from './table-capacity.js';

const PROBE = 16;

export class FlowbitStore {
  readonly capacity: number;
  private readonly mask: number;
  private readonly entSlot: Int32Array;
  private readonly entBit: Int32Array;
  private readonly entGen: Uint32Array;
  /** A value kept with each entry (flowint uses a store of its own as integer variables). */
  private readonly entVal: Float64Array;
  /** Live bits overwritten because their window was full. */
  evictions = 0;

  constructor(capacity = 1 << 16) {
    const c = tableCapacity(capacity);
    this.capacity = c;
    this.mask = c - 1;
    this.entSlot = new Int32Array(c).fill(-1);
    this.entBit = new Int32Array(c);
    this.entGen = new Uint32Array(c);
    this.entVal = new Float64Array(c);
  }

  private home(slot: number, bit: number): number {
    return (Math.imul(slot, 0x9e3779b1) ^ Math.imul(bit + 1, 0x85ebca77)) >>> 0;
  }

  /** Entry index holding (slot, bit) for this generation, or -1. */
  private find(slot: number, gen: number, bit: number): number {
    const h = this.home(slot, bit);
    for (let k = 0; k < PROBE; k++) {
      const e = (h + k) & this.mask;
      if (this.entSlot[e] === slot && this.entBit[e] === bit && this.entGen[e] === gen) return e;
    }
    return -1;
  }

  isSet(slot: number, gen: number, bit: number): boolean {
    return this.find(slot, gen, bit) >= 0;
  }

  /**
   * @param generations the flow table's generation array, to recognise stale entries
   */
  set(slot: number, gen: number, bit: number, generations: Uint32Array): void {
    if (this.find(slot, gen, bit) >= 0) return;
    const h = this.home(slot, bit);
    let free = -1;
    for (let k = 0; k < PROBE; k++) {
      const e = (h + k) & this.mask;
      const s = this.entSlot[e]!;
      if (s < 0 || generations[s] !== this.entGen[e]) {
        free = e;
        break;
      }
    }
    if (free < 0) {
      free = h & this.mask;
      this.evictions++;
    }
    this.entSlot[free] = slot;
    this.entBit[free] = bit;
    this.entGen[free] = gen;
  }

  /** The value of (slot, bit): NaN when not set. */
  value(slot: number, gen: number, bit: number): number {
    const e = this.find(slot, gen, bit);
    return e < 0 ? NaN : this.entVal[e]!;
  }

  /** Set (slot, bit) with a value. */
  setValue(slot: number, gen: number, bit: number, v: number, generations: Uint32Array): void {
    this.set(slot, gen, bit, generations);
    const e = this.find(slot, gen, bit);
    if (e >= 0) this.entVal[e] = v;
  }

  unset(slot: number, gen: number, bit: number): void {
    const e = this.find(slot, gen, bit);
    if (e >= 0) this.entSlot[e] = -1;
  }

  toggle(slot: number, gen: number, bit: number, generations: Uint32Array): void {
    const e = this.find(slot, gen, bit);
    if (e >= 0) this.entSlot[e] = -1;
    else this.set(slot, gen, bit, generations);
  }

  /** Every live entry (not hot): used to carry state over to a reloaded engine. */
  forEachLive(generations: Uint32Array, fn: (slot: number, gen: number, bit: number) => void): void {
    for (let e = 0; e < this.capacity; e++) {
      const s = this.entSlot[e]!;
      if (s >= 0 && generations[s] === this.entGen[e]) fn(s, this.entGen[e]!, this.entBit[e]!);
    }
  }

  /** Bits currently set for a flow (not hot: allocates; for tests/debugging). */
  bitsOf(slot: number, gen: number): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.capacity; e++) {
      if (this.entSlot[e] === slot && this.entGen[e] === gen) out.push(this.entBit[e]!);
    }
    return out.sort((a, b) => a - b);
  }
}
