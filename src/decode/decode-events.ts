import type { PacketView } from './packet-view.js';

/**
 * Decoder problems, named as Suricata names its decoder events (decoder.<layer>.<event>), so
 * dashboards built for Suricata read the same. Index 0 means "no problem". Counting is done in
 * a Float64Array indexed by these numbers; the names are only used when publishing.
 */
export const enum DecodeEvent {
  None = 0,
  EthernetPktTooSmall,
  VlanHeaderTooSmall,
  VlanTooManyLayers,
  SllPktTooSmall,
  NullPktTooSmall,
  UnsupportedLinktype,
  Ipv4PktTooSmall,
  Ipv4HlenTooSmall,
  Ipv4IplenSmallerThanHlen,
  Ipv4WrongIpVersion,
  Ipv4OptInvalid,
  Ipv6PktTooSmall,
  Ipv6WrongIpVersion,
  Ipv6TruncExthdr,
  Ipv6ExthdrInvalidOptlen,
  TcpPktTooSmall,
  TcpHlenTooSmall,
  TcpInvalidOptlen,
  UdpPktTooSmall,
  UdpHlenInvalid,
  Icmpv4PktTooSmall,
  Icmpv6PktTooSmall,
  VxlanPktTooSmall,
  VxlanNoIFlag,
  GenevePktTooSmall,
  GeneveUnknownPayloadType,
  GeneveOptionsTooLong,
  TooManyLayers,
  RawInvalidIpVersion,
  GeneveUnknownVersion,
  // Defrag events (src/defrag): not fatal, the fragment goes on; set with engineEvent().
  Ipv4FragPktTooLarge,
  Ipv4FragOverlap,
  Ipv4FragIgnored,
  Ipv6FragPktTooLarge,
  Ipv6FragOverlap,
  Ipv6FragIgnored,
  Ipv6FragInvalidLength,
  Ipv6ExthdrUselessFh,
  Ipv6ExthdrDuplFh,
  Count,
}

/** Names in enum order; `decodeEventNames[DecodeEvent.X]`. */
export const decodeEventNames: readonly string[] = [
  'none',
  'ethernet.pkt_too_small',
  'vlan.header_too_small',
  'vlan.too_many_layers',
  'sll.pkt_too_small',
  'null.pkt_too_small',
  'unsupported_linktype',
  'ipv4.pkt_too_small',
  'ipv4.hlen_too_small',
  'ipv4.iplen_smaller_than_hlen',
  'ipv4.wrong_ip_version',
  'ipv4.opt_invalid',
  'ipv6.pkt_too_small',
  'ipv6.wrong_ip_version',
  'ipv6.trunc_exthdr',
  'ipv6.exthdr_invalid_optlen',
  'tcp.pkt_too_small',
  'tcp.hlen_too_small',
  'tcp.invalid_optlen',
  'udp.pkt_too_small',
  'udp.hlen_invalid',
  'icmpv4.pkt_too_small',
  'icmpv6.pkt_too_small',
  'vxlan.pkt_too_small',
  'vxlan.no_i_flag',
  'geneve.pkt_too_small',
  'geneve.unknown_payload_type',
  'geneve.options_too_long',
  'too_many_layers',
  'ipraw.invalid_ip_version',
  'geneve.unknown_version',
  'ipv4.frag_pkt_too_large',
  'ipv4.frag_overlap',
  'ipv4.frag_ignored',
  'ipv6.frag_pkt_too_large',
  'ipv6.frag_overlap',
  'ipv6.frag_ignored',
  'ipv6.frag_invalid_length',
  'ipv6.exthdr_useless_fh',
  'ipv6.exthdr_dupl_fh',
];

/**
 * Non-fatal events carried on the packet (Suricata's ENGINE_SET_EVENT without "invalid"), so
 * that `decode-event:` rules can see them: one bit per event in p.engineEvents.
 */
export const enum EngineEvent {
  Ipv4FragPktTooLarge = 1 << 0,
  Ipv4FragOverlap = 1 << 1,
  Ipv4FragIgnored = 1 << 2,
  Ipv6FragPktTooLarge = 1 << 3,
  Ipv6FragOverlap = 1 << 4,
  Ipv6FragIgnored = 1 << 5,
  Ipv6FragInvalidLength = 1 << 6,
  /** A fragment header with offset 0 and no more fragments (atomic fragment). */
  Ipv6ExthdrUselessFh = 1 << 7,
  /** More than one fragment header. */
  Ipv6ExthdrDuplFh = 1 << 8,
}

