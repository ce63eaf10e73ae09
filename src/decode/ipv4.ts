/**
 * IPv4 header. A total length beyond the captured bytes marks the packet truncated (normal for
 * snaplen and AWS PacketLength), not invalid. A total length of 0 is what TSO / BIG TCP
 * senders write (tshark: "presumed to be because of TSO"): the captured length is used.
 */
import { DecodeEvent, Layer, decodeError, decodeEvent, decodeInvalid, markTruncated, type DecodeCounters } from './decode-events.js';
import type { PacketView } from './packet-view.js';

export const IPV4_HEADER_LEN = 20;
export const IPV4_FLAG_MF = 0x1;
export const IPV4_FLAG_DF = 0x2;

/**
 * Decode the IPv4 header at `off` (captured bytes up to `end`). Returns the offset of the
 * upper-layer header, or -1 when p.error was set. The caller decodes L4 only when
 * p.fragOffset is 0, within min(p.l3Offset + p.ipLen, end).
 */
export function decodeIpv4(p: PacketView, c: DecodeCounters, off: number, end: number): number {
  c.layers[Layer.Ipv4]++;
  const b = p.buf;
  if (end - off < IPV4_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.Ipv4PktTooSmall);
    return -1;
  }
  if (b[off]! >> 4 !== 4) {
    decodeError(p, c, DecodeEvent.Ipv4WrongIpVersion);
    return -1;
  }
  const hlen = (b[off]! & 0x0f) << 2;
  if (hlen < IPV4_HEADER_LEN) {
    decodeError(p, c, DecodeEvent.Ipv4HlenTooSmall);
    return -1;
  }
  let totalLen = (b[off + 2]! << 8) | b[off + 3]!;
  if (totalLen === 0) totalLen = end - off;
  if (totalLen < hlen) {
    decodeError(p, c, DecodeEvent.Ipv4IplenSmallerThanHlen);
    return -1;
  }
  if (end - off < hlen) {
    // Options run past the captured bytes.
    decodeError(p, c, DecodeEvent.Ipv4PktTooSmall);
    return -1;
  }
  p.ipVersion = 4;
  p.l3Offset = off;
  p.ipHeaderLen = hlen;
  p.ipOptionsLen = hlen - IPV4_HEADER_LEN;
  p.ipLen = totalLen;
  p.tos = b[off + 1]!;
  p.ipId = (b[off + 4]! << 8) | b[off + 5]!;
  p.ipFlags = b[off + 6]! >> 5;
  p.fragOffset = (((b[off + 6]! & 0x1f) << 8) | b[off + 7]!) << 3;
  p.isFragment = (p.ipFlags & IPV4_FLAG_MF) !== 0 || p.fragOffset > 0;
  if (p.isFragment) c.layers[Layer.Fragment]++;
  p.ttl = b[off + 8]!;
  p.ipProto = b[off + 9]!;
  p.srcAddrOffset = off + 12;
  p.dstAddrOffset = off + 16;
  p.src4 = ((b[off + 12]! << 24) | (b[off + 13]! << 16) | (b[off + 14]! << 8) | b[off + 15]!) >>> 0;
  p.dst4 = ((b[off + 16]! << 24) | (b[off + 17]! << 16) | (b[off + 18]! << 8) | b[off + 19]!) >>> 0;
  if (totalLen > end - off) markTruncated(p, c);
  if (hlen > IPV4_HEADER_LEN && !decodeIpv4Options(p, c, off + IPV4_HEADER_LEN, off + hlen)) return -1;
  return off + hlen;
}

// Option types (RFC 791 and later) with the length checks Suricata's decode-ipv4.c applies.
const OPT_EOL = 0x00;
const OPT_NOP = 0x01;
const OPT_RR = 0x07;
const OPT_QS = 0x19;
const OPT_TS = 0x44;
const OPT_SEC = 0x82;
const OPT_LSRR = 0x83;
const OPT_ESEC = 0x85;
const OPT_CIPSO = 0x86;
const OPT_SID = 0x88;
const OPT_SSRR = 0x89;
const OPT_RTRALT = 0x94;

