/**
 * pcapng files: any number of sections, each with its own byte order (from its Section Header
 * Block) and its own interface list (link type, snaplen, if_tsresol, if_tsoffset). Packets come
 * from Enhanced, Simple and obsolete Packet Blocks; every other block (name resolution,
 * statistics, decryption secrets, custom...) is skipped without being buffered.
 */
import type { FrameSink } from '../pipeline/stages.js';
import type { CaptureReadResult } from './capture-file.js';
import { MAX_RECORD_BYTES, type ChunkReader } from './chunk-reader.js';
import { corruptCapture } from './capture-errors.js';
import { TimestampConverter, isSupportedTsresol } from './pcapng-timestamp.js';

export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB_TYPE = 1;
const OBSOLETE_PACKET_BLOCK_TYPE = 2;
const SPB_TYPE = 3;
const EPB_TYPE = 6;

/** Block type + block total length (+ the SHB byte-order magic, so the order is known). */
const BLOCK_PREFIX_BYTES = 12;
const SHB_MIN_BYTES = 28;
const IDB_MIN_BYTES = 20;
const SPB_MIN_BYTES = 16;
/** EPB and the obsolete Packet Block share the layout up to the packet data. */
const EPB_MIN_BYTES = 32;
const EPB_DATA_OFFSET = 28;
const SPB_DATA_OFFSET = 12;

const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const DEFAULT_TSRESOL = 6;

