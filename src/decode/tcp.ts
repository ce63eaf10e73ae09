/**
 * TCP header: ports, seq/ack, flags byte (FIN..CWR), window, header length, payload.
 * Options are not interpreted here.
 */
import { DecodeEvent, Layer, decodeError, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const TCP_HEADER_LEN = 20;

/**
 * Decode the TCP header at `off`; `end` is the end of the IP payload clipped to the captured
 * bytes. When only the options are missing because the datagram was cut short (p.truncated,
 * e.g. AWS PacketLength) or continue in the next fragment (a first fragment, as in the tiny-
 * fragment evasion of frag/ip4_fragmented_syn.pcap), the fixed header is still decoded with an
 * empty payload: the segment is incomplete, not malformed. Returns false when p.error was set.
 */
export function decodeTcp(p: PacketView, c: DecodeCounters, off: number, end: number): boolean {
  c.layers[Layer.Tcp]++;
  const b = p.buf;
  if (end - off < TCP_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.TcpPktTooSmall);
    return false;
  }
  const hlen = (b[off + 12]! >> 4) << 2;
  if (hlen < TCP_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.TcpHlenTooSmall);
    return false;
  }
  if (end - off < hlen && !p.truncated && !p.isFragment) {
    decodeError(p, c, DecodeEvent.TcpPktTooSmall);
    return false;
  }
  p.l4Offset = off;
  p.sport = (b[off]! << 8) | b[off + 1]!;
  p.dport = (b[off + 2]! << 8) | b[off + 3]!;
  p.tcpSeq = ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
  p.tcpAck = ((b[off + 8]! << 24) | (b[off + 9]! << 16) | (b[off + 10]! << 8) | b[off + 11]!) >>> 0;
  p.tcpFlags = b[off + 13]!;
  p.tcpWindow = (b[off + 14]! << 8) | b[off + 15]!;
  p.tcpHeaderLen = hlen;
  const payload = off + hlen;
  p.payloadOffset = payload < end ? payload : end;
  p.payloadLen = payload < end ? end - payload : 0;
  return true;
}
