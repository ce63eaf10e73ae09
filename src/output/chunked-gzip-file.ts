/**
 * A gzip file written synchronously in bounded chunks: text is appended to a fixed buffer and
 * each full chunk (64 KiB) is deflated (zlib, in this thread) and written at once. Memory held
 * is one chunk, whatever the file's length; nothing queues up behind a stream that a synchronous
 * replay loop never lets drain (an async zlib stream there kept every line until the end).
 *
 * The file is one ordinary gzip member (RFC 1952): Node's header, raw deflate data, CRC-32 and
 * length. Each chunk is deflated on its own and ended with a sync flush (no final bit), so the
 * chunks concatenate into one deflate stream; close() adds the empty final block and the
 * trailer. gunzip, zcat, Athena and our reader see exactly the text that was written.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import zlib from 'node:zlib';

/** zlib's gzip header: magic, deflate, no flags, mtime 0, XFL (set per level), OS Unix. */
const GZIP_HEADER = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03];
/**
 * Level 1 by default: on flow-log text it deflates 3-4× faster than level 6 for files about 8%
 * larger (still ~25:1), and here deflating runs in the packet thread.
 */
export const DEFAULT_GZIP_LEVEL = zlib.constants.Z_BEST_SPEED;
/** An empty final fixed-Huffman block: ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

type Crc32 = (data: Uint8Array, value?: number) => number;

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (zlib's polynomial) in JS: for Node 20 before 20.15, which has no zlib.crc32. */
export function crc32Js(data: Uint8Array, value = 0): number {
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Longest UTF-8 encoding of one UTF-16 code unit. */
const MAX_BYTES_PER_CHAR = 3;

const crc32: Crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32 ?? crc32Js;

export class ChunkedGzipFile {
  /** Uncompressed bytes written (the trailer's ISIZE, before its mod 2^32). */
  textBytes = 0;
  /** Compressed bytes written to the file (header and trailer included). */
  fileBytes = 0;
  /** Chunks deflated and written. */
  chunks = 0;
  private fd: number;
  /** Text not yet deflated: one chunk at most. */
  private readonly buf: Buffer;
  private used = 0;
  private crc = 0;
  private readonly deflateOpts: zlib.ZlibOptions;

  /** Opens (truncates) `path`; throws the fs error if it cannot. */
  constructor(
    readonly path: string,
    opts: { chunkBytes?: number; level?: number } = {},
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, opts.chunkBytes ?? 64 * 1024));
    const level = opts.level ?? DEFAULT_GZIP_LEVEL;
    // Each chunk ends with a sync flush, not a final block: the chunks form one deflate stream.
    this.deflateOpts = { level, finishFlush: zlib.constants.Z_SYNC_FLUSH };
    this.fd = openSync(path, 'w');
    const header = Buffer.from(GZIP_HEADER);
    // XFL as zlib writes it: 2 = slowest/best, 4 = fastest.
    header[8] = level === 9 ? 2 : level === 1 ? 4 : 0;
    this.put(header);
  }

  /** Bytes buffered and not yet deflated (less than the chunk size). */
  get buffered(): number {
    return this.used;
  }

  /** Append text (UTF-8); a full chunk is deflated and written. Throws the fs error if that fails. */
  write(text: string): void {
    if (this.used + text.length * MAX_BYTES_PER_CHAR > this.buf.length) {
      this.flush();
      if (text.length * MAX_BYTES_PER_CHAR > this.buf.length) {
        // Longer than a whole chunk (never for flow-log lines): deflated on its own.
        this.deflate(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  /** Append bytes[0, length) (already encoded text). Throws the fs error if a flush fails. */
  writeBytes(bytes: Uint8Array, length: number): void {
    if (this.used + length > this.buf.length) {
      this.flush();
      if (length > this.buf.length) {
        this.deflate(bytes.subarray(0, length));
        return;
      }
    }
    // A line is short: a loop beats creating a subarray view per call.
    const buf = this.buf;
    let u = this.used;
    for (let i = 0; i < length; i++) buf[u++] = bytes[i]!;
    this.used = u;
  }

  /** Deflate and write what is buffered. */
  flush(): void {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    this.deflate(this.buf.subarray(0, n));
  }

  /** Flush, end the stream, write the trailer and close the file. */
  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
      const trailer = Buffer.allocUnsafe(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.textBytes % 0x100000000, 4);
      this.put(FINAL_BLOCK);
      this.put(trailer);
    } finally {
      const fd = this.fd;
      this.fd = -1;
      closeSync(fd);
    }
  }

  /** Close the file without completing it (after an error). */
  abandon(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      closeSync(fd);
    } catch {
      // already failing: the first error is the one reported
    }
  }

  private deflate(text: Uint8Array): void {
    this.crc = crc32(text, this.crc);
    this.textBytes += text.length;
    this.chunks++;
    this.put(zlib.deflateRawSync(text, this.deflateOpts));
  }

  private put(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.fileBytes += bytes.length;
  }
}
