/**
 * TLS app-layer parser: one state (= one tx) per flow.
 *
 *   detection     probeTls(toServer, ...) (record-header patterns; port 443 too)
 *   state         new TlsState(); feed/gap/end; progress: clientHelloDone, serverHelloDone,
 *                 serverCertDone, clientCertDone, handshakeDone
 *   keywords      tls.sni                         s.sni                          (to server)
 *                 tls.cert_subject / tls.subject  s.serverCert.subject (to client), clientCert (to server)
 *                 tls.cert_issuer / tls.issuerdn  ...issuer
 *                 tls.cert_serial                 ...serial
 *                 tls.cert_fingerprint            ...fingerprint
 *                 tls.subjectaltname              ...san
 *                 tls.certs                       s.serverCerts / s.clientCerts (raw DER)
 *                 tls.cert_notbefore/notafter     ...notBefore / notAfter (seconds)
 *                 tls_cert_expired / tls_cert_valid   certExpired / certValid(cert, packet time)
 *                 tls.version / ssl_version       s.versionFor(toServer), tlsVersionFromKeyword/Matches,
 *                                                 SSL_VERSION_NAMES
 *                 ssl_state                       s.currentFlags (SSL_STATE_*)
 *                 tls.random (_time, _bytes)      s.clientHello.random / s.serverHello.random (32 bytes)
 *                 tls.cert_chain_len              s.serverCerts.length
 *                 ja3.hash / ja3.string           s.ja3 {hash, string}           (to server)
 *                 ja3s.hash / ja3s.string         s.ja3s                         (to client)
 *                 ja4.hash                        s.ja4
 *                 app-layer-event:tls.*           s.events
 *   EVE           tlsEve(s, { fingerprints }) (ja3/ja4 only when enabled, as Suricata); tlsEveLoggable(s)
 *   framework     register.ts, tls-parser.ts (TlsParser: per-slot state, TlsTxView = AppTx; JA3/JA4
 *                 computed only when TlsParser.fingerprints), tls-buffers.ts (TlsBuf ids)
 */
export * from './tls-state.js';
export * from './tls-hello.js';
export * from './tls-cert.js';
export * from './tls-probe.js';
export * from './tls-eve.js';
export * from './tls-version.js';
