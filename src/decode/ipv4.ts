/**
 * IPv4 header. A total length beyond the captured bytes marks the packet truncated (normal for
 * snaplen and AWS PacketLength), not invalid. A total length of 0 is what TSO / BIG TCP
 * senders write (tshark: "presumed to be because of TSO"): the captured length is used.
 */
import { DecodeEvent, Layer, decodeError, markTruncated, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const IPV4_HEADER_LEN = 20;
export const IPV4_FLAG_MF = 0x1;
export const IPV4_FLAG_DF = 0x2;

/**
 * Decode the IPv4 header at `off` (captured bytes up to `end`). Returns the offset of the
 * upper-layer header, or -1 when p.error was set. The caller decodes L4 only when
 * p.fragOffset is 0, within min(p.l3Offset + p.ipLen, end).
 */
export function decodeIpv4(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Ipv4]++;
  const b = p.buf;
  if (end - off < IPV4_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.Ipv4PktTooSmall);
    return -1;
  }
  if (b[off]! >> 4 !== 4) {
    decodeError(p, c, DecodeEvent.Ipv4WrongIpVersion);
    return -1;
  }
  const hlen = (b[off]! & 0x0f) << 2;
  if (hlen < IPV4_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.Ipv4HlenTooSmall);
    return -1;
  }
  let totalLen = (b[off + 2]! << 8) | b[off + 3]!;
  if (totalLen === 0) totalLen = end - off;
  if (totalLen < hlen) {
    decodeError(p, c, DecodeEvent.Ipv4IplenSmallerThanHlen);
    return -1;
  }
  if (end - off < hlen) {
    // Options run past the captured bytes.
    decodeError(p, c, DecodeEvent.Ipv4PktTooSmall);
    return -1;
  }
  p.ipVersion = 4;
  p.l3Offset = off;
  p.ipHeaderLen = hlen;
  p.ipOptionsLen = hlen - IPV4_HEADER_LEN;
  p.ipLen = totalLen;
  p.tos = b[off + 1]!;
  p.ipId = (b[off + 4]! << 8) | b[off + 5]!;
  p.ipFlags = b[off + 6]! >> 5;
  p.fragOffset = (((b[off + 6]! & 0x1f) << 8) | b[off + 7]!) << 3;
  p.isFragment = (p.ipFlags & IPV4_FLAG_MF) !== 0 || p.fragOffset > 0;
  if (p.isFragment) c.layers[Layer.Fragment]++;
  p.ttl = b[off + 8]!;
  p.ipProto = b[off + 9]!;
  p.srcAddrOffset = off + 12;
  p.dstAddrOffset = off + 16;
  p.src4 = ((b[off + 12]! << 24) | (b[off + 13]! << 16) | (b[off + 14]! << 8) | b[off + 15]!) >>> 0;
  p.dst4 = ((b[off + 16]! << 24) | (b[off + 17]! << 16) | (b[off + 18]! << 8) | b[off + 19]!) >>> 0;
  if (totalLen > end - off) markTruncated(p, c);
  return off + hlen;
}
