/**
 * Packet-header keywords, compiled to integer comparisons: ttl, tos, id, dsize, window, seq,
 * ack, itype, icode, icmp_id, icmp_seq, ip_proto, fragoffset (one HeaderCheck each), flags,
 * fragbits, ipopts, sameip.
 *
 * Numeric syntax follows Suricata's unsigned-integer keywords: `N` (or `=N`), `!N`, `<N`,
 * `<=N`, `>N`, `>=N`, `A<>B` and `A-B` (exclusive range, A < x < B) and `!A-B`.
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, type PacketView } from '../../decode/packet-view.js';
import { invalidValue } from '../rule-error.js';

export const Field = {
  Ttl: 0,
  Tos: 1,
  IpId: 2,
  Dsize: 3,
  Window: 4,
  Seq: 5,
  Ack: 6,
  Itype: 7,
  Icode: 8,
  IcmpId: 9,
  IcmpSeq: 10,
  IpProto: 11,
  FragOffset: 12,
  /** tcp.mss: the MSS option's value (no option: no match). */
  TcpMss: 13,
  /** vlan.id: HeaderCheck.arg is the layer (VLAN_ANY, VLAN_ALL, or an index; < 0 from the end). */
  VlanId: 14,
} as const;

export const VLAN_ANY = 1000;
export const VLAN_ALL = 1001;

export const Cmp = {
  Eq: 0,
  Lt: 1,
  Lte: 2,
  Gt: 3,
  Gte: 4,
  /** a < x < b */
  Range: 5,
  Ne: 6,
  /** x <= a || x >= b */
  NotRange: 7,
} as const;

export class HeaderCheck {
  constructor(
    readonly field: number,
    readonly cmp: number,
    readonly a: number,
    readonly b: number,
    /** Field-specific argument (vlan.id layer). */
    readonly arg: number = 0,
  ) {}
}

/** Parse a Suricata unsigned-integer expression bounded by `max`. */
export function parseUintExpr(keyword: string, raw: string, max: number): { cmp: number; a: number; b: number } {
  const t = raw.trim();
  const num = (s: string): number => {
    const x = s.trim();
    let v: number;
    if (/^0x[0-9a-f]+$/i.test(x)) v = parseInt(x, 16);
    else if (/^\d+$/.test(x)) v = Number(x);
    else throw invalidValue(keyword, `'${raw}' is not a number`);
    if (v > max) throw invalidValue(keyword, `${v} is above ${max}`);
    return v;
  };
  let m: RegExpExecArray | null;
  if ((m = /^(!)?\s*(\w+)\s*(?:<>|-)\s*(\w+)$/.exec(t))) {
    const a = num(m[2]!);
    const b = num(m[3]!);
    if (a >= b) throw invalidValue(keyword, `range '${raw}' is empty`);
    return { cmp: m[1] ? Cmp.NotRange : Cmp.Range, a, b };
  }
  if ((m = /^(<=|>=|<|>|!=|!|=)?\s*(\w+)$/.exec(t))) {
    const a = num(m[2]!);
    switch (m[1]) {
      case '<':
        if (a === 0) throw invalidValue(keyword, `'${raw}' can never match`);
        return { cmp: Cmp.Lt, a, b: 0 };
      case '<=':
        return { cmp: Cmp.Lte, a, b: 0 };
      case '>':
        if (a === max) throw invalidValue(keyword, `'${raw}' can never match`);
        return { cmp: Cmp.Gt, a, b: 0 };
      case '>=':
        return { cmp: Cmp.Gte, a, b: 0 };
      case '!':
      case '!=':
        return { cmp: Cmp.Ne, a, b: 0 };
      default:
        return { cmp: Cmp.Eq, a, b: 0 };
    }
  }
  throw invalidValue(keyword, `cannot parse '${raw}'`);
}

