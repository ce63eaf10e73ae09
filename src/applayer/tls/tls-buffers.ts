/**
 * TLS sticky buffers and integer keywords as transaction buffers (ids 96..159, one space with
 * the other protocols'). Two-sided buffers have a to-server id (client side: ClientHello,
 * client certificate) and the next id for the to-client side (ServerHello, server
 * certificate). Integer keywords are buffers whose instance "length" is the value.
 */
export const TlsBuf = {
  Sni: 96,
  CertSubject: 97, // +1: server
  CertIssuer: 99,
  CertSerial: 101,
  CertFingerprint: 103,
  /** tls.certs: each certificate of the chain (DER), a multi-buffer. */
  Certs: 105,
  SubjectAltName: 107,
  Ja3Hash: 109,
  Ja3String: 110,
  Ja3sHash: 111,
  Ja3sString: 112,
  Ja4Hash: 113,
  Random: 114,
  RandomTime: 116,
  RandomBytes: 118,
  /** Integers. */
  Version: 120,
  SslVersion: 122,
  SslState: 124,
  CertNotBefore: 126,
  CertNotAfter: 128,
  CertExpired: 130,
  CertValid: 132,
  CertChainLen: 134,
  Alpn: 136,
} as const;

/** Progress of a TLS side (TlsTxView.sideProgress). */
export const TlsProgress = { None: 0, Hello: 1, Cert: 2, Complete: 3 } as const;
