/**
 * Small byte builders for decoder fixtures: each returns a fresh Uint8Array of one header plus
 * its payload, with lengths filled in unless overridden (to build malformed packets).
 */
import { DecodeCounters } from '../../src/decode/decode-events.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { PacketView } from '../../src/decode/packet-view.js';

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function ip4(text: string): number[] {
  return text.split('.').map(Number);
}

/** Expand an IPv6 text address to 16 bytes (no embedded IPv4 form). */
export function ip6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => u16(parseInt(g, 16)));
}

export interface VlanTag {
  tpid?: number;
  id: number;
  pcp?: number;
}

export interface EthOpts {
  dst?: number[];
  src?: number[];
  type: number;
  vlans?: VlanTag[];
}

export function eth(o: EthOpts, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  // Layout: dst src [tpid tci]* type
  const hdr: number[] = [...(o.dst ?? [2, 0, 0, 0, 0, 2]), ...(o.src ?? [2, 0, 0, 0, 0, 1])];
  for (const v of o.vlans ?? []) hdr.push(...u16(v.tpid ?? 0x8100), ...u16(((v.pcp ?? 0) << 13) | v.id));
  hdr.push(...u16(o.type));
  return concat(Uint8Array.from(hdr), payload);
}

export interface Ipv4Opts {
  src?: string;
  dst?: string;
  proto: number;
  ttl?: number;
  tos?: number;
  id?: number;
  /** Flags bits (0x2 DF, 0x1 MF). */
  flags?: number;
  /** In bytes (multiple of 8). */
  fragOffset?: number;
  /** Options bytes (padded by the caller to a multiple of 4). */
  options?: number[];
  /** Override the IHL nibble / total length / version. */
  ihl?: number;
  totalLen?: number;
  version?: number;
}

export function ipv4(o: Ipv4Opts, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const opts = o.options ?? [];
  const hlen = 20 + opts.length;
  const total = o.totalLen ?? hlen + payload.length;
  const ff = ((o.flags ?? 0) << 13) | ((o.fragOffset ?? 0) >> 3);
  const hdr = [
    ((o.version ?? 4) << 4) | (o.ihl ?? hlen >> 2),
    o.tos ?? 0,
    ...u16(total),
    ...u16(o.id ?? 0x1234),
    ...u16(ff),
    o.ttl ?? 64,
    o.proto,
    0,
    0,
    ...ip4(o.src ?? '10.0.0.1'),
    ...ip4(o.dst ?? '10.0.0.2'),
    ...opts,
  ];
  return concat(Uint8Array.from(hdr), payload);
}

/** An IPv6 extension header: `type` is its own protocol number; next header is filled in. */
export interface Ipv6Ext {
  type: number;
  /** Body after the next-header byte (and length byte for all but the fragment header). */
  body: number[];
}

export function hopByHop(optBytes: number[] = [1, 4, 0, 0, 0, 0]): Ipv6Ext {
  return { type: 0, body: optBytes };
}
export function routing(segments = 1): Ipv6Ext {
  // type 0, segments left, reserved, then addresses
  return { type: 43, body: [0, segments, 0, 0, 0, 0, ...Array(16 * segments).fill(0)] };
}
export function destOpts(optBytes: number[] = [1, 4, 0, 0, 0, 0]): Ipv6Ext {
  return { type: 60, body: optBytes };
}
export function fragmentHdr(offsetBytes: number, more: boolean, id = 0xabcdef01): Ipv6Ext {
  return { type: 44, body: [0, ...u16(offsetBytes | (more ? 1 : 0)), ...u32(id)] };
}
export function ah(payloadWords = 4): Ipv6Ext {
  // AH length field = (total / 4) - 2; body after next-header byte = total - 1
  const total = payloadWords * 4;
  return { type: 51, body: [(total >> 2) - 2, ...Array(total - 2).fill(0)] };
}

export interface Ipv6Opts {
  src?: string;
  dst?: string;
  nh: number;
  hopLimit?: number;
  ext?: Ipv6Ext[];
  plen?: number;
  version?: number;
}

export function ipv6(o: Ipv6Opts, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const ext = o.ext ?? [];
  const extBytes: number[] = [];
  for (let i = 0; i < ext.length; i++) {
    const next = i + 1 < ext.length ? ext[i + 1]!.type : o.nh;
    const e = ext[i]!;
    if (e.type === 0 || e.type === 43 || e.type === 60) {
      // hdr ext len in 8-byte units, not counting the first 8
      const body = [...e.body];
      while ((body.length + 2) % 8 !== 0) body.push(0);
      extBytes.push(next, (body.length + 2) / 8 - 1, ...body);
    } else {
      extBytes.push(next, ...e.body);
    }
  }
  const first = ext.length > 0 ? ext[0]!.type : o.nh;
  const plen = o.plen ?? extBytes.length + payload.length;
  const hdr = [
    ((o.version ?? 6) << 4) | 0,
    0,
    0,
    0,
    ...u16(plen),
    first,
    o.hopLimit ?? 64,
    ...ip6(o.src ?? '2001:db8::1'),
    ...ip6(o.dst ?? '2001:db8::2'),
    ...extBytes,
  ];
  return concat(Uint8Array.from(hdr), payload);
}