export function uintCheck(field: number, keyword: string, raw: string, max: number): HeaderCheck {
  const { cmp, a, b } = parseUintExpr(keyword, raw, max);
  return new HeaderCheck(field, cmp, a, b);
}

/** Equality-only keywords (seq, ack, icmp_id, icmp_seq, id). */
export function eqCheck(field: number, keyword: string, raw: string, max: number): HeaderCheck {
  const t = raw.trim();
  if (!/^\d+$/.test(t) || Number(t) > max) throw invalidValue(keyword, `'${raw}' is not a number from 0 to ${max}`);
  return new HeaderCheck(field, Cmp.Eq, Number(t), 0);
}

/** tos:[!]N (decimal, or hex with a leading x as in Snort). */
export function tosCheck(raw: string): HeaderCheck {
  const t = raw.trim();
  const m = /^(!)?\s*(x[0-9a-f]+|0x[0-9a-f]+|\d+)$/i.exec(t);
  if (!m) throw invalidValue('tos', `cannot parse '${raw}'`);
  const s = m[2]!;
  const v = /^0?x/i.test(s) ? parseInt(s.replace(/^0?x/i, ''), 16) : Number(s);
  if (v > 255) throw invalidValue('tos', `${v} is above 255`);
  return new HeaderCheck(Field.Tos, m[1] ? Cmp.Ne : Cmp.Eq, v, 0);
}

/** window:[!]N */
export function windowCheck(raw: string): HeaderCheck {
  const m = /^(!)?\s*(\d+)$/.exec(raw.trim());
  if (!m || Number(m[2]) > 65535) throw invalidValue('window', `cannot parse '${raw}'`);
  return new HeaderCheck(Field.Window, m[1] ? Cmp.Ne : Cmp.Eq, Number(m[2]), 0);
}

const PROTO_NAMES: Record<string, number> = {
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  ipv4: 4,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  'ipv6-route': 43,
  'ipv6-frag': 44,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  ospf: 89,
  pim: 103,
  vrrp: 112,
  sctp: 132,
};

/** ip_proto:[!<>]N or a protocol name. */
export function ipProtoCheck(raw: string): HeaderCheck {
  const m = /^(!|<|>)?\s*([\w-]+)$/.exec(raw.trim());
  if (!m) throw invalidValue('ip_proto', `cannot parse '${raw}'`);
  const name = m[2]!.toLowerCase();
  let v: number;
  if (/^\d+$/.test(name)) v = Number(name);
  else if (name in PROTO_NAMES) v = PROTO_NAMES[name]!;
  else throw invalidValue('ip_proto', `unknown protocol '${m[2]}'`);
  if (v > 255) throw invalidValue('ip_proto', `${v} is above 255`);
  const cmp = m[1] === '!' ? Cmp.Ne : m[1] === '<' ? Cmp.Lt : m[1] === '>' ? Cmp.Gt : Cmp.Eq;
  return new HeaderCheck(Field.IpProto, cmp, v, 0);
}

/** fragoffset:[!<>]N — the IP header's fragment offset field (8-byte units). */
export function fragoffsetCheck(raw: string): HeaderCheck {
  const m = /^(!|<|>)?\s*(\d+)$/.exec(raw.trim());
  if (!m || Number(m[2]) > 8191) throw invalidValue('fragoffset', `cannot parse '${raw}'`);
  const cmp = m[1] === '!' ? Cmp.Ne : m[1] === '<' ? Cmp.Lt : m[1] === '>' ? Cmp.Gt : Cmp.Eq;
  return new HeaderCheck(Field.FragOffset, cmp, Number(m[2]), 0);
}

/** tcp.mss:<uint16 expr> (src/detect-tcpmss.c). */
export function tcpMssCheck(raw: string): HeaderCheck {
  return uintCheck(Field.TcpMss, 'tcp.mss', raw, 65535);
}

