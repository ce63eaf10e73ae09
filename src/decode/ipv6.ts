/**
 * IPv6 fixed header plus the extension-header chain, walked (at most MAX_IPV6_EXT_HEADERS)
 * to the upper-layer protocol. ESP and No-Next-Header end the walk with p.ipProto set to them;
 * a fragment header with a non-zero offset ends it too (no upper-layer header in that packet).
 */
import { DecodeEvent, Layer, decodeError, decodeEvent, decodeInvalid, markTruncated, type DecodeCounters } from './decode-events.js';
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
  const claimedEnd = off + p.ipLen;
  let cur = off + IPV6_HEADER_LEN;
  let seen = 0;
  let dstopts = 0;
  for (let n = 0; ; n++) {
    // Past an extension header, Suricata wants at least the next header's first two bytes,
    // whatever it is (an atomic fragment header with nothing after it is trunc_exthdr).
    if (n > 0 && nh !== IPPROTO_NONE && lim - cur < 2) {
      decodeError(p, c, DecodeEvent.Ipv6TruncExthdr);
      return -1;
    }
    let len: number;
    if (nh === IPPROTO_HOPOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_DSTOPTS || nh === IPPROTO_AH) {
      if (lim - cur < 2) {
        decodeError(p, c, DecodeEvent.Ipv6TruncExthdr);
        return -1;
      }
      len = nh === IPPROTO_AH ? (b[cur + 1]! + 2) << 2 : (b[cur + 1]! + 1) << 3;
    } else if (nh === IPPROTO_FRAGMENT) {
      len = 8;
    } else {
      if (nh === IPPROTO_ESP) p.ipv6ExtMask |= Ipv6Ext.Esp;
      else if (nh === IPPROTO_NONE) {
        p.ipv6ExtMask |= Ipv6Ext.NoNext;
        if (claimedEnd > cur) decodeEvent(p, c, DecodeEvent.Ipv6DataAfterNoneHeader);
      }
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
    const hdr = nh;
    nh = b[cur]!;
    if (hdr === IPPROTO_FRAGMENT) {
      if (b[cur + 1] !== 0) decodeEvent(p, c, DecodeEvent.Ipv6FhNonZeroReservedField);
      if ((seen & Ipv6Ext.Fragment) !== 0) {
        // Suricata skips a second fragment header: the first one decides.
        decodeEvent(p, c, DecodeEvent.Ipv6ExthdrDuplFh);
        cur += len;
        continue;
      }
      seen |= Ipv6Ext.Fragment;
      p.ipv6ExtMask |= Ipv6Ext.Fragment;
      const fo = (b[cur + 2]! << 8) | b[cur + 3]!;
      p.fragOffset = fo & 0xfff8;
      p.ipFlags = fo & 1;
      p.ipId = ((b[cur + 4]! << 24) | (b[cur + 5]! << 16) | (b[cur + 6]! << 8) | b[cur + 7]!) >>> 0;
      if (!p.isFragment) c.layers[Layer.Fragment]++;
      p.isFragment = true;
      if (p.fragOffset === 0 && p.ipFlags === 0) {
        // An atomic fragment: nothing to reassemble, the rest is parsed now.
        decodeEvent(p, c, DecodeEvent.Ipv6ExthdrUselessFh);
      } else if (p.ipFlags !== 0 && (claimedEnd - cur) % 8 !== 0) {
        // RFC 8200 4.5: every fragment but the last is a multiple of 8 octets.
        decodeEvent(p, c, DecodeEvent.Ipv6FragInvalidLength);
      }
      cur += len;
      // Later fragments: what follows is the middle of the upper-layer data, not headers.
      if (p.fragOffset > 0) break;
      // First fragments: Suricata leaves the rest to reassembly; the walk goes on here so
      // the first fragment keeps its ports (the tiny-fragment checks rely on them).
      continue;
    }
    if (hdr === IPPROTO_ROUTING) {
      if ((seen & Ipv6Ext.Routing) !== 0) decodeEvent(p, c, DecodeEvent.Ipv6ExthdrDuplRh);
      if (len >= 3 && b[cur + 2] === 0) decodeEvent(p, c, DecodeEvent.Ipv6RhType0);
      seen |= Ipv6Ext.Routing;
      p.ipv6ExtMask |= Ipv6Ext.Routing;
    } else if (hdr === IPPROTO_AH) {
      if (len >= 4 && (b[cur + 2] !== 0 || b[cur + 3] !== 0)) decodeEvent(p, c, DecodeEvent.Ipv6ExthdrAhResNotNull);
      if ((seen & Ipv6Ext.Ah) !== 0) decodeEvent(p, c, DecodeEvent.Ipv6ExthdrDuplAh);
      seen |= Ipv6Ext.Ah;
      p.ipv6ExtMask |= Ipv6Ext.Ah;
    } else if (hdr === IPPROTO_HOPOPTS) {
      if ((seen & Ipv6Ext.HopByHop) !== 0) decodeEvent(p, c, DecodeEvent.Ipv6ExthdrDuplHh);
      seen |= Ipv6Ext.HopByHop;
      p.ipv6ExtMask |= Ipv6Ext.HopByHop;
      ipv6Options(p, c, cur + 2, cur + len, true);
    } else {
      p.ipv6ExtMask |= Ipv6Ext.DestOpts;
      // Two destination-options headers are legal (before and after a routing header).
      if (++dstopts > 2) decodeEvent(p, c, DecodeEvent.Ipv6ExthdrDuplDh);
      else ipv6Options(p, c, cur + 2, cur + len, false);
    }
    cur += len;
  }
  p.ipProto = nh;
  p.ipHeaderLen = cur - off;
  return cur;
}

