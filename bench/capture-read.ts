/**
 * How fast can a classic pcap be read? Four ways over the same file in the same run:
 *   (a) a bare loop walking the record headers of the file already in memory (upper bound),
 *   (b) readCaptureFile with a no-op sink (our chunked in-place reader),
 *   (c) pcap-parser (stream + events, a Buffer and an object per packet),
 *   (d) `tcpdump -r FILE -w /dev/null` as a child process (the reference rate).
 *
 * Run directly: `node dist/bench/capture-read.js [FILE]` (default: the 1 M-packet VXLAN file).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import pcapParser from 'pcap-parser';
import { readCaptureFile } from '../src/source/capture-file.js';
import type { FrameSink } from '../src/pipeline/stages.js';
import type { BenchRow } from './bench-row.js';
import { buildLargeCapture, defaultLargeCapturePath } from './large-capture.js';

const MIB = 1024 * 1024;
/** Sample RSS every this many packets inside the timed loops (a cheap counter test). */
const RSS_SAMPLE_MASK = 0xffff;

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

class PeakRss {
  peak = process.memoryUsage.rss();
  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }
  get mib(): number {
    return this.peak / MIB;
  }
}

function row(name: string, packets: number, seconds: number, peakRssMiB: number): BenchRow {
  return { name, packets, seconds, pps: packets / seconds, peakRssMiB };
}

function elapsedSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** (a) The least any reader can do: follow caplen from record to record in memory. */
export function benchBareWalk(file: string): BenchRow {
  collectGarbage();
  const rss = new PeakRss();
  const bytes = readFileSync(file);
  rss.sample();
  const magic = bytes.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = process.hrtime.bigint();
  let packets = 0;
  let wireBytes = 0;
  let p = 24;
  while (p + 16 <= bytes.length) {
    const caplen = dv.getUint32(p + 8, le);
    wireBytes += dv.getUint32(p + 12, le);
    p += 16 + caplen;
    if (p > bytes.length) break;
    packets++;
  }
  const seconds = elapsedSince(start);
  rss.sample();
  if (wireBytes < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return row('(a) bare header walk, file in memory', packets, seconds, rss.mib);
}

/** (b) Our reader with a sink that only counts. */
export function benchReadCaptureFile(file: string): BenchRow {
  collectGarbage();
  const rss = new PeakRss();
  let packets = 0;
  const sink: FrameSink = {
    onFrame() {
      if ((++packets & RSS_SAMPLE_MASK) === 0) rss.sample();
    },
  };
  const start = process.hrtime.bigint();
  readCaptureFile(file, sink);
  const seconds = elapsedSince(start);
  rss.sample();
  return row('(b) readCaptureFile, no-op sink', packets, seconds, rss.mib);
}

/** (c) pcap-parser on a file stream, counting 'packet' events. */
export function benchPcapParser(file: string): Promise<BenchRow> {
  collectGarbage();
  const rss = new PeakRss();
  return new Promise((resolve, reject) => {
    let packets = 0;
    const timer = setInterval(() => rss.sample(), 20);
    const start = process.hrtime.bigint();
    const parser = pcapParser.parse(file);
    parser.on('packet', () => {
      if ((++packets & RSS_SAMPLE_MASK) === 0) rss.sample();
    });
    parser.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    parser.on('end', () => {
      const seconds = elapsedSince(start);
      clearInterval(timer);
      rss.sample();
      resolve(row('(c) pcap-parser stream', packets, seconds, rss.mib));
    });
  });
}

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** (d) tcpdump copying the file to /dev/null; peak RSS from GNU time when installed. */
export function benchTcpdump(file: string, packets: number): BenchRow | null {
  if (!have('tcpdump')) return null;
  const timed = have('/usr/bin/time');
  const [cmd, args] = timed
    ? ['/usr/bin/time', ['-f', 'MAXRSS_KIB %M', 'tcpdump', '-r', file, '-w', '/dev/null']]
    : ['tcpdump', ['-r', file, '-w', '/dev/null']];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args as string[], { encoding: 'utf8' });
  const seconds = elapsedSince(start);
  if (r.status !== 0) throw new Error(`tcpdump failed: ${r.stderr.trim()}`);
  const kib = /MAXRSS_KIB (\d+)/.exec(r.stderr ?? '');
  return row('(d) tcpdump -r FILE -w /dev/null', packets, seconds, kib ? Number(kib[1]) / 1024 : Number.NaN);
}

/** All four rows on the same file. tcpdump's packet count is the reader's (it prints none). */
export async function benchCaptureRead(file: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const ours = benchReadCaptureFile(file);
  const parser = await benchPcapParser(file);
  const bare = benchBareWalk(file);
  collectGarbage();
  const tcpdump = benchTcpdump(file, ours.packets);
  rows.push(bare, ours, parser);
  if (tcpdump) rows.push(tcpdump);
  return rows;
}

export function formatBenchRows(rows: BenchRow[]): string {
  const lines = [`${'name'.padEnd(52)} ${'packets'.padStart(10)} ${'seconds'.padStart(8)} ${'Mpps'.padStart(7)} ${'peak RSS MiB'.padStart(12)}`];
  for (const r of rows) {
    lines.push(
      `${r.name.padEnd(52)} ${String(r.packets).padStart(10)} ${r.seconds.toFixed(3).padStart(8)} ${(r.pps / 1e6).toFixed(3).padStart(7)} ${r.peakRssMiB.toFixed(0).padStart(12)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? buildLargeCapture(defaultLargeCapturePath(), 1_000_000);
  const rows = await benchCaptureRead(file);
  process.stdout.write(`${file}\n${formatBenchRows(rows)}\n`);
}
