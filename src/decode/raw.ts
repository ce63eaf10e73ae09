/**
 * Raw IP link types: LINKTYPE_RAW (101, and DLT 12/14 as some systems write them) where the
 * version nibble picks IPv4 or IPv6, and LINKTYPE_IPV4 (228) / LINKTYPE_IPV6 (229).
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import type { PacketView } from './packet-view.js';

export const LINKTYPE_RAW = 101;
export const DLT_RAW_12 = 12;
export const DLT_RAW_14 = 14;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;

/** Sets p.etherType from the version nibble; returns `off`, or -1 when p.error was set. */
export function decodeRaw(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Raw]++;
  if (end - off < 1) {
    decodeError(p, c, DecodeEvent.Ipv4PktTooSmall);
    return -1;
  }
  const version = p.buf[off]! >> 4;
  if (version === 4) p.etherType = ETHERTYPE_IPV4;
  else if (version === 6) p.etherType = ETHERTYPE_IPV6;
  else {
    decodeError(p, c, DecodeEvent.RawInvalidIpVersion);
    return -1;
  }
  p.linkProto = p.etherType;
  p.linkPayloadOffset = off;
  return off;
}