export function readPcapng(reader: ChunkReader, path: string, sink: FrameSink): CaptureReadResult {
  const linktypes: number[] = [];
  // The current section's interfaces (replaced at each SHB: ids are per section).
  let ifLinktype: number[] = [];
  let ifSnaplen: number[] = [];
  let ifClock: TimestampConverter[] = [];
  let le = true;
  let frames = 0;
  let bytes = 0;
  let truncatedTail = false;

  for (;;) {
    let p = reader.pos;
    if (reader.end - p < BLOCK_PREFIX_BYTES) {
      if (!reader.fill(BLOCK_PREFIX_BYTES)) {
        truncatedTail = reader.available > 0;
        break;
      }
      p = reader.pos;
    }
    let dv = reader.dv;
    // The SHB type reads the same in both byte orders.
    const type = dv.getUint32(p, le);
    if (type === PCAPNG_SHB_TYPE) {
      const bom = dv.getUint32(p + 8, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (dv.getUint32(p + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else throw corruptCapture(path, 'pcapng', reader.offset, `bad section byte-order magic 0x${hex32(bom)}`);
    }
    const blockLen = dv.getUint32(p + 4, le);
    if (blockLen < BLOCK_PREFIX_BYTES || (blockLen & 3) !== 0) {
      throw corruptCapture(path, 'pcapng', reader.offset, `block type 0x${hex32(type)} has invalid length ${blockLen}`);
    }
    const isPacket = type === EPB_TYPE || type === SPB_TYPE || type === OBSOLETE_PACKET_BLOCK_TYPE;
    if (!isPacket && type !== PCAPNG_SHB_TYPE && type !== IDB_TYPE) {
      if (!reader.skip(blockLen)) {
        truncatedTail = true;
        break;
      }
      continue;
    }
    if (blockLen > MAX_RECORD_BYTES) {
      throw corruptCapture(path, 'pcapng', reader.offset, `block length ${blockLen} exceeds ${MAX_RECORD_BYTES} bytes`);
    }
    if (reader.end - p < blockLen) {
      if (!reader.fill(blockLen)) {
        truncatedTail = true;
        break;
      }
      p = reader.pos;
      dv = reader.dv;
    }

    if (type === EPB_TYPE || type === OBSOLETE_PACKET_BLOCK_TYPE) {
      if (blockLen < EPB_MIN_BYTES) throw corruptCapture(path, 'pcapng', reader.offset, `packet block length ${blockLen} is too short`);
      const ifId = type === EPB_TYPE ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
      const caplen = dv.getUint32(p + 20, le);
      const wirelen = dv.getUint32(p + 24, le);
      if (ifId >= ifLinktype.length) {
        throw corruptCapture(path, 'pcapng', reader.offset, `packet refers to interface ${ifId}, section has ${ifLinktype.length}`);
      }
      if (caplen > blockLen - EPB_MIN_BYTES) {
        throw corruptCapture(path, 'pcapng', reader.offset, `captured length ${caplen} exceeds its block (${blockLen} bytes)`);
      }
      const clock = ifClock[ifId];
      clock.convert(dv.getInt32(p + 12, le), dv.getInt32(p + 16, le));
      sink.onFrame(reader.buf, p + EPB_DATA_OFFSET, caplen, wirelen, ifLinktype[ifId], clock.sec, clock.nsec);
      frames++;
      bytes += caplen;
    } else if (type === SPB_TYPE) {
      if (blockLen < SPB_MIN_BYTES) throw corruptCapture(path, 'pcapng', reader.offset, `simple packet block length ${blockLen} is too short`);
      if (ifLinktype.length === 0) throw corruptCapture(path, 'pcapng', reader.offset, 'simple packet block before any interface');
      const wirelen = dv.getUint32(p + 8, le);
      // No caplen field: the data is what the block holds, cut to the wire length and snaplen.
      let caplen = blockLen - SPB_MIN_BYTES;
      if (wirelen < caplen) caplen = wirelen;
      const snaplen = ifSnaplen[0];
      if (snaplen !== 0 && snaplen < caplen) caplen = snaplen;
      sink.onFrame(reader.buf, p + SPB_DATA_OFFSET, caplen, wirelen, ifLinktype[0], 0, 0);
      frames++;
      bytes += caplen;
    } else if (type === IDB_TYPE) {
      if (blockLen < IDB_MIN_BYTES) throw corruptCapture(path, 'pcapng', reader.offset, `interface block length ${blockLen} is too short`);
      const linktype = dv.getUint16(p + 8, le);
      ifLinktype.push(linktype);
      ifSnaplen.push(dv.getUint32(p + 12, le));
      ifClock.push(interfaceClock(dv, p, blockLen, le, path, reader.offset));
      linktypes.push(linktype);
    } else {
      if (blockLen < SHB_MIN_BYTES) throw corruptCapture(path, 'pcapng', reader.offset, `section header length ${blockLen} is too short`);
      const major = dv.getUint16(p + 12, le);
      if (major !== 1) {
        throw corruptCapture(path, 'pcapng', reader.offset, `unsupported pcapng version ${major}.${dv.getUint16(p + 14, le)}`);
      }
      ifLinktype = [];
      ifSnaplen = [];
      ifClock = [];
    }
    reader.pos = p + blockLen;
  }

  return { format: 'pcapng', frames, bytes, linktypes, truncatedTail };
}

/** Walks an IDB's options for if_tsresol and if_tsoffset (once per interface). */
function interfaceClock(dv: DataView, block: number, blockLen: number, le: boolean, path: string, offset: number): TimestampConverter {
  let tsresol = DEFAULT_TSRESOL;
  let tsoffset = 0n;
  const end = block + blockLen - 4;
  let o = block + 16;
  while (o + 4 <= end) {
    const code = dv.getUint16(o, le);
    const len = dv.getUint16(o + 2, le);
    if (code === OPT_END || o + 4 + len > end) break;
    if (code === OPT_IF_TSRESOL && len >= 1) tsresol = dv.getUint8(o + 4);
    else if (code === OPT_IF_TSOFFSET && len >= 8) tsoffset = dv.getBigInt64(o + 4, le);
    o += 4 + ((len + 3) & ~3);
  }
  if (!isSupportedTsresol(tsresol)) {
    throw corruptCapture(path, 'pcapng', offset, `interface if_tsresol 0x${tsresol.toString(16)} is finer than 64-bit timestamps allow`);
  }
  return new TimestampConverter(tsresol, tsoffset);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
