/**
 * A symmetric hash of the inner flow of a tunnel datagram (VXLAN, GENEVE, GENEVE+VXLAN) or of a
 * captured frame, read straight from the bytes: what spreads packets over worker threads
 * (replay --workers, serve's dispatching receiver) so that every packet of a flow, in both
 * directions, meets on one worker (Suricata's autofp flow hash).
 *
 * It must be a function of the flow table's key (flow/flow-table.ts: session, IP version,
 * protocol, both (address, port) endpoints), or coarser: then packets of one flow table entry
 * can never part. So:
 *  - TCP, UDP, SCTP: protocol + both (address, port) endpoints, lower endpoint first.
 *  - ICMP and every other protocol: protocol + both addresses (the table keys ICMP echo by its
 *    identifier; the coarser hash keeps that on one worker too).
 *  - IP fragments (IPv4 MF or offset, an IPv6 fragment header): both addresses only, so every
 *    fragment of a datagram meets the others on one defragmenter.
 *  - The session (VNI) is folded in unless `withSession` is false: with dedup on, the table
 *    keys flows without the VNI (mergeSessions) and both mirror copies of a packet (two ENIs,
 *    two VNIs) must meet on one worker.
 *
 * The tunnel rule is the decoder's (decode/decoder.ts): a frame's outermost IP/UDP datagram to
 * port 4789 is VXLAN, to 6081 GENEVE; GENEVE may carry IP/UDP/4789/VXLAN (AWS GWLB), whose VNI
 * then counts. What cannot be parsed hashes as far as it was read (0 when no IP header was):
 * such packets are only counted and inspected alone, so any worker will do.
 *
 * No allocation: endpoints are read into module-level scratch words. Returns an int32 (a small
 * integer to V8, never boxed); take `>>> 0` before `%`.
 */

