/**
 * BSD loopback: LINKTYPE_NULL (0, address family in the capturing host's byte order) and
 * LINKTYPE_LOOP (108, network order). The file does not say which host wrote it, so either
 * byte order is accepted: the family values are all < 256, so the non-zero byte tells.
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import type { PacketView } from './packet-view.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_LOOP = 108;
export const NULL_HEADER_LEN = 4;

const AF_INET = 2;
/** AF_INET6 differs by OS: NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30. */
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/** Returns the payload offset with p.etherType set to IPv4/IPv6 (0 for other families), or -1. */
export function decodeNull(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Null]++;
  if (end - off < NULL_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.NullPktTooSmall);
    return -1;
  }
  const b = p.buf;
  const le = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24);
  const be = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  // The right reading is the small one; the other has the family in the top byte.
  const family = (le >>> 0) < (be >>> 0) ? le : be;
  if (family === AF_INET) p.etherType = ETHERTYPE_IPV4;
  else if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) p.etherType = ETHERTYPE_IPV6;
  else p.etherType = 0;
  p.linkProto = p.etherType;
  p.linkPayloadOffset = off + NULL_HEADER_LEN;
  return off + NULL_HEADER_LEN;
}
