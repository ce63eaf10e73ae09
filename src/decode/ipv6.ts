/**
 * IPv6 fixed header plus the extension-header chain, walked (at most MAX_IPV6_EXT_HEADERS)
 * to the upper-layer protocol. ESP and No-Next-Header end the walk with p.ipProto set to them;
 * a fragment header with a non-zero offset ends it too (no upper-layer header in that packet).
 */
import { DecodeEvent, EngineEvent, Layer, decodeError, engineEvent, markTruncated, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const IPV6_HEADER_LEN = 40;
/** Bound on the extension-header walk; more is TooManyLayers. */
export const MAX_IPV6_EXT_HEADERS = 8;

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;

/** Bits of p.ipv6ExtMask: which extension headers the packet had. */
export const enum Ipv6Ext {
  HopByHop = 0x01,
  Routing = 0x02,
  Fragment = 0x04,
  DestOpts = 0x08,
  Ah = 0x10,
  Esp = 0x20,
  NoNext = 0x40,
}

/**
 * Decode the IPv6 header at `off`. Returns the offset of the upper-layer header (p.ipProto),
 * or -1 when p.error was set. For ESP / No-Next-Header / non-first fragments the returned
 * offset is where the walk stopped; the caller decodes L4 only for TCP/UDP/ICMP with
 * p.fragOffset 0.
 */
export function decodeIpv6(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Ipv6]++;
  const b = p.buf;
  if (end - off < IPV6_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.Ipv6PktTooSmall);
    return -1;
  }
  if (b[off]! >> 4 !== 6) {
    decodeError(p, c, DecodeEvent.Ipv6WrongIpVersion);
    return -1;
  }
  const plen = (b[off + 4]! << 8) | b[off + 5]!;
  let nh = b[off + 6]!;
  p.ipVersion = 6;
  p.l3Offset = off;
  p.tos = ((b[off]! & 0x0f) << 4) | (b[off + 1]! >> 4);
  p.ttl = b[off + 7]!;
  // Payload length 0 with something following: a jumbogram (RFC 2675, hop-by-hop jumbo option)
  // or Linux BIG TCP, which leaves the field 0 without the option (vxlan_bigtcp_80k_ipv6.pcap).
  // Either way the datagram is what was captured.
  p.ipLen = plen === 0 && nh !== IPPROTO_NONE ? end - off : IPV6_HEADER_LEN + plen;
  p.srcAddrOffset = off + 8;
  p.dstAddrOffset = off + 24;
  for (let i = 0; i < 4; i++) {
    const s = off + 8 + 4 * i;
    const d = off + 24 + 4 * i;
    p.src6[i] = ((b[s]! << 24) | (b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!) >>> 0;
    p.dst6[i] = ((b[d]! << 24) | (b[d + 1]! << 16) | (b[d + 2]! << 8) | b[d + 3]!) >>> 0;
  }
  if (p.ipLen > end - off) markTruncated(p, c);
  // Extension headers must lie inside both the datagram and the captured bytes.
  const lim = off + p.ipLen < end ? off + p.ipLen : end;
  let cur = off + IPV6_HEADER_LEN;
  for (let n = 0; ; n++) {
    let len: number;
    if (nh === IPPROTO_HOPOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_DSTOPTS || nh === IPPROTO_AH) {
      if (lim - cur < 2) {
        decodeError(p, c, DecodeEvent.Ipv6TruncExthdr);
        return -1;
      }
      len = nh === IPPROTO_AH ? (b[cur + 1]! + 2) << 2 : (b[cur + 1]! + 1) << 3;
      p.ipv6ExtMask |= nh === IPPROTO_HOPOPTS ? Ipv6Ext.HopByHop : nh === IPPROTO_ROUTING ? Ipv6Ext.Routing : nh === IPPROTO_DSTOPTS ? Ipv6Ext.DestOpts : Ipv6Ext.Ah;
    } else if (nh === IPPROTO_FRAGMENT) {
      len = 8;
      p.ipv6ExtMask |= Ipv6Ext.Fragment;
    } else {
      if (nh === IPPROTO_ESP) p.ipv6ExtMask |= Ipv6Ext.Esp;
      else if (nh === IPPROTO_NONE) p.ipv6ExtMask |= Ipv6Ext.NoNext;
      break;
    }
    if (n >= MAX_IPV6_EXT_HEADERS) {
      decodeError(p, c, DecodeEvent.TooManyLayers);
      return -1;
    }
    if (lim - cur < len) {
      decodeError(p, c, DecodeEvent.Ipv6TruncExthdr);
      return -1;
    }
    const isFrag = nh === IPPROTO_FRAGMENT;
    if (isFrag) {
      const fo = (b[cur + 2]! << 8) | b[cur + 3]!;
      p.fragOffset = fo & 0xfff8;
      p.ipFlags = fo & 1;
      p.ipId = ((b[cur + 4]! << 24) | (b[cur + 5]! << 16) | (b[cur + 6]! << 8) | b[cur + 7]!) >>> 0;
      if (!p.isFragment) c.layers[Layer.Fragment]++;
      else engineEvent(p, c, EngineEvent.Ipv6ExthdrDuplFh);
      if (p.fragOffset === 0 && p.ipFlags === 0) engineEvent(p, c, EngineEvent.Ipv6ExthdrUselessFh);
      p.isFragment = true;
    }
    nh = b[cur]!;
    cur += len;
    // Later fragments: what follows is the middle of the upper-layer data, not headers.
    if (isFrag && p.fragOffset > 0) break;
  }
  p.ipProto = nh;
  p.ipHeaderLen = cur - off;
  return cur;
}
