/**
 * AWS-style VXLAN encapsulation, as a Traffic Mirroring target receives it:
 *
 *   outer Ethernet / IPv4 (src = mirror-source ENI primary IP, dst = target, TTL 255, ID 0,
 *   DF clear, header checksum) / UDP (sport = symmetric flow hash, dport 4789, checksum 0)
 *   / VXLAN (flags 0x08, VNI) / inner Ethernet frame
 *
 * A session's PacketLength counts bytes after the VXLAN header: the inner frame is cut to that
 * many bytes and the outer IPv4/UDP lengths describe what is left, while the inner IP header
 * keeps its original total length (that mismatch is how AWS truncation looks).
 *
 * The inverse of decoding, kept next to decode/vxlan.ts (whose header constants it uses): the
 * AWS emulator (src/emulator/) wraps frames with it and the pcap outer mode (output/) rebuilds
 * the outer headers the kernel stripped from socket datagrams; stages may not import emulator/.
 */
import { parseIpv4 } from '../net/ip-address.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { VXLAN_FLAG_I, VXLAN_HEADER_LEN, VXLAN_PORT } from './vxlan.js';
/** Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
export const VXLAN_IPV4_OVERHEAD = 50;
export const OUTER_ETHERNET_LEN = 14;
export const OUTER_IPV4_LEN = 20;
export const UDP_HEADER_LEN = 8;
export const AWS_OUTER_TTL = 255;
/** Largest PacketLength AWS accepts. */
export const MAX_PACKET_LENGTH = 8500;

export interface WrapOptions {
  /** Outer IPv4 source (the mirror-source ENI's primary IP): dotted quad or uint32. */
  outerSrc: string | number;
  /** Outer IPv4 destination (the mirror target). */
  outerDst: string | number;
  /** 24-bit VXLAN network identifier (the session's VirtualNetworkId). */
  vni: number;
  /** Outer UDP source port (see emulator/source-port.ts). */
  sport: number;
  /** Outer Ethernet source MAC ("aa:bb:..." or 6 bytes); default 02:00 + outer source IP. */
  srcMac?: string | Uint8Array;
  /** Outer Ethernet destination MAC; default 02:00 + outer destination IP. */
  dstMac?: string | Uint8Array;
  /** AWS PacketLength: keep at most this many bytes after the VXLAN header (0/undefined = all). */
  packetLength?: number;
  /** Outer UDP destination port; default 4789. */
  dport?: number;
  /** VXLAN flags byte; default 0x08 (only for building malformed test input). */
  vxlanFlags?: number;
}

/** Write the 8-byte VXLAN header (flags 0x08, 24-bit VNI, reserved zero) at `offset`. */
export function writeVxlanHeader(out: Uint8Array, offset: number, vni: number, flags = VXLAN_FLAG_I): void {
  out[offset] = flags;
  out[offset + 1] = 0;
  out[offset + 2] = 0;
  out[offset + 3] = 0;
  out[offset + 4] = (vni >>> 16) & 0xff;
  out[offset + 5] = (vni >>> 8) & 0xff;
  out[offset + 6] = vni & 0xff;
  out[offset + 7] = 0;
}

/** RFC 1071 checksum of the IPv4 header at `off` (`len` bytes, checksum field included as is). */
export function ipv4HeaderChecksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Parse "aa:bb:cc:dd:ee:ff" (or '-' separated) to 6 bytes. */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) {
    throw new MirrorsinkError(ErrorCode.Usage, `bad MAC address '${text}'`);
  }
  return Uint8Array.from(parts.map((x) => parseInt(x, 16)));
}

function toIpv4(v: string | number, what: string): number {
  if (typeof v === 'number') return v >>> 0;
  const n = parseIpv4(v, 'lenient');
  if (n === null) throw new MirrorsinkError(ErrorCode.Usage, `${what}: '${v}' is not an IPv4 address`);
  return n;
}

function writeMac(out: Uint8Array, off: number, mac: string | Uint8Array | undefined, ip: number): void {
  if (mac === undefined) {
    out[off] = 0x02;
    out[off + 1] = 0x00;
    out[off + 2] = ip >>> 24;
    out[off + 3] = (ip >>> 16) & 0xff;
    out[off + 4] = (ip >>> 8) & 0xff;
    out[off + 5] = ip & 0xff;
    return;
  }
  out.set(typeof mac === 'string' ? parseMac(mac) : mac.subarray(0, 6), off);
}

