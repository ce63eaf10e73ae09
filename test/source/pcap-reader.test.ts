import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { payload, pcapFile, read, summary, thrown, type PcapRecord, removeTempFiles } from './capture-builders.js';

afterAll(removeTempFiles);

const RECORDS: PcapRecord[] = [
  { tsSec: 1418145369, tsFrac: 924505, data: payload(60, 1) },
  { tsSec: 1418145370, tsFrac: 0, data: payload(1514, 2), wirelen: 1514 },
  { tsSec: 4294967295, tsFrac: 999999, data: payload(96, 3), wirelen: 9001 },
  { tsSec: 0, tsFrac: 1, data: payload(0, 4), wirelen: 42 },
];

describe('classic pcap reader', () => {
  for (const littleEndian of [true, false]) {
    for (const nanosecond of [false, true]) {
      it(`reads ${littleEndian ? 'little' : 'big'}-endian ${nanosecond ? 'ns' : 'µs'} records`, () => {
        const records = RECORDS.map((r) => ({ ...r, tsFrac: nanosecond ? r.tsFrac * 1000 + 7 : r.tsFrac }));
        const { sink, result } = read(pcapFile(records, { littleEndian, nanosecond, network: 113 }), `order-${littleEndian}-${nanosecond}.pcap`);
        expect(result).toEqual({ format: 'pcap', frames: 4, bytes: 60 + 1514 + 96, linktypes: [113], truncatedTail: false });
        expect(sink.frames.map((f) => [f.tsSec, f.tsNsec, f.caplen, f.wirelen, f.linktype])).toEqual(
          records.map((r) => [r.tsSec, nanosecond ? r.tsFrac : r.tsFrac * 1000, r.data.length, r.wirelen ?? r.data.length, 113]),
        );
        sink.frames.forEach((f, i) => expect(f.data.equals(records[i]!.data)).toBe(true));
      });
    }
  }

  it('masks the FCS-length bits off the link type', () => {
    const network = 1 | 0x04000000 | (4 << 28);
    const { result, sink } = read(pcapFile(RECORDS.slice(0, 1), { network }), 'fcs.pcap');
    expect(result.linktypes).toEqual([1]);
    expect(sink.frames[0]!.linktype).toBe(1);
  });

  it('hands out records in place in one reused buffer', () => {
    const { sink } = read(pcapFile(RECORDS), 'inplace.pcap');
    expect(sink.buffers.size).toBe(1);
  });

  it('delivers the same frames whatever the chunk size (records across chunk ends, growth)', () => {
    const records: PcapRecord[] = [];
    for (let i = 0; i < 60; i++) records.push({ tsSec: 1000 + i, tsFrac: i, data: payload((i * 37) % 300, i) });
    records.push({ tsSec: 2000, tsFrac: 5, data: payload(70000, 9) });
    const bytes = pcapFile(records);
    const reference = read(bytes, 'chunks-ref.pcap').sink.frames;
    expect(reference).toHaveLength(records.length);
    for (const chunkBytes of [1, 7, 16, 17, 23, 24, 40, 100, 333, 4096]) {
      const { sink, result } = read(bytes, `chunks-${chunkBytes}.pcap`, chunkBytes);
      expect(result.frames, `chunk ${chunkBytes}`).toBe(records.length);
      expect(result.truncatedTail).toBe(false);
      // Compared as strings: deep equality on large Buffers is very slow.
      expect(summary(sink.frames), `chunk ${chunkBytes}`).toEqual(summary(reference));
    }
  });

  it('ends quietly at a truncated final record and reports it', () => {
    const bytes = pcapFile(RECORDS);
    const lastStart = bytes.length - 16;
    // RECORDS[3] is a 0-byte record: cutting 1..15 bytes breaks its header, 17 the data before it.
    for (const cut of [1, 8, 15, 17]) {
      const { sink, result } = read(bytes.subarray(0, bytes.length - cut), `trunc-${cut}.pcap`, 64);
      expect(result.frames).toBe(cut < 16 ? 3 : 2);
      expect(result.truncatedTail).toBe(true);
      expect(sink.frames).toHaveLength(result.frames);
    }
    expect(read(bytes.subarray(0, lastStart), 'trunc-exact.pcap').result).toMatchObject({ frames: 3, truncatedTail: false });
    const midData = pcapFile(RECORDS.slice(0, 2));
    expect(read(midData.subarray(0, midData.length - 100), 'trunc-data.pcap').result).toMatchObject({ frames: 1, truncatedTail: true });
  });

  it('reads a header-only file as zero frames', () => {
    expect(read(pcapFile([]), 'header-only.pcap').result).toEqual({ format: 'pcap', frames: 0, bytes: 0, linktypes: [1], truncatedTail: false });
  });

  it('rejects an absurd caplen naming the offset, unless the snaplen allows it', () => {
    const bad = pcapFile([RECORDS[0]!, { tsSec: 1, tsFrac: 0, data: payload(10), caplen: 0x7fffffff }]);
    const err = thrown(() => read(bad, 'absurd.pcap'));
    expect(err.code).toBe(ErrorCode.FileFormat);
    expect(err.message).toMatch(/absurd\.pcap: corrupt pcap file at offset 100: record caplen 2147483647 exceeds/);
    expect(err.message).not.toContain('\n');

    const big = pcapFile([{ tsSec: 1, tsFrac: 0, data: payload(300000) }], { snaplen: 400000 });
    expect(read(big, 'big-snaplen.pcap', 1024).result.frames).toBe(1);
    const bigDefault = pcapFile([{ tsSec: 1, tsFrac: 0, data: payload(300000) }], { snaplen: 65535 });
    expect(thrown(() => read(bigDefault, 'big-default.pcap')).message).toMatch(/offset 24: record caplen 300000 exceeds the maximum of 262144/);
  });

  it('rejects a truncated global header', () => {
    const err = thrown(() => read(pcapFile([]).subarray(0, 20), 'short-header.pcap'));
    expect(err.code).toBe(ErrorCode.FileFormat);
    expect(err.message).toMatch(/short-header\.pcap: truncated pcap file header \(20 of 24 bytes\)$/);
  });

  it('carries an out-of-range fraction into the seconds', () => {
    const { sink } = read(pcapFile([{ tsSec: 10, tsFrac: 2_500_000, data: payload(4) }]), 'frac.pcap');
    expect([sink.frames[0]!.tsSec, sink.frames[0]!.tsNsec]).toEqual([12, 500_000_000]);
    const ns = read(pcapFile([{ tsSec: 10, tsFrac: 3_000_000_001, data: payload(4) }], { nanosecond: true }), 'frac-ns.pcap').sink;
    expect([ns.frames[0]!.tsSec, ns.frames[0]!.tsNsec]).toEqual([13, 1]);
  });
});
