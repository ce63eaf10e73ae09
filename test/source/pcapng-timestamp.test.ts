import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TimestampConverter, isSupportedTsresol } from '../../src/source/pcapng-timestamp.js';

const U64_MAX = (1n << 64n) - 1n;

function unitsPerSecond(tsresol: number): bigint {
  return tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
}

/** BigInt reference: whole seconds (+ offset) and truncated nanoseconds. */
function reference(count: bigint, tsresol: number, offset: bigint): [number, number] {
  const per = unitsPerSecond(tsresol);
  return [Number(count / per + offset), Number(((count % per) * 1_000_000_000n) / per)];
}

function convert(count: bigint, tsresol: number, offset: bigint): [number, number] {
  const c = new TimestampConverter(tsresol, offset);
  c.convert(Number(count >> 32n), Number(count & 0xffffffffn));
  return [c.sec, c.nsec];
}

const SUPPORTED = [...Array.from({ length: 20 }, (_, k) => k), ...Array.from({ length: 64 }, (_, k) => 0x80 | k)];

/** Counts whose seconds fit 2^53 (the API's number range), biased towards edges. */
function countFor(tsresol: number): fc.Arbitrary<bigint> {
  const per = unitsPerSecond(tsresol);
  const max = per * (1n << 53n) - 1n < U64_MAX ? per * (1n << 53n) - 1n : U64_MAX;
  return fc.oneof(
    fc.bigInt({ min: 0n, max }),
    fc.bigInt({ min: 0n, max: 1n << 40n }),
    fc.constantFrom(0n, 1n, per - 1n, per, per + 1n, (1n << 32n) - 1n, 1n << 32n, (1n << 52n) - 1n, 1n << 52n, max),
  );
}

describe('pcapng timestamp conversion', () => {
  it('accepts the resolutions libpcap accepts', () => {
    expect(SUPPORTED.every(isSupportedTsresol)).toBe(true);
    expect([20, 127, 0x80 | 64, 0xff].some(isSupportedTsresol)).toBe(false);
    expect(() => new TimestampConverter(20)).toThrow(RangeError);
  });

  it('equals a BigInt reference for every supported if_tsresol', () => {
    for (const tsresol of SUPPORTED) {
      fc.assert(
        fc.property(countFor(tsresol), fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }), (count, offset) => {
          expect(convert(count, tsresol, offset), `tsresol 0x${tsresol.toString(16)} count ${count}`).toEqual(reference(count, tsresol, offset));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('handles the boundary cases of µs and ns exactly', () => {
    expect(convert(4_294_967_296_000_000n, 6, 0n)).toEqual([4_294_967_296, 0]);
    expect(convert(4_294_967_296_000_000_000n, 9, 0n)).toEqual([4_294_967_296, 0]);
    expect(convert(U64_MAX, 9, 0n)).toEqual([18_446_744_073, 709_551_615]);
    expect(convert(U64_MAX, 6, 0n)).toEqual([18_446_744_073_709, 551_615_000]);
    expect(convert((1n << 52n) - 1n, 6, 0n)).toEqual([4_503_599_627, 370_495_000]);
    expect(convert(1n << 52n, 6, 0n)).toEqual([4_503_599_627, 370_496_000]);
    expect(convert(1_418_145_369_924_505_488n, 9, -1_418_145_369n)).toEqual([0, 924_505_488]);
  });
});
