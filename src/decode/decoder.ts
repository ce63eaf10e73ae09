/**
 * The decoder: link layer → IP → TCP/UDP/ICMP, with one level of tunnel decapsulation.
 *
 * Tunnel rule: only the outermost IP/UDP packet is looked at for a tunnel (UDP destination port
 * 4789 → VXLAN, 6081 → GENEVE), and exactly one VXLAN level is removed: a VXLAN packet inside
 * VXLAN stays the inner UDP packet. The one exception is the AWS Gateway Load Balancer form,
 * GENEVE → IP → UDP/4789 → VXLAN → Ethernet, which is opened through both headers.
 *
 * p.outer* always describes the IP/UDP header that carried the header whose VNI ends up in
 * p.vni (for GENEVE+VXLAN: the mirror source's packet inside GENEVE).
 */
import { DecodeEvent, Layer, decodeError, decodeEvent, type DecodeCounters } from './decode-events.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, decodeEthernet } from './ethernet.js';
import { GENEVE_PORT, decodeGeneve, geneveProtocol } from './geneve.js';
import { decodeIcmpv4, decodeIcmpv6 } from './icmp.js';
import { IPV4_HEADER_LEN, decodeIpv4 } from './ipv4.js';
import { IPV6_HEADER_LEN, decodeIpv6 } from './ipv6.js';
import { IPPROTO_SCTP, decodeSctp } from './sctp.js';
import { LINKTYPE_LOOP, LINKTYPE_NULL, decodeNull } from './null.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TunnelKind, type PacketView } from './packet-view.js';
import { DLT_RAW_12, DLT_RAW_14, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW, decodeRaw } from './raw.js';
import { LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, decodeSll, decodeSll2 } from './sll.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';
import { checkTime, checkWireLength } from './capture-record.js';
import { VXLAN_PORT, decodeVxlan } from './vxlan.js';

export const LINKTYPE_ETHERNET = 1;

/** Which tunnels the current IP/UDP layer may still open. */
const ALLOW_NONE = 0;
const ALLOW_VXLAN = 1;
const ALLOW_GENEVE = 2;

/**
 * Decode the frame p.setFrame() pointed at (p.frameOffset, p.caplen, p.linktype), with its
 * capture record's time and original length held to what can be (capture-record.ts). With
 * `openTunnels` false a VXLAN/GENEVE datagram stays the UDP packet it is (the emulator reads
 * the frames it is about to wrap, whatever port they use).
 */
export function decodeFrame(p: PacketView, c: DecodeCounters, openTunnels = true): void {
  c.layers[Layer.Pkts]++;
  c.layers[Layer.Bytes] += p.caplen;
  checkTime(p, c);
  const off = p.frameOffset;
  const end = off + p.caplen < p.buf.length ? off + p.caplen : p.buf.length;
  let l3: number;
  switch (p.linktype) {
    case LINKTYPE_ETHERNET:
      l3 = decodeEthernet(p, c, off, end);
      break;
    case LINKTYPE_LINUX_SLL:
      l3 = decodeSll(p, c, off, end);
      break;
    case LINKTYPE_LINUX_SLL2:
      l3 = decodeSll2(p, c, off, end);
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      l3 = decodeNull(p, c, off, end);
      break;
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14:
      l3 = decodeRaw(p, c, off, end);
      break;
    case LINKTYPE_IPV4:
      c.layers[Layer.Raw]++;
      p.etherType = p.linkProto = ETHERTYPE_IPV4;
      p.linkPayloadOffset = l3 = off;
      break;
    case LINKTYPE_IPV6:
      c.layers[Layer.Raw]++;
      p.etherType = p.linkProto = ETHERTYPE_IPV6;
      p.linkPayloadOffset = l3 = off;
      break;
    default:
      decodeError(p, c, DecodeEvent.UnsupportedLinktype);
      return;
  }
  checkWireLength(p, c, l3 >= 0 && (p.etherType === ETHERTYPE_IPV4 || p.etherType === ETHERTYPE_IPV6) ? l3 : -1);
  if (l3 < 0) return;
  decodeL3(p, c, p.etherType, l3, end, openTunnels ? ALLOW_VXLAN | ALLOW_GENEVE : ALLOW_NONE);
}

/**
 * Decode a datagram received on the VXLAN/GENEVE UDP socket: the caller has set the frame
 * fields (setFrame) and the outer fields (addresses/ports of the datagram); decoding starts at
 * the VXLAN (kind Vxlan) or GENEVE (kind Geneve) header at `offset`.
 */
export function decodeTunnelPayload(p: PacketView, c: DecodeCounters, kind: TunnelKind, offset: number, end: number): void {
  c.layers[Layer.Pkts]++;
  c.layers[Layer.Bytes] += p.caplen;
  if (end > p.buf.length) end = p.buf.length;
  if (kind === TunnelKind.Vxlan) enterVxlan(p, c, offset, end, false);
  else if (kind === TunnelKind.Geneve || kind === TunnelKind.GeneveVxlan) enterGeneve(p, c, offset, end, false);
}

