/**
 * X.509 certificate fields as Suricata shows them (rust/src/x509/mod.rs over the Rust
 * x509-parser crate; src/app-layer-ssl.c TlsDecodeHSCertificate*):
 *  - subject / issuerdn: RDNs in certificate order, `C=US, O=Google LLC, CN=*.google.com`, values
 *    unescaped, short names for the common attributes, dotted OIDs for the rest, multi-valued
 *    RDNs joined with ` + `;
 *  - serial: the DER INTEGER content bytes (a leading 00 included) in upper-case hex, `:`-joined;
 *  - fingerprint: SHA-1 of the DER, lower-case hex, `:`-joined;
 *  - notbefore / notafter: seconds since the epoch (EVE prints them `YYYY-MM-DDTHH:MM:SS`, UTC).
 *
 * ASN.1 decoding is @peculiar/asn1-x509 (the schema layer of @peculiar/x509, without its
 * dependency-injection container and global reflect polyfill); see the README for the choice.
 * A certificate it cannot decode gives null (the caller raises tls.invalid_certificate).
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, SubjectAlternativeName, type Name } from '@peculiar/asn1-x509';

export interface TlsCertInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly fingerprint: string;
  /** Seconds since the epoch (UTC). */
  readonly notBefore: number;
  readonly notAfter: number;
  /** DNS names of the subjectAltName extension. */
  readonly san: readonly string[];
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'givenName',
  '2.5.4.15': 'businessCategory',
  '1.2.840.113549.1.9.1': 'Email', // as x509-parser prints it (suricata-verify sslv2-tls-upgrade-01)
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

function hexJoin(bytes: Uint8Array, upper: boolean): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const h = bytes[i]!.toString(16);
    s += (i > 0 ? ':' : '') + (h.length === 1 ? '0' + h : h);
  }
  return upper ? s.toUpperCase() : s;
}

function nameText(name: Name): string {
  const rdns: string[] = [];
  for (const rdn of name) {
    const parts: string[] = [];
    for (const atv of rdn) {
      const key = SHORT_NAMES[atv.type] ?? atv.type;
      const v = atv.value;
      let val: string;
      if (v.anyValue !== undefined) val = '#' + Buffer.from(v.anyValue).toString('hex');
      else val = v.toString();
      parts.push(`${key}=${val}`);
    }
    rdns.push(parts.join(' + '));
  }
  return rdns.join(', ');
}

function timeSeconds(t: { utcTime?: Date; generalTime?: Date }): number {
  const d = t.utcTime ?? t.generalTime;
  return d === undefined ? 0 : Math.floor(d.getTime() / 1000);
}

/** SHA-1 fingerprint of a DER certificate, as Suricata prints it. */
export function certFingerprint(der: Uint8Array): string {
  return hexJoin(createHash('sha1').update(der).digest(), false);
}

/**
 * Decoded certificates by SHA-1, shared across flows: the same server certificates come back
 * connection after connection, and ASN.1 decoding costs far more (~0.5 ms) than the SHA-1.
 * Bounded; the oldest entry goes first. Entries are frozen (shared between flows).
 */
export const CERT_CACHE_MAX = 1024;
const certCache = new Map<string, TlsCertInfo | null>();

/** Decodes one DER certificate; null when it is not a certificate. Never throws. */
export function parseCertificate(der: Uint8Array): TlsCertInfo | null {
  const fp = certFingerprint(der);
  const hit = certCache.get(fp);
  if (hit !== undefined) return hit;
  const info = decodeCertificate(der, fp);
  if (certCache.size >= CERT_CACHE_MAX) certCache.delete(certCache.keys().next().value!);
  certCache.set(fp, info);
  return info;
}

function decodeCertificate(der: Uint8Array, fingerprint: string): TlsCertInfo | null {
  try {
    const cert = AsnConvert.parse(der, Certificate);
    const tbs = cert.tbsCertificate;
    const san: string[] = [];
    for (const ext of tbs.extensions ?? []) {
      if (ext.extnID !== '2.5.29.17') continue;
      try {
        const names = AsnConvert.parse(ext.extnValue, SubjectAlternativeName);
        for (const gn of names) if (gn.dNSName !== undefined) san.push(gn.dNSName);
      } catch {
        // A broken SAN extension leaves the rest of the certificate usable.
      }
    }
    const info: TlsCertInfo = {
      subject: nameText(tbs.subject),
      issuer: nameText(tbs.issuer),
      serial: hexJoin(new Uint8Array(tbs.serialNumber), true),
      fingerprint,
      notBefore: timeSeconds(tbs.validity.notBefore),
      notAfter: timeSeconds(tbs.validity.notAfter),
      san: Object.freeze(san),
    };
    return Object.freeze(info);
  } catch {
    return null;
  }
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, as EVE's tls.notbefore/notafter. */
export function certTimeText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/** tls_cert_expired: the certificate's notAfter lies before `now` (seconds, the packet time). */
export function certExpired(c: TlsCertInfo, now: number): boolean {
  return now > c.notAfter;
}

/** tls_cert_valid: `now` lies within notBefore..notAfter. */
export function certValid(c: TlsCertInfo, now: number): boolean {
  return now >= c.notBefore && now <= c.notAfter;
}
