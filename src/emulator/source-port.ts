/**
 * The outer UDP source port AWS Traffic Mirroring puts on a mirrored packet: a hash of the
 * inner flow that is the same for both directions (a real AWS capture shows ports
 * 65408-65535 and one port per flow for both directions). AWS does not document the hash, so
 * this is our own: MurmurHash3 mixing over the canonically ordered endpoints.
 *
 * Key: protocol + (address, port) of both ends, lower endpoint first, so swapping source and
 * destination gives the same key.
 *  - TCP / UDP: the ports.
 *  - ICMP / ICMPv6 echo request and reply: the echo identifier as both ports (request and
 *    reply share it); other ICMP messages: ports 0.
 *  - IP fragments (MF set or offset > 0, or an IPv6 fragment header that is not atomic) and any
 *    other protocol: ports 0 (the 3-tuple), so every fragment of a datagram gets one port.
 *  - Non-IP frames (ARP, LLC...): the two MAC addresses and the EtherType.
 *
 * Two entry points: `symmetricSourcePort(p)` from a decoded PacketView, and
 * `symmetricSourcePortOfFrame(buf, off, len)` for a raw Ethernet frame, which decodes it with
 * decode/ into a reused view first (only decode/ parses frames). The first allocates nothing,
 * the second only the view's DataView when handed a buffer other than the last one.
 * A frame decode/ rejects hashes with what decode/ did read: an IP header it could not decode
 * as a non-IP frame (MACs + EtherType), an L4 header it could not decode with ports 0.
 */
import { hashFinish, hashWord } from '../flow/flow-hash.js';
import { DecodeCounters } from '../decode/decode-events.js';
import { LINKTYPE_ETHERNET, decodeFrame } from '../decode/decoder.js';
import { IPPROTO_ICMP as PROTO_ICMP, IPPROTO_ICMPV6 as PROTO_ICMPV6, IPPROTO_TCP as PROTO_TCP, IPPROTO_UDP as PROTO_UDP, PacketView } from '../decode/packet-view.js';

/** Lowest outer source port AWS uses; the hash supplies the low 7 bits. */
export const AWS_SPORT_BASE = 0xff80;
export const AWS_SPORT_MASK = 0x7f;

const SEED = 0x6d697272; // "mirr"

/** Map a 32-bit hash to 65408-65535 as AWS does: 0xFF80 | (hash & 0x7F). */
export function portFromHash(h: number): number {
  return AWS_SPORT_BASE | (h & AWS_SPORT_MASK);
}

/** Symmetric hash of an IPv4 flow (addresses as unsigned 32-bit numbers). */
export function symmetricHash4(proto: number, a: number, aPort: number, b: number, bPort: number): number {
  a >>>= 0;
  b >>>= 0;
  let h = hashWord(SEED, (4 << 16) | (proto & 0xffff));
  if (a < b || (a === b && aPort <= bPort)) {
    h = hashWord(h, a);
    h = hashWord(h, aPort);
    h = hashWord(h, b);
    h = hashWord(h, bPort);
  } else {
    h = hashWord(h, b);
    h = hashWord(h, bPort);
    h = hashWord(h, a);
    h = hashWord(h, aPort);
  }
  return hashFinish(h, 20);
}