/** IP and what it carries. `end` = end of the captured bytes of the enclosing layer. */
function decodeL3(p: PacketView, c: DecodeCounters, etherType: number, off: number, end: number, allow: number): void {
  let l4: number;
  if (etherType === ETHERTYPE_IPV4) l4 = decodeIpv4(p, c, off, end);
  else if (etherType === ETHERTYPE_IPV6) l4 = decodeIpv6(p, c, off, end);
  else return; // ARP, LLC and others: no IP, not an error
  if (l4 < 0 || p.fragOffset > 0) return;
  // Ethernet padding past the IP length is not payload.
  const claimed = p.l3Offset + p.ipLen;
  const ipEnd = claimed < end ? claimed : end;
  // A first fragment too short for the fixed L4 header is not malformed: the header goes on
  // in the next fragment (Suricata decodes no L4 for fragments; src/defrag rebuilds it).
  if (p.isFragment && ipEnd - l4 < (p.ipProto === IPPROTO_TCP ? 20 : 8)) return;
  switch (p.ipProto) {
    case IPPROTO_TCP:
      decodeTcp(p, c, l4, ipEnd);
      break;
    case IPPROTO_UDP:
      // A first fragment carries only part of a tunnelled frame: not opened.
      if (decodeUdp(p, c, l4, ipEnd) && allow !== ALLOW_NONE && !p.isFragment) openTunnel(p, c, allow);
      break;
    case IPPROTO_ICMP:
      // ICMPv4 inside IPv6 (and the reverse) is invalid for Suricata: not decoded as ICMP.
      if (p.ipVersion === 6) decodeError(p, c, DecodeEvent.Ipv6WithIcmpv4);
      else decodeIcmpv4(p, c, l4, ipEnd);
      break;
    case IPPROTO_ICMPV6:
      if (p.ipVersion === 4) decodeError(p, c, DecodeEvent.Ipv4WithIcmpv6);
      else decodeIcmpv6(p, c, l4, ipEnd);
      break;
    case IPPROTO_SCTP:
      decodeSctp(p, c, l4, ipEnd);
      break;
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
      if (p.ipVersion === 6) checkIpInIpv6(p, c, l4, ipEnd);
      break;
    default:
      // Unassigned (146-252), experimental (253, 254) and reserved (255) protocol numbers.
      if (p.ipVersion === 4 && p.ipProto >= FIRST_UNASSIGNED_PROTO) decodeEvent(p, c, DecodeEvent.Ipv4UnknownProtocol);
  }
}

const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;
/** IANA assigns protocol numbers up to 145 (NSH); 146 onwards is unassigned or experimental. */
const FIRST_UNASSIGNED_PROTO = 146;

/**
 * IPv4 or IPv6 carried in IPv6: only checked (the tunnelled packet is not decoded), with
 * Suricata's events for a too-short or wrong-version inner header. Both are invalid.
 */
function checkIpInIpv6(p: PacketView, c: DecodeCounters, off: number, end: number): void {
  const v4 = p.ipProto === IPPROTO_IPIP;
  if (end - off < (v4 ? IPV4_HEADER_LEN : IPV6_HEADER_LEN)) {
    decodeError(p, c, v4 ? DecodeEvent.Ipv4InIpv6TooSmall : DecodeEvent.Ipv6InIpv6TooSmall);
  } else if (p.buf[off]! >> 4 !== (v4 ? 4 : 6)) {
    decodeError(p, c, v4 ? DecodeEvent.Ipv4InIpv6WrongVersion : DecodeEvent.Ipv6InIpv6WrongVersion);
  }
}

function openTunnel(p: PacketView, c: DecodeCounters, allow: number): void {
  const off = p.payloadOffset;
  const end = p.payloadOffset + p.payloadLen;
  if (p.dport === VXLAN_PORT && (allow & ALLOW_VXLAN) !== 0) enterVxlan(p, c, off, end, true);
  else if (p.dport === GENEVE_PORT && (allow & ALLOW_GENEVE) !== 0) enterGeneve(p, c, off, end, true);
}

function enterVxlan(p: PacketView, c: DecodeCounters, off: number, end: number, fromIp: boolean): void {
  const inner = decodeVxlan(p, c, off, end);
  if (inner < 0) return;
  if (fromIp) saveOuter(p);
  p.tunnel = p.tunnel === TunnelKind.Geneve ? TunnelKind.GeneveVxlan : TunnelKind.Vxlan;
  p.tunnelDepth = p.tunnel === TunnelKind.GeneveVxlan ? 2 : 1;
  resetInnerKeepTruncated(p);
  const l3 = decodeEthernet(p, c, inner, end);
  if (l3 < 0) return;
  decodeL3(p, c, p.etherType, l3, end, ALLOW_NONE);
}

