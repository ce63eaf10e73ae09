/**
 * Little builders for capture-file byte fixtures (classic pcap and pcapng blocks in either byte
 * order) plus a sink that copies what it is handed and the reading helpers the source/ tests
 * share.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MirrorsinkError } from '../../src/errors.js';
import type { FrameSink } from '../../src/pipeline/stages.js';
import { readCaptureFile } from '../../src/source/capture-file.js';

export interface PcapRecord {
  tsSec: number;
  /** µs or ns, as the file's magic says. */
  tsFrac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  wirelen?: number;
  /** Defaults to data.length (set larger to fake a corrupt caplen). */
  caplen?: number;
}

export interface PcapOptions {
  littleEndian?: boolean;
  nanosecond?: boolean;
  /** Raw value of the link-type field (upper bits may carry FCS information). */
  network?: number;
  snaplen?: number;
}

function u16(n: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(n);
  else b.writeUInt16BE(n);
  return b;
}

function u32(n: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return b;
}

function i64(n: bigint, le: boolean): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigInt64LE(n);
  else b.writeBigInt64BE(n);
  return b;
}

function pad4(b: Uint8Array): Buffer {
  const padded = Buffer.alloc((b.length + 3) & ~3);
  padded.set(b);
  return padded;
}

export function pcapFile(records: PcapRecord[], opts: PcapOptions = {}): Buffer {
  const le = opts.littleEndian ?? true;
  const magic = opts.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4;
  const header = Buffer.concat([
    u32(magic, le),
    u16(2, le),
    u16(4, le),
    u32(0, le),
    u32(0, le),
    u32(opts.snaplen ?? 65535, le),
    u32(opts.network ?? 1, le),
  ]);
  const parts: Buffer[] = [header];
  for (const r of records) {
    parts.push(u32(r.tsSec, le), u32(r.tsFrac, le), u32(r.caplen ?? r.data.length, le), u32(r.wirelen ?? r.data.length, le), Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

// ---- pcapng ----

export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

function options(list: PcapngOption[], le: boolean): Buffer {
  if (list.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const o of list) parts.push(u16(o.code, le), u16(o.value.length, le), pad4(o.value));
  parts.push(u16(0, le), u16(0, le));
  return Buffer.concat(parts);
}

/** Any block: type, total length, body (padded), total length. */
export function block(type: number, body: Uint8Array, le: boolean): Buffer {
  const padded = pad4(body);
  const total = 12 + padded.length;
  return Buffer.concat([u32(type, le), u32(total, le), padded, u32(total, le)]);
}

export function shb(le: boolean, opts: PcapngOption[] = [], version: [number, number] = [1, 0]): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d, le), u16(version[0], le), u16(version[1], le), i64(-1n, le), options(opts, le)]);
  return block(0x0a0d0d0a, body, le);
}

export interface IdbOptions {
  snaplen?: number;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: bigint;
  extra?: PcapngOption[];
}

export function idb(le: boolean, linktype: number, opts: IdbOptions = {}): Buffer {
  const list: PcapngOption[] = [...(opts.extra ?? [])];
  if (opts.tsresol !== undefined) list.push({ code: 9, value: Uint8Array.of(opts.tsresol) });
  if (opts.tsoffset !== undefined) list.push({ code: 14, value: i64(opts.tsoffset, le) });
  const body = Buffer.concat([u16(linktype, le), u16(0, le), u32(opts.snaplen ?? 0, le), options(list, le)]);
  return block(1, body, le);
}

/** Enhanced Packet Block; ts is the raw 64-bit unit count. */
export function epb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, wirelen = data.length, opts: PcapngOption[] = [], caplen = data.length): Buffer {
  const body = Buffer.concat([
    u32(ifId, le),
    u32(Number(ts >> 32n), le),
    u32(Number(ts & 0xffffffffn), le),
    u32(caplen, le),
    u32(wirelen, le),
    pad4(data),
    options(opts, le),
  ]);
  return block(6, body, le);
}

/** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
export function opb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, wirelen = data.length): Buffer {
  const body = Buffer.concat([
    u16(ifId, le),
    u16(0, le),
    u32(Number(ts >> 32n), le),
    u32(Number(ts & 0xffffffffn), le),
    u32(data.length, le),
    u32(wirelen, le),
    pad4(data),
  ]);
  return block(2, body, le);
}

/** Simple Packet Block: only the original length; the data is whatever the block holds. */
export function spb(le: boolean, wirelen: number, data: Uint8Array): Buffer {
  return block(3, Buffer.concat([u32(wirelen, le), pad4(data)]), le);
}

// ---- helpers ----

/** Bytes 0, 1, 2... (mod 256) starting at `seed`, so every frame is distinguishable. */
export function payload(length: number, seed = 0): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (seed + i) & 0xff;
  return b;
}

let tempDir: string | null = null;
export function writeTemp(name: string, bytes: Uint8Array): string {
  tempDir ??= mkdtempSync(path.join(tmpdir(), 'mirrorsink-source-'));
  const file = path.join(tempDir, name);
  writeFileSync(file, bytes);
  return file;
}

/** For afterAll: removes every file writeTemp made. */
export function removeTempFiles(): void {
  if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
  tempDir = null;
}

export interface SeenFrame {
  data: Buffer;
  caplen: number;
  wirelen: number;
  linktype: number;
  tsSec: number;
  tsNsec: number;
}

/** Copies every frame it sees (the reader's buffer is reused, so a copy is the only safe keep). */
export class CollectingSink implements FrameSink {
  readonly frames: SeenFrame[] = [];
  readonly buffers = new Set<Uint8Array>();

  onFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    this.buffers.add(buf);
    this.frames.push({ data: Buffer.from(buf.subarray(offset, offset + caplen)), caplen, wirelen, linktype, tsSec, tsNsec });
  }
}

/** Read `bytes` as a capture file named `name` (the name picks nothing; it shows in messages). */
export function read(bytes: Buffer, name: string, chunkBytes?: number) {
  const sink = new CollectingSink();
  const result = readCaptureFile(writeTemp(name, bytes), sink, { chunkBytes });
  return { sink, result };
}

/** One line per frame: time, lengths, linktype and the bytes, for whole-capture comparisons. */
export function summary(frames: SeenFrame[]): string[] {
  return frames.map((f) => `${f.tsSec}.${f.tsNsec} ${f.caplen}/${f.wirelen} lt${f.linktype} ${f.data.toString('base64')}`);
}

/** The MirrorsinkError `fn` throws (anything else is rethrown; no throw fails the test). */
export function thrown(fn: () => unknown): MirrorsinkError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MirrorsinkError) return err;
    throw err;
  }
  throw new Error('expected a MirrorsinkError');
}