/** vlan.id:<uint16 expr>[,layer] with layer an index (negative: from the innermost), `all` or `any` (default). */
export function vlanIdCheck(raw: string): HeaderCheck {
  const comma = raw.indexOf(',');
  const expr = comma < 0 ? raw : raw.slice(0, comma);
  const layerText = comma < 0 ? 'any' : raw.slice(comma + 1).trim().toLowerCase();
  let layer: number;
  if (layerText === 'any') layer = VLAN_ANY;
  else if (layerText === 'all') layer = VLAN_ALL;
  else if (/^-?\d+$/.test(layerText) && Math.abs(Number(layerText)) <= 3) layer = Number(layerText);
  else throw invalidValue('vlan.id', `layer '${layerText}' is not an index (-3..3), 'all' or 'any'`);
  const { cmp, a, b } = parseUintExpr('vlan.id', expr, 4095);
  return new HeaderCheck(Field.VlanId, cmp, a, b, layer);
}

/** The MSS option of a TCP SYN/any segment; -1 when absent or the options are cut. */
function tcpMss(p: PacketView): number {
  if (p.ipProto !== IPPROTO_TCP || p.tcpHeaderLen <= 20) return -1;
  const buf = p.buf;
  let i = p.l4Offset + 20;
  const end = Math.min(p.l4Offset + p.tcpHeaderLen, buf.length);
  while (i < end) {
    const kind = buf[i]!;
    if (kind === 0) return -1;
    if (kind === 1) {
      i++;
      continue;
    }
    if (i + 1 >= end) return -1;
    const len = buf[i + 1]!;
    if (len < 2 || i + len > end) return -1;
    if (kind === 2) return len === 4 ? (buf[i + 2]! << 8) | buf[i + 3]! : -1;
    i += len;
  }
  return -1;
}

function matchVlan(c: HeaderCheck, p: PacketView): boolean {
  const n = p.vlanCount;
  if (n === 0) return false;
  if (c.arg === VLAN_ANY || c.arg === VLAN_ALL) {
    const all = c.arg === VLAN_ALL;
    for (let i = 0; i < n; i++) {
      const m = cmpMatch(c, p.vlanIds[i]!);
      if (m !== all) return m;
    }
    return all;
  }
  const idx = c.arg < 0 ? n + c.arg : c.arg;
  if (idx < 0 || idx >= n) return false;
  return cmpMatch(c, p.vlanIds[idx]!);
}

/** Value of a field for this packet; -1 when the packet has no such field. */
function fieldValue(p: PacketView, field: number): number {
  switch (field) {
    case Field.Ttl:
      return p.ipVersion !== 0 ? p.ttl : -1;
    case Field.Tos:
      return p.ipVersion !== 0 ? p.tos : -1;
    case Field.IpId:
      return p.ipVersion === 4 ? p.ipId : -1;
    case Field.Dsize:
      return p.payloadLen;
    case Field.Window:
      return p.ipProto === IPPROTO_TCP && p.sport >= 0 ? p.tcpWindow : -1;
    case Field.Seq:
      return p.ipProto === IPPROTO_TCP && p.sport >= 0 ? p.tcpSeq >>> 0 : -1;
    case Field.Ack:
      return p.ipProto === IPPROTO_TCP && p.sport >= 0 ? p.tcpAck >>> 0 : -1;
    case Field.Itype:
      return p.icmpType;
    case Field.Icode:
      return p.icmpCode;
    case Field.IcmpId:
      return p.icmpId;
    case Field.IcmpSeq:
      return p.icmpSeq;
    case Field.IpProto:
      return p.ipProto;
    case Field.FragOffset:
      return p.ipVersion !== 0 ? p.fragOffset >>> 3 : -1;
    case Field.TcpMss:
      return tcpMss(p);
    default:
      return -1;
  }
}

export function matchHeaderCheck(c: HeaderCheck, p: PacketView): boolean {
  if (c.field === Field.VlanId) return matchVlan(c, p);
  const v = fieldValue(p, c.field);
  if (v < 0) return false;
  return cmpMatch(c, v);
}

