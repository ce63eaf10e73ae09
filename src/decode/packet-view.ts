/**
 * The one reused packet view. Decoders fill it from (buffer, offset) with numbers and offsets
 * only; later stages read it. Nothing here is allocated per packet: `reset()` clears the
 * numeric fields and `buf` is re-pointed at the next frame.
 *
 * Addresses: IPv4 addresses are kept as unsigned 32-bit numbers (`src4`/`dst4`); IPv6 ones as
 * four unsigned 32-bit words in `src6`/`dst6` (network order, word 0 = most significant), and
 * for both families `srcAddrOffset`/`dstAddrOffset` point at the bytes in `buf`.
 */
import { DecodeEvent, MAX_PACKET_EVENTS } from './decode-events.js';

export const enum TunnelKind {
  None = 0,
  Vxlan = 1,
  Geneve = 2,
  /** AWS GWLB form: GENEVE → IP → UDP 4789 → VXLAN → Ethernet. */
  GeneveVxlan = 3,
}

/** Direction relative to the mirror-source ENI. */
export const enum Direction {
  Unknown = 0,
  Ingress = 1,
  Egress = 2,
}

export const DIRECTION_NAMES = ['unknown', 'ingress', 'egress'] as const;

/** Suricata decodes at most 3 VLAN layers; more is decoder.vlan.too_many_layers. */
export const MAX_VLAN_TAGS = 3;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** p.streamFlags bits, set by the stream stage (Suricata's PKT_STREAM_* flags). */
export const STREAM_ADDED = 1; // payload went into the stream (PKT_STREAM_ADD)
export const STREAM_EST = 2; // session state >= ESTABLISHED after this packet (PKT_STREAM_EST)
export const HAS_STREAM_DATA = 4; // streamBuf[streamOff, +streamLen) is raw stream data to inspect
export const STREAM_PSEUDO = 8; // flow-end pseudo packet (PKT_PSEUDO_STREAM_END)
/** The app layer parsed new data of this packet's direction since the last packet in it: tx
 *  rules of that direction run on this packet (FLOW_TS/TC_APP_UPDATED). */
export const APP_UPDATED = 16;

export class PacketView {
  /** The frame's bytes (captured part only). Re-pointed per packet, never copied. */
  buf: Uint8Array = new Uint8Array(0);
  /** DataView over the same memory as `buf`; re-created only when the backing buffer changes. */
  dv: DataView = new DataView(new ArrayBuffer(0));

  // ---- capture metadata ----
  /** 1-based frame number within the source (pcap_cnt). */
  frameNo = 0;
  /** Timestamp: whole seconds (may exceed 2^32) and nanoseconds. */
  tsSec = 0;
  tsNsec = 0;
  /** Start of the frame in `buf` and its captured length. */
  frameOffset = 0;
  caplen = 0;
  /** Original length on the wire (>= caplen). */
  wirelen = 0;
  /** LINKTYPE_* of the frame. */
  linktype = 1;

  // ---- tunnel (outer) ----
  tunnel: TunnelKind = TunnelKind.None;
  /** 1 for VXLAN or GENEVE alone, 2 for GENEVE+VXLAN; 0 when not tunnelled. */
  tunnelDepth = 0;
  /** VXLAN VNI (24-bit) or GENEVE VNI; -1 when not tunnelled. */
  vni = -1;
  /** Outer IP version (4/6), 0 when not tunnelled. The addresses/ports of the IP/UDP header that
   *  carried the tunnel header whose VNI is in `vni`: the outermost one, except for GENEVE+VXLAN
   *  where it is the mirror source's VXLAN packet inside GENEVE (its source is the source ENI). */
  outerIpVersion = 0;
  outerSrc4 = 0;
  outerDst4 = 0;
  readonly outerSrc6 = new Uint32Array(4);
  readonly outerDst6 = new Uint32Array(4);
  /** Offsets of the outer addresses in `buf`; -1 when the outer header is not in `buf`
   *  (datagrams from the UDP socket carry only the VXLAN/GENEVE header onwards). */
  outerSrcAddrOffset = -1;
  outerDstAddrOffset = -1;
  outerSport = 0;
  outerDport = 0;
  /** Offset of the first byte after the VXLAN/GENEVE header (what PacketLength counts). */
  tunnelPayloadOffset = 0;

  // ---- inner link layer ----
  /** Offset of the (inner) Ethernet header, -1 when the link layer has none. */
  l2Offset = -1;
  /** First byte after the link-layer header (Ethernet, SLL, NULL; the frame start for raw IP),
   *  where VLAN tags or the network layer begin; -1 when no link header was decoded. */
  linkPayloadOffset = -1;
  /** Protocol named by the link-layer header before any VLAN tag, as written (may be an 802.3
   *  length); for NULL and raw IP the EtherType of the family/version. */
  linkProto = 0;
  /** Offset of the 6-byte source MAC the link header carries (Ethernet; SLL with a 6-byte
   *  address), -1 when none. */
  linkSrcMacOffset = -1;
  /** EtherType after VLAN tags (0 when unknown). */
  etherType = 0;
  vlanCount = 0;
  readonly vlanIds = new Uint16Array(MAX_VLAN_TAGS);

  // ---- inner IP ----
  /** 4 or 6; 0 when the packet has no IP layer. */
  ipVersion = 0;
  l3Offset = 0;
  /** Header length incl. IPv6 extension headers walked. */
  ipHeaderLen = 0;
  /** IPv4 total length / IPv6 40 + payload length, as in the header (may exceed captured bytes). */
  ipLen = 0;
  ttl = 0;
  tos = 0;
  ipId = 0;
  /** IPv4 flags bits (0x4 reserved, 0x2 DF, 0x1 MF); for IPv6 fragments, MF in bit 0x1. */
  ipFlags = 0;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  /** True for any IP fragment (MF set or offset > 0, or an IPv6 fragment header). */
  isFragment = false;
  /** IPv4 header has options. */
  ipOptionsLen = 0;
  /** Upper-layer protocol after extension headers (IANA number), -1 when none. */
  ipProto = -1;
  src4 = 0;
  dst4 = 0;
  readonly src6 = new Uint32Array(4);
  readonly dst6 = new Uint32Array(4);
  srcAddrOffset = 0;
  dstAddrOffset = 0;
  /** Bitmask of IPv6 extension headers seen (see Ipv6Ext). */
  ipv6ExtMask = 0;

  // ---- inner L4 ----
  l4Offset = 0;
  /** -1 when the protocol has no ports (or the header was not decoded). */
  sport = -1;
  dport = -1;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  tcpHeaderLen = 0;
  udpLen = 0;
  /** -1 when not ICMP. */
  icmpType = -1;
  icmpCode = -1;
  icmpId = -1;
  icmpSeq = -1;
  /** Application payload after the L4 header, clipped to captured bytes. */
  payloadOffset = 0;
  payloadLen = 0;

  // ---- decode outcome ----
  /** First fatal decode problem, DecodeEvent.None when decoding succeeded. */
  error: DecodeEvent = 0;
  /** The IP length claims more bytes than were captured (snaplen or AWS PacketLength). */
  truncated = false;
  /** A fragment inspected on its IP header only (defrag took it; L4 fields cleared). */
  headerOnly = false;

  // ---- defragmentation ----
  /** This view holds a datagram rebuilt from fragments (Suricata's PKT_REBUILT_FRAGMENT). */
  rebuilt = false;
  /** For a rebuilt datagram: frameNo of the fragment that completed it (frameNo itself is 0,
   *  as Suricata does not give the pseudo packet a pcap_cnt). */
  rootFrameNo = 0;

  /** Suricata's PKT_IS_INVALID: some event made the packet invalid (fatal or not). */
  invalid = false;
  /**
   * Events raised on this packet (decoder, and later stream/app-layer ids of the one id space
   * in decode-events.ts), in the order raised, duplicates kept, at most MAX_PACKET_EVENTS.
   */
  readonly events = new Uint16Array(MAX_PACKET_EVENTS);
  eventCount = 0;
  /** Events past MAX_PACKET_EVENTS (not stored). */
  eventOverflow = 0;

  // ---- later stages ----
  /** Index of the session in the session table, -1 = unknown VNI. */
  sessionIndex = -1;
  direction: Direction = Direction.Unknown;
  /** Filter verdict: 1 accepted, 0 rejected, -1 not evaluated. */
  filterVerdict = -1;
  /** Rule number that decided (-1 = no rule matched / default). */
  filterRule = -1;
  /** Flow slot in the flow table, -1 when not tracked. */
  flowIndex = -1;
  /** 1 = to_server (same as flow initiator), 2 = to_client. 0 when no flow. */
  flowDirection = 0;
  /**
   * Suricata's FLOW_PKT_ESTABLISHED, set by the flow stage: for TCP, the session was
   * established before this packet (so the handshake-completing ACK is not); for other
   * protocols, both directions have been seen (this packet included). false when no flow.
   */
  flowEstablished = false;

  // ---- stream stage ----
  /** STREAM_ADDED | STREAM_EST | HAS_STREAM_DATA | STREAM_PSEUDO. */
  streamFlags = 0;
  /** Stream events raised by this packet (bit = StreamEvent, src/stream/stream-events.ts). */
  streamEvents = 0;
  /** Raw stream window to inspect (HAS_STREAM_DATA): a buffer reused by the stream stage;
   *  gaps are skipped, never joined. */
  streamBuf: Uint8Array = new Uint8Array(0);
  streamOff = 0;
  streamLen = 0;
  /** Bytes sent per direction as stream_size counts them (next_seq - isn); -1 without session. */
  streamSizeToServer = -1;
  streamSizeToClient = -1;

  /** Point the view at a new frame and clear all decoded fields. */
  setFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number): void {
    // Readers hand the same chunk object again and again: one identity check keeps the
    // DataView; any other array (even over the same memory) simply gets a new one.
    if (buf !== this.buf) {
      this.buf = buf;
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.frameOffset = offset;
    this.caplen = caplen;
    this.wirelen = wirelen;
    this.linktype = linktype;
    this.reset();
  }

  reset(): void {
    this.tunnel = TunnelKind.None;
    this.tunnelDepth = 0;
    this.vni = -1;
    this.outerIpVersion = 0;
    this.outerSrc4 = 0;
    this.outerDst4 = 0;
    this.outerSrcAddrOffset = -1;
    this.outerDstAddrOffset = -1;
    this.outerSport = 0;
    this.outerDport = 0;
    this.tunnelPayloadOffset = 0;
    this.resetInner();
    this.sessionIndex = -1;
    this.direction = Direction.Unknown;
    this.filterVerdict = -1;
    this.filterRule = -1;
    this.flowIndex = -1;
    this.flowDirection = 0;
    this.flowEstablished = false;
    this.streamFlags = 0;
    this.streamEvents = 0;
    this.streamLen = 0;
    this.streamSizeToServer = -1;
    this.streamSizeToClient = -1;
    this.rebuilt = false;
    this.rootFrameNo = 0;
    // Events belong to the whole frame: an outer-layer event stays when a tunnel is entered.
    this.invalid = false;
    this.eventCount = 0;
    this.eventOverflow = 0;
  }

  /** Forget the L4 header and payload (ports, TCP/UDP/ICMP fields): the payload becomes empty at l4Offset. */
  clearL4(): void {
    this.sport = -1;
    this.dport = -1;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.tcpHeaderLen = 0;
    this.udpLen = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.icmpId = -1;
    this.icmpSeq = -1;
    this.payloadOffset = this.l4Offset;
    this.payloadLen = 0;
  }

  /** Clear the inner-packet fields (used again when a tunnel is entered). */
  resetInner(): void {
    this.l2Offset = -1;
    this.linkPayloadOffset = -1;
    this.linkProto = 0;
    this.linkSrcMacOffset = -1;
    this.etherType = 0;
    this.vlanCount = 0;
    this.ipVersion = 0;
    this.l3Offset = 0;
    this.ipHeaderLen = 0;
    this.ipLen = 0;
    this.ttl = 0;
    this.tos = 0;
    this.ipId = 0;
    this.ipFlags = 0;
    this.fragOffset = 0;
    this.isFragment = false;
    this.ipOptionsLen = 0;
    this.ipProto = -1;
    this.src4 = 0;
    this.dst4 = 0;
    this.srcAddrOffset = 0;
    this.dstAddrOffset = 0;
    this.ipv6ExtMask = 0;
    this.l4Offset = 0;
    this.clearL4();
    this.error = 0;
    this.truncated = false;
    this.headerOnly = false;
  }

  /** Timestamp as float seconds (for output only, not the hot path). */
  get ts(): number {
    return this.tsSec + this.tsNsec / 1e9;
  }
}