export interface TcpOpts {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  options?: number[];
  /** Override the data-offset nibble. */
  dataOffset?: number;
}

export function tcp(o: TcpOpts = {}, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const opts = o.options ?? [];
  const hlen = 20 + opts.length;
  const hdr = [
    ...u16(o.sport ?? 40000),
    ...u16(o.dport ?? 80),
    ...u32(o.seq ?? 1000),
    ...u32(o.ack ?? 0),
    (o.dataOffset ?? hlen >> 2) << 4,
    o.flags ?? 0x02,
    ...u16(o.window ?? 65535),
    0,
    0,
    0,
    0,
    ...opts,
  ];
  return concat(Uint8Array.from(hdr), payload);
}

export interface UdpOpts {
  sport?: number;
  dport?: number;
  /** Override the length field. */
  len?: number;
}

export function udp(o: UdpOpts = {}, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const hdr = [...u16(o.sport ?? 50000), ...u16(o.dport ?? 53), ...u16(o.len ?? 8 + payload.length), 0, 0];
  return concat(Uint8Array.from(hdr), payload);
}

export interface IcmpOpts {
  type: number;
  code?: number;
  id?: number;
  seq?: number;
}

export function icmp(o: IcmpOpts, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(Uint8Array.from([o.type, o.code ?? 0, 0, 0, ...u16(o.id ?? 0x4242), ...u16(o.seq ?? 7)]), payload);
}

export interface VxlanOpts {
  vni: number;
  flags?: number;
  /** The three reserved bytes after the flags and the last one. */
  reserved?: [number, number, number, number];
}

export function vxlan(o: VxlanOpts, inner: Uint8Array): Uint8Array {
  const r = o.reserved ?? [0, 0, 0, 0];
  const hdr = [o.flags ?? 0x08, r[0], r[1], r[2], (o.vni >>> 16) & 0xff, (o.vni >>> 8) & 0xff, o.vni & 0xff, r[3]];
  return concat(Uint8Array.from(hdr), inner);
}

export interface GeneveOpts {
  vni: number;
  proto: number;
  /** Option bytes (multiple of 4). */
  options?: number[];
  /** Override the option-length field (4-byte words). */
  optLenWords?: number;
  version?: number;
}

export function geneve(o: GeneveOpts, inner: Uint8Array): Uint8Array {
  const opts = o.options ?? [];
  const hdr = [
    ((o.version ?? 0) << 6) | (o.optLenWords ?? opts.length >> 2),
    0,
    ...u16(o.proto),
    (o.vni >>> 16) & 0xff,
    (o.vni >>> 8) & 0xff,
    o.vni & 0xff,
    0,
    ...opts,
  ];
  return concat(Uint8Array.from(hdr), inner);
}

/** Linux cooked capture v1 (16 bytes, protocol last). */
export function sll(protocol: number, payload: Uint8Array, arphrd = 1): Uint8Array {
  return concat(Uint8Array.from([0, 0, ...u16(arphrd), 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...u16(protocol)]), payload);
}

/** Linux cooked capture v2 (20 bytes, protocol first). */
export function sll2(protocol: number, payload: Uint8Array, arphrd = 1): Uint8Array {
  return concat(Uint8Array.from([...u16(protocol), 0, 0, ...u32(2), ...u16(arphrd), 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]), payload);
}

/** BSD NULL/LOOP header: the address family in the given byte order. */
export function nullHdr(family: number, littleEndian: boolean, payload: Uint8Array): Uint8Array {
  const be = u32(family);
  return concat(Uint8Array.from(littleEndian ? be.reverse() : be), payload);
}

/** An AWS-style mirror packet: Ethernet / IPv4 10.0.1.10 → 10.0.2.20 / UDP 65500 → 4789 / VXLAN / inner. */
export function awsVxlan(inner: Uint8Array, vni = 7, outer: { src?: string; dst?: string; sport?: number; dport?: number } = {}): Uint8Array {
  return eth(
    { type: 0x0800 },
    ipv4(
      { proto: 17, src: outer.src ?? '10.0.1.10', dst: outer.dst ?? '10.0.2.20', ttl: 255, id: 0 },
      udp({ sport: outer.sport ?? 65500, dport: outer.dport ?? 4789 }, vxlan({ vni }, inner)),
    ),
  );
}

/** An inner Ethernet/IPv4/TCP SYN frame. */
export function innerTcpFrame(payload: Uint8Array = new Uint8Array(0), o: TcpOpts = {}): Uint8Array {
  return eth({ type: 0x0800 }, ipv4({ proto: 6, src: '192.168.1.1', dst: '192.168.1.2' }, tcp({ sport: 12345, dport: 443, flags: 0x02, ...o }, payload)));
}

/** Decode `frame` with a fresh view and counters. */
export function decode(frame: Uint8Array, linktype = 1): { p: PacketView; c: DecodeCounters } {
  const p = new PacketView();
  const c = new DecodeCounters();
  p.setFrame(frame, 0, frame.length, frame.length, linktype);
  decodeFrame(p, c);
  return { p, c };
}