function cmpMatch(c: HeaderCheck, v: number): boolean {
  switch (c.cmp) {
    case Cmp.Eq:
      return v === c.a;
    case Cmp.Lt:
      return v < c.a;
    case Cmp.Lte:
      return v <= c.a;
    case Cmp.Gt:
      return v > c.a;
    case Cmp.Gte:
      return v >= c.a;
    case Cmp.Range:
      return v > c.a && v < c.b;
    case Cmp.Ne:
      return v !== c.a;
    case Cmp.NotRange:
      return v <= c.a || v >= c.b;
    default:
      return false;
  }
}

/** ICMP keywords need an ICMP packet: the field getters return -1 otherwise. */
export function isIcmp(p: PacketView): boolean {
  return p.ipProto === IPPROTO_ICMP || p.ipProto === IPPROTO_ICMPV6;
}

// ---------------------------------------------------------------------------- flags

export const Modifier = {
  None: 0,
  Plus: 1,
  Any: 2,
  Not: 3,
} as const;

export class TcpFlagsCheck {
  constructor(
    readonly modifier: number,
    /** Flags named in the rule. */
    readonly flags: number,
    /** Bits that take part in the comparison (mask chars removed). */
    readonly keep: number,
  ) {}
}

const FLAG_BITS: Record<string, number> = {
  F: 0x01,
  S: 0x02,
  R: 0x04,
  P: 0x08,
  A: 0x10,
  U: 0x20,
  E: 0x40,
  C: 0x80,
  // Snort/Suricata legacy names for the reserved bits now used by ECN.
  '2': 0x40,
  '1': 0x80,
};

/** flags:[!+*]<FSRPAUCE0>[,<mask>] (the modifier may also follow the flags). */
export function parseTcpFlags(raw: string): TcpFlagsCheck {
  const [flagPart, maskPart, extra] = raw.split(',');
  if (extra !== undefined) throw invalidValue('flags', `too many arguments in '${raw}'`);
  let s = flagPart!.replace(/\s+/g, '');
  let modifier: number = Modifier.None;
  const modOf = (c: string) => (c === '+' ? Modifier.Plus : c === '*' ? Modifier.Any : Modifier.Not);
  if (s.length > 0 && '+*!'.includes(s[0]!)) {
    modifier = modOf(s[0]!);
    s = s.slice(1);
  } else if (s.length > 0 && '+*!'.includes(s[s.length - 1]!)) {
    modifier = modOf(s[s.length - 1]!);
    s = s.slice(0, -1);
  }
  if (s === '') throw invalidValue('flags', `no flags in '${raw}'`);
  let flags = 0;
  if (s === '0') flags = 0;
  else {
    for (const ch of s.toUpperCase()) {
      const b = FLAG_BITS[ch];
      if (b === undefined) throw invalidValue('flags', `unknown flag '${ch}'`);
      flags |= b;
    }
  }
  let keep = 0xff;
  if (maskPart !== undefined) {
    for (const ch of maskPart.trim().toUpperCase()) {
      const b = FLAG_BITS[ch];
      if (b === undefined) throw invalidValue('flags', `unknown mask flag '${ch}'`);
      keep &= ~b;
    }
  }
  return new TcpFlagsCheck(modifier, flags, keep);
}

export function matchTcpFlags(c: TcpFlagsCheck, p: PacketView): boolean {
  if (p.ipProto !== IPPROTO_TCP || p.sport < 0) return false;
  const pflags = p.tcpFlags;
  // flags:0 means "no flag set at all" (mask not applied), as Suricata.
  if (c.flags === 0 && pflags !== 0) return c.modifier === Modifier.Not;
  const f = pflags & c.keep;
  switch (c.modifier) {
    case Modifier.Any:
      return (f & c.flags) !== 0;
    case Modifier.Plus:
      return (f & c.flags) === c.flags;
    case Modifier.Not:
      return (f & c.flags) !== c.flags;
    default:
      return f === c.flags;
  }
}

