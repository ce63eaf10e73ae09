/**
 * Linux "cooked" captures: SLL (LINKTYPE_LINUX_SLL 113, 16-byte header, protocol last) and
 * SLL2 (LINKTYPE_LINUX_SLL2 276, 20-byte header, protocol first). The protocol field is an
 * EtherType for ordinary frames; values below 0x600 are Linux pseudo-protocols (802.2, 802.3,
 * CAN...) with no IP.
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import { decodeVlanTags } from './ethernet.js';
import type { PacketView } from './packet-view.js';

export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;
export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;

/** Returns the payload offset (p.etherType set), or -1 when p.error was set. */
export function decodeSll(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Sll]++;
  if (end - off < SLL_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.SllPktTooSmall);
    return -1;
  }
  const b = p.buf;
  if (((b[off + 4]! << 8) | b[off + 5]!) === 6) p.linkSrcMacOffset = off + 6; // halen 6: a MAC
  // libpcap re-inserts a stripped VLAN tag after the header, so tags may follow.
  return decodeVlanTags(p, c, (b[off + 14]! << 8) | b[off + 15]!, off + SLL_HEADER_LEN, end);
}

export function decodeSll2(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Sll]++;
  if (end - off < SLL2_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.SllPktTooSmall);
    return -1;
  }
  const b = p.buf;
  if (b[off + 11] === 6) p.linkSrcMacOffset = off + 12; // halen 6: a MAC
  return decodeVlanTags(p, c, (b[off]! << 8) | b[off + 1]!, off + SLL2_HEADER_LEN, end);
}
