/**
 * What a capture record says about a frame beyond its bytes — its original length (pcap
 * orig_len, pcapng EPB packet length) and its time — is whatever the file says. The decoder
 * holds both against what can be, counts a record that lies and carries on with the packet:
 *
 * - original length: never below the captured length, and never above the frame the outermost
 *   IP header describes (its total length plus the link header, with room for Ethernet padding
 *   and an FCS), or, where no IP length can be read, above the largest frame a capture may hold.
 *   0xffffffff on a 140-byte frame would otherwise make per-session byte counters (and written
 *   pcaps) claim 4 GB. Counted as decoder.wirelen_clamped.
 * - time: within 1970-01-01 .. 9999-12-31T23:59:59Z, the range EVE, flow logs and ISO 8601 write
 *   (a pcapng interface with if_tsresol 0 or a huge if_tsoffset describes times no JavaScript
 *   Date holds). Counted as decoder.time_clamped.
 *
 * Neither is a Suricata counter; both are mirrorsink's.
 */
import type { DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

/** libpcap's MAXIMUM_SNAPLEN: no capture record is longer when nothing else bounds it. */
export const MAX_FRAME_LEN = 262144;
/** 9999-12-31T23:59:59Z: the last second with a four-digit year. */
export const MAX_PACKET_SEC = 253402300799;
/** Ethernet pads frames to 60 bytes and may keep a 4-byte FCS after the IP datagram. */
const MIN_FRAME = 60;
const FCS = 4;

/**
 * The frame length the outermost IP header describes (`l3` = its offset in p.buf, -1 when
 * there is none), or -1 when it cannot be read: not IP, cut before the length field, an IPv4
 * total length below the header (TSO captures write 0) or an IPv6 jumbogram (payload length 0).
 */
function claimedFrameLen(p: PacketView, l3: number): number {
  if (l3 < 0) return -1;
  const buf = p.buf;
  const end = p.frameOffset + p.caplen < buf.length ? p.frameOffset + p.caplen : buf.length;
  if (l3 + 6 > end) return -1;
  const version = buf[l3]! >> 4;
  let ipLen: number;
  if (version === 4) {
    ipLen = (buf[l3 + 2]! << 8) | buf[l3 + 3]!;
    if (ipLen < 20) return -1;
  } else if (version === 6) {
    const payload = (buf[l3 + 4]! << 8) | buf[l3 + 5]!;
    if (payload === 0) return -1;
    ipLen = 40 + payload;
  } else return -1;
  return l3 - p.frameOffset + ipLen;
}

/** Bring p.wirelen within what the frame's layers allow; count it when it was not. */
export function checkWireLength(p: PacketView, c: DecodeCounters, l3: number): void {
  const caplen = p.caplen;
  const wirelen = p.wirelen;
  if (wirelen < caplen) {
    p.wirelen = caplen;
    c.wirelenClamped[0]++;
    return;
  }
  if (wirelen <= caplen) return;
  const claimed = claimedFrameLen(p, l3);
  const limit = claimed < 0 ? MAX_FRAME_LEN : claimed < MIN_FRAME ? MIN_FRAME + FCS : claimed + FCS;
  if (wirelen <= limit) return;
  p.wirelen = claimed > caplen ? claimed : caplen;
  c.wirelenClamped[0]++;
}

/** Bring p.tsSec/p.tsNsec within 1970..9999 (the nearest end); count it when it was not. */
export function checkTime(p: PacketView, c: DecodeCounters): void {
  const sec = p.tsSec;
  if (sec >= 0 && sec <= MAX_PACKET_SEC) return;
  if (sec < 0) {
    p.tsSec = 0;
    p.tsNsec = 0;
  } else {
    p.tsSec = MAX_PACKET_SEC;
    p.tsNsec = 999_999_999;
  }
  c.timeClamped[0]++;
}
