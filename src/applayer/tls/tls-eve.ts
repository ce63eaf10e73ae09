/**
 * The EVE `tls` object (src/output-json-tls.c JsonTlsLogFields with EXTENDED_FIELDS, Suricata's
 * default): subject, issuerdn, subjectaltname, session_resumed, serial, fingerprint, sni,
 * version (the server's, UNDETERMINED before a ServerHello), notbefore, notafter, then
 * ja3/ja3s/ja4 when computed (Suricata computes them only when enabled or a rule needs them:
 * pass `fingerprints: false` to leave them out), client_alpns / server_alpns, and `client`
 * with the client certificate's subject, issuerdn, fingerprint, serial, notbefore, notafter.
 */
import { certTimeText } from './tls-cert.js';
import type { TlsState } from './tls-state.js';
import { tlsVersionText } from './tls-version.js';

export interface TlsEveOptions {
  extended?: boolean;
  fingerprints?: boolean;
}

export function tlsEve(s: TlsState, opts: TlsEveOptions = {}): Record<string, unknown> {
  const extended = opts.extended !== false;
  const o: Record<string, unknown> = {};
  const c = s.serverCert;
  if (c !== null) {
    o.subject = c.subject;
    o.issuerdn = c.issuer;
    if (c.san.length > 0) o.subjectaltname = c.san;
  }
  // JsonTlsLogSessionResumed: only without a certificate, after a ServerHello.
  if (s.sessionResumed && c === null && s.serverHelloDone) o.session_resumed = true;
  if (!extended) return o;
  if (c !== null) {
    o.serial = c.serial;
    o.fingerprint = c.fingerprint;
  }
  if (s.sni !== null) o.sni = s.sni;
  o.version = tlsVersionText(s.serverVersion);
  if (c !== null) {
    if (c.notBefore !== 0) o.notbefore = certTimeText(c.notBefore);
    if (c.notAfter !== 0) o.notafter = certTimeText(c.notAfter);
  }
  if (opts.fingerprints !== false) {
    if (s.ja3 !== null) o.ja3 = { hash: s.ja3.hash, string: s.ja3.string };
    if (s.ja3s !== null) o.ja3s = { hash: s.ja3s.hash, string: s.ja3s.string };
    if (s.ja4 !== null) o.ja4 = s.ja4;
  }
  if (s.clientHello !== null && s.clientHello.alpns.length > 0) o.client_alpns = s.clientHello.alpns;
  if (s.serverHello !== null && s.serverHello.alpn !== null) o.server_alpns = [s.serverHello.alpn];
  const cc = s.clientCert;
  if (cc !== null) {
    o.client = {
      subject: cc.subject,
      issuerdn: cc.issuer,
      fingerprint: cc.fingerprint,
      serial: cc.serial,
      ...(cc.notBefore !== 0 ? { notbefore: certTimeText(cc.notBefore) } : {}),
      ...(cc.notAfter !== 0 ? { notafter: certTimeText(cc.notAfter) } : {}),
    };
  }
  return o;
}

/**
 * Whether Suricata writes a `tls` event for the flow (JsonTlsLogger): a server certificate with
 * subject and issuer, or a resumed session (session-resumption logging is on by default), or a
 * handshake that ends without a certificate (TLS 1.3, or both sides encrypted: the
 * SSL_AL_FLAG_LOG_WITHOUT_CERT cases as far as this parser tracks them).
 */
export function tlsEveLoggable(s: TlsState): boolean {
  return s.serverCert !== null || s.sessionResumed || s.handshakeDone;
}
