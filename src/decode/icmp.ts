/**
 * ICMPv4 and ICMPv6: type and code always; identifier and sequence only for the echo-like
 * messages that carry them (v4 echo, timestamp, information, address mask; v6 echo).
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const ICMP_HEADER_LEN = 8;

/** Bit n set = ICMPv4 type n carries id/seq: 0, 8, 13, 14, 15, 16, 17, 18. */
const ICMPV4_ECHO_LIKE = (1 << 0) | (1 << 8) | (1 << 13) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 17) | (1 << 18);
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;

function fill(p: PacketView, off: number, end: number, hasId: boolean): void {
  const b = p.buf;
  p.l4Offset = off;
  p.icmpType = b[off]!;
  p.icmpCode = b[off + 1]!;
  if (hasId) {
    p.icmpId = (b[off + 4]! << 8) | b[off + 5]!;
    p.icmpSeq = (b[off + 6]! << 8) | b[off + 7]!;
  }
  p.payloadOffset = off + ICMP_HEADER_LEN;
  p.payloadLen = end - p.payloadOffset;
}

/** Returns false when p.error was set. */
export function decodeIcmpv4(p: PacketView, c: DecodeCounters, off: number, end: number): boolean {
  c.layers[Layer.Icmpv4]++;
  if (end - off < ICMP_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.Icmpv4PktTooSmall);
    return false;
  }
  const type = p.buf[off]!;
  fill(p, off, end, type < 32 && ((ICMPV4_ECHO_LIKE >>> type) & 1) === 1);
  return true;
}

/** Returns false when p.error was set. */
export function decodeIcmpv6(p: PacketView, c: DecodeCounters, off: number, end: number): boolean {
  c.layers[Layer.Icmpv6]++;
  if (end - off < ICMP_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.Icmpv6PktTooSmall);
    return false;
  }
  const type = p.buf[off]!;
  fill(p, off, end, type === ICMPV6_ECHO_REQUEST || type === ICMPV6_ECHO_REPLY);
  return true;
}
