/**
 * VNI → value map for the per-packet path: open addressing with linear probing over two
 * Int32Arrays (keys are 24-bit VNIs, -1 marks an empty slot). Built once per configuration;
 * `get` allocates nothing.
 */
export const VNI_NOT_FOUND = -1;

export class VniMap {
  private readonly keys: Int32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  private count = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap <<= 1;
    this.keys = new Int32Array(cap).fill(-1);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slot(vni: number): number {
    return (Math.imul(vni, 0x9e3779b1) >>> 8) & this.mask;
  }

  /** Insert or replace. `vni` must be 0..2^24-1. */
  set(vni: number, value: number): void {
    if (vni < 0 || vni > 0xffffff || !Number.isInteger(vni)) throw new RangeError(`VNI out of range: ${vni}`);
    if ((this.count + 1) * 2 > this.keys.length) throw new RangeError('VniMap is full: size it for the number of VNIs');
    let i = this.slot(vni);
    for (;;) {
      const k = this.keys[i]!;
      if (k === vni) {
        this.values[i] = value;
        return;
      }
      if (k === -1) {
        this.keys[i] = vni;
        this.values[i] = value;
        this.count++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The value stored for `vni`, or `notFound` (default VNI_NOT_FOUND). */
  get(vni: number, notFound = VNI_NOT_FOUND): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = (Math.imul(vni, 0x9e3779b1) >>> 8) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === vni) return this.values[i]!;
      if (k === -1) return notFound;
      i = (i + 1) & mask;
    }
  }
}
