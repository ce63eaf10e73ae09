/**
 * Per-flow TLS state (src/app-layer-ssl.c): records (SSLv2 and SSL 3.0 to TLS 1.3), handshake
 * messages reassembled across records and segments, ClientHello (SNI, versions, ALPN, JA3,
 * JA4), ServerHello (version, cipher, JA3S), and the Certificate messages of either side while
 * the handshake is in clear (TLS <= 1.2). As in Suricata the whole flow is one transaction: the
 * fields live on the state, with progress flags saying what has been seen.
 *
 * Memory: a 5-byte header buffer per direction, and a handshake buffer allocated on the first
 * handshake record, grown by doubling up to TLS_MAX_HANDSHAKE (a larger message raises
 * handshake_invalid_length and stops parsing that direction). Encrypted records and
 * application data are skipped without copying.
 */
import { parseCertificate, type TlsCertInfo } from './tls-cert.js';
import {
  parseClientHello, parseServerHello, ja3, ja3s, ja4, isGrease, type ClientHello, type JaFingerprint, type ServerHello,
  HELLO_BAD_LENGTH, HELLO_BAD_SNI_LENGTH, HELLO_BAD_SNI_TYPE,
} from './tls-hello.js';
import { SSL_VERSION_2 } from './tls-version.js';

/** Byte copy without the view object `subarray` would allocate per packet. */
function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, dOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dOff + i] = src[so + i]!;
}


export const TLS_EVENT = {
  invalidSslv2Header: 'invalid_sslv2_header',
  invalidTlsHeader: 'invalid_tls_header',
  invalidRecordVersion: 'invalid_record_version',
  invalidRecordType: 'invalid_record_type',
  invalidHandshakeMessage: 'invalid_handshake_message',
  invalidCertificate: 'invalid_certificate',
  certificateInvalidLength: 'certificate_invalid_length',
  heartbeatMessage: 'heartbeat_message',
  overflowHeartbeatMessage: 'overflow_heartbeat_message',
  multipleSniExtensions: 'multiple_sni_extensions',
  invalidSniType: 'invalid_sni_type',
  invalidSniLength: 'invalid_sni_length',
  handshakeInvalidLength: 'handshake_invalid_length',
  invalidRecordLength: 'invalid_record_length',
  invalidSslRecord: 'invalid_ssl_record',
  invalidHeartbeatMessage: 'invalid_heartbeat_message',
  tooManyRecordsInPacket: 'too_many_records_in_packet',
} as const;
export type TlsEventName = (typeof TLS_EVENT)[keyof typeof TLS_EVENT];

/** ssl_state flags of the current record (src/detect-ssl-state.c). */
export const SSL_STATE_CLIENT_HELLO = 1;
export const SSL_STATE_SERVER_HELLO = 2;
export const SSL_STATE_CLIENT_KEYX = 4;
export const SSL_STATE_SERVER_KEYX = 8;
export const SSL_STATE_UNKNOWN = 16;

export const TLS_MAX_HANDSHAKE = 256 * 1024;
export const TLS_MAX_CERTS = 16;
/** Smallest record (header + 1 byte): SSLDecode allows input/6 records per call. */
const SSL_RECORD_MIN_LEN = 6;
/** RFC 5246 6.2.2: 2^14 + 1024 (app-layer-ssl.c SSLV3_RECORD_MAX_LEN). */
export const SSLV3_RECORD_MAX_LEN = (1 << 14) + 1024;

/** Record-layer versions Suricata accepts (TLSVersionValid): SSL 3.0 to TLS 1.3 and 1.3 drafts. */
function recordVersionValid(v: number): boolean {
  if (v >= 0x0300 && v <= 0x0304) return true;
  if (v === 0x7f01 || (v >= 0x7f10 && v <= 0x7f1c)) return true;
  return (v >= 0xfb14 && v <= 0xfb17) || v === 0xfb1a;
}

const REC_CCS = 20;
const REC_ALERT = 21;
const REC_HANDSHAKE = 22;
const REC_APPDATA = 23;
const REC_HEARTBEAT = 24;

/** Handshake types Suricata accepts in clear (SupportedHandshakeType); others raise invalid_handshake_message. */
const KNOWN_HS = new Set([0, 1, 2, 4, 11, 12, 13, 14, 15, 16, 20, 21, 22]);

