/**
 * Header sticky buffers (Suricata's ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr,
 * icmpv6.hdr; src/detect-ipv4hdr.c etc.): payload keywords over the bytes of one header as
 * captured, options and IPv6 extension headers included. A packet without that header (or with
 * none of it captured) does not match.
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type PacketView } from '../../decode/packet-view.js';

export const HdrBuf = { Ipv4: 0, Ipv6: 1, Tcp: 2, Udp: 3, Icmpv4: 4, Icmpv6: 5 } as const;

export const HEADER_BUFFERS: ReadonlyMap<string, number> = new Map([
  ['ipv4.hdr', HdrBuf.Ipv4],
  ['ipv6.hdr', HdrBuf.Ipv6],
  ['tcp.hdr', HdrBuf.Tcp],
  ['udp.hdr', HdrBuf.Udp],
  ['icmpv4.hdr', HdrBuf.Icmpv4],
  ['icmpv6.hdr', HdrBuf.Icmpv6],
]);

/** Result of headerBuffer(): where the header is in p.buf (a reused view, no allocation). */
export const hdrView = { off: 0, len: 0 };

/**
 * ICMPv4 header length by type, as Suricata's decoder counts it (decode-icmpv4.c): a router
 * advertisement includes its address entries, timestamp messages are 20 bytes, address mask
 * messages 12, everything else 8.
 */
function icmpv4HeaderLen(p: PacketView): number {
  switch (p.icmpType) {
    case 9: {
      const o = p.l4Offset;
      if (o + 6 > p.buf.length) return 8;
      return 8 + p.buf[o + 4]! * p.buf[o + 5]! * 4;
    }
    case 13:
    case 14:
      return 20;
    case 17:
    case 18:
      return 12;
    default:
      return 8;
  }
}

/** Locate header `kind` of `p` in p.buf (hdrView); false when the packet has none. */
export function headerBuffer(kind: number, p: PacketView): boolean {
  let off = 0;
  let len = 0;
  switch (kind) {
    case HdrBuf.Ipv4:
    case HdrBuf.Ipv6:
      if (p.ipVersion !== (kind === HdrBuf.Ipv4 ? 4 : 6)) return false;
      off = p.l3Offset;
      len = p.ipHeaderLen;
      break;
    case HdrBuf.Tcp:
      if (p.ipProto !== IPPROTO_TCP || p.tcpHeaderLen === 0) return false;
      off = p.l4Offset;
      len = p.tcpHeaderLen;
      break;
    case HdrBuf.Udp:
      if (p.ipProto !== IPPROTO_UDP || p.sport < 0) return false;
      off = p.l4Offset;
      len = 8;
      break;
    case HdrBuf.Icmpv4:
    case HdrBuf.Icmpv6:
      if (p.ipProto !== (kind === HdrBuf.Icmpv4 ? IPPROTO_ICMP : IPPROTO_ICMPV6) || p.icmpType < 0) return false;
      off = p.l4Offset;
      len = kind === HdrBuf.Icmpv4 ? icmpv4HeaderLen(p) : p.payloadOffset - p.l4Offset;
      break;
    default:
      return false;
  }
  // Only what was captured.
  const avail = p.caplen > 0 ? p.frameOffset + p.caplen - off : p.buf.length - off;
  if (len > avail) len = avail;
  if (len <= 0) return false;
  hdrView.off = off;
  hdrView.len = len;
  return true;
}
