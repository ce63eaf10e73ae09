/**
 * GENEVE header (RFC 8926): ver(2) optlen(6, in 4-byte words) flags(8) protocol(16) VNI(24)
 * reserved(8), then options. AWS Gateway Load Balancer sends it with protocol 0x0800/0x86DD
 * and its own options, which are skipped.
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB } from './ethernet.js';
import type { PacketView } from './packet-view.js';

export const GENEVE_PORT = 6081;
export const GENEVE_HEADER_LEN = 8;

/** Decode the header at `off`: sets p.vni and p.tunnelPayloadOffset; returns the payload
 *  offset (its type: geneveProtocol()), or -1 when p.error was set. */
export function decodeGeneve(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Geneve]++;
  const b = p.buf;
  if (end - off < GENEVE_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.GenevePktTooSmall);
    return -1;
  }
  if (b[off]! >> 6 !== 0) {
    decodeError(p, c, DecodeEvent.GeneveUnknownVersion);
    return -1;
  }
  const payload = off + GENEVE_HEADER_LEN + ((b[off]! & 0x3f) << 2);
  if (payload > end) {
    decodeError(p, c, DecodeEvent.GeneveOptionsTooLong);
    return -1;
  }
  const proto = geneveProtocol(b, off);
  if (proto !== ETHERTYPE_TEB && proto !== ETHERTYPE_IPV4 && proto !== ETHERTYPE_IPV6) {
    decodeError(p, c, DecodeEvent.GeneveUnknownPayloadType);
    return -1;
  }
  p.vni = (b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!;
  p.tunnelPayloadOffset = payload;
  return payload;
}

/** The protocol type (an EtherType) of the GENEVE header at `off`. */
export function geneveProtocol(b: Uint8Array, off: number): number {
  return (b[off + 2]! << 8) | b[off + 3]!;
}
