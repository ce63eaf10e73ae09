/**
 * The EVE `tls` object (src/output-json-tls.c, `extended: yes`, Suricata's default): subject,
 * issuerdn, subjectaltname, session_resumed, serial, fingerprint, sni, version, notbefore, notafter, then
 * ja3/ja3s/ja4 when computed (Suricata computes them only when enabled or a rule needs them:
 * pass `fingerprints: false` to leave them out), client_alpns / server_alpns, and `client`
 * with the client certificate's fields.
 */
import { certTimeText, type TlsCertInfo } from './tls-cert.js';
import type { TlsState } from './tls-state.js';
import { tlsVersionText } from './tls-version.js';

export interface TlsEveOptions {
  extended?: boolean;
  fingerprints?: boolean;
}

function certFields(o: Record<string, unknown>, c: TlsCertInfo | null, extended: boolean, after?: () => void): void {
  if (c !== null) {
    o.subject = c.subject;
    o.issuerdn = c.issuer;
    if (c.san.length > 0) o.subjectaltname = c.san;
  }
  after?.();
  if (extended && c !== null) {
    o.serial = c.serial;
    o.fingerprint = c.fingerprint;
  }
}

export function tlsEve(s: TlsState, opts: TlsEveOptions = {}): Record<string, unknown> {
  const extended = opts.extended !== false;
  const o: Record<string, unknown> = {};
  certFields(o, s.serverCert, extended, () => {
    if (s.sessionResumed) o.session_resumed = true;
  });
  if (!extended) return o;
  if (s.sni !== null) o.sni = s.sni;
  o.version = tlsVersionText(s.serverVersion !== 0 ? s.serverVersion : s.clientVersion);
  if (s.serverCert !== null) {
    o.notbefore = certTimeText(s.serverCert.notBefore);
    o.notafter = certTimeText(s.serverCert.notAfter);
  }
  if (opts.fingerprints !== false) {
    if (s.ja3 !== null) o.ja3 = { hash: s.ja3.hash, string: s.ja3.string };
    if (s.ja3s !== null) o.ja3s = { hash: s.ja3s.hash, string: s.ja3s.string };
    if (s.ja4 !== null) o.ja4 = s.ja4;
  }
  if (s.clientHello !== null && s.clientHello.alpns.length > 0) o.client_alpns = s.clientHello.alpns;
  if (s.serverHello !== null && s.serverHello.alpn !== null) o.server_alpns = [s.serverHello.alpn];
  if (s.clientCert !== null) {
    const c: Record<string, unknown> = {};
    certFields(c, s.clientCert, true);
    c.notbefore = certTimeText(s.clientCert.notBefore);
    c.notafter = certTimeText(s.clientCert.notAfter);
    o.client = c;
  }
  return o;
}