class Direction {
  readonly hdr = new Uint8Array(5);
  hdrHave = 0;
  inRecord = false;
  recType = 0;
  recLen = 0;
  recLeft = 0;
  /** Body bytes of a heartbeat record seen so far (type, payload length). */
  hb = new Uint8Array(3);
  hbHave = 0;
  hs: Uint8Array | null = null;
  hsHave = 0;
  /** ChangeCipherSpec seen (or TLS 1.3 keys in use): handshake records are opaque. */
  encrypted = false;
  failed = false;
  /** Drop the rest of this feed() (an unknown record type tolerated on TLS 1.0/1.1). */
  skipFeed = false;
  resync = false;
  sslv2 = false;
  records = 0;

  reset(): void {
    this.hdrHave = 0;
    this.inRecord = false;
    this.recLeft = 0;
    this.hbHave = 0;
    this.hsHave = 0;
    this.encrypted = false;
    this.failed = false;
    this.skipFeed = false;
    this.resync = false;
    this.sslv2 = false;
    this.records = 0;
  }
}

export interface TlsCounters {
  records: number;
  /** Bytes not parsed: after a failure, or while resynchronising after a gap. */
  bytesSkipped: number;
  gaps: number;
}

export class TlsState {
  clientHello: ClientHello | null = null;
  serverHello: ServerHello | null = null;
  /** ClientHello version, replaced by the first non-GREASE supported_versions entry (tls.version to server). */
  clientVersion = 0;
  /** ServerHello version, replaced by supported_versions (tls.version to client; EVE version). */
  serverVersion = 0;
  sni: string | null = null;
  /**
   * Compute JA3/JA3S/JA4 (Suricata: only when a rule uses them or EVE asks). On by default for
   * direct users; the app layer's TlsParser turns it off unless enabled.
   */
  fingerprints = true;
  ja3: JaFingerprint | null = null;
  ja3s: JaFingerprint | null = null;
  ja4: string | null = null;
  /** Raw DER of the certificate chains, server's (to client) and client's (to server). */
  serverCerts: Uint8Array[] = [];
  clientCerts: Uint8Array[] = [];
  serverCert: TlsCertInfo | null = null;
  clientCert: TlsCertInfo | null = null;
  sessionResumed = false;
  /** ssl_state flags of the records of the latest input (feed call) that started a record. */
  currentFlags = 0;
  /** Progress (keyword readiness): hello, certificate, and both sides encrypted. */
  clientHelloDone = false;
  serverHelloDone = false;
  serverCertDone = false;
  clientCertDone = false;
  events: TlsEventName[] = [];
  readonly eventCounts = new Map<TlsEventName, number>();
  readonly counters: TlsCounters = { records: 0, bytesSkipped: 0, gaps: 0 };
  private readonly dirs = [new Direction(), new Direction()];
  private tls13 = false;
  /** A ServerHello that is not a HelloRetryRequest. */
  private realServerHello = false;

  private offered13(): boolean {
    const v = this.clientVersion;
    return v === 0x0304 || (v >> 8) === 0x7f || (v >> 8) === 0xfb;
  }

  /** Both sides past ChangeCipherSpec (or TLS 1.3 after the ServerHello). */
  get handshakeDone(): boolean {
    return this.dirs[0]!.encrypted && this.dirs[1]!.encrypted;
  }

  /** The version a rule sees in this direction (tls.version, ssl_version). */
  versionFor(toServer: boolean): number {
    return toServer ? this.clientVersion : this.serverVersion;
  }

  feed(toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    const d = this.dirs[toServer ? 0 : 1]!;
    d.records = 0;
    // SSLDecode: entering on a new record resets the current flags, once per input; records
    // parsed in the same input accumulate (ssl_state tests this, not the history).
    if (!d.inRecord && d.hdrHave === 0) this.currentFlags = 0;
    let o = off;
    let left = len;
    if (d.resync) {
      // After a gap: resume only where a record header plausibly starts.
      if (left < 3 || buf[o]! < REC_CCS || buf[o]! > REC_HEARTBEAT || buf[o + 1] !== 3 || buf[o + 2]! > 4) {
        this.counters.bytesSkipped += left;
        return;
      }
      d.resync = false;
    }
    while (left > 0) {
      if (d.failed) {
        this.counters.bytesSkipped += left;
        return;
      }
      if (!d.inRecord) {
        const take = Math.min(5 - d.hdrHave, left);
        for (let i = 0; i < take; i++) d.hdr[d.hdrHave + i] = buf[o + i]!;
        d.hdrHave += take;
        o += take;
        left -= take;
        if (d.hdrHave < 5) return;
        d.hdrHave = 0;
        this.startRecord(toServer, d, len);
        if (d.skipFeed) {
          d.skipFeed = false;
          this.counters.bytesSkipped += left;
          return;
        }
        continue;
      }
      const take = Math.min(d.recLeft, left);
      this.recordBody(toServer, d, buf, o, take);
      o += take;
      left -= take;
      d.recLeft -= take;
      if (d.recLeft === 0) this.endRecord(d);
    }
  }

