import { ENI_B, TcpConversation, type Scenario } from '../kit.js';
import { concat, tlsApplicationData, tlsClientHello, tlsClientHelloSessionId, tlsServerHello } from '../packet-builder.js';

/** A documentation address standing in for a threat-intelligence "known bad" host. */
export const KNOWN_BAD = '203.0.113.66';

export const knownBad: Scenario = {
  file: 'known-bad.pcap',
  summary: `HTTPS session from ${ENI_B.ip} to the "known bad" address ${KNOWN_BAD}:443`,
  details: [
    `${ENI_B.ip} (ENI B) connects to ${KNOWN_BAD}:443 (a documentation address used as a threat-list entry): handshake, TLS 1.3 ClientHello with SNI \`cdn-update.example\`, ServerHello + encrypted records, three beacon-sized application-data exchanges 5 s apart, client FIN.`,
    `Mirrored by ENI B's session (VNI ${ENI_B.vni}). Shows IP-reputation style rules (\`alert ip $HOME_NET any -> 203.0.113.66 any\`), TLS SNI matching, egress flows to the internet.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    const c = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: KNOWN_BAD, port: 443, ttl: 47 }, 300_000, { owdUs: 40_000 });
    c.handshake();
    const hello = tlsClientHello('cdn-update.example', (n) => rng.bytes(n));
    c.send(true, hello, 200, false);
    c.send(false, tlsServerHello((n) => rng.bytes(n), tlsClientHelloSessionId(hello), 1_900), 1_000);
    c.send(true, concat(tlsApplicationData(rng.bytes(64)), tlsApplicationData(rng.bytes(120))), 300, false);
    c.send(false, tlsApplicationData(rng.bytes(90)), 2_000);
    for (let i = 0; i < 3; i++) {
      c.send(true, tlsApplicationData(rng.bytes(rng.int(150, 190))), 5_000_000, false);
      c.send(false, tlsApplicationData(rng.bytes(rng.int(40, 700))), 20_000);
    }
    c.close(true, 1_000_000);
  },
};