const OPT_PAD1 = 0x00;
const OPT_PADN = 0x01;
const OPT_RA = 0x05;
const OPT_JUMBO = 0xc2;
const OPT_HAO = 0xc9;

/**
 * The TLV options of a hop-by-hop or destination-options header, [off, end), with Suricata's
 * events: unknown options, only padding, zero-length PadN, and option lengths that overrun the
 * header (exthdr_invalid_optlen: the packet is invalid, decoding goes on after the header).
 */
function ipv6Options(p: PacketView, c: DecodeCounters, off: number, end: number, hop: boolean): void {
  const b = p.buf;
  let pad = 0;
  let other = 0;
  let i = off;
  while (i < end) {
    const type = b[i]!;
    if (type === OPT_PAD1) {
      pad++;
      i++;
      continue;
    }
    if (i + 1 >= end) {
      decodeInvalid(p, c, DecodeEvent.Ipv6ExthdrInvalidOptlen);
      break;
    }
    const olen = b[i + 1]!;
    // Suricata's bound (offset + 1 + len > optslen), kept as is so the same packets are flagged.
    if (i + 1 + olen > end) {
      decodeInvalid(p, c, DecodeEvent.Ipv6ExthdrInvalidOptlen);
      break;
    }
    if (type === OPT_PADN) {
      pad++;
      if (olen === 0) decodeEvent(p, c, DecodeEvent.Ipv6ZeroLenPadn);
    } else if (type === OPT_RA || type === OPT_JUMBO || type === OPT_HAO) {
      const min = type === OPT_RA ? 2 : type === OPT_JUMBO ? 4 : 16;
      if (olen < min) {
        decodeInvalid(p, c, DecodeEvent.Ipv6ExthdrInvalidOptlen);
        break;
      }
      // Suricata does not count a jumbo payload option as "other" (only RA and HAO).
      if (type !== OPT_JUMBO) other++;
    } else {
      decodeEvent(p, c, hop ? DecodeEvent.Ipv6HopoptsUnknownOpt : DecodeEvent.Ipv6DstoptsUnknownOpt);
      other++;
    }
    i += olen + 2;
  }
  if (pad > 0 && other === 0) decodeEvent(p, c, hop ? DecodeEvent.Ipv6HopoptsOnlyPadding : DecodeEvent.Ipv6DstoptsOnlyPadding);
}