  /** Missing stream data: drop partial state, resynchronise on the next record header. */
  gap(toServer: boolean, _len: number): void {
    const d = this.dirs[toServer ? 0 : 1]!;
    d.inRecord = false;
    d.hdrHave = 0;
    d.hsHave = 0;
    d.resync = true;
    this.counters.gaps++;
  }

  end(_toServer: boolean): void {
    // Nothing pending is worth an event: a half record at close is normal for a reset flow.
  }

  clear(): void {
    this.clientHello = this.serverHello = null;
    this.clientVersion = this.serverVersion = 0;
    this.sni = null;
    this.ja3 = this.ja3s = null;
    this.ja4 = null;
    this.serverCerts = [];
    this.clientCerts = [];
    this.serverCert = this.clientCert = null;
    this.sessionResumed = false;
    this.currentFlags = 0;
    this.clientHelloDone = this.serverHelloDone = this.serverCertDone = this.clientCertDone = false;
    this.events = [];
    this.eventCounts.clear();
    this.counters.records = this.counters.bytesSkipped = this.counters.gaps = 0;
    this.dirs[0]!.reset();
    this.dirs[1]!.reset();
    this.tls13 = false;
    this.realServerHello = false;
  }

  private setEvent(e: TlsEventName): void {
    const n = this.eventCounts.get(e) ?? 0;
    this.eventCounts.set(e, n + 1);
    // Each event once on the state (the rules fire once per flow anyway); counts keep the rest.
    if (n === 0) this.events.push(e);
  }

  private startRecord(toServer: boolean, d: Direction, feedLen: number): void {
    const h = d.hdr;
    this.counters.records++;
    // SSLDecode's loop guard: more records than the input could hold at 6 bytes each.
    if (++d.records > Math.max(Math.floor(feedLen / SSL_RECORD_MIN_LEN), 1)) {
      this.setEvent(TLS_EVENT.tooManyRecordsInPacket);
      d.failed = true;
      return;
    }
    // A new record with either of the top two bits set is SSLv2 (SSLDecode).
    if ((h[0]! & 0xc0) !== 0) {
      this.startSslv2(toServer, d);
      return;
    }
    const type = h[0]!;
    if (type < REC_CCS || type > REC_HEARTBEAT) {
      this.setEvent(TLS_EVENT.invalidRecordType);
      // Wireshark's rule, as Suricata follows it: tolerated (rest of the input dropped) on
      // TLS 1.0 and 1.1 connections, fatal otherwise.
      const v = toServer ? this.clientVersion : this.serverVersion;
      if (v === 0x0301 || v === 0x0302) d.skipFeed = true;
      else d.failed = true;
      return;
    }
    const len = (h[3]! << 8) | h[4]!;
    if (len === 0) {
      this.setEvent(TLS_EVENT.invalidRecordLength);
      d.failed = true;
      return;
    }
    if (!recordVersionValid((h[1]! << 8) | h[2]!)) {
      this.setEvent(TLS_EVENT.invalidRecordVersion);
      d.failed = true;
      return;
    }
    if (len > SSLV3_RECORD_MAX_LEN) {
      this.setEvent(TLS_EVENT.invalidRecordLength);
      d.failed = true;
      return;
    }
    if (type === REC_HANDSHAKE && !d.encrypted && len < 4) {
      this.setEvent(TLS_EVENT.invalidSslRecord);
      d.failed = true;
      return;
    }
    d.recType = type;
    d.recLen = d.recLeft = len;
    d.inRecord = true;
    d.hbHave = 0;
    if (type === REC_CCS) {
      // TLS 1.3 middlebox-compatibility CCS (RFC 8446 D.4) changes nothing: a client offering
      // 1.3 may send it before any real ServerHello (even before a second ClientHello after a
      // HelloRetryRequest). Keys then start with the ServerHello (tls13), not here.
      if (!(toServer && this.offered13() && !this.realServerHello)) d.encrypted = true;
    } else if (type === REC_HEARTBEAT) this.setEvent(TLS_EVENT.heartbeatMessage);
    else if (type === REC_HANDSHAKE && d.encrypted) this.currentFlags |= SSL_STATE_UNKNOWN;
  }

