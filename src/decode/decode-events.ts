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
  // ---- Suricata's non-fatal and later-added decoder events (decode-events.c names) ----
  Ipv4OptInvalidLen,
  Ipv4OptMalformed,
  Ipv4OptPadRequired,
  Ipv4OptEolRequired,
  Ipv4OptDuplicate,
  Ipv4OptUnknown,
  Ipv4WithIcmpv6,
  Ipv4UnknownProtocol,
  Ipv6ExthdrDuplFh,
  Ipv6ExthdrUselessFh,
  Ipv6ExthdrDuplRh,
  Ipv6ExthdrDuplHh,
  Ipv6ExthdrDuplDh,
  Ipv6ExthdrDuplAh,
  Ipv6ExthdrDuplEh,
  Ipv6ExthdrAhResNotNull,
  Ipv6HopoptsUnknownOpt,
  Ipv6HopoptsOnlyPadding,
  Ipv6DstoptsUnknownOpt,
  Ipv6DstoptsOnlyPadding,
  Ipv6RhType0,
  Ipv6ZeroLenPadn,
  Ipv6FhNonZeroReservedField,
  Ipv6DataAfterNoneHeader,
  Ipv6WithIcmpv4,
  Ipv6FragInvalidLength,
  Ipv4InIpv6TooSmall,
  Ipv4InIpv6WrongVersion,
  Ipv6InIpv6TooSmall,
  Ipv6InIpv6WrongVersion,
  SctpPktTooSmall,
  // ---- defragmentation (src/defrag): not fatal, the fragment goes on ----
  Ipv4FragPktTooLarge,
  Ipv4FragOverlap,
  Ipv4FragIgnored,
  Ipv6FragPktTooLarge,
  Ipv6FragOverlap,
  Ipv6FragIgnored,
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
  'ipv4.opt_invalid_len',
  'ipv4.opt_malformed',
  'ipv4.opt_pad_required',
  'ipv4.opt_eol_required',
  'ipv4.opt_duplicate',
  'ipv4.opt_unknown',
  'ipv4.icmpv6',
  'ipv4.unknown_protocol',
  'ipv6.exthdr_dupl_fh',
  'ipv6.exthdr_useless_fh',
  'ipv6.exthdr_dupl_rh',
  'ipv6.exthdr_dupl_hh',
  'ipv6.exthdr_dupl_dh',
  'ipv6.exthdr_dupl_ah',
  'ipv6.exthdr_dupl_eh',
  'ipv6.exthdr_ah_res_not_null',
  'ipv6.hopopts_unknown_opt',
  'ipv6.hopopts_only_padding',
  'ipv6.dstopts_unknown_opt',
  'ipv6.dstopts_only_padding',
  'ipv6.rh_type_0',
  'ipv6.zero_len_padn',
  'ipv6.fh_non_zero_reserved_field',
  'ipv6.data_after_none_header',
  'ipv6.icmpv4',
  'ipv6.frag_invalid_length',
  'ipv6.ipv4_in_ipv6_too_small',
  'ipv6.ipv4_in_ipv6_wrong_version',
  'ipv6.ipv6_in_ipv6_too_small',
  'ipv6.ipv6_in_ipv6_wrong_version',
  'sctp.pkt_too_small',
  'ipv4.frag_pkt_too_large',
  'ipv4.frag_overlap',
  'ipv4.frag_ignored',
  'ipv6.frag_pkt_too_large',
  'ipv6.frag_overlap',
  'ipv6.frag_ignored',
];

/**
 * Suricata decoder event names this decoder never raises (link types, tunnels and checks it
 * does not have). They are valid in
 * `decode-event:` so Suricata rule files load; they get ids after DecodeEvent.Count and so
 * never match. Aliases map Suricata's name to ours where the event exists under another name.
 */
export const unraisedDecoderEventNames: readonly string[] = [
  'ipv4.trunc_pkt',
  'icmpv4.unknown_type', 'icmpv4.unknown_code', 'icmpv4.ipv4_trunc_pkt', 'icmpv4.ipv4_unknown_ver',
  'icmpv6.unknown_type', 'icmpv6.unknown_code', 'icmpv6.ipv6_unknown_version', 'icmpv6.ipv6_trunc_pkt',
  'icmpv6.mld_message_with_invalid_hl', 'icmpv6.unassigned_type', 'icmpv6.experimentation_type',
  'ipv6.trunc_pkt', 'ipv6.unknown_next_header',
  'tcp.opt_invalid_len', 'tcp.opt_duplicate', 'udp.hlen_too_small',
  'ppp.pkt_too_small', 'ppp.vju_pkt_too_small', 'ppp.ip4_pkt_too_small', 'ppp.ip6_pkt_too_small', 'ppp.wrong_type', 'ppp.unsup_proto',
  'pppoe.pkt_too_small', 'pppoe.wrong_code', 'pppoe.malformed_tags',
  'gre.pkt_too_small', 'gre.wrong_version', 'gre.version0_recur', 'gre.version0_flags', 'gre.version0_hdr_too_big',
  'gre.version0_malformed_sre_hdr', 'gre.version1_chksum', 'gre.version1_route', 'gre.version1_ssr', 'gre.version1_recur',
  'gre.version1_flags', 'gre.version1_no_key', 'gre.version1_wrong_protocol', 'gre.version1_malformed_sre_hdr', 'gre.version1_hdr_too_big',
  'vlan.unknown_type', 'ieee8021ah.header_too_small', 'vntag.header_too_small', 'vntag.unknown_type',
  'ltnull.unsupported_type', 'esp.pkt_too_small', 'igmp.pkt_too_small', 'igmp.v3_pkt_too_small', 'igmp.malformed',
  'mpls.header_too_small', 'mpls.pkt_too_small', 'mpls.bad_label_router_alert', 'mpls.bad_label_implicit_null',
  'mpls.bad_label_reserved', 'mpls.unknown_payload_type', 'vxlan.unknown_payload_type',
  'erspan.header_too_small', 'erspan.unsupported_version', 'erspan.too_many_vlan_layers',
  'dce.pkt_too_small', 'chdlc.pkt_too_small',
  'nsh.header_too_small', 'nsh.unsupported_version', 'nsh.bad_header_length', 'nsh.reserved_type', 'nsh.unsupported_type', 'nsh.unknown_payload',
];

