/**
 * One DNS message (RFC 1035 §4) parsed from a byte range, tolerant like Suricata's
 * rust/src/dns/parser.rs: a name loop, an over-long name or too many labels does not fail the
 * message but flags it (events infinite_loop, name_too_long, too_many_labels); a record that runs
 * past the end fails the message (malformed_data), except in the authority and additional
 * sections, which only raise invalid_authorities / invalid_additionals and keep what was parsed.
 *
 * Allocation is per message (the result objects and strings), never per byte: names are
 * assembled in one module-level scratch buffer and decoded latin1, so every byte of a name maps
 * to one char (rule buffers can turn them back into the same bytes).
 */
import { DNS_TYPE } from './dns-types.js';

export const DNS_HEADER_LEN = 12;
/** Longest name kept; longer names are truncated and flagged (Suricata: 1025). */
export const DNS_MAX_NAME_LEN = 1025;
/** Labels (and pointer hops) walked before a name is declared a loop (Suricata: 255). */
export const DNS_MAX_LABELS = 255;
/** Records kept per section; more are counted in `dropped` (bounded memory on hostile input). */
export const DNS_MAX_RECORDS = 512;

export const NAME_TRUNCATED = 1;
export const NAME_INFINITE_LOOP = 2;
export const NAME_LABEL_LIMIT = 4;