/** Bit per option kind already seen, for opt_duplicate. */
function optBit(type: number): number {
  switch (type) {
    case OPT_RR: return 0x001;
    case OPT_QS: return 0x002;
    case OPT_TS: return 0x004;
    case OPT_SEC: return 0x008;
    case OPT_LSRR: return 0x010;
    case OPT_ESEC: return 0x020;
    case OPT_CIPSO: return 0x040;
    case OPT_SID: return 0x080;
    case OPT_SSRR: return 0x100;
    case OPT_RTRALT: return 0x200;
    default: return 0;
  }
}

/** Suricata's IPV4OptValidate* checks: 0 fine, else the event (bad length, malformed). */
function optCheck(b: Uint8Array, at: number, type: number, len: number): number {
  switch (type) {
    case OPT_RR:
    case OPT_LSRR:
    case OPT_SSRR: {
      if (len < 3) return DecodeEvent.Ipv4OptInvalidLen;
      // The pointer is 1-based, from 4, in 4-byte steps, at most one past the option.
      const ptr = b[at + 2]!;
      return ptr >= 4 && (ptr - 4) % 4 === 0 && ptr <= len + 1 ? 0 : DecodeEvent.Ipv4OptMalformed;
    }
    case OPT_TS: {
      if (len < 5) return DecodeEvent.Ipv4OptInvalidLen;
      const ptr = b[at + 2]!;
      const rec = (b[at + 3]! & 0x0f) === 0 ? 4 : 8;
      return ptr >= 5 && (ptr - 5) % rec === 0 && ptr <= len + 1 ? 0 : DecodeEvent.Ipv4OptMalformed;
    }
    case OPT_CIPSO:
      return len >= 10 ? 0 : DecodeEvent.Ipv4OptMalformed;
    case OPT_QS:
      return len >= 8 ? 0 : DecodeEvent.Ipv4OptInvalidLen;
    case OPT_SEC:
      return len === 11 ? 0 : DecodeEvent.Ipv4OptInvalidLen;
    case OPT_ESEC:
      return len >= 3 ? 0 : DecodeEvent.Ipv4OptInvalidLen;
    case OPT_SID:
    case OPT_RTRALT:
      return len === 4 ? 0 : DecodeEvent.Ipv4OptInvalidLen;
    default:
      return 0;
  }
}

/**
 * Walk the IPv4 options in [off, end) as Suricata's DecodeIPV4Options does: padding not to a
 * multiple of 8 (opt_pad_required), a multi-byte option cut at the end (opt_eol_required),
 * lengths that do not fit the kind (opt_invalid_len, invalid but decoding goes on), a length
 * past the options (opt_invalid_len, fatal: returns false), duplicates and unknown kinds.
 */
function decodeIpv4Options(p: PacketView, c: DecodeCounters, off: number, end: number): boolean {
  const b = p.buf;
  if ((end - off) % 8 !== 0) decodeEvent(p, c, DecodeEvent.Ipv4OptPadRequired);
  let seen = 0;
  let i = off;
  while (i < end) {
    const type = b[i]!;
    if (type === OPT_EOL) break;
    if (type === OPT_NOP) {
      i++;
      continue;
    }
    if (end - i < 2) {
      decodeEvent(p, c, DecodeEvent.Ipv4OptEolRequired);
      break;
    }
    const len = b[i + 1]!;
    if (len > end - i || len < 2) {
      decodeError(p, c, DecodeEvent.Ipv4OptInvalidLen);
      return false;
    }
    const bit = optBit(type);
    if (bit === 0) decodeEvent(p, c, DecodeEvent.Ipv4OptInvalid);
    else if ((seen & bit) !== 0) decodeEvent(p, c, DecodeEvent.Ipv4OptDuplicate);
    else {
      const bad = optCheck(b, i, type, len);
      if (bad !== 0) decodeInvalid(p, c, bad);
      else seen |= bit;
    }
    i += len;
  }
  return true;
}
