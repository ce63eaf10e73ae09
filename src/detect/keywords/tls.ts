/**
 * TLS keywords (src/detect-tls*.c, detect-ssl-*.c, detect-ja3*.c): sticky buffers (SNI,
 * certificate fields of the server's chain to the client or the client's to the server, the
 * chain itself as a multi-buffer, JA3/JA3S/JA4, randoms, ALPN), integer keywords (tls.version,
 * ssl_version, ssl_state, certificate dates and validity, chain length) and the legacy value
 * forms tls.subject / tls.issuerdn / tls.fingerprint.
 */
import { AppProto } from '../../applayer/app-proto.js';
import { TLS_EVENT_NAMES, TlsBuf, TlsProgress } from '../../applayer/tls/tls-buffers.js';
import {
  SSL_STATE_CLIENT_HELLO, SSL_STATE_CLIENT_KEYX, SSL_STATE_SERVER_HELLO, SSL_STATE_SERVER_KEYX, SSL_STATE_UNKNOWN,
} from '../../applayer/tls/tls-state.js';
import { SSL_VERSION_NAMES, tlsVersionFromKeyword, tlsVersionMatches, tlsVersionNormalized } from '../../applayer/tls/tls-version.js';
import { invalidValue } from '../rule-error.js';
import { both, tc, ts, FnCheck, type IntKeyword, type LegacyKeyword } from './app-keyword.js';
import { BufDir, parseLenCheck, type AppBufDef } from './http.js';
import type { AppKeywordModule } from './app-buffers.js';

const P = AppProto.Tls;
const H = TlsProgress.Hello;
const C = TlsProgress.Cert;
const TC = BufDir.ToClient;
/** A field of the certificate: the client's to the server, the server's to the client (the default). */
const cert = (id: number): AppBufDef => both(P, id, id + 1, C, TC);

const SNI = ts(P, TlsBuf.Sni, H);
const SUBJECT = cert(TlsBuf.CertSubject);
const ISSUER = cert(TlsBuf.CertIssuer);
const SERIAL = cert(TlsBuf.CertSerial);
const FINGERPRINT = cert(TlsBuf.CertFingerprint);
const JA3 = ts(P, TlsBuf.Ja3Hash, H);
const JA3S = tc(P, TlsBuf.Ja3sHash, H);

export const TLS_STICKY: ReadonlyMap<string, AppBufDef> = new Map([
  ['tls.sni', SNI],
  ['tls_sni', SNI],
  ['tls.cert_subject', SUBJECT],
  ['tls_cert_subject', SUBJECT],
  ['tls.cert_issuer', ISSUER],
  ['tls_cert_issuer', ISSUER],
  ['tls.cert_serial', SERIAL],
  ['tls_cert_serial', SERIAL],
  ['tls.cert_fingerprint', FINGERPRINT],
  ['tls_cert_fingerprint', FINGERPRINT],
  ['tls.certs', cert(TlsBuf.Certs)],
  ['tls.subjectaltname', cert(TlsBuf.SubjectAltName)],
  ['ja3.hash', JA3],
  ['ja3_hash', JA3],
  ['ja3.string', ts(P, TlsBuf.Ja3String, H)],
  ['ja3_string', ts(P, TlsBuf.Ja3String, H)],
  ['ja3s.hash', JA3S],
  ['ja3s.string', tc(P, TlsBuf.Ja3sString, H)],
  ['ja4.hash', ts(P, TlsBuf.Ja4Hash, H)],
  ['tls.random', both(P, TlsBuf.Random, TlsBuf.Random + 1, H)],
  ['tls.random_time', both(P, TlsBuf.RandomTime, TlsBuf.RandomTime + 1, H)],
  ['tls.random_bytes', both(P, TlsBuf.RandomBytes, TlsBuf.RandomBytes + 1, H)],
  ['tls.alpn', both(P, TlsBuf.Alpn, TlsBuf.Alpn + 1, H)],
]);

function needValue(keyword: string, v: string | null): string {
  if (v === null || v.trim() === '') throw invalidValue(keyword, 'needs a value');
  return v.trim().replace(/^"(.*)"$/, '$1');
}

/** ssl_version:sslv3,tls1.0,!tls1.3 — a listed version matches, a negated one excludes. */
function parseSslVersion(value: string | null): FnCheck {
  const t = needValue('ssl_version', value);
  const pos: number[] = [];
  const neg: number[] = [];
  for (const part of t.split(',')) {
    let name = part.trim().toLowerCase();
    const negated = name.startsWith('!');
    if (negated) name = name.slice(1).trim();
    const v = SSL_VERSION_NAMES[name];
    if (v === undefined) throw invalidValue('ssl_version', `unknown version '${name}'`);
    (negated ? neg : pos).push(v);
  }
  return new FnCheck((actual) => {
    const a = tlsVersionNormalized(actual);
    if (neg.includes(a)) return false;
    return pos.length === 0 || pos.includes(a);
  });
}

