import { ENI_B, TcpConversation, type Scenario } from '../kit.js';
import { DNS_A, DNS_AAAA, DNS_AXFR, DNS_TXT, concat, dnsA, dnsAaaa, dnsQuery, dnsResponse, dnsTxt, u16 } from '../packet-builder.js';
import { AMAZON_DNS, dnsExchange } from './two-enis.js';
import { KNOWN_BAD } from './known-bad.js';

/** A domain on the threat list (the name known-bad.pcap's TLS client asks for). */
export const KNOWN_BAD_DOMAIN = 'cdn-update.example';

export const dns: Scenario = {
  file: 'dns.pcap',
  summary: `DNS between ${ENI_B.ip} and the Amazon DNS resolver ${AMAZON_DNS}:53: UDP (A, AAAA, TXT, NXDOMAIN, a known-bad domain) and an AXFR attempt over TCP`,
  details: [
    `${ENI_B.ip} (ENI B) sends standard queries (RD set) from a new ephemeral port each time to ${AMAZON_DNS}:53, and every query is answered 1.2 ms later (answers compressed with a pointer to the question name):`,
    `- \`www.example.com\` A: 192.0.2.10 and 192.0.2.11\n- \`www.example.com\` AAAA: 2001:db8:10::10\n- \`example.com\` TXT: \`v=spf1 -all\` and \`mirrorsink-test=1\`\n- \`db.internal.example\` A: NXDOMAIN (rcode 3)\n- \`updates.example.org\` A: 198.51.100.40\n- \`${KNOWN_BAD_DOMAIN}\` A: ${KNOWN_BAD} (a "known bad" domain and address: the beacon of known-bad.pcap)`,
    `Then DNS over TCP: ${ENI_B.ip} opens a connection to ${AMAZON_DNS}:53 and asks for a zone transfer (AXFR, type 252) of \`internal.example\`; the 2-byte length prefix goes in its own segment and the message in a second one. The resolver answers REFUSED (rcode 5) in one length-prefixed message and closes (FIN).`,
    `Mirrored by ENI B's session (VNI ${ENI_B.vni}). Shows DNS rules (\`dns.query\` content, \`dns.rrtype\`), DNS over TCP reassembled across segments, the \`amazon-dns\` network service in mirror filters, UDP flows.`,
  ].join('\n\n'),
  build(cap) {
    dnsExchange(cap, 100_000, ENI_B.ip, AMAZON_DNS, 'www.example.com', DNS_A, [
      { type: DNS_A, ttl: 300, data: dnsA('192.0.2.10') },
      { type: DNS_A, ttl: 300, data: dnsA('192.0.2.11') },
    ]);
    dnsExchange(cap, 101_000, ENI_B.ip, AMAZON_DNS, 'www.example.com', DNS_AAAA, [{ type: DNS_AAAA, ttl: 300, data: dnsAaaa('2001:db8:10::10') }]);
    dnsExchange(cap, 900_000, ENI_B.ip, AMAZON_DNS, 'example.com', DNS_TXT, [
      { type: DNS_TXT, ttl: 3600, data: dnsTxt('v=spf1 -all') },
      { type: DNS_TXT, ttl: 3600, data: dnsTxt('mirrorsink-test=1') },
    ]);
    dnsExchange(cap, 2_400_000, ENI_B.ip, AMAZON_DNS, 'db.internal.example', DNS_A, [], 3);
    dnsExchange(cap, 3_100_000, ENI_B.ip, AMAZON_DNS, 'updates.example.org', DNS_A, [{ type: DNS_A, ttl: 60, data: dnsA('198.51.100.40') }]);
    dnsExchange(cap, 3_700_000, ENI_B.ip, AMAZON_DNS, KNOWN_BAD_DOMAIN, DNS_A, [{ type: DNS_A, ttl: 30, data: dnsA(KNOWN_BAD) }]);

    // DNS over TCP (RFC 7766): every message behind a 2-byte length.
    const rng = cap.rng;
    const t = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: AMAZON_DNS, port: 53, ttl: 255 }, 4_500_000, { owdUs: 300 });
    t.handshake();
    const id = rng.int(1, 0xffff);
    const q = dnsQuery(id, 'internal.example', DNS_AXFR);
    t.sendSplit(true, [u16(q.length), q], 100, 40, false);
    const r = dnsResponse(id, 'internal.example', DNS_AXFR, [], 5);
    t.send(false, concat(u16(r.length), r), 900);
    t.close(false, 500);
  },
};
