/**
 * TLS version numbers as Suricata names them: EVE `tls.version` (app-layer-ssl.c
 * SSLVersionToString), the `ssl_version` keyword's names (src/detect-ssl-version.c) and the
 * `tls.version` keyword's values (src/detect-tls-version.c: 1.0-1.3 or hex; 0x7fxx drafts count
 * as 1.3 unless the rule gives the raw value).
 */
export const SSL_VERSION_2 = 0x0002;
export const SSL_VERSION_3 = 0x0300;
export const TLS_VERSION_10 = 0x0301;
export const TLS_VERSION_11 = 0x0302;
export const TLS_VERSION_12 = 0x0303;
export const TLS_VERSION_13 = 0x0304;

export function tlsVersionText(v: number): string {
  switch (v) {
    case 0: return 'UNDETERMINED';
    case SSL_VERSION_2: return 'SSLv2';
    case SSL_VERSION_3: return 'SSLv3';
    case TLS_VERSION_10: return 'TLSv1';
    case TLS_VERSION_11: return 'TLS 1.1';
    case TLS_VERSION_12: return 'TLS 1.2';
    case TLS_VERSION_13: return 'TLS 1.3';
  }
  if ((v >> 8) === 0x7f) {
    const draft = v & 0xff;
    return draft < 16 ? 'TLS 1.3 draft-<16' : `TLS 1.3 draft-${draft}`;
  }
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/** Draft 1.3 versions compare as 1.3 for tls.version (unless the rule asked for the raw value). */
export function tlsVersionNormalized(v: number): number {
  return (v >> 8) === 0x7f ? TLS_VERSION_13 : v;
}

/** ssl_version keyword names (sslv2, sslv3, tls1.0 ... tls1.3) to numbers. */
export const SSL_VERSION_NAMES: Readonly<Record<string, number>> = {
  sslv2: SSL_VERSION_2,
  sslv3: SSL_VERSION_3,
  'tls1.0': TLS_VERSION_10,
  'tls1.1': TLS_VERSION_11,
  'tls1.2': TLS_VERSION_12,
  'tls1.3': TLS_VERSION_13,
};

/**
 * A `tls.version` rule value (src/detect-tls-version.c): `1.0`..`1.3`, or a hex number (raw:
 * compared exactly). undefined when unparseable.
 */
export function tlsVersionFromKeyword(value: string): { version: number; raw: boolean } | undefined {
  const v = value.trim().replace(/^"|"$/g, '');
  const named: Record<string, number> = { '1.0': TLS_VERSION_10, '1.1': TLS_VERSION_11, '1.2': TLS_VERSION_12, '1.3': TLS_VERSION_13 };
  if (named[v] !== undefined) return { version: named[v]!, raw: false };
  if (/^0x[0-9a-f]{1,4}$/i.test(v)) return { version: parseInt(v, 16), raw: true };
  return undefined;
}

/** tls.version match: a named 1.3 also matches the 0x7fxx drafts; a raw value matches exactly. */
export function tlsVersionMatches(rule: { version: number; raw: boolean }, actual: number): boolean {
  return rule.raw ? actual === rule.version : tlsVersionNormalized(actual) === rule.version;
}