  /**
   * SSLv2 record: a 2-byte header (msb set; the first three body bytes are already in hdr) or a
   * 3-byte header (0x40 set; padding length third, two body bytes in hdr). Only the hello
   * versions are read (what ssl_version and tls.version need); the rest is skipped.
   */
  private startSslv2(toServer: boolean, d: Direction): void {
    const h = d.hdr;
    const twoByte = (h[0]! & 0x80) !== 0;
    const len = twoByte ? ((h[0]! & 0x7f) << 8) | h[1]! : ((h[0]! & 0x3f) << 8) | h[1]!;
    const inHdr = twoByte ? 3 : 2;
    if (len < inHdr) {
      this.setEvent(TLS_EVENT.invalidSslv2Header);
      d.failed = true;
      return;
    }
    d.sslv2 = true;
    const msgType = twoByte ? h[2]! : h[3]!;
    if (msgType === 1 && toServer) {
      if (twoByte) this.clientVersion = (h[3]! << 8) | h[4]!;
      this.clientHelloDone = true;
      this.currentFlags |= SSL_STATE_CLIENT_HELLO;
    } else if (msgType === 4 && !toServer) {
      this.serverVersion = SSL_VERSION_2;
      this.serverHelloDone = true;
      this.currentFlags |= SSL_STATE_SERVER_HELLO;
    }
    d.recType = 0;
    d.recLeft = len - inHdr;
    d.inRecord = d.recLeft > 0;
  }

  private recordBody(toServer: boolean, d: Direction, buf: Uint8Array, o: number, n: number): void {
    if (d.recType === REC_HANDSHAKE && !d.encrypted) {
      this.appendHandshake(toServer, d, buf, o, n);
    } else if (d.recType === REC_HEARTBEAT && d.hbHave < 3) {
      for (let i = 0; i < n && d.hbHave < 3; i++) d.hb[d.hbHave++] = buf[o + i]!;
    }
  }

  private endRecord(d: Direction): void {
    d.inRecord = false;
    if (d.recType === REC_HEARTBEAT && !d.encrypted && d.hbHave === 3) {
      // type(1) payload_length(2) payload padding(>=16): a payload claimed longer than the record
      // is the Heartbleed request.
      const hbType = d.hb[0]!;
      const plen = (d.hb[1]! << 8) | d.hb[2]!;
      if (hbType !== 1 && hbType !== 2) this.setEvent(TLS_EVENT.invalidHeartbeatMessage);
      else if (3 + plen + 16 > d.recLen) this.setEvent(TLS_EVENT.overflowHeartbeatMessage);
    }
    if (d.recType === REC_APPDATA || d.recType === REC_ALERT) {
      // Application data means keys are in use in this direction, whatever we saw before.
      if (d.recType === REC_APPDATA) d.encrypted = true;
    }
  }

