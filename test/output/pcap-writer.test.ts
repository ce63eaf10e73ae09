import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapBufferWriter, PcapWriter, buildPcap, LINKTYPE_ETHERNET } from '../../src/output/pcap-writer.js';
import { tsharkFields, tsharkFrameHex } from './tshark.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pcap-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic frames: Ethernet header (LLC length so tshark shows plain data) + pattern. */
function frame(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  if (len >= 14) {
    b[12] = 0x88; // local experimental EtherType 0x88b5
    b[13] = 0xb5;
  }
  return b;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// sizes around the staging buffer (256 bytes below): fits, crosses, larger than the buffer
const SIZES = [60, 100, 200, 64, 1514, 90, 300, 60];
const T0 = 1793610000;

describe('PcapWriter', () => {
  it('writes microsecond pcap records that tshark reads back byte for byte', () => {
    const file = path.join(dir, 'us.pcap');
    const w = new PcapWriter(file, { linktype: LINKTYPE_ETHERNET, bufferSize: 256 });
    // write frames from inside a bigger buffer at an offset, as the pipeline does
    const frames = SIZES.map((n, i) => frame(n, i));
    const big = new Uint8Array(5000);
    frames.forEach((f, i) => {
      big.set(f, 100);
      w.writeRecord(big, 100, f.length, f.length + (i === 2 ? 40 : 0), T0 + i, i * 123_456_789);
    });
    w.close();
    expect(w.records).toBe(SIZES.length);
    expect(w.bytesWritten).toBe(24 + SIZES.reduce((n, s) => n + 16 + s, 0));
    expect(readFileSync(file).length).toBe(w.bytesWritten);

    const rows = tsharkFields(file, ['frame.len', 'frame.cap_len', 'frame.time_epoch']);
    expect(rows.map((r) => Number(r[1]))).toEqual(SIZES);
    expect(rows.map((r) => Number(r[0]))).toEqual(SIZES.map((s, i) => s + (i === 2 ? 40 : 0)));
    // microsecond file: nanoseconds are cut to whole microseconds
    expect(rows.map((r) => r[2])).toEqual(SIZES.map((_, i) => `${T0 + i}.${String(Math.floor((i * 123_456_789) / 1000)).padStart(6, '0')}000`));
    expect(tsharkFrameHex(file)).toEqual(frames.map(hex));
  });

  it('writes nanosecond pcap with the ns magic and exact timestamps', () => {
    const file = path.join(dir, 'ns.pcap');
    const w = new PcapWriter(file, { linktype: LINKTYPE_ETHERNET, nanosecond: true });
    const f = frame(80, 3);
    w.writeRecord(f, 0, f.length, f.length, T0, 123_456_789);
    w.writeRecord(f, 0, f.length, f.length, T0 + 1, 999_999_999);
    w.close();
    const bytes = readFileSync(file);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b23c4d);
    const rows = tsharkFields(file, ['frame.time_epoch']);
    expect(rows.map((r) => r[0])).toEqual([`${T0}.123456789`, `${T0 + 1}.999999999`]);
  });

  it('cuts records to the snaplen but keeps the wire length', () => {
    const file = path.join(dir, 'snap.pcap');
    const w = new PcapWriter(file, { linktype: LINKTYPE_ETHERNET, snaplen: 96 });
    const f = frame(400, 9);
    w.writeRecord(f, 0, f.length, f.length, T0, 0);
    w.close();
    const rows = tsharkFields(file, ['frame.len', 'frame.cap_len']);
    expect(rows).toEqual([['400', '96']]);
    expect(tsharkFrameHex(file)).toEqual([hex(f.subarray(0, 96))]);
    expect(readFileSync(file).readUInt32LE(16)).toBe(96);
  });

  it('refuses writes after close and bad options', () => {
    const w = new PcapWriter(path.join(dir, 'closed.pcap'), { linktype: 1 });
    w.close();
    w.close(); // idempotent
    expect(() => w.writeRecord(new Uint8Array(60), 0, 60, 60, 0, 0)).toThrow(/after close/);
    expect(() => new PcapWriter(path.join(dir, 'x.pcap'), { linktype: 1, snaplen: 0 })).toThrow(/snaplen/);
    expect(() => new PcapWriter(path.join(dir, 'no-such-dir', 'x.pcap'), { linktype: 1 })).toThrow(/cannot create/);
  });
});

describe('in-memory pcap', () => {
  it('PcapBufferWriter and buildPcap give the same bytes as the file writer', () => {
    const frames = SIZES.map((n, i) => frame(n, i + 20));
    const file = path.join(dir, 'same.pcap');
    const w = new PcapWriter(file, { linktype: LINKTYPE_ETHERNET, bufferSize: 128 });
    const m = new PcapBufferWriter({ linktype: LINKTYPE_ETHERNET, initialSize: 64 });
    frames.forEach((f, i) => {
      w.writeRecord(f, 0, f.length, f.length, T0, i * 1000);
      m.writeRecord(f, 0, f.length, f.length, T0, i * 1000);
    });
    w.close();
    const fromFile = readFileSync(file);
    expect(m.bytesWritten).toBe(fromFile.length);
    expect(m.toBuffer().equals(fromFile)).toBe(true);
    const built = buildPcap(
      frames.map((data, i) => ({ data, tsSec: T0, tsNsec: i * 1000 })),
      { linktype: LINKTYPE_ETHERNET },
    );
    expect(built.equals(fromFile)).toBe(true);
  });

  it('writes a raw-IP link type that tshark decodes as IP', () => {
    // IPv4 header only (20 bytes, protocol 253 = experimental), checksum left 0
    const ip = Uint8Array.from([0x45, 0, 0, 20, 0, 1, 0, 0, 64, 253, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2]);
    const file = path.join(dir, 'raw.pcap');
    writeFileSync(file, buildPcap([{ data: ip, tsSec: T0 }], { linktype: 101 }));
    expect(tsharkFields(file, ['ip.src', 'ip.dst', 'ip.proto'])).toEqual([['192.0.2.1', '198.51.100.2', '253']]);
  });
});
