/**
 * Small packet builders for the synthesised captures: Ethernet, IPv4 (options, fragments),
 * IPv6 (extension headers, fragments), TCP, UDP, ICMP, ICMPv6 with correct checksums, plus the
 * DNS, TLS and SSH encodings the scenarios put inside. Everything returns fresh Uint8Arrays:
 * this is generator code, not a hot path.
 */
import { parseIpv4, parseIpv6 } from '../../net/ip-address.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const PROTO_HOPOPTS = 0;
export const PROTO_ROUTING = 43;
export const PROTO_FRAGMENT = 44;
export const PROTO_DSTOPTS = 60;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

const enc = new TextEncoder();

/** Text (latin-1 safe ASCII) or bytes to bytes. */
export function bytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? enc.encode(data) : data;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u8(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function u16(v: number): Uint8Array {
  return u8((v >>> 8) & 0xff, v & 0xff);
}

export function u24(v: number): Uint8Array {
  return u8((v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function u32(v: number): Uint8Array {
  return u8((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function isIpv6(addr: string): boolean {
  return addr.includes(':');
}

/** 4 or 16 address bytes. Throws on a malformed literal (generator bug). */
export function addrBytes(addr: string): Uint8Array {
  if (isIpv6(addr)) {
    const w = parseIpv6(addr, 'lenient');
    if (!w) throw new Error(`bad IPv6 address ${addr}`);
    return concat(u32(w[0]!), u32(w[1]!), u32(w[2]!), u32(w[3]!));
  }
  const v = parseIpv4(addr, 'lenient');
  if (v === null) throw new Error(`bad IPv4 address ${addr}`);
  return u32(v);
}

export function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(':').map((x) => parseInt(x, 16)));
}

/** Ones'-complement sum of byte arrays (16-bit words across array boundaries), not folded/negated. */
function sum16(parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1; // pending high byte
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd < 0) odd = p[i]!;
      else {
        sum += (odd << 8) | p[i]!;
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  return sum;
}

/** RFC 1071 Internet checksum over the concatenation of `parts`. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let s = sum16(parts);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, proto: number, len: number): Uint8Array {
  return src.length === 4 ? concat(src, dst, u8(0, proto), u16(len)) : concat(src, dst, u32(len), u8(0, 0, 0, proto));
}

export function ethernet(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  return concat(dst, src, u16(etherType), payload);
}

export interface IpHeader {
  src: string;
  dst: string;
  ttl?: number;
  /** IPv4 identification. */
  id?: number;
  /** IPv4 Don't Fragment. */
  df?: boolean;
  tos?: number;
  /** IPv6 flow label. */
  flowLabel?: number;
}

export interface Ipv4Extras {
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  mf?: boolean;
  /** Write this IHL (in 32-bit words) instead of the real one (malformed input). */
  ihlOverride?: number;
  /** Write this total length instead of the real one. */
  totalLengthOverride?: number;
}

/** One IPv6 extension header: full bytes; byte 0 (next header) is filled in by ipv6(). */
export interface Ipv6ExtHeader {
  type: number;
  data: Uint8Array;
}

export function ipv4(h: IpHeader, proto: number, payload: Uint8Array, x: Ipv4Extras = {}): Uint8Array {
  const hdr = new Uint8Array(20);
  const total = 20 + payload.length;
  hdr[0] = 0x40 | ((x.ihlOverride ?? 5) & 0x0f);
  hdr[1] = h.tos ?? 0;
  hdr.set(u16(x.totalLengthOverride ?? total), 2);
  hdr.set(u16(h.id ?? 0), 4);
  const fo = ((x.fragOffset ?? 0) >>> 3) | (h.df ? 0x4000 : 0) | (x.mf ? 0x2000 : 0);
  hdr.set(u16(fo), 6);
  hdr[8] = h.ttl ?? 64;
  hdr[9] = proto;
  hdr.set(addrBytes(h.src), 12);
  hdr.set(addrBytes(h.dst), 16);
  hdr.set(u16(internetChecksum(hdr)), 10);
  return concat(hdr, payload);
}

export function ipv6(h: IpHeader, proto: number, payload: Uint8Array, ext: Ipv6ExtHeader[] = []): Uint8Array {
  const chain: Uint8Array[] = [];
  for (let i = 0; i < ext.length; i++) {
    const e = ext[i]!.data.slice();
    e[0] = i + 1 < ext.length ? ext[i + 1]!.type : proto;
    chain.push(e);
  }
  const body = concat(...chain, payload);
  const hdr = new Uint8Array(40);
  const tc = h.tos ?? 0;
  const fl = h.flowLabel ?? 0;
  hdr.set(u32(((6 << 28) | (tc << 20) | (fl & 0xfffff)) >>> 0), 0);
  hdr.set(u16(body.length), 4);
  hdr[6] = ext.length > 0 ? ext[0]!.type : proto;
  hdr[7] = h.ttl ?? 64;
  hdr.set(addrBytes(h.src), 8);
  hdr.set(addrBytes(h.dst), 24);
  return concat(hdr, body);
}

/** IPv4 or IPv6 by the address family of h.src. */
export function ipPacket(h: IpHeader, proto: number, payload: Uint8Array): Uint8Array {
  return isIpv6(h.src) ? ipv6(h, proto, payload) : ipv4(h, proto, payload);
}

/** Hop-by-hop options header with the given option bytes, padded (PadN) to a multiple of 8. */
export function hopByHopHeader(options: Uint8Array): Ipv6ExtHeader {
  return { type: PROTO_HOPOPTS, data: optionsHeader(options) };
}

export function destOptsHeader(options: Uint8Array): Ipv6ExtHeader {
  return { type: PROTO_DSTOPTS, data: optionsHeader(options) };
}

function optionsHeader(options: Uint8Array): Uint8Array {
  let len = 2 + options.length;
  const pad = (8 - (len % 8)) % 8;
  const padBytes = pad === 0 ? new Uint8Array(0) : pad === 1 ? u8(0) : concat(u8(1, pad - 2), new Uint8Array(pad - 2));
  len += pad;
  return concat(u8(0, len / 8 - 1), options, padBytes);
}

/** Type-0 routing header (deprecated by RFC 5095) listing `addrs`, all segments left. */
export function routingType0Header(addrs: string[]): Ipv6ExtHeader {
  return { type: PROTO_ROUTING, data: concat(u8(0, addrs.length * 2, 0, addrs.length), u32(0), ...addrs.map(addrBytes)) };
}

export function fragmentHeader(offset: number, more: boolean, id: number): Ipv6ExtHeader {
  return { type: PROTO_FRAGMENT, data: concat(u8(0, 0), u16((offset & 0xfff8) | (more ? 1 : 0)), u32(id)) };
}

export interface TcpFields {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  urgent?: number;
  /** Option bytes (padded with NOPs... by the caller to a multiple of 4). */
  options?: Uint8Array;
  payload?: Uint8Array;
  /** Write this data offset (32-bit words) instead of the real one (malformed input). */
  dataOffsetOverride?: number;
}

/** TCP segment (header + payload) with its checksum for the given addresses. */
export function tcpSegment(src: string, dst: string, t: TcpFields): Uint8Array {
  const opts = t.options ?? new Uint8Array(0);
  if (opts.length % 4 !== 0) throw new Error('TCP options must be a multiple of 4 bytes');
  const payload = t.payload ?? new Uint8Array(0);
  const h = new Uint8Array(20 + opts.length);
  h.set(u16(t.sport), 0);
  h.set(u16(t.dport), 2);
  h.set(u32(t.seq >>> 0), 4);
  h.set(u32((t.ack ?? 0) >>> 0), 8);
  const off = t.dataOffsetOverride ?? h.length / 4;
  h[12] = (off & 0x0f) << 4;
  h[13] = t.flags;
  h.set(u16(t.window ?? 64240), 14);
  h.set(u16(t.urgent ?? 0), 18);
  h.set(opts, 20);
  const seg = concat(h, payload);
  const sa = addrBytes(src);
  seg.set(u16(internetChecksum(pseudoHeader(sa, addrBytes(dst), PROTO_TCP, seg.length), seg)), 16);
  return seg;
}

export function tcpPacket(ip: IpHeader, t: TcpFields): Uint8Array {
  return ipPacket(ip, PROTO_TCP, tcpSegment(ip.src, ip.dst, t));
}

/** UDP datagram (header + payload) with its checksum; `pseudoDst` for routing headers. */
export function udpDatagram(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const d = concat(u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload);
  let ck = internetChecksum(pseudoHeader(addrBytes(src), addrBytes(dst), PROTO_UDP, d.length), d);
  if (ck === 0) ck = 0xffff;
  d.set(u16(ck), 6);
  return d;
}

export function udpPacket(ip: IpHeader, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return ipPacket(ip, PROTO_UDP, udpDatagram(ip.src, ip.dst, sport, dport, payload));
}

/** ICMPv4 message: type, code, 4 bytes of "rest of header", body. */
export function icmpMessage(type: number, code: number, rest: Uint8Array, body: Uint8Array): Uint8Array {
  const m = concat(u8(type, code, 0, 0), rest, body);
  m.set(u16(internetChecksum(m)), 2);
  return m;
}

export function icmpPacket(ip: IpHeader, type: number, code: number, rest: Uint8Array, body: Uint8Array): Uint8Array {
  return ipv4(ip, PROTO_ICMP, icmpMessage(type, code, rest, body));
}

/** ICMPv6 message with the pseudo-header checksum (`dst` = final destination). */
export function icmpv6Message(src: string, dst: string, type: number, code: number, rest: Uint8Array, body: Uint8Array): Uint8Array {
  const m = concat(u8(type, code, 0, 0), rest, body);
  m.set(u16(internetChecksum(pseudoHeader(addrBytes(src), addrBytes(dst), PROTO_ICMPV6, m.length), m)), 2);
  return m;
}

// ---------------------------------------------------------------- TCP options

/** Linux-style SYN options: MSS, SACK permitted, timestamps, NOP, window scale (20 bytes). */
export function synOptions(mss: number, tsVal: number, tsEcr: number, wscale: number): Uint8Array {
  return concat(u8(2, 4), u16(mss), u8(4, 2), u8(8, 10), u32(tsVal), u32(tsEcr), u8(1, 3, 3, wscale));
}

/** Plain MSS option only (4 bytes), as scanners send. */
export function mssOption(mss: number): Uint8Array {
  return concat(u8(2, 4), u16(mss));
}

// ---------------------------------------------------------------- DNS

export const DNS_A = 1;
export const DNS_NS = 2;
export const DNS_CNAME = 5;
export const DNS_TXT = 16;
export const DNS_AAAA = 28;
export const DNS_AXFR = 252;

export function dnsName(name: string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const label of name.split('.')) {
    if (label === '') continue;
    const b = bytes(label);
    parts.push(u8(b.length), b);
  }
  parts.push(u8(0));
  return concat(...parts);
}

export interface DnsAnswer {
  type: number;
  ttl: number;
  /** RDATA bytes (use dnsA / dnsAaaa / dnsTxt). */
  data: Uint8Array;
}

export function dnsA(addr: string): Uint8Array {
  return addrBytes(addr);
}

export const dnsAaaa = dnsA;

export function dnsTxt(...strings: string[]): Uint8Array {
  return concat(...strings.map((s) => concat(u8(bytes(s).length), bytes(s))));
}

/** A standard query (RD set) for one name. */
export function dnsQuery(id: number, name: string, qtype: number): Uint8Array {
  return concat(u16(id), u16(0x0100), u16(1), u16(0), u16(0), u16(0), dnsName(name), u16(qtype), u16(1));
}

/** The response to dnsQuery: answers point back at the question name (0xc00c). */
export function dnsResponse(id: number, name: string, qtype: number, answers: DnsAnswer[], rcode = 0): Uint8Array {
  const flags = 0x8180 | (rcode & 0x0f); // QR, RD, RA
  const ans = answers.map((a) => concat(u16(0xc00c), u16(a.type), u16(1), u32(a.ttl), u16(a.data.length), a.data));
  return concat(u16(id), u16(flags), u16(1), u16(answers.length), u16(0), u16(0), dnsName(name), u16(qtype), u16(1), ...ans);
}

// ---------------------------------------------------------------- TLS 1.3 handshake records

function tlsRecord(type: number, version: number, body: Uint8Array): Uint8Array {
  return concat(u8(type), u16(version), u16(body.length), body);
}

function ext(type: number, body: Uint8Array): Uint8Array {
  return concat(u16(type), u16(body.length), body);
}

/** A TLS 1.3 ClientHello record with SNI (random values from `rand`). */
export function tlsClientHello(serverName: string, rand: (n: number) => Uint8Array): Uint8Array {
  const sni = bytes(serverName);
  const suites = concat(u16(0x1301), u16(0x1302), u16(0x1303), u16(0xc02b), u16(0xc02f), u16(0xc02c), u16(0xc030));
  const exts = concat(
    ext(0x0000, concat(u16(sni.length + 3), u8(0), u16(sni.length), sni)),
    ext(0x000a, concat(u16(4), u16(0x001d), u16(0x0017))),
    ext(0x000d, concat(u16(6), u16(0x0403), u16(0x0804), u16(0x0401))),
    ext(0x0010, concat(u16(12), u8(2), bytes('h2'), u8(8), bytes('http/1.1'))),
    ext(0x002b, concat(u8(4), u16(0x0304), u16(0x0303))),
    ext(0x0033, concat(u16(36), u16(0x001d), u16(32), rand(32))),
  );
  const body = concat(u16(0x0303), rand(32), u8(32), rand(32), u16(suites.length), suites, u8(1, 0), u16(exts.length), exts);
  return tlsRecord(0x16, 0x0301, concat(u8(1), u24(body.length), body));
}

/** ServerHello + ChangeCipherSpec + one encrypted-looking record of `encLen` bytes. */
export function tlsServerHello(rand: (n: number) => Uint8Array, sessionId: Uint8Array, encLen: number): Uint8Array {
  const exts = concat(ext(0x002b, u16(0x0304)), ext(0x0033, concat(u16(0x001d), u16(32), rand(32))));
  const body = concat(u16(0x0303), rand(32), u8(sessionId.length), sessionId, u16(0x1301), u8(0), u16(exts.length), exts);
  return concat(tlsRecord(0x16, 0x0303, concat(u8(2), u24(body.length), body)), tlsRecord(0x14, 0x0303, u8(1)), tlsApplicationData(rand(encLen)));
}

export function tlsApplicationData(ciphertext: Uint8Array): Uint8Array {
  return tlsRecord(0x17, 0x0303, ciphertext);
}

/** Session id of a ClientHello built by tlsClientHello (to echo in the ServerHello). */
export function tlsClientHelloSessionId(hello: Uint8Array): Uint8Array {
  // record(5) + handshake header(4) + version(2) + random(32) = 43, then length byte.
  const n = hello[43]!;
  return hello.slice(44, 44 + n);
}

// ---------------------------------------------------------------- TLS 1.2 handshake

/** One handshake message (type, 24-bit length, body). */
export function tlsHandshake(type: number, body: Uint8Array): Uint8Array {
  return concat(u8(type), u24(body.length), body);
}

/** Handshake messages in one record (TLS 1.2 servers pack ServerHello...ServerHelloDone). */
export function tlsHandshakeRecord(...messages: Uint8Array[]): Uint8Array {
  return tlsRecord(0x16, 0x0303, concat(...messages));
}

/** A TLS 1.2 ClientHello record with SNI, no supported_versions (a client that stops at 1.2). */
export function tlsClientHello12(serverName: string, rand: (n: number) => Uint8Array): Uint8Array {
  const sni = bytes(serverName);
  const suites = concat(u16(0xc02b), u16(0xc02f), u16(0xc02c), u16(0xc030), u16(0xcca9), u16(0xcca8), u16(0xc013), u16(0xc014), u16(0x009c), u16(0x009d), u16(0x002f), u16(0x0035));
  const exts = concat(
    ext(0x0000, concat(u16(sni.length + 3), u8(0), u16(sni.length), sni)),
    ext(0x0017, new Uint8Array(0)),
    ext(0xff01, u8(0)),
    ext(0x000a, concat(u16(6), u16(0x001d), u16(0x0017), u16(0x0018))),
    ext(0x000b, u8(1, 0)),
    ext(0x0023, new Uint8Array(0)),
    ext(0x000d, concat(u16(12), u16(0x0403), u16(0x0804), u16(0x0401), u16(0x0503), u16(0x0807), u16(0x0201))),
  );
  const body = concat(u16(0x0303), rand(32), u8(0), u16(suites.length), suites, u8(1, 0), u16(exts.length), exts);
  return tlsRecord(0x16, 0x0301, tlsHandshake(1, body));
}

/** TLS 1.2 ServerHello message (ECDHE-ECDSA-AES128-GCM-SHA256, a new 32-byte session id). */
export function tlsServerHello12Message(rand: (n: number) => Uint8Array, cipher = 0xc02b): Uint8Array {
  const exts = concat(ext(0xff01, u8(0)), ext(0x000b, u8(1, 0)), ext(0x0017, new Uint8Array(0)));
  return tlsHandshake(2, concat(u16(0x0303), rand(32), u8(32), rand(32), u16(cipher), u8(0), u16(exts.length), exts));
}

/** Certificate message: the chain, leaf first, each DER with its 24-bit length. */
export function tlsCertificateMessage(chain: Uint8Array[]): Uint8Array {
  const list = concat(...chain.map((c) => concat(u24(c.length), c)));
  return tlsHandshake(11, concat(u24(list.length), list));
}

/** ServerKeyExchange for ECDHE over x25519, signed with ed25519 (signature bytes from `rand`). */
export function tlsServerKeyExchangeX25519(rand: (n: number) => Uint8Array): Uint8Array {
  return tlsHandshake(12, concat(u8(3), u16(0x001d), u8(32), rand(32), u16(0x0807), u16(64), rand(64)));
}

export function tlsServerHelloDone(): Uint8Array {
  return tlsHandshake(14, new Uint8Array(0));
}

/** Client's second flight: ClientKeyExchange (x25519), ChangeCipherSpec, encrypted Finished. */
export function tlsClientFinished12(rand: (n: number) => Uint8Array): Uint8Array {
  return concat(tlsHandshakeRecord(tlsHandshake(16, concat(u8(32), rand(32)))), tlsRecord(0x14, 0x0303, u8(1)), tlsRecord(0x16, 0x0303, rand(40)));
}

/** Server's last flight: ChangeCipherSpec, encrypted Finished. */
export function tlsServerFinished12(rand: (n: number) => Uint8Array): Uint8Array {
  return concat(tlsRecord(0x14, 0x0303, u8(1)), tlsRecord(0x16, 0x0303, rand(40)));
}

/** TLS alert record (close_notify = level 1, description 0), encrypted-looking when `rand`. */
export function tlsEncryptedAlert(rand: (n: number) => Uint8Array): Uint8Array {
  return tlsRecord(0x15, 0x0303, rand(26));
}

// ---------------------------------------------------------------- SSH

/** An unencrypted SSH binary packet (RFC 4253 6) with block size 8 and zero padding. */
export function sshPacket(payload: Uint8Array): Uint8Array {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  return concat(u32(1 + payload.length + pad), u8(pad), payload, new Uint8Array(pad));
}

function nameList(s: string): Uint8Array {
  const b = bytes(s);
  return concat(u32(b.length), b);
}

/** SSH_MSG_KEXINIT (20) with typical algorithm lists. */
export function sshKexInit(cookie: Uint8Array, server: boolean): Uint8Array {
  const kex = 'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256' + (server ? ',kex-strict-s-v00@openssh.com' : ',ext-info-c,kex-strict-c-v00@openssh.com');
  const hostKey = 'ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256';
  const cipher = 'chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com';
  const mac = 'umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256';
  const comp = 'none,zlib@openssh.com';
  return sshPacket(
    concat(u8(20), cookie, nameList(kex), nameList(hostKey), nameList(cipher), nameList(cipher), nameList(mac), nameList(mac), nameList(comp), nameList(comp), nameList(''), nameList(''), u8(0), u32(0)),
  );
}
