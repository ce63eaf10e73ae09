/**
 * A compiled set of IPv4/IPv6 CIDR blocks for the per-packet path: IPv4 as inclusive u32
 * ranges, IPv6 as (prefix words, mask words) quads in flat Uint32Arrays. Membership tests
 * allocate nothing. Sets here are small (an ENI's addresses, an allow-list), so a linear scan
 * beats anything cleverer.
 */
import { maskWord, type ParsedCidr } from '../net/cidr.js';

export class AddressSet {
  private readonly lo4: Float64Array;
  private readonly hi4: Float64Array;
  private readonly net6: Uint32Array;
  private readonly mask6: Uint32Array;
  readonly count4: number;
  readonly count6: number;

  constructor(cidrs: readonly ParsedCidr[]) {
    const v4 = cidrs.filter((c) => c.family === 4);
    const v6 = cidrs.filter((c) => c.family === 6);
    this.count4 = v4.length;
    this.count6 = v6.length;
    this.lo4 = new Float64Array(v4.length);
    this.hi4 = new Float64Array(v4.length);
    v4.forEach((c, i) => {
      const m = maskWord(c.prefix, 0);
      this.lo4[i] = c.words[0] >>> 0;
      this.hi4[i] = (c.words[0] | ~m) >>> 0;
    });
    this.net6 = new Uint32Array(v6.length * 4);
    this.mask6 = new Uint32Array(v6.length * 4);
    v6.forEach((c, i) => {
      for (let w = 0; w < 4; w++) {
        this.net6[i * 4 + w] = c.words[w]!;
        this.mask6[i * 4 + w] = maskWord(c.prefix, w);
      }
    });
  }

  get empty(): boolean {
    return this.count4 === 0 && this.count6 === 0;
  }

  /** `addr` is an unsigned (or signed: normalised here) 32-bit IPv4 address. */
  has4(addr: number): boolean {
    const a = addr >>> 0;
    const lo = this.lo4;
    const hi = this.hi4;
    for (let i = 0; i < lo.length; i++) {
      if (a >= lo[i]! && a <= hi[i]!) return true;
    }
    return false;
  }

  /** `words`: four network-order 32-bit words starting at `off`. */
  has6(words: Uint32Array, off = 0): boolean {
    const net = this.net6;
    const mask = this.mask6;
    for (let i = 0; i < net.length; i += 4) {
      if (
        ((words[off]! & mask[i]!) >>> 0) === net[i] &&
        ((words[off + 1]! & mask[i + 1]!) >>> 0) === net[i + 1] &&
        ((words[off + 2]! & mask[i + 2]!) >>> 0) === net[i + 2] &&
        ((words[off + 3]! & mask[i + 3]!) >>> 0) === net[i + 3]
      ) {
        return true;
      }
    }
    return false;
  }
}
