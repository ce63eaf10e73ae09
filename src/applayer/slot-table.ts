/**
 * An object per flow slot, for the few flows that have one: an Int32Array maps slot → position in
 * a dense array that grows with the flows in use. A JS array of 2^20 entries per parser cost
 * about 12 ms and 8 MiB each to build (replay's flow table), for slots most flows never use.
 */
export class SlotTable<T> {
  /** 0: none; else position + 1 in items. */
  private readonly pos: Int32Array;
  private readonly items: (T | undefined)[] = [];
  /** Positions freed by delete, reused first. */
  private readonly holes: number[] = [];

  constructor(capacity: number) {
    this.pos = new Int32Array(capacity);
  }

  get(slot: number): T | undefined {
    const p = this.pos[slot]!;
    return p === 0 ? undefined : this.items[p - 1];
  }

  set(slot: number, v: T): T {
    let p = this.pos[slot]!;
    if (p === 0) {
      if (this.holes.length > 0) p = this.holes.pop()!;
      else {
        this.items.push(undefined);
        p = this.items.length;
      }
      this.pos[slot] = p;
    }
    this.items[p - 1] = v;
    return v;
  }

  delete(slot: number): void {
    const p = this.pos[slot]!;
    if (p === 0) return;
    this.items[p - 1] = undefined;
    this.holes.push(p);
    this.pos[slot] = 0;
  }
}