  private appendHandshake(toServer: boolean, d: Direction, buf: Uint8Array, o: number, n: number): void {
    let hs = d.hs;
    const need = d.hsHave + n;
    if (hs === null || need > hs.length) {
      if (need > TLS_MAX_HANDSHAKE) {
        this.setEvent(TLS_EVENT.handshakeInvalidLength);
        d.failed = true;
        return;
      }
      let size = hs === null ? 4096 : hs.length;
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, TLS_MAX_HANDSHAKE));
      if (hs !== null) grown.set(hs.subarray(0, d.hsHave));
      hs = d.hs = grown;
    }
    copyBytes(buf, o, hs, d.hsHave, n);
    d.hsHave += n;
    let p = 0;
    while (d.hsHave - p >= 4 && !d.encrypted && !d.failed) {
      const type = hs[p]!;
      const mlen = (hs[p + 1]! << 16) | (hs[p + 2]! << 8) | hs[p + 3]!;
      if (4 + mlen > TLS_MAX_HANDSHAKE) {
        this.setEvent(TLS_EVENT.handshakeInvalidLength);
        d.failed = true;
        break;
      }
      if (d.hsHave - p < 4 + mlen) break;
      this.handshakeMessage(toServer, d, type, hs, p + 4, p + 4 + mlen);
      p += 4 + mlen;
    }
    if (d.encrypted || d.failed) d.hsHave = 0;
    else if (p > 0) {
      hs.copyWithin(0, p, d.hsHave);
      d.hsHave -= p;
    }
  }

  private handshakeMessage(toServer: boolean, d: Direction, type: number, b: Uint8Array, s: number, e: number): void {
    switch (type) {
      case 1:
        this.currentFlags |= SSL_STATE_CLIENT_HELLO;
        if (toServer) this.onClientHello(b, s, e);
        break;
      case 2:
        this.currentFlags |= SSL_STATE_SERVER_HELLO;
        if (!toServer) this.onServerHello(b, s, e);
        break;
      case 11:
        this.onCertificate(toServer, b, s, e);
        break;
      case 12:
        this.currentFlags |= SSL_STATE_SERVER_KEYX;
        break;
      case 16:
        this.currentFlags |= SSL_STATE_CLIENT_KEYX;
        break;
      default:
        if (!KNOWN_HS.has(type)) {
          this.setEvent(TLS_EVENT.invalidHandshakeMessage);
          d.failed = true;
        }
    }
  }

  private onClientHello(b: Uint8Array, s: number, e: number): void {
    const ch = parseClientHello(b, s, e);
    if (this.clientHello !== null) {
      // A second ClientHello (after a HelloRetryRequest, or crafted): Suricata keeps the first
      // one's fingerprints (suricata-verify tls-duplicate-hello, redmine 6634); only a missing
      // SNI is filled in.
      if (this.sni === null && ch.sni !== null && ch.error === 0) this.sni = ch.sni;
      return;
    }
    if (ch.error === HELLO_BAD_LENGTH) {
      this.setEvent(TLS_EVENT.invalidHandshakeMessage);
      return;
    }
    if (ch.error === HELLO_BAD_SNI_TYPE) this.setEvent(TLS_EVENT.invalidSniType);
    if (ch.error === HELLO_BAD_SNI_LENGTH) this.setEvent(TLS_EVENT.invalidSniLength);
    if (ch.sniCount > 1) this.setEvent(TLS_EVENT.multipleSniExtensions);
    this.clientHello = ch;
    this.clientVersion = ch.version;
    for (const v of ch.supportedVersions) {
      if (isGrease(v)) continue;
      this.clientVersion = v;
      break;
    }
    if (ch.sni !== null) this.sni = ch.sni;
    if (this.fingerprints) {
      this.ja3 = ja3(ch);
      this.ja4 = ja4(ch);
    }
    this.clientHelloDone = true;
  }

  private onServerHello(b: Uint8Array, s: number, e: number): void {
    const sh = parseServerHello(b, s, e);
    if (sh.error !== 0) {
      this.setEvent(TLS_EVENT.invalidHandshakeMessage);
      return;
    }
    this.serverHello = sh;
    this.serverVersion = sh.selectedVersion !== 0 ? sh.selectedVersion : sh.version;
    if (this.fingerprints) this.ja3s = ja3s(sh);
    this.serverHelloDone = true;
    const ch = this.clientHello;
    if (ch !== null && ch.sessionId.length > 0 && sh.sessionId.length === ch.sessionId.length) {
      let same = true;
      for (let i = 0; i < ch.sessionId.length; i++) if (ch.sessionId[i] !== sh.sessionId[i]) same = false;
      this.sessionResumed = same;
    }
    const v = this.serverVersion;
    // HelloRetryRequest (RFC 8446 §4.1.3: a ServerHello with this fixed random) keeps the clear
    // handshake going: the client sends a second ClientHello.
    const hrr = b[s + 2] === 0xcf && b[s + 3] === 0x21 && b[s + 4] === 0xad && b[s + 5] === 0x74;
    if (!hrr) this.realServerHello = true;
    if ((v === 0x0304 || (v >> 8) === 0x7f) && !hrr) {
      // TLS 1.3: everything after the ServerHello is encrypted, both ways.
      this.tls13 = true;
      this.dirs[0]!.encrypted = true;
      this.dirs[1]!.encrypted = true;
    }
  }

  private onCertificate(toServer: boolean, b: Uint8Array, s: number, e: number): void {
    if (this.tls13) return; // encrypted in 1.3; a clear one would be bogus
    if (s + 3 > e) {
      this.setEvent(TLS_EVENT.certificateInvalidLength);
      return;
    }
    const listEnd = s + 3 + ((b[s]! << 16) | (b[s + 1]! << 8) | b[s + 2]!);
    if (listEnd > e) {
      this.setEvent(TLS_EVENT.certificateInvalidLength);
      return;
    }
    const certs: Uint8Array[] = [];
    let p = s + 3;
    while (p + 3 <= listEnd) {
      const l = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
      if (p + 3 + l > listEnd) {
        this.setEvent(TLS_EVENT.certificateInvalidLength);
        break;
      }
      if (certs.length < TLS_MAX_CERTS) certs.push(b.slice(p + 3, p + 3 + l));
      p += 3 + l;
    }
    const first = certs[0];
    const info = first !== undefined ? parseCertificate(first) : null;
    if (first !== undefined && info === null) this.setEvent(TLS_EVENT.invalidCertificate);
    if (toServer) {
      this.clientCerts = certs;
      this.clientCert = info;
      this.clientCertDone = true;
    } else {
      this.serverCerts = certs;
      this.serverCert = info;
      this.serverCertDone = true;
    }
  }
}