// MurmurHash3's 32-bit mixing steps. Not flow/flow-hash.ts's: decode/ sits below flow/ (which
// imports decode/), and this hash only spreads packets over workers.
function hashWord(h: number, w: number): number {
  let k = Math.imul(w | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function hashFinishI32(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** `start` for a datagram from the VXLAN socket: the VXLAN header is at `offset`. */
export const HASH_START_VXLAN = -1;
/** `start` for a datagram from the GENEVE socket: the GENEVE header is at `offset`. */
export const HASH_START_GENEVE = -2;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_9100 = 0x9100;
const ETH_TEB = 0x6558;
const VXLAN_PORT = 4789;
const GENEVE_PORT = 6081;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_SCTP = 132;
const MAX_VLANS = 4;
const SEED = 0x776b7273; // "wkrs"

/** Which tunnels the IP layer being read may still open (as in decoder.ts). */
const ALLOW_NONE = 0;
const ALLOW_VXLAN = 1;
const ALLOW_GENEVE = 2;

// Scratch: the two endpoints of the IP layer last read (addresses as 4 unsigned words).
const srcW = new Uint32Array(4);
const dstW = new Uint32Array(4);
/** The VNI (session) of the tunnel header last opened; -1 for none. */
let vni = -1;
/** Set by readIp: the layer's protocol, L4 offset, fragment flag, IP version. */
let ipProto = -1;
let l4Off = -1;
let ipEnd = 0;
let isFrag = false;
let ipVer = 0;

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/**
 * Hash of the inner flow of the frame or datagram at buf[offset, offset + length).
 * @param start a pcap link type (frames) or HASH_START_VXLAN / HASH_START_GENEVE (datagrams)
 * @param withSession fold the VNI in (false when dedup is on)
 */
export function innerFlowHash(buf: Uint8Array, offset: number, length: number, start: number, withSession: boolean): number {
  let end = offset + length;
  if (end > buf.length) end = buf.length;
  vni = -1;
  ipVer = 0;
  let type = 0;
  let l3 = -1;
  let allow = ALLOW_VXLAN | ALLOW_GENEVE;
  if (start === HASH_START_VXLAN) {
    l3 = openVxlan(buf, offset, end);
    type = l3 >= 0 ? lastEtherType : 0;
    allow = ALLOW_NONE;
  } else if (start === HASH_START_GENEVE) {
    l3 = openGeneve(buf, offset, end);
    type = l3 >= 0 ? lastEtherType : 0;
    allow = ALLOW_VXLAN;
  } else {
    l3 = linkLayer(buf, offset, end, start);
    type = lastEtherType;
  }
  // Each pass reads one IP layer; a tunnel found in it sends the loop one level down.
  for (let depth = 0; depth < 3 && l3 >= 0; depth++) {
    if (!readIp(buf, type, l3, end)) break;
    if (ipProto !== PROTO_UDP || isFrag || allow === ALLOW_NONE || ipEnd - l4Off < 8) break;
    const dport = u16(buf, l4Off + 2);
    const payload = l4Off + 8;
    if (dport === VXLAN_PORT && (allow & ALLOW_VXLAN) !== 0) {
      const inner = openVxlan(buf, payload, ipEnd);
      if (inner < 0) break;
      l3 = inner;
      type = lastEtherType;
      allow = ALLOW_NONE;
    } else if (dport === GENEVE_PORT && (allow & ALLOW_GENEVE) !== 0) {
      const inner = openGeneve(buf, payload, ipEnd);
      if (inner < 0) break;
      l3 = inner;
      type = lastEtherType;
      allow = ALLOW_VXLAN;
    } else break;
    ipVer = 0;
  }
  return finish(buf, withSession);
}

/** The EtherType of the payload the last link/tunnel header read points at (0: not IP). */
let lastEtherType = 0;

/** Ethernet header with its VLAN tags at `off`: the L3 offset (lastEtherType set), or -1. */
function ethernet(b: Uint8Array, off: number, end: number): number {
  if (end - off < 14) return -1;
  return vlanTags(b, u16(b, off + 12), off + 14, end);
}

function vlanTags(b: Uint8Array, type: number, off: number, end: number): number {
  for (let n = 0; (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_9100) && n < MAX_VLANS; n++) {
    if (end - off < 4) return -1;
    type = u16(b, off + 2);
    off += 4;
  }
  lastEtherType = type;
  return off;
}

function linkLayer(b: Uint8Array, off: number, end: number, linktype: number): number {
  lastEtherType = 0;
  switch (linktype) {
    case 1: // Ethernet
      return ethernet(b, off, end);
    case 113: // Linux SLL
      return end - off < 16 ? -1 : vlanTags(b, u16(b, off + 14), off + 16, end);
    case 276: // Linux SLL2
      return end - off < 20 ? -1 : vlanTags(b, u16(b, off), off + 20, end);
    case 0: // BSD loopback (host byte order family)
    case 108: {
      if (end - off < 4) return -1;
      const le = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
      const be = u32(b, off);
      const family = le < be ? le : be;
      lastEtherType = family === 2 ? ETH_IPV4 : family === 24 || family === 28 || family === 30 ? ETH_IPV6 : 0;
      return off + 4;
    }
    case 101: // raw IP
    case 12:
    case 14:
    case 228: // IPv4
    case 229: {
      // IPv6
      if (end - off < 1) return -1;
      const v = b[off]! >> 4;
      lastEtherType = v === 4 ? ETH_IPV4 : v === 6 ? ETH_IPV6 : 0;
      return off;
    }
    default:
      return -1;
  }
}

/** VXLAN header at `off`: sets the VNI; returns the inner L3 offset (after Ethernet) or -1. */
function openVxlan(b: Uint8Array, off: number, end: number): number {
  if (end - off < 8 || (b[off]! & 0x08) === 0) return -1;
  vni = (b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!;
  return ethernet(b, off + 8, end);
}

/** GENEVE header at `off`: sets the VNI; returns the inner L3 offset or -1. */
function openGeneve(b: Uint8Array, off: number, end: number): number {
  if (end - off < 8 || b[off]! >> 6 !== 0) return -1;
  const payload = off + 8 + ((b[off]! & 0x3f) << 2);
  if (payload > end) return -1;
  const proto = u16(b, off + 2);
  vni = (b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!;
  if (proto === ETH_TEB) return ethernet(b, payload, end);
  if (proto !== ETH_IPV4 && proto !== ETH_IPV6) return -1;
  lastEtherType = proto;
  return payload;
}

/** Read the IP header at `off` into the scratch fields. False when there is none to read. */
function readIp(b: Uint8Array, type: number, off: number, end: number): boolean {
  if (type === ETH_IPV4) {
    if (end - off < 20 || b[off]! >> 4 !== 4) return false;
    const ihl = (b[off]! & 0x0f) << 2;
    const total = u16(b, off + 2);
    ipVer = 4;
    ipProto = b[off + 9]!;
    srcW[0] = u32(b, off + 12);
    dstW[0] = u32(b, off + 16);
    srcW[1] = srcW[2] = srcW[3] = 0;
    dstW[1] = dstW[2] = dstW[3] = 0;
    const frag = u16(b, off + 6);
    isFrag = (frag & 0x3fff) !== 0; // MF or an offset
    l4Off = off + (ihl < 20 ? 20 : ihl);
    ipEnd = total >= 20 && off + total < end ? off + total : end;
    return true;
  }
  if (type === ETH_IPV6) {
    if (end - off < 40 || b[off]! >> 4 !== 6) return false;
    ipVer = 6;
    for (let i = 0; i < 4; i++) {
      srcW[i] = u32(b, off + 8 + 4 * i);
      dstW[i] = u32(b, off + 24 + 4 * i);
    }
    const plen = u16(b, off + 4);
    ipEnd = off + 40 + plen < end && plen > 0 ? off + 40 + plen : end;
    isFrag = false;
    // Walk the extension headers to the upper-layer protocol.
    let nh = b[off + 6]!;
    let o = off + 40;
    for (let n = 0; n < 8; n++) {
      if (nh === 0 || nh === 43 || nh === 60) {
        if (ipEnd - o < 8) break;
        nh = b[o]!;
        o += (b[o + 1]! + 1) << 3;
      } else if (nh === 44) {
        if (ipEnd - o < 8) break;
        // An atomic fragment (offset 0, no M flag) is a whole datagram.
        if ((u16(b, o + 2) & 0xfff9) !== 0) isFrag = true;
        nh = b[o]!;
        o += 8;
      } else if (nh === 51) {
        if (ipEnd - o < 8) break;
        nh = b[o]!;
        o += (b[o + 1]! + 2) << 2;
      } else break;
    }
    ipProto = nh;
    l4Off = o;
    return true;
  }
  return false;
}

/** The hash of the IP layer last read (or of the session alone when none was). */
function finish(b: Uint8Array, withSession: boolean): number {
  let h = hashWord(SEED, withSession ? vni : -1);
  if (ipVer === 0) return hashFinishI32(h, 4);
  let sp = 0;
  let dp = 0;
  const proto = isFrag ? 0 : ipProto;
  if ((proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP) && ipEnd - l4Off >= 4) {
    sp = u16(b, l4Off);
    dp = u16(b, l4Off + 2);
  }
  // Lower (address, port) endpoint first: both directions give the same words.
  let cmp = 0;
  for (let i = 0; i < 4 && cmp === 0; i++) {
    const x = srcW[i]!;
    const y = dstW[i]!;
    if (x !== y) cmp = x < y ? -1 : 1;
  }
  if (cmp === 0) cmp = sp <= dp ? -1 : 1;
  const a = cmp < 0 ? srcW : dstW;
  const z = cmp < 0 ? dstW : srcW;
  h = hashWord(h, (ipVer << 8) | proto);
  for (let i = 0; i < 4; i++) {
    h = hashWord(h, a[i]! | 0);
    h = hashWord(h, z[i]! | 0);
  }
  h = hashWord(h, cmp < 0 ? (sp << 16) | dp : (dp << 16) | sp);
  return hashFinishI32(h, 40);
}
