/**
 * Ethernet II with up to MAX_VLAN_TAGS 802.1Q / 802.1ad / 0x9100 tags. Leaves p.etherType set
 * to the type after the tags (0 for an 802.3 length field: LLC frames carry no IP, which is not
 * an error) and returns where that payload starts.
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import { MAX_VLAN_TAGS, type PacketView } from './packet-view.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_9100 = 0x9100;
/** Transparent Ethernet bridging (GENEVE/NVGRE inner Ethernet). */
export const ETHERTYPE_TEB = 0x6558;
/** Below this the field is an 802.3 length, not a type. */
export const ETHERTYPE_MIN = 0x0600;

export const ETHERNET_HEADER_LEN = 14;
const VLAN_TAG_LEN = 4;

/** Decode the Ethernet header at `off`; returns the payload offset, or -1 when p.error was set. */
export function decodeEthernet(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Ethernet]++;
  if (end - off < ETHERNET_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.EthernetPktTooSmall);
    return -1;
  }
  const b = p.buf;
  p.l2Offset = off;
  p.linkSrcMacOffset = off + 6;
  return decodeVlanTags(p, c, (b[off + 12]! << 8) | b[off + 13]!, off + ETHERNET_HEADER_LEN, end);
}

/**
 * Walk VLAN tags starting with `type` read just before `off` (also used after SLL headers).
 * Sets p.etherType and p.vlanIds; returns the payload offset or -1 on error.
 */
export function decodeVlanTags(p: PacketView, c: DecodeCounters, type: number, off: number, end: number): number {
  const b = p.buf;
  p.linkPayloadOffset = off;
  p.linkProto = type;
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_9100) {
    if (p.vlanCount >= MAX_VLAN_TAGS) {
      decodeError(p, c, DecodeEvent.VlanTooManyLayers);
      return -1;
    }
    // Suricata counts the first tag as vlan, the deeper ones as vlan_qinq.
    c.layers[p.vlanCount === 0 ? Layer.Vlan : Layer.VlanQinq]++;
    if (end - off < VLAN_TAG_LEN) {
      decodeError(p, c, DecodeEvent.VlanHeaderTooSmall);
      return -1;
    }
    p.vlanIds[p.vlanCount++] = ((b[off]! & 0x0f) << 8) | b[off + 1]!;
    type = (b[off + 2]! << 8) | b[off + 3]!;
    off += VLAN_TAG_LEN;
  }
  p.etherType = type >= ETHERTYPE_MIN ? type : 0;
  return off;
}
