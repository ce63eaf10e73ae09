/**
 * The large replay file: the records of the corpus's AWS-style VXLAN capture
 * (generated/example_mixed_vxlan.pcap, ~4631 packets of ~850 bytes) repeated until there are at
 * least N packets, each repetition shifted later in time so timestamps keep increasing.
 * Written as little-endian µs pcap under bench/out/ (git-ignored) and reused when its size
 * already matches.
 */
import { existsSync, mkdirSync, openSync, closeSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '../src/source/capture-file.js';

export const LARGE_CAPTURE_SOURCE = 'generated/example_mixed_vxlan.pcap';
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const WRITE_SNAPLEN = 262144;

/** The checkout root: the nearest directory above this module with a package.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** The shared corpus's pcaps directory (../shared beside the checkout, or $MIRRORSINK_SHARED). */
export function corpusPcapDir(): string {
  const shared = process.env.MIRRORSINK_SHARED ?? path.resolve(repoRoot(), '..', 'shared');
  return path.join(shared, 'corpus', 'pcaps');
}

export function defaultLargeCapturePath(): string {
  return path.join(repoRoot(), 'bench', 'out', 'vxlan-1m.pcap');
}

interface Template {
  /** One repetition's records (16-byte headers + data), timestamps as in the source. */
  bytes: Buffer;
  records: number;
  linktype: number;
  /** Record start offsets and their timestamps in µs parts. */
  offsets: Uint32Array;
  tsSec: Float64Array;
  tsUsec: Uint32Array;
  /** Whole seconds each repetition is shifted by (source span + 1 s). */
  shiftSec: number;
}

function loadTemplate(source: string): Template {
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  const secs: number[] = [];
  const usecs: number[] = [];
  let size = 0;
  let linktype = -1;
  readCaptureFile(source, {
    onFrame(buf, offset, caplen, wirelen, lt, tsSec, tsNsec) {
      if (linktype === -1) linktype = lt;
      const rec = Buffer.alloc(RECORD_HEADER_BYTES + caplen);
      rec.writeUInt32LE(caplen, 8);
      rec.writeUInt32LE(wirelen, 12);
      rec.set(buf.subarray(offset, offset + caplen), RECORD_HEADER_BYTES);
      offsets.push(size);
      secs.push(tsSec);
      usecs.push(Math.floor(tsNsec / 1000));
      chunks.push(rec);
      size += rec.length;
    },
  });
  if (offsets.length === 0) throw new Error(`${source}: no packets to repeat`);
  const span = secs[secs.length - 1]! - secs[0]!;
  return {
    bytes: Buffer.concat(chunks, size),
    records: offsets.length,
    linktype,
    offsets: Uint32Array.from(offsets),
    tsSec: Float64Array.from(secs),
    tsUsec: Uint32Array.from(usecs),
    shiftSec: Math.max(0, span) + 1,
  };
}

function writeAll(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Build (or reuse) a classic pcap of at least `minPackets` AWS-style VXLAN packets at
 * `outPath`; returns outPath.
 */
export function buildLargeCapture(outPath: string, minPackets: number): string {
  const template = loadTemplate(path.join(corpusPcapDir(), LARGE_CAPTURE_SOURCE));
  const repetitions = Math.max(1, Math.ceil(minPackets / template.records));
  const expectedSize = GLOBAL_HEADER_BYTES + repetitions * template.bytes.length;
  if (existsSync(outPath) && statSync(outPath).size === expectedSize) return outPath;

  mkdirSync(path.dirname(outPath), { recursive: true });
  const partial = `${outPath}.partial`;
  const fd = openSync(partial, 'w');
  try {
    const header = Buffer.alloc(GLOBAL_HEADER_BYTES);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(WRITE_SNAPLEN, 16);
    header.writeUInt32LE(template.linktype, 20);
    writeAll(fd, header);
    const rep = template.bytes;
    for (let r = 0; r < repetitions; r++) {
      const shift = r * template.shiftSec;
      for (let i = 0; i < template.records; i++) {
        rep.writeUInt32LE(template.tsSec[i]! + shift, template.offsets[i]!);
        rep.writeUInt32LE(template.tsUsec[i]!, template.offsets[i]! + 4);
      }
      writeAll(fd, rep);
    }
  } finally {
    closeSync(fd);
  }
  // Renamed only when complete, so a killed build is never reused.
  renameSync(partial, outPath);
  return outPath;
}
