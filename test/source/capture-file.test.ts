import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCaptureFormat, readCaptureFile } from '../../src/source/capture-file.js';
import { ErrorCode } from '../../src/errors.js';
import type { FrameSink } from '../../src/pipeline/stages.js';
import { PCAP_DIR, describeWithCorpus, pcapPath } from '../helpers/corpus.js';
import { haveTool, runTool } from '../helpers/tools.js';
import { epb, idb, pcapFile, shb, thrown, writeTemp, removeTempFiles } from './capture-builders.js';

afterAll(removeTempFiles);

const NOOP: FrameSink = { onFrame() {} };

/** Seconds and nanoseconds as tshark prints frame.time_epoch (integer formatting, no floats). */
function epoch(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/** Records frames as tshark `-T fields -e frame.time_epoch -e frame.len -e frame.cap_len` rows. */
class RowSink implements FrameSink {
  readonly rows: string[] = [];
  readonly linktypes: number[] = [];
  onFrame(_buf: Uint8Array, _offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    this.rows.push(`${epoch(tsSec, tsNsec)}\t${wirelen}\t${caplen}`);
    this.linktypes.push(linktype);
  }
}

/** Wireshark's WTAP_ENCAP numbers (frame.encap_type) → the file's LINKTYPE_* numbers. */
const LINKTYPE_OF_WTAP_ENCAP: Record<string, number> = { '1': 1, '7': 101, '15': 0, '25': 113 };
/** capinfos -E names → LINKTYPE_* numbers. */
const LINKTYPE_OF_CAPINFOS_NAME: Record<string, number> = { ether: 1, 'linux-sll': 113, rawip: 101 };

describe('detectCaptureFormat', () => {
  it('recognises every pcap magic in both byte orders and the pcapng SHB', () => {
    for (const magic of ['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1']) expect(detectCaptureFormat(Buffer.from(magic, 'hex'))).toBe('pcap');
    expect(detectCaptureFormat(Buffer.from('0a0d0d0a', 'hex'))).toBe('pcapng');
    expect(detectCaptureFormat(Buffer.from('0a0d0d0b', 'hex'))).toBeNull();
    expect(detectCaptureFormat(Buffer.from('a1b2c3', 'hex'))).toBeNull();
    expect(detectCaptureFormat(Buffer.from('# Curated', 'utf8'))).toBeNull();
  });
});

describe('readCaptureFile errors', () => {
  it('names a missing file', () => {
    const err = thrown(() => readCaptureFile('/nonexistent/dir/x.pcap', NOOP));
    expect(err.code).toBe(ErrorCode.FileUnreadable);
    expect(err.message).toBe('/nonexistent/dir/x.pcap: no such file or directory');
  });

  it('names a directory', () => {
    const dir = path.dirname(writeTemp('sibling.pcap', pcapFile([])));
    const err = thrown(() => readCaptureFile(dir, NOOP));
    expect(err.code).toBe(ErrorCode.FileUnreadable);
    expect(err.message).toBe(`${dir}: illegal operation on a directory`);
  });

  it('rejects a text file by magic, whatever its name', () => {
    const file = writeTemp('notes.pcap', Buffer.from('hello world\n'));
    const err = thrown(() => readCaptureFile(file, NOOP));
    expect(err.code).toBe(ErrorCode.FileFormat);
    expect(err.message).toBe(`${file}: not a pcap or pcapng file (magic 0x68656c6c)`);
  });

  it('rejects empty and tiny files', () => {
    for (const [name, bytes, what] of [['empty.pcap', Buffer.alloc(0), 'only 0 bytes'], ['three.pcap', Buffer.from([0xd4, 0xc3, 0xb2]), 'only 3 bytes']] as const) {
      const file = writeTemp(name, bytes);
      expect(thrown(() => readCaptureFile(file, NOOP)).message).toBe(`${file}: not a pcap or pcapng file (${what})`);
    }
  });

  it('reads a pcapng named .pcap and a pcap named .pcapng by magic', () => {
    expect(readCaptureFile(writeTemp('ng.pcap', shb(true)), NOOP).format).toBe('pcapng');
    expect(readCaptureFile(writeTemp('classic.pcapng', pcapFile([])), NOOP).format).toBe('pcap');
  });
});

/** Scavenges (minor GCs) that start while `fn` runs synchronously: only its allocations can
 *  cause them, since nothing else runs meanwhile. */
async function scavengesDuring(fn: () => void): Promise<number> {
  const starts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) starts.push(e.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  fn();
  const t1 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  return starts.filter((t) => t >= t0 && t <= t1).length;
}

const MANY = 400_000;

/** MANY tiny records written directly (the builders are too slow for this many). */
function manyPcapRecords(littleEndian: boolean): Buffer {
  const head = pcapFile([], { littleEndian, nanosecond: true });
  const out = Buffer.alloc(head.length + MANY * 24);
  head.copy(out);
  const u32 = (v: number, at: number) => (littleEndian ? out.writeUInt32LE(v, at) : out.writeUInt32BE(v, at));
  for (let i = 0, p = head.length; i < MANY; i++, p += 24) {
    u32(2_000_000_000 + i, p); // beyond 2^30: not a small integer under pointer compression
    u32(999_999_999 - i, p + 4);
    u32(8, p + 8);
    u32(1500, p + 12);
  }
  return out;
}

function manyPcapngRecords(): Buffer {
  const head = Buffer.concat([shb(true), idb(true, 1, { tsresol: 9 }), idb(true, 0, { tsresol: 0x80 | 10 })]);
  const one = epb(true, 0, 0n, Buffer.alloc(8));
  const out = Buffer.alloc(head.length + MANY * one.length);
  head.copy(out);
  for (let i = 0, p = head.length; i < MANY; i++, p += one.length) {
    one.copy(out, p);
    out.writeUInt32LE(i & 1, p + 8); // alternate interfaces (ns and 2^-10 s)
    out.writeUInt32LE(0x17f0_0000 + (i >>> 8), p + 12); // ~1.7e18 ns: both words above 2^31 at times
    out.writeUInt32LE((0x8000_0000 + i * 7919) >>> 0, p + 16);
  }
  return out;
}

describe('per-packet allocation', () => {
  it('reading pcap (both orders) and pcapng (two clocks) allocates nothing per packet', async () => {
    const files = [writeTemp('many-le.pcap', manyPcapRecords(true)), writeTemp('many-be.pcap', manyPcapRecords(false)), writeTemp('many.pcapng', manyPcapngRecords())];
    let frames = 0;
    const counting: FrameSink = { onFrame() { frames++; } };
    // Warm up until the optimising compiler is done: baseline tiers box doubles.
    for (let round = 0; round < 3; round++) for (const f of files) readCaptureFile(f, counting, { chunkBytes: 1 << 20 });
    for (const f of files) {
      frames = 0;
      expect(await scavengesDuring(() => readCaptureFile(f, counting, { chunkBytes: 1 << 20 })), f).toBe(0);
      expect(frames).toBe(MANY);
    }
    // Control: a sink that allocates a little per packet is caught.
    let kept = 0;
    const allocating: FrameSink = { onFrame(_b, _o, caplen) { kept += new Float64Array(caplen).length; } };
    expect(await scavengesDuring(() => readCaptureFile(files[0]!, allocating))).toBeGreaterThan(0);
    expect(kept).toBe(MANY * 8);
  });
});

function listCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listCaptures(full));
    else if (/\.pcap(ng)?$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

describeWithCorpus('capture files of the corpus', () => {
  const files = listCaptures(PCAP_DIR);
  const rel = (f: string) => path.relative(PCAP_DIR, f);

  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(70);
  });

  it.skipIf(!haveTool('capinfos'))('reads every file with the frame count and link type capinfos reports', () => {
    // One capinfos run for all files: name, format, encapsulation, count.
    const table = runTool('capinfos', ['-T', '-r', '-M', '-t', '-E', '-c', ...files]).stdout;
    const expected = new Map(table.trim().split('\n').map((line) => {
      const [name, format, encap, count] = line.split('\t');
      return [name!, { format: format!, encap: encap!, count: Number(count) }];
    }));
    expect(expected.size).toBe(files.length);
    for (const file of files) {
      const sink = new RowSink();
      const result = readCaptureFile(file, sink);
      const want = expected.get(file)!;
      expect(result.frames, rel(file)).toBe(want.count);
      expect(result.truncatedTail, rel(file)).toBe(false);
      // capinfos names the format by content (pcap / nsecpcap / pcapng), never by extension.
      expect(result.format, rel(file)).toBe(want.format === 'pcapng' ? 'pcapng' : 'pcap');
      if (want.encap !== 'per-packet') {
        const linktype = LINKTYPE_OF_CAPINFOS_NAME[want.encap];
        expect(linktype, `${rel(file)}: add '${want.encap}' to the test's table`).toBeDefined();
        expect(new Set(sink.linktypes), rel(file)).toEqual(new Set(result.frames > 0 ? [linktype] : []));
        expect(new Set(result.linktypes), rel(file)).toEqual(new Set([linktype]));
      }
    }
  });

  it('detects the ".pcap" files that are really pcapng by magic', () => {
    for (const name of ['malformed/ipv4_malformed_really_pcapng.pcap', 'proto/icmp_packets_really_pcapng.pcap']) {
      expect(readCaptureFile(pcapPath(name), NOOP).format, name).toBe('pcapng');
    }
  });

  it('gives a one-line error for a text file in the corpus', () => {
    const catalog = pcapPath('CATALOG.md');
    const err = thrown(() => readCaptureFile(catalog, NOOP));
    expect(err.code).toBe(ErrorCode.FileFormat);
    expect(err.message).toMatch(/CATALOG\.md: not a pcap or pcapng file \(magic 0x[0-9a-f]{8}\)$/);
  });

  const PER_FRAME = [
    ...files.filter((f) => rel(f).startsWith('formats/')).map(rel),
    'vxlan/aws_mirror_ssh_dns_ntp.pcap',
    'vxlan/vxlan_bigtcp_80k_ipv6.pcap',
    'vxlan/geneve_vxlan_dns_truncated.pcap',
    'attacks/nmap_recon_attack.pcapng',
    'attacks/hydra_ssh_bruteforce.pcapng',
    'malformed/ipv4_malformed_really_pcapng.pcap',
    'proto/icmp_packets_really_pcapng.pcap',
    'ipv6/linktype_raw_ipv6.pcap',
    'large/example_mixed_4631pkts.pcap',
  ];

  describe.skipIf(!haveTool('tshark'))('per frame equal to tshark (time_epoch, len, cap_len, link type)', () => {
    for (const name of PER_FRAME) {
      it(name, () => {
        // -Y frame.encap_type keeps packet records only (tshark 4 also lists custom blocks).
        const out = runTool('tshark', ['-r', pcapPath(name), '-Y', 'frame.encap_type', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.encap_type']);
        expect(out.status).toBe(0);
        const lines = out.stdout.split('\n').filter((l) => l.length > 0);
        const sink = new RowSink();
        readCaptureFile(pcapPath(name), sink, { chunkBytes: 4096 });
        expect(sink.rows.length).toBe(lines.length);
        const want = lines.map((l) => {
          const [time, len, capLen] = l.split('\t');
          // Simple Packet Blocks have no timestamp: tshark prints nothing, we deliver 0.
          return `${time === '' ? epoch(0, 0) : time}\t${len}\t${capLen}`;
        });
        expect(sink.rows).toEqual(want);
        const wantLinktypes = lines.map((l) => LINKTYPE_OF_WTAP_ENCAP[l.split('\t')[3]!] ?? `unmapped encap ${l.split('\t')[3]}`);
        expect(sink.linktypes).toEqual(wantLinktypes);
      });
    }
  });
});
