/**
 * VXLAN header (RFC 7348): flags(1) reserved(3) VNI(3) reserved(1). Only the I flag (0x08) is
 * checked; every other flag bit and reserved byte is ignored on receipt as the RFC says
 * (corpus vxlan_nonzero_reserved.pcap has flags 0xff). The payload is an Ethernet frame.
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const VXLAN_PORT = 4789;
export const VXLAN_HEADER_LEN = 8;
export const VXLAN_FLAG_I = 0x08;

/** Decode the header at `off`: sets p.vni and p.tunnelPayloadOffset; returns the inner
 *  Ethernet offset, or -1 when p.error was set. */
export function decodeVxlan(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Vxlan]++;
  const b = p.buf;
  if (end - off < VXLAN_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.VxlanPktTooSmall);
    return -1;
  }
  if ((b[off]! & VXLAN_FLAG_I) === 0) {
    decodeError(p, c, DecodeEvent.VxlanNoIFlag);
    return -1;
  }
  p.vni = (b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!;
  p.tunnelPayloadOffset = off + VXLAN_HEADER_LEN;
  return off + VXLAN_HEADER_LEN;
}
