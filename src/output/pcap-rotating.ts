/**
 * `--pcap-dir DIR`: every delivered packet into classic pcap files, rotated by size and by
 * packet time, with a retention cap on the number of files and their total size (oldest
 * deleted first, including files a previous run left with the same prefix). Stores the
 * decapsulated inner frame by default, or the outer packet (mode 'outer').
 *
 * Names: PREFIX-YYYYMMDDTHHMMSSZ-NNNN.pcap (time of the file's first packet, a sequence
 * number), so name order is time order. A new file is also started when the link type changes
 * (a pcap file has one link type).
 */
import { readdirSync, statSync, unlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PacketView } from '../decode/packet-view.js';
import type { PacketOutput } from '../pipeline/stages.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { PcapWriter, PCAP_RECORD_HEADER_LEN } from './pcap-writer.js';
import { FrameBytes, type PcapMode } from './pcap-frame-bytes.js';

export interface RotatingPcapOptions {
  dir: string;
  /** File name prefix. Default "mirrorsink". */
  prefix?: string;
  mode?: PcapMode;
  /** Start a new file before one would exceed this size. Default 100 MiB. */
  maxFileBytes?: number;
  /** Start a new file when a packet is this many seconds (packet time) after the file's first. Default 3600. */
  maxFileSeconds?: number;
  /** Keep at most this many files (0 = no limit). Default 0. */
  maxFiles?: number;
  /** Keep at most this many bytes of files (0 = no limit). Default 0. */
  maxTotalBytes?: number;
  snaplen?: number;
  nanosecond?: boolean;
}

interface KeptFile {
  path: string;
  bytes: number;
}

const p2 = (n: number) => String(n).padStart(2, '0');

export class RotatingPcapOutput implements PacketOutput {
  packets = 0;
  filesOpened = 0;
  filesDeleted = 0;
  /** Packets with nothing to store (e.g. GENEVE datagrams in outer mode). */
  skipped = 0;

  private readonly prefix: string;
  private readonly mode: PcapMode;
  private readonly maxFileBytes: number;
  private readonly maxFileSeconds: number;
  private readonly maxFiles: number;
  private readonly maxTotalBytes: number;
  private readonly snaplen: number;
  private readonly nanosecond: boolean;
  private readonly frame = new FrameBytes();
  private readonly kept: KeptFile[] = [];
  private writer: PcapWriter | null = null;
  private writerPath = '';
  private writerLinktype = -1;
  private writerStartSec = 0;
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: RotatingPcapOptions) {
    this.prefix = opts.prefix ?? 'mirrorsink';
    this.mode = opts.mode ?? 'inner';
    this.maxFileBytes = opts.maxFileBytes ?? 100 * 1024 * 1024;
    this.maxFileSeconds = opts.maxFileSeconds ?? 3600;
    this.maxFiles = opts.maxFiles ?? 0;
    this.maxTotalBytes = opts.maxTotalBytes ?? 0;
    this.snaplen = opts.snaplen ?? 262144;
    this.nanosecond = opts.nanosecond ?? false;
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (err) {
      throw new MirrorsinkError(ErrorCode.FileUnreadable, `cannot create ${opts.dir}: ${(err as Error).message}`);
    }
    const re = new RegExp(`^${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{8}T\\d{6}Z-(\\d+)\\.pcap$`);
    for (const name of readdirSync(opts.dir).sort()) {
      const m = re.exec(name);
      if (!m) continue;
      const p = path.join(opts.dir, name);
      this.kept.push({ path: p, bytes: statSync(p).size });
      this.seq = Math.max(this.seq, Number(m[1]) + 1);
    }
  }

  write(p: PacketView): void {
    if (this.closed) return;
    const f = this.frame;
    if (!f.select(p, this.mode)) {
      this.skipped++;
      return;
    }
    this.writeFrame(f.buf, f.start, f.caplen, f.wirelen, f.linktype, p.tsSec, p.tsNsec);
  }

  /** Store bytes already selected (FrameBytes): a pipeline thread's frames, written by the main thread. */
  writeFrame(buf: Uint8Array, start: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    if (this.closed) return;
    const len = Math.min(caplen, this.snaplen);
    let w = this.writer;
    if (
      w === null ||
      linktype !== this.writerLinktype ||
      (w.records > 0 && w.bytesWritten + PCAP_RECORD_HEADER_LEN + len > this.maxFileBytes) ||
      tsSec - this.writerStartSec >= this.maxFileSeconds
    ) {
      w = this.rotate(tsSec, linktype);
    }
    w.writeRecord(buf, start, len, wirelen, tsSec, tsNsec);
    this.packets++;
  }

  /** Files kept (oldest first), including the one being written. */
  files(): string[] {
    const out = this.kept.map((k) => k.path);
    if (this.writer !== null) out.push(this.writerPath);
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finishCurrent();
    this.enforceRetention();
  }

  private rotate(tsSec: number, linktype: number): PcapWriter {
    this.finishCurrent();
    const d = new Date(tsSec * 1000);
    const stamp = `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}T${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
    const file = path.join(this.opts.dir, `${this.prefix}-${stamp}-${String(this.seq++).padStart(4, '0')}.pcap`);
    const w = new PcapWriter(file, { linktype, snaplen: this.snaplen, nanosecond: this.nanosecond });
    this.writer = w;
    this.writerPath = file;
    this.writerLinktype = linktype;
    this.writerStartSec = tsSec;
    this.filesOpened++;
    this.enforceRetention();
    return w;
  }

  private finishCurrent(): void {
    const w = this.writer;
    if (w === null) return;
    w.close();
    this.kept.push({ path: this.writerPath, bytes: w.bytesWritten });
    this.writer = null;
  }

  /** Delete the oldest finished files beyond the caps (the open file counts but is kept). */
  private enforceRetention(): void {
    const open = this.writer !== null ? 1 : 0;
    const openBytes = this.writer !== null ? this.writer.bytesWritten : 0;
    let total = this.kept.reduce((s, k) => s + k.bytes, 0) + openBytes;
    while (
      this.kept.length > 0 &&
      ((this.maxFiles > 0 && this.kept.length + open > this.maxFiles) || (this.maxTotalBytes > 0 && total > this.maxTotalBytes))
    ) {
      const old = this.kept.shift()!;
      try {
        unlinkSync(old.path);
      } catch {
        // Already gone (removed by hand): nothing to free.
      }
      total -= old.bytes;
      this.filesDeleted++;
    }
  }
}
