import { ENI_A, TcpConversation, type Scenario } from '../kit.js';
import { DNS_A, concat, dnsA, tlsApplicationData, tlsClientHello, tlsClientHelloSessionId, tlsServerHello } from '../packet-builder.js';
import { AMAZON_DNS, dnsExchange } from './two-enis.js';

export const INGRESS_VNI = 201;
export const EGRESS_VNI = 202;
const CLIENT = '198.51.100.7';

export const directionVnis: Scenario = {
  file: 'direction-vnis.pcap',
  summary: `ENI A mirrored by two sessions: VNI ${INGRESS_VNI} carries only ingress, VNI ${EGRESS_VNI} only egress`,
  details: [
    `The "one VNI per direction" recipe: ENI A (${ENI_A.ip}) has session 1 (VNI ${INGRESS_VNI}, filter with ingress rules only) and session 2 (VNI ${EGRESS_VNI}, egress rules only). Every packet ENI A receives arrives with VNI ${INGRESS_VNI}, every packet it sends with VNI ${EGRESS_VNI}; both with outer source ${ENI_A.ip}. ENI B is not mirrored here.`,
    `Traffic: ${CLIENT} → ${ENI_A.ip}:443 (TLS 1.3 ClientHello, SNI \`shop.example.com\`, data, FIN) and ENI A's DNS query for \`shop-db.example.com\` to ${AMAZON_DNS}.`,
    'Shows direction taken from the VNI (session config `direction: ingress|egress`), which must agree with the address-based direction.',
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    cap.policy = (eni, dir) => (eni === ENI_A ? { vni: dir === 'ingress' ? INGRESS_VNI : EGRESS_VNI } : null);
    dnsExchange(cap, 50_000, ENI_A.ip, AMAZON_DNS, 'shop-db.example.com', DNS_A, [{ type: DNS_A, ttl: 30, data: dnsA('10.0.3.30') }]);
    const c = new TcpConversation(cap, { ip: CLIENT, port: rng.ephemeralPort(), ttl: 115 }, { ip: ENI_A.ip, port: 443 }, 200_000, { owdUs: 18_000 });
    c.handshake();
    const hello = tlsClientHello('shop.example.com', (n) => rng.bytes(n));
    c.send(true, hello, 300, false);
    c.send(false, tlsServerHello((n) => rng.bytes(n), tlsClientHelloSessionId(hello), 2_800), 900);
    c.send(true, concat(tlsApplicationData(rng.bytes(64)), tlsApplicationData(rng.bytes(310))), 500, false);
    c.send(false, tlsApplicationData(rng.bytes(1_800)), 25_000);
    c.close(true, 3_000_000);
  },
};