/** Suricata's name → the name this decoder counts the same event under. */
export const decoderEventAliases: Readonly<Record<string, string>> = {
  'ltnull.pkt_too_small': 'null.pkt_too_small',
};

// ---- the one packet-event id space (p.events holds these) ----
// Decoder events are the ids below STREAM_EVENT_BASE (DecodeEvent, then the unraised names).
/** Stream events: STREAM_EVENT_BASE + index in the stream stage's name table. */
export const STREAM_EVENT_BASE = 0x1000;
/** App-layer events: APPLAYER_EVENT_BASE + index in the app-layer name table. */
export const APPLAYER_EVENT_BASE = 0x2000;
export const EVENT_ID_LIMIT = 0x3000;
/** Events kept per packet, as Suricata's PACKET_ENGINE_EVENT_MAX; more are dropped (counted). */
export const MAX_PACKET_EVENTS = 15;

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
  /** Every event raised (Suricata's decoder.event.* stats). */
  readonly events = new Float64Array(DecodeEvent.Count);
  /** Events that made a packet invalid (fatal or not): the decode problems by reason. */
  readonly problems = new Float64Array(DecodeEvent.Count);
  /** Capture records whose original length the layers contradict, and whose time lies outside
   *  1970..9999 (decoder.wirelen_clamped, decoder.time_clamped: mirrorsink's, not Suricata's;
   *  see capture-record.ts). One slot each, typed arrays to count in place. */
  readonly wirelenClamped = new Float64Array(1);
  readonly timeClamped = new Float64Array(1);

  /** Snapshot as plain objects with Suricata-like names (not for the hot path). */
  layerSnapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < Layer.Count; i++) out[`decoder.${layerNames[i]}`] = this.layers[i]!;
    out['decoder.wirelen_clamped'] = this.wirelenClamped[0]!;
    out['decoder.time_clamped'] = this.timeClamped[0]!;
    return out;
  }

  /** Decode problems (events that made a packet invalid) by name. */
  eventSnapshot(): Record<string, number> {
    return snapshot(this.problems);
  }

  /** Every decoder event raised, invalidating or not (e.g. ipv6.rh_type_0), by name. */
  allEventSnapshot(): Record<string, number> {
    return snapshot(this.events);
  }
}

function snapshot(counts: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 1; i < DecodeEvent.Count; i++) {
    if (counts[i]! > 0) out[`decoder.${decodeEventNames[i]}`] = counts[i]!;
  }
  return out;
}

/**
 * Add event `id` (any layer of the one id space) to the packet. Suricata keeps up to 15 per
 * packet, duplicates included (an option list with two bad lengths logs two anomalies); the
 * ones past that are only counted in p.eventOverflow.
 */
export function addPacketEvent(p: PacketView, id: number): void {
  if (p.eventCount < MAX_PACKET_EVENTS) p.events[p.eventCount++] = id;
  else p.eventOverflow++;
}

/** A non-fatal decoder event (Suricata's ENGINE_SET_EVENT): counted, decoding goes on. */
export function decodeEvent(p: PacketView, c: DecodeCounters, ev: DecodeEvent): void {
  c.events[ev]++;
  addPacketEvent(p, ev);
}

/**
 * An event that makes the packet invalid without stopping decoding (ENGINE_SET_INVALID_EVENT
 * where Suricata carries on, e.g. a bad IPv6 option length): decoder.invalid once per packet.
 */
export function decodeInvalid(p: PacketView, c: DecodeCounters, ev: DecodeEvent): void {
  decodeEvent(p, c, ev);
  c.problems[ev]++;
  if (!p.invalid) {
    p.invalid = true;
    c.layers[Layer.Invalid]++;
  }
}

/**
 * Record a fatal decode problem: decoding stops at this layer. The first one is p.error; every
 * one is counted and added to the packet's events; decoder.invalid once per packet.
 */
export function decodeError(p: PacketView, c: DecodeCounters, ev: DecodeEvent): void {
  decodeInvalid(p, c, ev);
  if (p.error === DecodeEvent.None) p.error = ev;
}

/** Mark the packet truncated (IP length beyond the captured bytes), counted once per packet. */
export function markTruncated(p: PacketView, c: DecodeCounters): void {
  if (!p.truncated) {
    p.truncated = true;
    c.layers[Layer.Truncated]++;
  }
}