// ---------------------------------------------------------------------------- fragbits

export class FragbitsCheck {
  constructor(
    readonly modifier: number,
    readonly bits: number,
  ) {}
}

/** PacketView.ipFlags layout: 0x4 reserved, 0x2 DF, 0x1 MF. */
const FRAG_BITS: Record<string, number> = { M: 0x1, D: 0x2, R: 0x4 };

export function parseFragbits(raw: string): FragbitsCheck {
  let s = raw.replace(/\s+/g, '');
  let modifier: number = Modifier.None;
  const mod = (c: string) => (c === '+' ? Modifier.Plus : c === '*' ? Modifier.Any : Modifier.Not);
  if (s.length > 0 && '+*!'.includes(s[0]!)) {
    modifier = mod(s[0]!);
    s = s.slice(1);
  } else if (s.length > 0 && '+*!'.includes(s[s.length - 1]!)) {
    modifier = mod(s[s.length - 1]!);
    s = s.slice(0, -1);
  }
  if (s === '') throw invalidValue('fragbits', `no bits in '${raw}'`);
  let bits = 0;
  for (const ch of s.toUpperCase()) {
    const b = FRAG_BITS[ch];
    if (b === undefined) throw invalidValue('fragbits', `unknown bit '${ch}'`);
    bits |= b;
  }
  return new FragbitsCheck(modifier, bits);
}

export function matchFragbits(c: FragbitsCheck, p: PacketView): boolean {
  if (p.ipVersion !== 4) return false;
  const pb = p.ipFlags & 0x7;
  switch (c.modifier) {
    case Modifier.Any:
      return (pb & c.bits) !== 0;
    case Modifier.Plus:
      return (pb & c.bits) === c.bits && pb - c.bits > 0;
    case Modifier.Not:
      return (pb & c.bits) !== c.bits;
    default:
      return pb === c.bits;
  }
}

// ---------------------------------------------------------------------------- ipopts

export class IpoptsCheck {
  /** IPv4 option type to look for; -1 = any option. */
  constructor(readonly type: number) {}
}

const IPOPT_TYPES: Record<string, number> = {
  eol: 0,
  nop: 1,
  rr: 7,
  ts: 68,
  sec: 130,
  esec: 133,
  lsrr: 131,
  ssrr: 137,
  satid: 136,
  any: -1,
};

export function parseIpopts(raw: string): IpoptsCheck {
  const t = raw.trim().toLowerCase();
  const v = IPOPT_TYPES[t];
  if (v === undefined) throw invalidValue('ipopts', `unknown option '${raw}'`);
  return new IpoptsCheck(v);
}

/** Walk the IPv4 options in place (no allocation). */
export function matchIpopts(c: IpoptsCheck, p: PacketView): boolean {
  if (p.ipVersion !== 4 || p.ipOptionsLen <= 0) return false;
  if (c.type === -1) return true;
  const b = p.buf;
  let i = p.l3Offset + 20;
  const end = Math.min(p.l3Offset + p.ipHeaderLen, b.length);
  while (i < end) {
    const t = b[i]!;
    if (t === c.type) return true;
    if (t === 0) break;
    if (t === 1) {
      i++;
      continue;
    }
    if (i + 1 >= end) break;
    const len = b[i + 1]!;
    if (len < 2) break;
    i += len;
  }
  return false;
}

/** sameip: source and destination addresses are equal. */
export function matchSameip(p: PacketView): boolean {
  if (p.ipVersion === 4) return p.src4 === p.dst4;
  if (p.ipVersion === 6) {
    const s = p.src6;
    const d = p.dst6;
    return s[0] === d[0] && s[1] === d[1] && s[2] === d[2] && s[3] === d[3];
  }
  return false;
}
