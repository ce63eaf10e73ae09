import { ENI_A, ENI_B, TcpConversation, type Scenario } from '../kit.js';
import { selfSignedCertificate } from '../certificate.js';
import {
  concat,
  tlsApplicationData,
  tlsCertificateMessage,
  tlsClientFinished12,
  tlsClientHello,
  tlsClientHello12,
  tlsClientHelloSessionId,
  tlsEncryptedAlert,
  tlsHandshakeRecord,
  tlsServerFinished12,
  tlsServerHello,
  tlsServerHello12Message,
  tlsServerHelloDone,
  tlsServerKeyExchangeX25519,
} from '../packet-builder.js';

/** The TLS 1.2 server with the self-signed certificate. */
export const SELF_SIGNED_SERVER = '198.51.100.120';
export const SELF_SIGNED_SNI = 'files.example.net';
/** OpenSSL's `req` defaults, left in place by whoever made the certificate (as in many C2 servers). */
export const SELF_SIGNED_SUBJECT: [string, string][] = [
  ['C', 'AU'],
  ['ST', 'Some-State'],
  ['O', 'Internet Widgits Pty Ltd'],
  ['CN', SELF_SIGNED_SNI],
];
export const TLS13_SERVER = '203.0.113.10';
export const TLS13_SNI = 'www.example.org';

export const tls: Scenario = {
  file: 'tls.pcap',
  summary: `TLS 1.2 with a self-signed certificate (ClientHello split over two segments) from ${ENI_B.ip}, and a TLS 1.3 handshake from ${ENI_A.ip}`,
  details: [
    `${ENI_B.ip} (ENI B) connects to ${SELF_SIGNED_SERVER}:443. Its TLS 1.2 ClientHello (SNI \`${SELF_SIGNED_SNI}\`, no supported_versions) is sent in two TCP segments cut inside the server name. The server answers in one record: ServerHello (ECDHE-ECDSA-AES128-GCM-SHA256), Certificate, ServerKeyExchange (x25519), ServerHelloDone. The certificate is a real self-signed X.509 v3 certificate built by the generator (\`src/emulator/captures/certificate.ts\`): subject = issuer = \`C=AU, ST=Some-State, O=Internet Widgits Pty Ltd, CN=${SELF_SIGNED_SNI}\` (OpenSSL's defaults), Ed25519 key from a fixed seed, deterministic Ed25519 signature that verifies, valid 2026-10-01 to 2027-10-01, subjectAltName \`${SELF_SIGNED_SNI}\`. Then ClientKeyExchange / ChangeCipherSpec / Finished both ways, two application-data exchanges, an encrypted alert and FIN.`,
    `${ENI_A.ip} (ENI A) connects to ${TLS13_SERVER}:443 with a TLS 1.3 ClientHello (SNI \`${TLS13_SNI}\`, supported_versions 1.3 and 1.2, key share x25519); ServerHello (TLS_AES_128_GCM_SHA256), ChangeCipherSpec and encrypted records (the certificate is encrypted in 1.3), application data, FIN.`,
    `Mirrored by ENI B's (VNI ${ENI_B.vni}) and ENI A's (VNI ${ENI_A.vni}) sessions. Shows TLS parsing across segments, certificate fields (subject, issuer, serial, fingerprint, validity), \`tls.sni\` / \`tls.cert_subject\` rules and EVE \`tls\` records. Check: \`tshark -r captures/tls.pcap -d udp.port==4789,vxlan -Y tls.handshake.certificate -T fields -e x509sat.uTF8String\`.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    const rand = (n: number) => rng.bytes(n);

    const cert = selfSignedCertificate({
      subject: SELF_SIGNED_SUBJECT,
      serial: Uint8Array.from([0x4d, 0x53, 0x1a, 0x7c, 0x22, 0x90, 0x0b, 0x5e, 0x31, 0x07, 0xc4, 0x6a, 0x18, 0xe2, 0x5f, 0x01]),
      notBefore: new Date(Date.UTC(2026, 9, 1, 0, 0, 0)),
      notAfter: new Date(Date.UTC(2027, 9, 1, 0, 0, 0)),
      dnsNames: [SELF_SIGNED_SNI],
      keySeed: rng.bytes(32),
    });

    const c = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: SELF_SIGNED_SERVER, port: 443, ttl: 50 }, 200_000, { owdUs: 30_000 });
    c.handshake();
    const hello = tlsClientHello12(SELF_SIGNED_SNI, rand);
    const cut = Buffer.from(hello).indexOf(SELF_SIGNED_SNI) + 3; // inside the server name
    c.sendSplit(true, [hello.subarray(0, cut), hello.subarray(cut)], 300, 400, false);
    c.send(false, tlsHandshakeRecord(tlsServerHello12Message(rand), tlsCertificateMessage([cert]), tlsServerKeyExchangeX25519(rand), tlsServerHelloDone()), 1_500);
    c.send(true, tlsClientFinished12(rand), 800, false);
    c.send(false, tlsServerFinished12(rand), 1_000);
    c.send(true, tlsApplicationData(rng.bytes(180)), 2_000, false);
    c.send(false, concat(tlsApplicationData(rng.bytes(900)), tlsApplicationData(rng.bytes(300))), 15_000);
    c.send(true, tlsApplicationData(rng.bytes(120)), 1_200_000, false);
    c.send(false, tlsApplicationData(rng.bytes(60)), 9_000);
    c.send(true, tlsEncryptedAlert(rand), 3_000_000, false);
    c.close(true, 200);

    const d = new TcpConversation(cap, { ip: ENI_A.ip, port: rng.ephemeralPort() }, { ip: TLS13_SERVER, port: 443, ttl: 54 }, 1_000_000, { owdUs: 12_000 });
    d.handshake();
    const hello13 = tlsClientHello(TLS13_SNI, rand);
    d.send(true, hello13, 200, false);
    d.send(false, tlsServerHello(rand, tlsClientHelloSessionId(hello13), 2_400), 1_000);
    d.send(true, concat(tlsApplicationData(rng.bytes(64)), tlsApplicationData(rng.bytes(210))), 300, false);
    d.send(false, tlsApplicationData(rng.bytes(1_100)), 30_000);
    d.close(true, 2_000_000);
  },
};
