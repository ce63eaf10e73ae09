/**
 * ClientHello and ServerHello bodies (RFC 8446 §4.1.2-3, RFC 5246 §7.4.1) and the fingerprints
 * made from them: JA3 and JA3S (src/util-ja3.c, app-layer-ssl.c: decimal values, `-`-joined,
 * GREASE removed, MD5) and JA4 (rust/src/ja4.rs). Parsing is bounded by the message and never
 * throws; a length running past its container stops the parse with an error code.
 */
import { createHash } from 'node:crypto';

export const EXT_SNI = 0x0000;
export const EXT_SUPPORTED_GROUPS = 0x000a;
export const EXT_EC_POINT_FORMATS = 0x000b;
export const EXT_SIG_ALGS = 0x000d;
export const EXT_ALPN = 0x0010;
export const EXT_SUPPORTED_VERSIONS = 0x002b;

export const HELLO_OK = 0;
/** A length field runs past the message. */
export const HELLO_BAD_LENGTH = 1;
/** SNI entry of a type other than host_name. */
export const HELLO_BAD_SNI_TYPE = 2;
/** SNI entry longer than its extension. */
export const HELLO_BAD_SNI_LENGTH = 3;

/** RFC 8701 GREASE values: 0x?A?A with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

export interface ClientHello {
  /** legacy_version. */
  version: number;
  /** The 32 random bytes (tls.random; tls.random_time = first 4, tls.random_bytes = last 28). */
  random: Uint8Array;
  sessionId: Uint8Array;
  ciphers: number[];
  /** Extension types in order, GREASE included. */
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  sigAlgs: number[];
  supportedVersions: number[];
  alpns: string[];
  /** First host_name of the first SNI extension (latin1), or null. */
  sni: string | null;
  sniCount: number;
  error: number;
}

export interface ServerHello {
  version: number;
  random: Uint8Array;
  /** supported_versions selection, or 0. */
  selectedVersion: number;
  sessionId: Uint8Array;
  cipher: number;
  extensions: number[];
  alpn: string | null;
  error: number;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}

function u16List(b: Uint8Array, s: number, e: number, out: number[]): void {
  for (let p = s; p + 1 < e; p += 2) out.push(u16(b, p));
}

/** Body of a ClientHello handshake message at [s, e). */
export function parseClientHello(b: Uint8Array, s: number, e: number): ClientHello {
  const ch: ClientHello = {
    version: 0, random: new Uint8Array(0), sessionId: new Uint8Array(0), ciphers: [], extensions: [], groups: [], pointFormats: [],
    sigAlgs: [], supportedVersions: [], alpns: [], sni: null, sniCount: 0, error: HELLO_OK,
  };
  let p = s;
  if (p + 2 + 32 + 1 > e) return ((ch.error = HELLO_BAD_LENGTH), ch);
  ch.version = u16(b, p);
  ch.random = b.slice(p + 2, p + 34);
  p += 2 + 32;
  const sidLen = b[p]!;
  p++;
  if (p + sidLen > e) return ((ch.error = HELLO_BAD_LENGTH), ch);
  ch.sessionId = b.slice(p, p + sidLen);
  p += sidLen;
  if (p + 2 > e) return ((ch.error = HELLO_BAD_LENGTH), ch);
  const cLen = u16(b, p);
  p += 2;
  if (p + cLen > e) return ((ch.error = HELLO_BAD_LENGTH), ch);
  u16List(b, p, p + cLen, ch.ciphers);
  p += cLen;
  if (p + 1 > e) return ((ch.error = HELLO_BAD_LENGTH), ch);
  const compLen = b[p]!;
  p += 1 + compLen;
  if (p > e) return ((ch.error = HELLO_BAD_LENGTH), ch);
  if (p + 2 > e) return ch; // no extensions (SSLv3 / old TLS)
  const extEnd = p + 2 + u16(b, p);
  p += 2;
  if (extEnd > e) return ((ch.error = HELLO_BAD_LENGTH), ch);
  while (p + 4 <= extEnd) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const ds = p + 4;
    const de = ds + len;
    if (de > extEnd) return ((ch.error = HELLO_BAD_LENGTH), ch);
    ch.extensions.push(type);
    switch (type) {
      case EXT_SNI: {
        ch.sniCount++;
        if (ch.sniCount > 1 || len < 2) break;
        let q = ds + 2;
        const listEnd = Math.min(de, q + u16(b, ds));
        while (q + 3 <= listEnd) {
          const nt = b[q]!;
          const nl = u16(b, q + 1);
          if (nt !== 0) {
            ch.error = HELLO_BAD_SNI_TYPE;
            break;
          }
          if (q + 3 + nl > de) {
            ch.error = HELLO_BAD_SNI_LENGTH;
            break;
          }
          if (ch.sni === null) ch.sni = latin1(b, q + 3, q + 3 + nl);
          q += 3 + nl;
        }
        break;
      }
      case EXT_SUPPORTED_GROUPS:
        if (len >= 2) u16List(b, ds + 2, Math.min(de, ds + 2 + u16(b, ds)), ch.groups);
        break;
      case EXT_EC_POINT_FORMATS:
        if (len >= 1) for (let q = ds + 1; q < Math.min(de, ds + 1 + b[ds]!); q++) ch.pointFormats.push(b[q]!);
        break;
      case EXT_SIG_ALGS:
        if (len >= 2) u16List(b, ds + 2, Math.min(de, ds + 2 + u16(b, ds)), ch.sigAlgs);
        break;
      case EXT_SUPPORTED_VERSIONS:
        if (len >= 1) u16List(b, ds + 1, Math.min(de, ds + 1 + b[ds]!), ch.supportedVersions);
        break;
      case EXT_ALPN: {
        if (len < 2) break;
        const le = Math.min(de, ds + 2 + u16(b, ds));
        let q = ds + 2;
        while (q < le) {
          const l = b[q]!;
          if (q + 1 + l > le) break;
          ch.alpns.push(latin1(b, q + 1, q + 1 + l));
          q += 1 + l;
        }
        break;
      }
    }
    p = de;
  }
  return ch;
}

