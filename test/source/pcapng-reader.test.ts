import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { block, epb, idb, opb, payload, read, shb, spb, summary, thrown, type SeenFrame, removeTempFiles } from './capture-builders.js';

afterAll(removeTempFiles);

const LE = true;
const BE = false;
const ETHERNET = 1;
const NULL_LOOPBACK = 0;
const TSRESOL_NS = 9;
const TSRESOL_2_POW_MINUS_10 = 0x80 | 10;

function meta(frames: SeenFrame[]) {
  return frames.map((f) => [f.tsSec, f.tsNsec, f.caplen, f.wirelen, f.linktype]);
}

/** Reference conversion with BigInt: whole seconds and truncated ns of a unit count. */
function reference(units: bigint, unitsPerSecond: bigint, offset = 0n): [number, number] {
  return [Number(units / unitsPerSecond + offset), Number(((units % unitsPerSecond) * 1_000_000_000n) / unitsPerSecond)];
}

describe('pcapng reader', () => {
  for (const le of [LE, BE]) {
    it(`reads a ${le ? 'little' : 'big'}-endian section with the default µs resolution`, () => {
      const bytes = Buffer.concat([
        shb(le),
        idb(le, ETHERNET),
        epb(le, 0, 1_340_954_905_298_858n, payload(314, 1)),
        epb(le, 0, 1_340_954_905_299_858n, payload(97, 2), 342),
      ]);
      const { sink, result } = read(bytes, `basic-${le}.pcapng`);
      expect(result).toEqual({ format: 'pcapng', frames: 2, bytes: 314 + 97, linktypes: [ETHERNET], truncatedTail: false });
      expect(meta(sink.frames)).toEqual([
        [1_340_954_905, 298_858_000, 314, 314, ETHERNET],
        [1_340_954_905, 299_858_000, 97, 342, ETHERNET],
      ]);
      expect(sink.frames[1]!.data.equals(payload(97, 2))).toBe(true);
      expect(sink.buffers.size).toBe(1);
    });
  }

  it('gives each section its own byte order and interface list', () => {
    const bytes = Buffer.concat([
      shb(LE),
      idb(LE, ETHERNET, { tsresol: TSRESOL_NS }),
      idb(LE, NULL_LOOPBACK),
      epb(LE, 1, 5_000_001n, payload(20, 1)),
      epb(LE, 0, 1_418_145_369_924_505_488n, payload(30, 2)),
      shb(BE),
      // Interface 0 of the second section is NULL with 2^-10 s units.
      idb(BE, NULL_LOOPBACK, { tsresol: TSRESOL_2_POW_MINUS_10 }),
      epb(BE, 0, (1_700_000_000n << 10n) + 1023n, payload(40, 3)),
      shb(LE),
      idb(LE, 101, { tsresol: 3 }),
      opb(LE, 0, 1_234_567n, payload(50, 4)),
    ]);
    const { sink, result } = read(bytes, 'sections.pcapng');
    expect(result.linktypes).toEqual([ETHERNET, NULL_LOOPBACK, NULL_LOOPBACK, 101]);
    expect(meta(sink.frames)).toEqual([
      [5, 1_000, 20, 20, NULL_LOOPBACK],
      [1_418_145_369, 924_505_488, 30, 30, ETHERNET],
      [1_700_000_000, 999_023_437, 40, 40, NULL_LOOPBACK], // floor(1023 · 10^9 / 1024)
      [1_234, 567_000_000, 50, 50, 101],
    ]);
    expect(sink.frames[2]!.data.equals(payload(40, 3))).toBe(true);
  });

  it('applies if_tsresol 10^-9 and 2^-10 exactly, beyond 2^32 seconds and with if_tsoffset', () => {
    const cases: Array<{ tsresol: number; perSecond: bigint; units: bigint; offset?: bigint }> = [
      { tsresol: TSRESOL_NS, perSecond: 1_000_000_000n, units: 4_294_967_296n * 1_000_000_000n },
      { tsresol: TSRESOL_NS, perSecond: 1_000_000_000n, units: 0xffff_ffff_ffff_ffffn },
      { tsresol: TSRESOL_2_POW_MINUS_10, perSecond: 1024n, units: 0xffff_ffff_ffff_ffffn },
      { tsresol: TSRESOL_2_POW_MINUS_10, perSecond: 1024n, units: 1n },
      { tsresol: 6, perSecond: 1_000_000n, units: 1_700_000_000_123_456n, offset: -3600n },
      { tsresol: 7, perSecond: 10_000_000n, units: 17_700_157_205_405_627n, offset: 86_400n },
    ];
    for (const c of cases) {
      const bytes = Buffer.concat([shb(LE), idb(LE, ETHERNET, { tsresol: c.tsresol, tsoffset: c.offset }), epb(LE, 0, c.units, payload(8))]);
      const { sink } = read(bytes, 'tsresol.pcapng');
      expect(meta(sink.frames)[0]!.slice(0, 2), `${c.tsresol} ${c.units}`).toEqual(reference(c.units, c.perSecond, c.offset));
    }
  });

  it('sizes Simple Packet Blocks by original length, snaplen and block room, with time 0', () => {
    const bytes = Buffer.concat([
      shb(BE),
      idb(BE, ETHERNET, { snaplen: 128 }),
      spb(BE, 314, payload(128, 1)), // snaplen-cut
      spb(BE, 61, payload(61, 2)), // padded to 64: the pad is not data
      spb(BE, 100, payload(40, 3)), // block shorter than the original length
    ]);
    const { sink, result } = read(bytes, 'spb.pcapng');
    expect(meta(sink.frames)).toEqual([
      [0, 0, 128, 314, ETHERNET],
      [0, 0, 61, 61, ETHERNET],
      [0, 0, 40, 100, ETHERNET],
    ]);
    expect(result.bytes).toBe(128 + 61 + 40);
    expect(sink.frames[1]!.data.equals(payload(61, 2))).toBe(true);
  });

  it('skips name-resolution, statistics, secrets and custom blocks, even ones larger than the buffer', () => {
    const bytes = Buffer.concat([
      shb(LE),
      block(4, payload(40), LE), // NRB before any interface
      idb(LE, ETHERNET),
      block(5, payload(24), LE), // ISB
      epb(LE, 0, 1_000_000n, payload(60, 1)),
      block(0x0000000a, payload(5000), LE), // DSB, bigger than the 256-byte chunk below
      block(0x00000bad, payload(12), LE), // custom
      block(0x40000bad, payload(0), LE),
      epb(LE, 0, 2_000_000n, payload(61, 2)),
    ]);
    for (const chunkBytes of [undefined, 256]) {
      const { sink, result } = read(bytes, 'unknown-blocks.pcapng', chunkBytes);
      expect(result.frames).toBe(2);
      expect(meta(sink.frames)).toEqual([
        [1, 0, 60, 60, ETHERNET],
        [2, 0, 61, 61, ETHERNET],
      ]);
      expect(sink.frames[1]!.data.equals(payload(61, 2))).toBe(true);
    }
  });

  it('delivers the same frames whatever the chunk size', () => {
    const parts = [shb(LE), idb(LE, ETHERNET, { tsresol: TSRESOL_NS, extra: [{ code: 2, value: Buffer.from('eth0') }] })];
    for (let i = 0; i < 40; i++) {
      if (i === 20) parts.push(shb(BE), idb(BE, NULL_LOOPBACK, { snaplen: 100 }));
      const le = i < 20;
      parts.push(i % 7 === 3 ? spb(le, 150, payload(Math.min(150, i < 20 ? 150 : 100), i)) : epb(le, 0, BigInt(i) * 1_000_000_007n, payload((i * 53) % 400, i), 1500, [{ code: 1, value: Buffer.from('comment') }]));
    }
    parts.push(shb(LE), idb(LE, ETHERNET), epb(LE, 0, 1n, payload(100_000, 7)));
    const bytes = Buffer.concat(parts);
    const expected = summary(read(bytes, 'chunks-ref.pcapng').sink.frames);
    expect(expected).toHaveLength(41);
    for (const chunkBytes of [1, 11, 12, 13, 64, 333, 4096]) {
      const { sink, result } = read(bytes, `chunks-${chunkBytes}.pcapng`, chunkBytes);
      expect(result.truncatedTail).toBe(false);
      expect(summary(sink.frames), `chunk ${chunkBytes}`).toEqual(expected);
    }
  });

  it('reads SHB + IDB only as zero frames', () => {
    expect(read(Buffer.concat([shb(LE), idb(LE, ETHERNET)]), 'empty.pcapng').result).toEqual({
      format: 'pcapng',
      frames: 0,
      bytes: 0,
      linktypes: [ETHERNET],
      truncatedTail: false,
    });
  });

  it('ends quietly inside a truncated final block and reports it', () => {
    const whole = Buffer.concat([shb(LE), idb(LE, ETHERNET), epb(LE, 0, 1n, payload(60)), epb(LE, 0, 2n, payload(60))]);
    for (const cut of [1, 4, 50, 80]) {
      const { result } = read(whole.subarray(0, whole.length - cut), `trunc-${cut}.pcapng`, 32);
      expect(result).toMatchObject({ frames: 1, truncatedTail: true });
    }
    const skipped = Buffer.concat([shb(LE), idb(LE, ETHERNET), epb(LE, 0, 1n, payload(60)), block(0xbad, payload(1000), LE)]);
    expect(read(skipped.subarray(0, skipped.length - 10), 'trunc-skip.pcapng', 64).result).toMatchObject({ frames: 1, truncatedTail: true });
  });

  describe('corrupt files give one-line errors naming file and offset', () => {
    const head = Buffer.concat([shb(LE), idb(LE, ETHERNET)]);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['unknown interface', Buffer.concat([head, epb(LE, 1, 1n, payload(4))]), /offset 48: packet refers to interface 1, section has 1/],
      ['interface from an earlier section', Buffer.concat([head, shb(LE), epb(LE, 0, 1n, payload(4))]), /packet refers to interface 0, section has 0/],
      ['caplen beyond the block', Buffer.concat([head, epb(LE, 0, 1n, payload(8), 8, [], 64)]), /offset 48: captured length 64 exceeds its block \(40 bytes\)/],
      ['block length not a multiple of 4', (() => { const b = Buffer.concat([head, epb(LE, 0, 1n, payload(8))]); b.writeUInt32LE(42, 52); return b; })(), /offset 48: block type 0x00000006 has invalid length 42/],
      ['block length below 12', (() => { const b = Buffer.concat([head, block(0xbad, payload(8), LE)]); b.writeUInt32LE(8, 52); return b; })(), /invalid length 8/],
      ['bad byte-order magic', (() => { const b = Buffer.concat([head]); b.writeUInt32LE(0x12345678, 8); return b; })(), /offset 0: bad section byte-order magic 0x12345678/],
      ['pcapng 2.0', shb(LE, [], [2, 0]), /unsupported pcapng version 2\.0/],
      ['SPB without interface', Buffer.concat([shb(LE), spb(LE, 4, payload(4))]), /simple packet block before any interface/],
      ['if_tsresol 10^-20', Buffer.concat([shb(LE), idb(LE, ETHERNET, { tsresol: 20 })]), /if_tsresol 0x14/],
      ['if_tsresol 2^-64', Buffer.concat([shb(LE), idb(LE, ETHERNET, { tsresol: 0x80 | 64 })]), /if_tsresol 0xc0/],
      ['block larger than 256 MiB', (() => { const b = Buffer.concat([head, epb(LE, 0, 1n, payload(8))]); b.writeUInt32LE(0x20000000, 52); return b; })(), /block length 536870912 exceeds/],
    ];
    for (const [name, bytes, pattern] of cases) {
      it(name, () => {
        const err = thrown(() => read(bytes, 'corrupt.pcapng'));
        expect(err.code).toBe(ErrorCode.FileFormat);
        expect(err.message).toMatch(/^\S*corrupt\.pcapng: corrupt pcapng file at offset \d+: /);
        expect(err.message).toMatch(pattern);
        expect(err.message).not.toContain('\n');
      });
    }
  });
});