const SSL_STATES: Readonly<Record<string, number>> = {
  client_hello: SSL_STATE_CLIENT_HELLO,
  server_hello: SSL_STATE_SERVER_HELLO,
  client_keyx: SSL_STATE_CLIENT_KEYX,
  server_keyx: SSL_STATE_SERVER_KEYX,
  unknown: SSL_STATE_UNKNOWN,
};

/** ssl_state:client_hello|server_hello|!unknown (detect-ssl-state.c: (flags & cur) ^ mask). */
function parseSslState(value: string | null): FnCheck {
  const t = needValue('ssl_state', value);
  let flags = 0;
  let mask = 0;
  for (const part of t.split(/[|,]/)) {
    let name = part.trim().toLowerCase();
    const negated = name.startsWith('!');
    if (negated) name = name.slice(1).trim();
    const f = SSL_STATES[name];
    if (f === undefined) throw invalidValue('ssl_state', `unknown state '${name}'`);
    flags |= f;
    if (negated) mask |= f;
  }
  return new FnCheck((cur) => ((flags & cur) ^ mask) !== 0);
}

function parseTlsVersion(value: string | null): FnCheck {
  const t = needValue('tls.version', value);
  const v = tlsVersionFromKeyword(t);
  if (v === undefined) throw invalidValue('tls.version', `unknown version '${t}'`);
  return new FnCheck((actual) => tlsVersionMatches(v, actual));
}

/** tls_cert_notbefore / notafter: [<|>]DATE or DATE-DATE (YYYY-MM-DD[THH:MM[:SS]]), UTC. */
function parseCertDate(keyword: string) {
  return (value: string | null): FnCheck => {
    const t = needValue(keyword, value);
    const date = (s: string): number => {
      const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s.trim());
      if (m === null) throw invalidValue(keyword, `'${s}' is not a date`);
      return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) / 1000;
    };
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s*-\s*(\d{4}\S*)$/.exec(t)) && /^\d{4}-/.test(m[1]!)) {
      const a = date(m[1]!);
      const b = date(m[2]!);
      return new FnCheck((v) => v >= a && v <= b);
    }
    if (t.startsWith('<')) {
      const a = date(t.slice(1));
      return new FnCheck((v) => v < a);
    }
    if (t.startsWith('>')) {
      const a = date(t.slice(1));
      return new FnCheck((v) => v > a);
    }
    const a = date(t);
    return new FnCheck((v) => v === a);
  };
}

function flagKeyword(keyword: string) {
  return (value: string | null): FnCheck => {
    if (value !== null && value.trim() !== '') throw invalidValue(keyword, 'takes no value');
    return new FnCheck((v) => v === 1);
  };
}

const VERSION = both(P, TlsBuf.Version, TlsBuf.Version + 1, H);
export const TLS_INTS: ReadonlyMap<string, IntKeyword> = new Map([
  ['tls.version', { def: VERSION, parse: parseTlsVersion }],
  ['ssl_version', { def: both(P, TlsBuf.SslVersion, TlsBuf.SslVersion + 1, H), parse: parseSslVersion }],
  ['ssl_state', { def: both(P, TlsBuf.SslState, TlsBuf.SslState + 1, H), parse: parseSslState }],
  ['tls_cert_notbefore', { def: cert(TlsBuf.CertNotBefore), parse: parseCertDate('tls_cert_notbefore') }],
  ['tls.cert_notbefore', { def: cert(TlsBuf.CertNotBefore), parse: parseCertDate('tls.cert_notbefore') }],
  ['tls_cert_notafter', { def: cert(TlsBuf.CertNotAfter), parse: parseCertDate('tls_cert_notafter') }],
  ['tls.cert_notafter', { def: cert(TlsBuf.CertNotAfter), parse: parseCertDate('tls.cert_notafter') }],
  ['tls_cert_expired', { def: cert(TlsBuf.CertExpired), parse: flagKeyword('tls_cert_expired') }],
  ['tls.cert_expired', { def: cert(TlsBuf.CertExpired), parse: flagKeyword('tls.cert_expired') }],
  ['tls_cert_valid', { def: cert(TlsBuf.CertValid), parse: flagKeyword('tls_cert_valid') }],
  ['tls.cert_valid', { def: cert(TlsBuf.CertValid), parse: flagKeyword('tls.cert_valid') }],
  ['tls.cert_chain_len', { def: cert(TlsBuf.CertChainLen), parse: (v: string | null) => parseLenCheck('tls.cert_chain_len', needValue('tls.cert_chain_len', v)) }],
]);

export const TLS_LEGACY: ReadonlyMap<string, LegacyKeyword> = new Map([
  ['tls.subject', { def: SUBJECT, mode: 'contains' as const }],
  ['tls.issuerdn', { def: ISSUER, mode: 'contains' as const }],
  ['tls.fingerprint', { def: FINGERPRINT, mode: 'exact' as const, nocase: true }],
]);

export const tlsKeywords: AppKeywordModule = {
  alproto: P,
  names: ['tls'],
  udp: false,
  sticky: TLS_STICKY,
  ints: TLS_INTS,
  legacy: TLS_LEGACY,
  events: { def: both(P, TlsBuf.Event, TlsBuf.Event, H), names: TLS_EVENT_NAMES },
};