export interface DnsHeader {
  id: number;
  flags: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface DnsQuery {
  rrname: string;
  rrtype: number;
  rrclass: number;
  /** The name was cut at DNS_MAX_NAME_LEN (EVE rrname_truncated). */
  rrnameTruncated?: true;
}

export interface DnsSoa {
  mname: string;
  rname: string;
  mnameTruncated?: true;
  rnameTruncated?: true;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface DnsSrv {
  priority: number;
  weight: number;
  port: number;
  name: string;
}

export interface DnsSshfp {
  algo: number;
  type: number;
  fingerprint: string;
}

/** One EDNS option of an OPT record (EVE `opt: [{code, data}]`, data in hex). */
export interface DnsOptOption {
  code: number;
  data: string;
}

/**
 * Decoded rdata, as Suricata's DNSRData: a string for A/AAAA (text; '' for a wrong length), for
 * CNAME/NS/PTR/MX targets and for NULL (raw bytes, latin1); string[] for TXT (one entry per
 * character-string); objects for SOA, SRV, SSHFP; DnsOptOption[] for OPT; null for every other
 * type (Suricata keeps them as Unknown and logs no rdata).
 */
export type DnsRData = string | string[] | DnsSoa | DnsSrv | DnsSshfp | DnsOptOption[] | null;

export interface DnsRecord {
  rrname: string;
  rrtype: number;
  rrclass: number;
  ttl: number;
  rdata: DnsRData;
  rrnameTruncated?: true;
  /** A CNAME/NS/PTR/MX target cut at DNS_MAX_NAME_LEN (EVE rdata_truncated). */
  rdataTruncated?: true;
}

export interface DnsMessage {
  header: DnsHeader;
  queries: DnsQuery[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
  /** NAME_* bits seen in any name of the message. */
  nameFlags: number;
  invalidAuthorities: boolean;
  invalidAdditionals: boolean;
  /** Records beyond DNS_MAX_RECORDS per section, parsed over but not kept. */
  dropped: number;
}

const scratch = Buffer.alloc(DNS_MAX_NAME_LEN + 64);

// Parse cursor shared by the helpers below (one message at a time, single-threaded).
let pos = 0;
let nameFlags = 0;
/** Whether the name read last was truncated. */
let lastTruncated = false;

/**
 * Reads a possibly compressed name at `pos` of the message [ms, me); leaves `pos` after the name
 * (after the first pointer when compressed). Returns null when the name runs past the message.
 */
function readName(buf: Uint8Array, ms: number, me: number): string | null {
  const flagsBefore = nameFlags & NAME_TRUNCATED;
  nameFlags &= ~NAME_TRUNCATED;
  lastTruncated = false;
  const r = readNameInner(buf, ms, me);
  lastTruncated = (nameFlags & NAME_TRUNCATED) !== 0;
  nameFlags |= flagsBefore;
  return r;
}

function readNameInner(buf: Uint8Array, ms: number, me: number): string | null {
  let p = pos;
  let after = -1;
  let n = 0;
  let steps = 0;
  for (;;) {
    if (p >= me) return null;
    const len = buf[p]!;
    if (len === 0) {
      p++;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0) {
      if (p + 1 + len > me) return null;
      if (n < DNS_MAX_NAME_LEN) {
        if (n > 0) scratch[n++] = 0x2e;
        let take = len;
        if (n + take > DNS_MAX_NAME_LEN) {
          take = DNS_MAX_NAME_LEN - n;
          nameFlags |= NAME_TRUNCATED;
        }
        for (let i = 0; i < take; i++) scratch[n + i] = buf[p + 1 + i]!;
        n += take;
      } else if (steps <= DNS_MAX_LABELS) {
        nameFlags |= NAME_TRUNCATED;
      }
      p += 1 + len;
    } else if (kind === 0xc0) {
      if (p + 2 > me) return null;
      const target = ((len & 0x3f) << 8) | buf[p + 1]!;
      if (ms + target >= me) return null;
      if (after < 0) after = p + 2;
      p = ms + target;
    } else {
      // 0x40 / 0x80: extended label types (RFC 6891 obsoleted them); Suricata rejects them too.
      return null;
    }
    if (++steps > DNS_MAX_LABELS) {
      if (after >= 0) {
        // Pointers followed this often: a cycle. Keep what was read, flag it, move on.
        nameFlags |= NAME_INFINITE_LOOP;
        break;
      }
      // Only plain labels: too many of them. Stop keeping, but find the name's end.
      nameFlags |= NAME_LABEL_LIMIT;
      n = DNS_MAX_NAME_LEN + 1;
    }
  }
  pos = after >= 0 ? after : p;
  return scratch.toString('latin1', 0, n > DNS_MAX_NAME_LEN ? DNS_MAX_NAME_LEN : n);
}

function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

/** Suricata prints AAAA uncompressed: 8 groups of 4 lower-case hex digits. */
function ipv6Text(buf: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 16; i += 2) {
    if (i > 0) s += ':';
    s += hex2(buf[o + i]!) + hex2(buf[o + i + 1]!);
  }
  return s;
}

function u16(buf: Uint8Array, o: number): number {
  return (buf[o]! << 8) | buf[o + 1]!;
}

function u32(buf: Uint8Array, o: number): number {
  return ((buf[o]! << 24) >>> 0) + ((buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!);
}

function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1');
}

/** Decodes rdata at [s, e); falls back to the raw bytes when the typed layout does not fit. */
function readRData(buf: Uint8Array, ms: number, me: number, type: number, s: number, e: number): DnsRData {
  const len = e - s;
  switch (type) {
    case DNS_TYPE.A:
      return len === 4 ? `${buf[s]}.${buf[s + 1]}.${buf[s + 2]}.${buf[s + 3]}` : '';
    case DNS_TYPE.AAAA:
      return len === 16 ? ipv6Text(buf, s) : '';
    case DNS_TYPE.CNAME:
    case DNS_TYPE.NS:
    case DNS_TYPE.PTR: {
      pos = s;
      const n = readName(buf, ms, me);
      if (n !== null) return n;
      break;
    }
    case DNS_TYPE.MX: {
      // Suricata logs only the exchange name.
      if (len < 3) break;
      pos = s + 2;
      const n = readName(buf, ms, me);
      if (n !== null) return n;
      break;
    }
    case DNS_TYPE.TXT: {
      const out: string[] = [];
      let p = s;
      while (p < e) {
        const l = buf[p]!;
        if (p + 1 + l > e) break;
        out.push(latin1(buf, p + 1, p + 1 + l));
        p += 1 + l;
      }
      return out;
    }
    case DNS_TYPE.NULL:
      return latin1(buf, s, e);
    case DNS_TYPE.SOA: {
      pos = s;
      const mname = readName(buf, ms, me);
      if (mname === null) break;
      const mt = lastTruncated;
      const rname = readName(buf, ms, me);
      if (rname === null || pos + 20 > e) break;
      const p = pos;
      const soa: DnsSoa = {
        mname, rname, serial: u32(buf, p), refresh: u32(buf, p + 4), retry: u32(buf, p + 8),
        expire: u32(buf, p + 12), minimum: u32(buf, p + 16),
      };
      if (mt) soa.mnameTruncated = true;
      if (lastTruncated) soa.rnameTruncated = true;
      return soa;
    }
    case DNS_TYPE.SRV: {
      if (len < 7) break;
      pos = s + 6;
      const name = readName(buf, ms, me);
      if (name === null) break;
      return { priority: u16(buf, s), weight: u16(buf, s + 2), port: u16(buf, s + 4), name };
    }
    case DNS_TYPE.SSHFP: {
      if (len < 2) break;
      let fp = '';
      for (let i = s + 2; i < e; i++) fp += (i > s + 2 ? ':' : '') + hex2(buf[i]!);
      return { algo: buf[s]!, type: buf[s + 1]!, fingerprint: fp };
    }
    case DNS_TYPE.OPT: {
      const opts: DnsOptOption[] = [];
      for (let p = s; p + 4 <= e; ) {
        const l = u16(buf, p + 2);
        const de = Math.min(e, p + 4 + l);
        let hex = '';
        for (let i = p + 4; i < de; i++) hex += hex2(buf[i]!);
        opts.push({ code: u16(buf, p), data: hex });
        p = p + 4 + l;
      }
      return opts;
    }
  }
  return null;
}

/** Reads `count` records into `out`; false when one runs past the message. */
function readRecords(buf: Uint8Array, ms: number, me: number, count: number, out: DnsRecord[], msg: DnsMessage): boolean {
  for (let i = 0; i < count; i++) {
    const rrname = readName(buf, ms, me);
    if (rrname === null || pos + 10 > me) return false;
    const nameTrunc = lastTruncated;
    const rrtype = u16(buf, pos);
    const rrclass = u16(buf, pos + 2);
    const ttl = u32(buf, pos + 4);
    const rdlen = u16(buf, pos + 8);
    const s = pos + 10;
    const e = s + rdlen;
    if (e > me) return false;
    if (out.length < DNS_MAX_RECORDS) {
      lastTruncated = false;
      const rdata = readRData(buf, ms, me, rrtype, s, e);
      const rec: DnsRecord = { rrname, rrtype, rrclass, ttl, rdata };
      if (nameTrunc) rec.rrnameTruncated = true;
      if (lastTruncated && typeof rdata === 'string') rec.rdataTruncated = true;
      out.push(rec);
    } else {
      msg.dropped++;
    }
    pos = e;
  }
  return true;
}

/**
 * Suricata's probe_header_validity, also its gate before parsing a message
 * (dns_validate_header): the record counts must fit in `rlen` bytes at 2 bytes each, a message
 * with no records must be a bare header, and a request must ask at least one question.
 */
export function dnsHeaderValid(buf: Uint8Array, off: number, rlen: number): boolean {
  const qd = u16(buf, off + 4);
  const records = qd + u16(buf, off + 6) + u16(buf, off + 8) + u16(buf, off + 10);
  if (2 * records > rlen) return false;
  if (records === 0 && rlen > DNS_HEADER_LEN) return false;
  const request = (buf[off + 2]! & 0x80) === 0;
  return !(request && qd === 0);
}

/** Header only (12 bytes); null when too short. */
export function parseDnsHeader(buf: Uint8Array, off: number, len: number): DnsHeader | null {
  if (len < DNS_HEADER_LEN) return null;
  return {
    id: u16(buf, off),
    flags: u16(buf, off + 2),
    qdcount: u16(buf, off + 4),
    ancount: u16(buf, off + 6),
    nscount: u16(buf, off + 8),
    arcount: u16(buf, off + 10),
  };
}

/**
 * Parses a whole message; null when malformed (too short, a question or answer running past the
 * end, a bad label). Never throws.
 */
export function parseDnsMessage(buf: Uint8Array, off: number, len: number): DnsMessage | null {
  const header = parseDnsHeader(buf, off, len);
  if (header === null) return null;
  const me = off + len;
  nameFlags = 0;
  pos = off + DNS_HEADER_LEN;
  const msg: DnsMessage = {
    header, queries: [], answers: [], authorities: [], additionals: [],
    nameFlags: 0, invalidAuthorities: false, invalidAdditionals: false, dropped: 0,
  };
  for (let i = 0; i < header.qdcount; i++) {
    const rrname = readName(buf, off, me);
    if (rrname === null || pos + 4 > me) return null;
    if (msg.queries.length < DNS_MAX_RECORDS) {
      const q: DnsQuery = { rrname, rrtype: u16(buf, pos), rrclass: u16(buf, pos + 2) };
      if (lastTruncated) q.rrnameTruncated = true;
      msg.queries.push(q);
    } else {
      msg.dropped++;
    }
    pos += 4;
  }
  if (!readRecords(buf, off, me, header.ancount, msg.answers, msg)) return null;
  if (!readRecords(buf, off, me, header.nscount, msg.authorities, msg)) {
    msg.invalidAuthorities = true;
  } else if (!readRecords(buf, off, me, header.arcount, msg.additionals, msg)) {
    msg.invalidAdditionals = true;
  }
  msg.nameFlags = nameFlags;
  return msg;
}
