/**
 * pcapng 64-bit timestamps → whole seconds + nanoseconds, exactly.
 *
 * An interface's if_tsresol is 10^-k or 2^-k units per second (k up to 19 / 63, the limits
 * libpcap accepts, so one unit count fits 64 bits) and if_tsoffset adds whole seconds. The
 * converter is built once per interface (BigInt allowed there); `convert()` runs per packet and
 * uses only double arithmetic that stays exact: the 64-bit count is split into four 16-bit
 * limbs and divided by divisors below 2^34 (or, for 2^-k units, shifted and multiplied limb by
 * limb), so every intermediate stays below 2^53.
 *
 * Nanoseconds are truncated, as libpcap and Wireshark do for resolutions finer than 1 ns.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_16 = 65536;
/** Below this the whole count is an exact double and one division (plus a fix-up) suffices. */
const EXACT_HI_LIMIT = 0x100000;

/** Largest exponents libpcap accepts (10^19 and 2^63 units per second still fit 64 bits). */
export const MAX_DECIMAL_TSRESOL = 19;
export const MAX_BINARY_TSRESOL = 63;

/** Decodes an if_tsresol byte: bit 7 set → 2^-n, clear → 10^-n. */
export function describeTsresol(tsresol: number): { binary: boolean; exponent: number } {
  return { binary: (tsresol & 0x80) !== 0, exponent: tsresol & 0x7f };
}

/** True when the exponent is one this converter (and libpcap) supports. */
export function isSupportedTsresol(tsresol: number): boolean {
  const { binary, exponent } = describeTsresol(tsresol);
  return binary ? exponent <= MAX_BINARY_TSRESOL : exponent <= MAX_DECIMAL_TSRESOL;
}

// Scratch limbs for the binary fraction product (r × 10^9 needs up to 94 bits = 6 limbs).
const product = new Float64Array(6);

export class TimestampConverter {
  /** Output of the last convert(). */
  sec = 0;
  nsec = 0;

  private readonly binary: boolean;
  /** Binary: the exponent k (units = 2^k per second). */
  private readonly shift: number;
  /** Decimal: count is first divided by preDivisor (10^(k-9) when k > 9, else 1)... */
  private readonly preDivisor: number;
  /** ...then by unitsPerSecond (10^min(k, 9)); the remainder times nsecPerUnit is the ns. */
  private readonly unitsPerSecond: number;
  private readonly nsecPerUnit: number;
  private readonly offsetSec: number;
  /** Binary: 2^(k-32) or 2^k, and 2^(k mod 16) for the last step of the fraction. */
  private readonly binaryUnit: number;
  private readonly fractionShiftDivisor: number;
  /** Binary, k < 32: seconds per unit of the high word, 2^(32-k). */
  private readonly hiWordSeconds: number;

  /**
   * @param tsresol the raw if_tsresol byte (default 6 = microseconds)
   * @param tsoffset if_tsoffset in seconds (signed 64-bit)
   */
  constructor(tsresol = 6, tsoffset: bigint = 0n) {
    if (!isSupportedTsresol(tsresol)) throw new RangeError(`unsupported if_tsresol 0x${tsresol.toString(16)}`);
    const { binary, exponent } = describeTsresol(tsresol);
    this.binary = binary;
    this.shift = exponent;
    const decimalSecondDigits = Math.min(exponent, 9);
    this.preDivisor = binary ? 1 : Number(10n ** BigInt(exponent - decimalSecondDigits));
    this.unitsPerSecond = binary ? 1 : Number(10n ** BigInt(decimalSecondDigits));
    this.nsecPerUnit = binary ? 0 : Number(10n ** BigInt(9 - decimalSecondDigits));
    this.offsetSec = Number(tsoffset);
    this.binaryUnit = exponent >= 32 ? 2 ** (exponent - 32) : 2 ** exponent;
    this.fractionShiftDivisor = 2 ** (exponent & 15);
    this.hiWordSeconds = exponent < 32 ? 2 ** (32 - exponent) : 0;
  }

  /**
   * Converts the unit count hi·2^32 + lo into `sec` and `nsec`. The words may be passed signed
   * (DataView.getInt32): V8 passes 32-bit signed integers as small integers, while an unsigned
   * word above 2^31 would be boxed in a fresh heap number on every call.
   */
  convert(hiWord: number, loWord: number): void {
    if (this.binary) this.convertBinary(hiWord, loWord);
    else this.convertDecimal(hiWord, loWord);
    this.sec += this.offsetSec;
  }

