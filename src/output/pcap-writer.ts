/**
 * Classic pcap writer (little-endian, microsecond or nanosecond magic). Records are copied into
 * one large reusable buffer and written with fs.writeSync when it fills: writeRecord allocates
 * nothing. `PcapWriter` writes a file; `PcapBufferWriter` keeps the bytes in memory (tests,
 * generated captures) and `buildPcap` makes a whole file as a Buffer in one call.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ErrorCode, MirrorsinkError } from '../errors.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const DEFAULT_SNAPLEN = 262144;

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

export interface PcapWriterOptions {
  /** LINKTYPE_* of every record. */
  linktype: number;
  /** Records longer than this are cut to it (the wire length is kept). Default 262144. */
  snaplen?: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d); default microseconds. */
  nanosecond?: boolean;
  /** Size of the staging buffer (file writer only). Default 1 MiB. */
  bufferSize?: number;
}

/** What pcap consumers (flow rings, pcap output) need from a writer. */
export interface PcapRecordWriter {
  writeRecord(buf: Uint8Array, offset: number, caplen: number, wirelen: number, tsSec: number, tsNsec: number): void;
  readonly bytesWritten: number;
  readonly records: number;
  close(): void;
}

const TWO32 = 4294967296;

/** Encode the 24-byte global header into `out` at `off`. */
export function writePcapGlobalHeader(out: Uint8Array, off: number, linktype: number, snaplen: number, nanosecond: boolean): void {
  const dv = new DataView(out.buffer, out.byteOffset + off, PCAP_GLOBAL_HEADER_LEN);
  dv.setUint32(0, nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setInt32(8, 0, true); // thiszone
  dv.setUint32(12, 0, true); // sigfigs
  dv.setUint32(16, snaplen, true);
  dv.setUint32(20, linktype, true);
}

function checkOptions(opts: PcapWriterOptions): { snaplen: number; nanosecond: boolean } {
  const snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
  if (!Number.isInteger(opts.linktype) || opts.linktype < 0 || opts.linktype > 0xffff) {
    throw new MirrorsinkError(ErrorCode.Usage, `pcap writer: bad link type ${opts.linktype}`);
  }
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x7fffffff) {
    throw new MirrorsinkError(ErrorCode.Usage, `pcap writer: bad snaplen ${snaplen}`);
  }
  return { snaplen, nanosecond: opts.nanosecond === true };
}

/**
 * Shared record encoding over a staging buffer. Subclasses decide what "flush" does with the
 * filled part.
 */
abstract class PcapEncoder implements PcapRecordWriter {
  protected buf: Uint8Array;
  protected dv: DataView;
  /** Bytes staged in `buf`. */
  protected fill = 0;
  protected readonly snaplen: number;
  protected readonly nanosecond: boolean;
  protected closed = false;
  bytesWritten = 0;
  records = 0;

  protected constructor(opts: PcapWriterOptions, bufferSize: number) {
    const o = checkOptions(opts);
    this.snaplen = o.snaplen;
    this.nanosecond = o.nanosecond;
    this.buf = new Uint8Array(Math.max(bufferSize, PCAP_GLOBAL_HEADER_LEN + PCAP_RECORD_HEADER_LEN));
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    writePcapGlobalHeader(this.buf, 0, opts.linktype, this.snaplen, this.nanosecond);
    this.fill = PCAP_GLOBAL_HEADER_LEN;
    this.bytesWritten = PCAP_GLOBAL_HEADER_LEN;
  }

  /** Make room for `n` more staged bytes; false when they must be passed through instead. */
  protected abstract makeRoom(n: number): boolean;
  /** Write bytes that do not fit in the staging buffer straight through (after makeRoom). */
  protected abstract passThrough(buf: Uint8Array, offset: number, len: number): void;

  /**
   * Append one record. `caplen` bytes are taken from `buf` at `offset` (cut to the snaplen);
   * `wirelen` is the original length (raised to caplen if smaller). tsNsec is nanoseconds
   * within the second; microsecond files store floor(tsNsec / 1000).
   */
  writeRecord(buf: Uint8Array, offset: number, caplen: number, wirelen: number, tsSec: number, tsNsec: number): void {
    if (this.closed) throw new MirrorsinkError(ErrorCode.Usage, 'pcap writer: write after close');
    if (caplen > this.snaplen) caplen = this.snaplen;
    if (wirelen < caplen) wirelen = caplen;
    if (this.buf.length - this.fill < PCAP_RECORD_HEADER_LEN) this.makeRoom(PCAP_RECORD_HEADER_LEN);
    const dv = this.dv;
    const h = this.fill;
    dv.setUint32(h, tsSec % TWO32, true);
    dv.setUint32(h + 4, this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), true);
    dv.setUint32(h + 8, caplen, true);
    dv.setUint32(h + 12, wirelen >>> 0, true);
    this.fill = h + PCAP_RECORD_HEADER_LEN;
    if (this.buf.length - this.fill >= caplen || this.makeRoom(caplen)) {
      this.buf.set(buf.subarray(offset, offset + caplen), this.fill);
      this.fill += caplen;
    } else {
      this.passThrough(buf, offset, caplen);
    }
    this.bytesWritten += PCAP_RECORD_HEADER_LEN + caplen;
    this.records++;
  }

  /** Push staged bytes to the file (no-op in memory). */
  abstract flush(): void;

  abstract close(): void;
}

/** Writes a pcap file through a staging buffer; `close()` flushes and closes the file. */
export class PcapWriter extends PcapEncoder {
  private fd: number;

  constructor(
    readonly path: string,
    opts: PcapWriterOptions,
  ) {
    super(opts, opts.bufferSize ?? 1 << 20);
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new MirrorsinkError(ErrorCode.FileUnreadable, `cannot create ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  protected makeRoom(n: number): boolean {
    this.flush();
    return n <= this.buf.length;
  }

  flush(): void {
    if (this.closed) return;
    let done = 0;
    while (done < this.fill) done += writeSync(this.fd, this.buf, done, this.fill - done);
    this.fill = 0;
  }

  protected passThrough(buf: Uint8Array, offset: number, len: number): void {
    let done = 0;
    while (done < len) done += writeSync(this.fd, buf, offset + done, len - done);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Keeps the pcap in memory; `toBuffer()` returns the file bytes so far (a copy). */
export class PcapBufferWriter extends PcapEncoder {
  constructor(opts: Omit<PcapWriterOptions, 'bufferSize'> & { initialSize?: number }) {
    super(opts, opts.initialSize ?? 64 * 1024);
  }

  /** Grow instead of flushing: everything stays in `buf`. */
  protected makeRoom(n: number): boolean {
    const need = this.fill + n;
    if (need <= this.buf.length) return true;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.fill));
    this.buf = next;
    this.dv = new DataView(next.buffer);
    return true;
  }

  protected passThrough(): void {
    // makeRoom never refuses in memory.
  }

  flush(): void {}

  /** The file bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.fill));
  }

  close(): void {
    this.closed = true;
  }
}

export interface PcapRecordInput {
  data: Uint8Array;
  tsSec: number;
  tsNsec?: number;
  /** Original length; defaults to data.length. */
  wirelen?: number;
}

/** Build a whole pcap file in memory. */
export function buildPcap(records: Iterable<PcapRecordInput>, opts: Omit<PcapWriterOptions, 'bufferSize'>): Buffer {
  const w = new PcapBufferWriter(opts);
  for (const r of records) w.writeRecord(r.data, 0, r.data.length, r.wirelen ?? r.data.length, r.tsSec, r.tsNsec ?? 0);
  return w.toBuffer();
}
