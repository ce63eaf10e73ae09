/**
 * SCTP common header (RFC 9260 3.1): ports only. Chunks are not decoded. A datagram shorter
 * than the 12-byte common header is decoder.sctp.pkt_too_small.
 */
import { DecodeEvent, decodeError, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const IPPROTO_SCTP = 132;
export const SCTP_HEADER_LEN = 12;

/** Decode the SCTP common header at `off`; returns false when p.error was set. */
export function decodeSctp(p: PacketView, c: DecodeCounters, off: number, end: number): boolean {
  if (end - off < SCTP_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.SctpPktTooSmall);
    return false;
  }
  const b = p.buf;
  p.l4Offset = off;
  p.sport = (b[off]! << 8) | b[off + 1]!;
  p.dport = (b[off + 2]! << 8) | b[off + 3]!;
  p.payloadOffset = off + SCTP_HEADER_LEN;
  p.payloadLen = end - p.payloadOffset;
  return true;
}