  private convertDecimal(hiWord: number, loWord: number): void {
    const hi = hiWord >>> 0;
    const lo = loWord >>> 0;
    const units = this.unitsPerSecond;
    if (this.preDivisor === 1 && hi < EXACT_HI_LIMIT) {
      // Common case (e.g. µs since 1970): the count is an exact double below 2^52.
      const count = hi * TWO_POW_32 + lo;
      let s = Math.floor(count / units);
      let r = count - s * units;
      if (r < 0) {
        s -= 1;
        r += units;
      } else if (r >= units) {
        s += 1;
        r -= units;
      }
      this.sec = s;
      this.nsec = r * this.nsecPerUnit;
      return;
    }
    // Long division by 16-bit limbs: remainder < 2^34, so remainder·2^16 + limb < 2^50.
    let d3 = hi >>> 16;
    let d2 = hi & 0xffff;
    let d1 = lo >>> 16;
    let d0 = lo & 0xffff;
    const pre = this.preDivisor;
    if (pre !== 1) {
      let cur = d3;
      d3 = Math.floor(cur / pre);
      cur = (cur - d3 * pre) * TWO_POW_16 + d2;
      d2 = Math.floor(cur / pre);
      cur = (cur - d2 * pre) * TWO_POW_16 + d1;
      d1 = Math.floor(cur / pre);
      cur = (cur - d1 * pre) * TWO_POW_16 + d0;
      d0 = Math.floor(cur / pre); // each quotient limb is < 2^16 because cur < pre·2^16
    }
    let cur = d3;
    const q3 = Math.floor(cur / units);
    cur = (cur - q3 * units) * TWO_POW_16 + d2;
    const q2 = Math.floor(cur / units);
    cur = (cur - q2 * units) * TWO_POW_16 + d1;
    const q1 = Math.floor(cur / units);
    cur = (cur - q1 * units) * TWO_POW_16 + d0;
    const q0 = Math.floor(cur / units);
    const r = cur - q0 * units;
    // Exact while the seconds fit 2^53 (any real capture).
    this.sec = ((q3 * TWO_POW_16 + q2) * TWO_POW_16 + q1) * TWO_POW_16 + q0;
    this.nsec = r * this.nsecPerUnit;
  }

  private convertBinary(hiWord: number, loWord: number): void {
    const hi = hiWord >>> 0;
    const lo = loWord >>> 0;
    const k = this.shift;
    // Seconds = count >> k; the fraction r = count mod 2^k is kept as hi/lo words.
    let rHi: number;
    let rLo: number;
    if (k >= 32) {
      const hiUnit = this.binaryUnit;
      this.sec = Math.floor(hi / hiUnit);
      rHi = hi - this.sec * hiUnit;
      rLo = lo;
    } else {
      const unit = this.binaryUnit;
      const loSec = Math.floor(lo / unit);
      this.sec = hi * this.hiWordSeconds + loSec;
      rHi = 0;
      rLo = lo - loSec * unit;
    }
    // nsec = floor(r · 10^9 / 2^k): multiply the 16-bit limbs of r by 10^9 with carries
    // (no %: a double remainder is a slow library call)...
    let t = (rLo & 0xffff) * 1e9;
    let carry = Math.floor(t / TWO_POW_16);
    product[0] = t - carry * TWO_POW_16;
    t = (rLo >>> 16) * 1e9 + carry;
    carry = Math.floor(t / TWO_POW_16);
    product[1] = t - carry * TWO_POW_16;
    t = (rHi & 0xffff) * 1e9 + carry;
    carry = Math.floor(t / TWO_POW_16);
    product[2] = t - carry * TWO_POW_16;
    t = (rHi >>> 16) * 1e9 + carry;
    carry = Math.floor(t / TWO_POW_16);
    product[3] = t - carry * TWO_POW_16;
    t = carry;
    carry = Math.floor(t / TWO_POW_16);
    product[4] = t - carry * TWO_POW_16;
    product[5] = carry;
    // ...then drop k bits: the limbs from k/16 up hold < 10^9 · 2^(k mod 16) < 2^46.
    const skipLimbs = k >>> 4;
    let top = 0;
    for (let i = 5; i >= skipLimbs; i--) top = top * TWO_POW_16 + product[i];
    this.nsec = Math.floor(top / this.fractionShiftDivisor);
  }
}
