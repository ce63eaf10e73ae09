/**
 * Classic libpcap files: magic a1b2c3d4 (µs) or a1b23c4d (ns), written in either byte order.
 * Records are handed to the sink in place in the reader's buffer.
 */
import type { FrameSink } from '../pipeline/stages.js';
import type { CaptureReadResult } from './capture-file.js';
import { MAX_RECORD_BYTES, type ChunkReader } from './chunk-reader.js';
import { corruptCapture } from './capture-errors.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_GLOBAL_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;
/** libpcap's largest sane caplen (MAXIMUM_SNAPLEN); a larger one needs a snaplen that says so. */
export const PCAP_MAX_SANE_CAPLEN = 262144;
/** The link-type field's upper bits carry the FCS length (LT_FCS_LENGTH...); mask them off. */
const LINKTYPE_MASK = 0x03ffffff;

/** Byte order and precision from the first four bytes; null when not classic pcap. */
export function pcapMagicInfo(head: Uint8Array): { littleEndian: boolean; nanosecond: boolean } | null {
  if (head.length < 4) return null;
  const be = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const le = ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0;
  if (be === PCAP_MAGIC_USEC || be === PCAP_MAGIC_NSEC) return { littleEndian: false, nanosecond: be === PCAP_MAGIC_NSEC };
  if (le === PCAP_MAGIC_USEC || le === PCAP_MAGIC_NSEC) return { littleEndian: true, nanosecond: le === PCAP_MAGIC_NSEC };
  return null;
}

/** Reads the global header at the reader's position, then every record. */
export function readPcap(reader: ChunkReader, path: string, sink: FrameSink): CaptureReadResult {
  if (!reader.fill(PCAP_GLOBAL_HEADER_BYTES)) {
    throw new MirrorsinkError(
      ErrorCode.FileFormat,
      `${path}: truncated pcap file header (${reader.available} of ${PCAP_GLOBAL_HEADER_BYTES} bytes)`,
    );
  }
  const magic = pcapMagicInfo(reader.buf.subarray(reader.pos, reader.pos + 4));
  if (magic === null) throw new MirrorsinkError(ErrorCode.FileFormat, `${path}: not a pcap file`);
  const le = magic.littleEndian;
  const header = reader.dv;
  const snaplen = header.getUint32(reader.pos + 16, le);
  const linktype = header.getUint32(reader.pos + 20, le) & LINKTYPE_MASK;
  reader.pos += PCAP_GLOBAL_HEADER_BYTES;

  const maxCaplen = Math.min(Math.max(PCAP_MAX_SANE_CAPLEN, snaplen), MAX_RECORD_BYTES - PCAP_RECORD_HEADER_BYTES);
  const nsecPerTick = magic.nanosecond ? 1 : 1000;
  const ticksPerSecond = magic.nanosecond ? 1e9 : 1e6;
  let frames = 0;
  let bytes = 0;
  let truncatedTail = false;

  for (;;) {
    let p = reader.pos;
    if (reader.end - p < PCAP_RECORD_HEADER_BYTES) {
      if (!reader.fill(PCAP_RECORD_HEADER_BYTES)) {
        truncatedTail = reader.available > 0;
        break;
      }
      p = reader.pos;
    }
    const dv = reader.dv;
    let tsSec = dv.getUint32(p, le);
    let ticks = dv.getUint32(p + 4, le);
    const caplen = dv.getUint32(p + 8, le);
    const wirelen = dv.getUint32(p + 12, le);
    if (caplen > maxCaplen) {
      throw corruptCapture(path, 'pcap', reader.offset, `record caplen ${caplen} exceeds the maximum of ${maxCaplen} (snaplen ${snaplen})`);
    }
    const recordBytes = PCAP_RECORD_HEADER_BYTES + caplen;
    if (reader.end - p < recordBytes) {
      if (!reader.fill(recordBytes)) {
        truncatedTail = true;
        break;
      }
      p = reader.pos;
    }
    if (ticks >= ticksPerSecond) {
      // Out-of-range fraction (damaged or hand-made file): carry it into the seconds.
      const carry = Math.floor(ticks / ticksPerSecond);
      tsSec += carry;
      ticks -= carry * ticksPerSecond;
    }
    sink.onFrame(reader.buf, p + PCAP_RECORD_HEADER_BYTES, caplen, wirelen, linktype, tsSec, ticks * nsecPerTick);
    reader.pos = p + recordBytes;
    frames++;
    bytes += caplen;
  }

  return { format: 'pcap', frames, bytes, linktypes: [linktype], truncatedTail };
}