/** Bytes of the inner frame that survive a PacketLength (0 or undefined = no limit). */
export function truncatedLength(innerLen: number, packetLength: number | undefined): number {
  return packetLength !== undefined && packetLength > 0 && innerLen > packetLength ? packetLength : innerLen;
}

/**
 * Write outer Ethernet + IPv4 + UDP + VXLAN + the inner frame (cut to opts.packetLength) into
 * `out` at `outOffset`; returns the number of bytes written (50 + kept inner bytes).
 */
export function wrapFrame(out: Uint8Array, inner: Uint8Array, innerOffset: number, innerLen: number, opts: WrapOptions, outOffset = 0): number {
  if (!Number.isInteger(opts.vni) || opts.vni < 0 || opts.vni > 0xffffff) {
    throw new MirrorsinkError(ErrorCode.Usage, `VNI must be 0-16777215, got ${opts.vni}`);
  }
  const keep = truncatedLength(innerLen, opts.packetLength);
  const total = VXLAN_IPV4_OVERHEAD + keep;
  if (out.length - outOffset < total) {
    throw new MirrorsinkError(ErrorCode.Usage, `wrapFrame: output buffer too small (${out.length - outOffset} < ${total})`);
  }
  const src = toIpv4(opts.outerSrc, 'outer source');
  const dst = toIpv4(opts.outerDst, 'outer destination');
  const o = outOffset;
  // Ethernet
  writeMac(out, o, opts.dstMac, dst);
  writeMac(out, o + 6, opts.srcMac, src);
  out[o + 12] = 0x08;
  out[o + 13] = 0x00;
  // IPv4
  const ip = o + OUTER_ETHERNET_LEN;
  const ipLen = total - OUTER_ETHERNET_LEN;
  out[ip] = 0x45;
  out[ip + 1] = 0;
  out[ip + 2] = ipLen >>> 8;
  out[ip + 3] = ipLen & 0xff;
  out[ip + 4] = 0; // ID 0
  out[ip + 5] = 0;
  out[ip + 6] = 0; // flags: DF clear, offset 0
  out[ip + 7] = 0;
  out[ip + 8] = AWS_OUTER_TTL;
  out[ip + 9] = 17;
  out[ip + 10] = 0;
  out[ip + 11] = 0;
  out[ip + 12] = src >>> 24;
  out[ip + 13] = (src >>> 16) & 0xff;
  out[ip + 14] = (src >>> 8) & 0xff;
  out[ip + 15] = src & 0xff;
  out[ip + 16] = dst >>> 24;
  out[ip + 17] = (dst >>> 16) & 0xff;
  out[ip + 18] = (dst >>> 8) & 0xff;
  out[ip + 19] = dst & 0xff;
  const ck = ipv4HeaderChecksum(out, ip, OUTER_IPV4_LEN);
  out[ip + 10] = ck >>> 8;
  out[ip + 11] = ck & 0xff;
  // UDP
  const udp = ip + OUTER_IPV4_LEN;
  const udpLen = ipLen - OUTER_IPV4_LEN;
  const dport = opts.dport ?? VXLAN_PORT;
  out[udp] = (opts.sport >>> 8) & 0xff;
  out[udp + 1] = opts.sport & 0xff;
  out[udp + 2] = dport >>> 8;
  out[udp + 3] = dport & 0xff;
  out[udp + 4] = udpLen >>> 8;
  out[udp + 5] = udpLen & 0xff;
  out[udp + 6] = 0; // checksum 0, as AWS sends it
  out[udp + 7] = 0;
  // VXLAN + inner
  writeVxlanHeader(out, udp + UDP_HEADER_LEN, opts.vni, opts.vxlanFlags ?? VXLAN_FLAG_I);
  out.set(inner.subarray(innerOffset, innerOffset + keep), udp + UDP_HEADER_LEN + VXLAN_HEADER_LEN);
  return total;
}

/**
 * Write just the UDP payload a mirror target's socket receives (VXLAN header + inner frame cut
 * to packetLength) at `outOffset`; returns its length.
 */
export function writeVxlanPayload(out: Uint8Array, outOffset: number, inner: Uint8Array, innerOffset: number, innerLen: number, vni: number, packetLength?: number): number {
  const keep = truncatedLength(innerLen, packetLength);
  writeVxlanHeader(out, outOffset, vni);
  out.set(inner.subarray(innerOffset, innerOffset + keep), outOffset + VXLAN_HEADER_LEN);
  return VXLAN_HEADER_LEN + keep;
}