/** -1 when endpoint a sorts before b, 1 after, 0 equal. Words are unsigned network-order. */
function compare6(aw: ArrayLike<number>, aPort: number, bw: ArrayLike<number>, bPort: number): number {
  for (let i = 0; i < 4; i++) {
    const x = aw[i]! >>> 0;
    const y = bw[i]! >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return aPort === bPort ? 0 : aPort < bPort ? -1 : 1;
}

function mix6(h: number, w: ArrayLike<number>, port: number): number {
  h = hashWord(h, w[0]!);
  h = hashWord(h, w[1]!);
  h = hashWord(h, w[2]!);
  h = hashWord(h, w[3]!);
  return hashWord(h, port);
}

/** Symmetric hash of an IPv6 flow (addresses as four unsigned 32-bit words each). */
export function symmetricHash6(proto: number, aw: ArrayLike<number>, aPort: number, bw: ArrayLike<number>, bPort: number): number {
  let h = hashWord(SEED, (6 << 16) | (proto & 0xffff));
  if (compare6(aw, aPort, bw, bPort) <= 0) {
    h = mix6(h, aw, aPort);
    h = mix6(h, bw, bPort);
  } else {
    h = mix6(h, bw, bPort);
    h = mix6(h, aw, aPort);
  }
  return hashFinish(h, 44);
}

/** Scratch words for the non-IP (MAC) key and IPv6 addresses: reused, never reallocated. */
const wa = new Uint32Array(4);
const wb = new Uint32Array(4);

/** Symmetric hash of a non-IP frame: the MAC pair (at `macOff`: dst then src) and EtherType. */
function macHash(b: Uint8Array, macOff: number, etherType: number): number {
  // dst MAC into wa (as 2 words: 4 + 2 bytes), src MAC into wb; the ordering is symmetric.
  wa[0] = ((b[macOff]! << 24) | (b[macOff + 1]! << 16) | (b[macOff + 2]! << 8) | b[macOff + 3]!) >>> 0;
  wa[1] = (b[macOff + 4]! << 8) | b[macOff + 5]!;
  wa[2] = 0;
  wa[3] = 0;
  wb[0] = ((b[macOff + 6]! << 24) | (b[macOff + 7]! << 16) | (b[macOff + 8]! << 8) | b[macOff + 9]!) >>> 0;
  wb[1] = (b[macOff + 10]! << 8) | b[macOff + 11]!;
  wb[2] = 0;
  wb[3] = 0;
  let h = hashWord(SEED, (2 << 16) | (etherType & 0xffff));
  if (compare6(wa, 0, wb, 0) <= 0) {
    h = mix6(h, wa, 0);
    h = mix6(h, wb, 0);
  } else {
    h = mix6(h, wb, 0);
    h = mix6(h, wa, 0);
  }
  return hashFinish(h, 36);
}

function isEcho(proto: number, type: number): boolean {
  return proto === PROTO_ICMP ? type === 8 || type === 0 : proto === PROTO_ICMPV6 ? type === 128 || type === 129 : false;
}

/** Outer UDP source port (65408-65535) of a decoded packet; uses the inner (decapsulated) fields. */
export function symmetricSourcePort(p: PacketView): number {
  return portFromHash(symmetricFlowHash(p));
}

/** The 32-bit symmetric flow hash of a decoded packet (see the module comment for the key). */
export function symmetricFlowHash(p: PacketView): number {
  if (p.ipVersion !== 4 && p.ipVersion !== 6) {
    if (p.l2Offset >= 0 && p.caplen - (p.l2Offset - p.frameOffset) >= 14) return macHash(p.buf, p.l2Offset, p.etherType);
    return 0;
  }
  const proto = p.ipProto < 0 ? 0 : p.ipProto;
  let sp = 0;
  let dp = 0;
  // An IPv6 atomic fragment (offset 0, M clear) is a whole datagram: it keeps its ports.
  const fragment = p.isFragment && (p.ipVersion === 4 || p.fragOffset > 0 || (p.ipFlags & 1) !== 0);
  if (!fragment) {
    if ((proto === PROTO_TCP || proto === PROTO_UDP) && p.sport >= 0 && p.dport >= 0) {
      sp = p.sport;
      dp = p.dport;
    } else if (isEcho(proto, p.icmpType) && p.icmpId >= 0) {
      sp = dp = p.icmpId;
    }
  }
  return p.ipVersion === 4 ? symmetricHash4(proto, p.src4, sp, p.dst4, dp) : symmetricHash6(proto, p.src6, sp, p.dst6, dp);
}

/** One view and counter set for the raw-frame form: reused, never reallocated. */
const frameView = new PacketView();
const frameCounters = new DecodeCounters();

/**
 * The symmetric flow hash of a raw Ethernet frame of `len` captured bytes at `off`: decoded by
 * decode/ without opening tunnels (AWS hashes the frame it mirrors, even a VXLAN one).
 */
export function symmetricFrameHash(b: Uint8Array, off: number, len: number): number {
  frameView.setFrame(b, off, len, len, LINKTYPE_ETHERNET);
  decodeFrame(frameView, frameCounters, false);
  return symmetricFlowHash(frameView);
}

/** Outer UDP source port (65408-65535) for a raw Ethernet frame. */
export function symmetricSourcePortOfFrame(b: Uint8Array, off: number, len: number): number {
  return portFromHash(symmetricFrameHash(b, off, len));
}
