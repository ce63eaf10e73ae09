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
  /** app-layer-event:tls.*: the flow's events as indexes into TLS_EVENT_NAMES (both sides). */
  Event: 138,
} as const;

/** Progress of a TLS side (TlsTxView.sideProgress). */
export const TlsProgress = { None: 0, Hello: 1, Cert: 2, Complete: 3 } as const;

/**
 * tls.* app-layer event names Suricata knows (app-layer-ssl.c tls_decoder_event_table), rule form
 * `app-layer-event:tls.<name>`; TlsBuf.Event values are indexes here. Some are never raised by
 * this parser (SSLv2 headers, certificate DER details): rules naming them load and do not match.
 */
export const TLS_EVENT_NAMES: readonly string[] = [
  'invalid_sslv2_header', 'invalid_tls_header', 'invalid_record_version', 'invalid_record_type', 'invalid_record_length',
  'invalid_handshake_message', 'heartbeat_message', 'invalid_heartbeat_message', 'overflow_heartbeat_message',
  'dataleak_heartbeat_mismatch', 'handshake_invalid_length', 'multiple_sni_extensions', 'invalid_sni_type',
  'invalid_sni_length', 'too_many_records_in_packet', 'invalid_certificate', 'certificate_invalid_length',
  'certificate_invalid_version', 'certificate_invalid_serial', 'certificate_invalid_algorithmidentifier',
  'certificate_invalid_x509name', 'certificate_invalid_date', 'certificate_invalid_extensions', 'certificate_invalid_der',
  'certificate_invalid_subject', 'certificate_invalid_issuer', 'certificate_invalid_validity', 'error_message_encountered',
  'invalid_ssl_record',
];