function enterGeneve(p: PacketView, c: DecodeCounters, off: number, end: number, fromIp: boolean): void {
  const inner = decodeGeneve(p, c, off, end);
  if (inner < 0) return;
  const proto = geneveProtocol(p.buf, off);
  if (fromIp) saveOuter(p);
  p.tunnel = TunnelKind.Geneve;
  p.tunnelDepth = 1;
  resetInnerKeepTruncated(p);
  if (proto === ETHERTYPE_TEB) {
    const l3 = decodeEthernet(p, c, inner, end);
    if (l3 < 0) return;
    decodeL3(p, c, p.etherType, l3, end, ALLOW_VXLAN);
  } else {
    decodeL3(p, c, proto, inner, end, ALLOW_VXLAN);
  }
}

/** A truncated outer datagram means a truncated inner one too; keep the flag (counted once). */
function resetInnerKeepTruncated(p: PacketView): void {
  const truncated = p.truncated;
  p.resetInner();
  p.truncated = truncated;
}

function saveOuter(p: PacketView): void {
  p.outerIpVersion = p.ipVersion;
  p.outerSrc4 = p.src4;
  p.outerDst4 = p.dst4;
  if (p.ipVersion === 6) {
    for (let i = 0; i < 4; i++) {
      p.outerSrc6[i] = p.src6[i]!;
      p.outerDst6[i] = p.dst6[i]!;
    }
  }
  p.outerSrcAddrOffset = p.srcAddrOffset;
  p.outerDstAddrOffset = p.dstAddrOffset;
  p.outerSport = p.sport;
  p.outerDport = p.dport;
}

/**
 * Decode a datagram rebuilt from fragments (src/defrag) into `dst`, a second reused view:
 * buf[0, len) is the first fragment's link header followed by the whole IP datagram at `l3`.
 * What the link and tunnel layers said is copied from the fragment that completed it (`src`,
 * same tracker key: VLANs, VNI, outer addresses), as is its session and direction; decoding
 * starts at L3 at the same tunnel level (Suricata's PacketDefragPktSetup: a pseudo packet
 * re-decoded from the IP header, PKT_REBUILT_FRAGMENT). A datagram rebuilt at the outermost
 * level may itself be a VXLAN/GENEVE datagram: it is opened as a whole frame would be.
 * The pseudo packet has no pcap_cnt of its own (frameNo 0); rootFrameNo names the fragment.
 */
export function decodeRebuilt(dst: PacketView, src: PacketView, buf: Uint8Array, l3: number, len: number, c: DecodeCounters): void {
  const linktype = src.tunnelDepth > 0 ? (src.l2Offset >= 0 ? LINKTYPE_ETHERNET : src.ipVersion === 4 ? LINKTYPE_IPV4 : LINKTYPE_IPV6) : src.linktype;
  dst.setFrame(buf, 0, len, len, linktype);
  dst.rebuilt = true;
  dst.frameNo = 0;
  dst.rootFrameNo = src.frameNo;
  dst.tsSec = src.tsSec;
  dst.tsNsec = src.tsNsec;
  dst.tunnel = src.tunnel;
  dst.tunnelDepth = src.tunnelDepth;
  dst.vni = src.vni;
  dst.outerIpVersion = src.outerIpVersion;
  dst.outerSrc4 = src.outerSrc4;
  dst.outerDst4 = src.outerDst4;
  for (let i = 0; i < 4; i++) {
    dst.outerSrc6[i] = src.outerSrc6[i]!;
    dst.outerDst6[i] = src.outerDst6[i]!;
  }
  dst.outerSport = src.outerSport;
  dst.outerDport = src.outerDport;
  dst.l2Offset = src.l2Offset >= 0 && src.l2Offset <= src.l3Offset ? l3 - (src.l3Offset - src.l2Offset) : -1;
  dst.vlanCount = src.vlanCount;
  for (let i = 0; i < src.vlanCount; i++) dst.vlanIds[i] = src.vlanIds[i]!;
  dst.etherType = src.ipVersion === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  dst.sessionIndex = src.sessionIndex;
  dst.direction = src.direction;
  const allow = src.tunnel === TunnelKind.None ? ALLOW_VXLAN | ALLOW_GENEVE : src.tunnel === TunnelKind.Geneve ? ALLOW_VXLAN : ALLOW_NONE;
  decodeL3(dst, c, dst.etherType, l3, len, allow);
}

/**
 * A fragment handed to the defragmenter is inspected on its IP header only, as Suricata
 * decodes no L4 for fragments: the first fragment's ports, flags and payload are cleared
 * (the rebuilt datagram carries them).
 */
export function fragmentHeaderOnly(p: PacketView): void {
  p.headerOnly = true;
  p.clearL4();
}
