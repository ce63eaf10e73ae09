/**
 * UDP header. A length field of 0 is what BIG TCP / GSO senders write for datagrams over 64 KB
 * (corpus vxlan_bigtcp_80k_ipv6.pcap): the IP payload length is used instead, not an error.
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const UDP_HEADER_LEN = 8;

/**
 * Decode the UDP header at `off`; `end` is the end of the IP payload clipped to the captured
 * bytes. p.udpLen is the length the header claims (or the IP payload length when it says 0);
 * the payload is clipped to both it and `end`. Returns false when p.error was set.
 */
export function decodeUdp(p: PacketView, c: DecodeCounters, off: number, end: number): boolean {
  c.layers[Layer.Udp]++;
  const b = p.buf;
  if (end - off < UDP_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.UdpPktTooSmall);
    return false;
  }
  let len = (b[off + 4]! << 8) | b[off + 5]!;
  if (len === 0) len = p.l3Offset + p.ipLen - off;
  if (len < UDP_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.UdpHlenInvalid);
    return false;
  }
  p.l4Offset = off;
  p.sport = (b[off]! << 8) | b[off + 1]!;
  p.dport = (b[off + 2]! << 8) | b[off + 3]!;
  p.udpLen = len;
  const payloadEnd = off + len < end ? off + len : end;
  p.payloadOffset = off + UDP_HEADER_LEN;
  p.payloadLen = payloadEnd - p.payloadOffset;
  return true;
}