/** Body of a ServerHello handshake message at [s, e). */
export function parseServerHello(b: Uint8Array, s: number, e: number): ServerHello {
  const sh: ServerHello = {
    version: 0, random: new Uint8Array(0), selectedVersion: 0, sessionId: new Uint8Array(0), cipher: 0, extensions: [], alpn: null,
    error: HELLO_OK,
  };
  let p = s;
  if (p + 2 + 32 + 1 > e) return ((sh.error = HELLO_BAD_LENGTH), sh);
  sh.version = u16(b, p);
  sh.random = b.slice(p + 2, p + 34);
  p += 2 + 32;
  const sidLen = b[p]!;
  p++;
  if (p + sidLen + 3 > e) return ((sh.error = HELLO_BAD_LENGTH), sh);
  sh.sessionId = b.slice(p, p + sidLen);
  p += sidLen;
  sh.cipher = u16(b, p);
  p += 3; // cipher + compression method
  if (p + 2 > e) return sh;
  const extEnd = p + 2 + u16(b, p);
  p += 2;
  if (extEnd > e) return ((sh.error = HELLO_BAD_LENGTH), sh);
  while (p + 4 <= extEnd) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const ds = p + 4;
    const de = ds + len;
    if (de > extEnd) return ((sh.error = HELLO_BAD_LENGTH), sh);
    sh.extensions.push(type);
    if (type === EXT_SUPPORTED_VERSIONS && len >= 2) sh.selectedVersion = u16(b, ds);
    if (type === EXT_ALPN && len >= 3) {
      const l = b[ds + 2]!;
      if (ds + 3 + l <= de) sh.alpn = latin1(b, ds + 3, ds + 3 + l);
    }
    p = de;
  }
  return sh;
}

function joinNoGrease(vals: number[]): string {
  let s = '';
  for (const v of vals) {
    if (isGrease(v)) continue;
    s += (s.length > 0 ? '-' : '') + v;
  }
  return s;
}

export interface JaFingerprint {
  hash: string;
  string: string;
}

export function ja3(ch: ClientHello): JaFingerprint {
  let pf = '';
  for (const v of ch.pointFormats) pf += (pf.length > 0 ? '-' : '') + v;
  const str = `${ch.version},${joinNoGrease(ch.ciphers)},${joinNoGrease(ch.extensions)},${joinNoGrease(ch.groups)},${pf}`;
  return { string: str, hash: createHash('md5').update(str).digest('hex') };
}

export function ja3s(sh: ServerHello): JaFingerprint {
  const str = `${sh.version},${sh.cipher},${joinNoGrease(sh.extensions)}`;
  return { string: str, hash: createHash('md5').update(str).digest('hex') };
}

function ja4Version(v: number): string {
  switch (v) {
    case 0x0304: return '13';
    case 0x0303: return '12';
    case 0x0302: return '11';
    case 0x0301: return '10';
    case 0x0300: return 's3';
    default: return '00';
  }
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function sha12(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/**
 * JA4 of a ClientHello, as Suricata computes it (rust/src/ja4.rs): version = the highest of
 * legacy_version and supported_versions (GREASE ignored); SNI/ALPN counted but not hashed;
 * ALPN = first and last byte of the first protocol when it has at least 2 bytes; `_` between
 * extensions and signature algorithms even when either is empty. `quic` for QUIC (`q`).
 */
export function ja4(ch: ClientHello, quic = false): string {
  let version = 0;
  let seenVersion = false;
  const consider = (v: number): void => {
    if (isGrease(v)) return;
    if (!seenVersion || v > version) version = v;
    seenVersion = true;
  };
  consider(ch.version);
  for (const v of ch.supportedVersions) consider(v);
  const ciphers = ch.ciphers.filter((c) => !isGrease(c));
  let nExt = 0;
  let domain = false;
  const exts: number[] = [];
  for (const e of ch.extensions) {
    if (isGrease(e)) continue;
    nExt++;
    if (e === EXT_SNI) domain = true;
    else if (e !== EXT_ALPN) exts.push(e);
  }
  let alpn = '00';
  const first = ch.alpns[0];
  if (first !== undefined && first.length > 1) {
    const g = (first.charCodeAt(0) << 8) | first.charCodeAt(first.length - 1);
    if (!(first.length === 2 && isGrease(g))) alpn = first[0]! + first[first.length - 1]!;
  }
  const a =
    (quic ? 'q' : 't') + ja4Version(version) + (domain ? 'd' : 'i') +
    String(Math.min(99, ciphers.length)).padStart(2, '0') + String(Math.min(99, nExt)).padStart(2, '0') + alpn;
  const b = sha12(ciphers.sort((x, y) => x - y).map(hex4).join(','));
  const sigs = ch.sigAlgs.filter((v) => !isGrease(v)).map(hex4).join(',');
  const c = sha12(exts.sort((x, y) => x - y).map(hex4).join(',') + '_' + sigs);
  return `${a}_${b}_${c}`;
}