/** Engine event bit → DecodeEvent (for counting), by bit index. */
const engineEventCounter: readonly DecodeEvent[] = [
  DecodeEvent.Ipv4FragPktTooLarge,
  DecodeEvent.Ipv4FragOverlap,
  DecodeEvent.Ipv4FragIgnored,
  DecodeEvent.Ipv6FragPktTooLarge,
  DecodeEvent.Ipv6FragOverlap,
  DecodeEvent.Ipv6FragIgnored,
  DecodeEvent.Ipv6FragInvalidLength,
  DecodeEvent.Ipv6ExthdrUselessFh,
  DecodeEvent.Ipv6ExthdrDuplFh,
];

/** Rule spelling (decode-event:NAME, without "decoder.") → EngineEvent bit. */
export const engineEventByName: Readonly<Record<string, number>> = {
  'ipv4.frag_pkt_too_large': EngineEvent.Ipv4FragPktTooLarge,
  'ipv4.frag_overlap': EngineEvent.Ipv4FragOverlap,
  'ipv4.frag_ignored': EngineEvent.Ipv4FragIgnored,
  'ipv6.frag_pkt_too_large': EngineEvent.Ipv6FragPktTooLarge,
  'ipv6.frag_overlap': EngineEvent.Ipv6FragOverlap,
  'ipv6.frag_ignored': EngineEvent.Ipv6FragIgnored,
  'ipv6.frag_invalid_length': EngineEvent.Ipv6FragInvalidLength,
  'ipv6.exthdr_useless_fh': EngineEvent.Ipv6ExthdrUselessFh,
  'ipv6.exthdr_dupl_fh': EngineEvent.Ipv6ExthdrDuplFh,
};

/** Set a non-fatal event on the packet, counted once per packet. */
export function engineEvent(p: PacketView, c: DecodeCounters, ev: EngineEvent): void {
  if ((p.engineEvents & ev) !== 0) return;
  p.engineEvents |= ev;
  c.events[engineEventCounter[31 - Math.clz32(ev)]!]++;
}

/** Per-layer packet counters (Suricata's decoder.<layer>), indexes into a Float64Array. */
export const enum Layer {
  Pkts = 0,
  Bytes,
  Invalid,
  Ethernet,
  Vlan,
  VlanQinq,
  Sll,
  Null,
  Raw,
  Ipv4,
  Ipv6,
  Tcp,
  Udp,
  Icmpv4,
  Icmpv6,
  Vxlan,
  Geneve,
  Fragment,
  Truncated,
  Count,
}

export const layerNames: readonly string[] = [
  'pkts',
  'bytes',
  'invalid',
  'ethernet',
  'vlan',
  'vlan_qinq',
  'sll',
  'null',
  'raw',
  'ipv4',
  'ipv6',
  'tcp',
  'udp',
  'icmpv4',
  'icmpv6',
  'vxlan',
  'geneve',
  'fragment',
  'truncated',
];

/** Counters filled by the decoder: one slot per Layer and per DecodeEvent. */
export class DecodeCounters {
  readonly layers = new Float64Array(Layer.Count);
  readonly events = new Float64Array(DecodeEvent.Count);

  /** Snapshot as plain objects with Suricata-like names (not for the hot path). */
  layerSnapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < Layer.Count; i++) out[`decoder.${layerNames[i]}`] = this.layers[i]!;
    return out;
  }

  eventSnapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i < DecodeEvent.Count; i++) {
      if (this.events[i]! > 0) out[`decoder.${decodeEventNames[i]}`] = this.events[i]!;
    }
    return out;
  }
}

/** Record a fatal decode problem: the first one wins on the packet, every one is counted. */
export function decodeError(p: PacketView, c: DecodeCounters, ev: DecodeEvent): void {
  c.events[ev]++;
  if (p.error === DecodeEvent.None) {
    p.error = ev;
    c.layers[Layer.Invalid]++;
  }
}

/** Mark the packet truncated (IP length beyond the captured bytes), counted once per packet. */
export function markTruncated(p: PacketView, c: DecodeCounters): void {
  if (!p.truncated) {
    p.truncated = true;
    c.layers[Layer.Truncated]++;
  }
}
