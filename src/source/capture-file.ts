/**
 * Capture files: classic pcap (either byte order, µs or ns) and pcapng (any number of sections
 * of either byte order, per-interface link type and if_tsresol, EPB/SPB/OPB, unknown blocks
 * skipped). The format is chosen from the magic number, never the file name.
 *
 * Reading is synchronous, in large chunks: each record is passed to the sink in place in the
 * reader's buffer, which is reused for the next records. A sink must copy what it keeps.
 */
import { closeSync, openSync } from 'node:fs';
import type { FrameSink } from '../pipeline/stages.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { ChunkReader, DEFAULT_CHUNK_BYTES, describeFsError } from './chunk-reader.js';
import { pcapMagicInfo, readPcap } from './pcap-reader.js';
import { PCAPNG_SHB_TYPE, readPcapng } from './pcapng-reader.js';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureReadResult {
  format: CaptureFormat;
  frames: number;
  /** Captured bytes handed to the sink (sum of caplen). */
  bytes: number;
  /** Link types seen (pcap: one; pcapng: one per interface). */
  linktypes: number[];
  /** The file ended inside a record or block (tcpdump: "truncated dump file"); the records
   *  before it were delivered. */
  truncatedTail: boolean;
}

export interface CaptureReadOptions {
  /** Initial buffer size (tests use tiny ones to force records across chunk ends). */
  chunkBytes?: number;
}

/** Detect the format from the first bytes; null when not a capture file. */
export function detectCaptureFormat(head: Uint8Array): CaptureFormat | null {
  if (head.length < 4) return null;
  if (pcapMagicInfo(head) !== null) return 'pcap';
  const magic = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  return magic === PCAPNG_SHB_TYPE ? 'pcapng' : null;
}

/**
 * Read a whole capture file synchronously, calling sink.onFrame for each packet record in
 * order. Throws MirrorsinkError(E_FILE_UNREADABLE / E_FILE_FORMAT) with a one-line reason for a
 * missing file or one that is not pcap/pcapng; a truncated last record ends reading quietly
 * (counted in the result as it is in tcpdump's "truncated dump file" warning).
 */
export function readCaptureFile(path: string, sink: FrameSink, options: CaptureReadOptions = {}): CaptureReadResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new MirrorsinkError(ErrorCode.FileUnreadable, `${path}: ${describeFsError(err)}`);
  }
  try {
    const reader = new ChunkReader(fd, path, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    const haveMagic = reader.fill(4);
    const head = reader.buf.subarray(reader.pos, reader.pos + Math.min(4, reader.available));
    const format = haveMagic ? detectCaptureFormat(head) : null;
    if (format === null) {
      const what = haveMagic ? `magic 0x${Buffer.from(head).toString('hex')}` : `only ${head.length} bytes`;
      throw new MirrorsinkError(ErrorCode.FileFormat, `${path}: not a pcap or pcapng file (${what})`);
    }
    return format === 'pcap' ? readPcap(reader, path, sink) : readPcapng(reader, path, sink);
  } finally {
    closeSync(fd);
  }
}
