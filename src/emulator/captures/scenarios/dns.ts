import { ENI_B, type Scenario } from '../kit.js';
import { DNS_A, DNS_AAAA, DNS_TXT, dnsA, dnsAaaa, dnsTxt } from '../packet-builder.js';
import { AMAZON_DNS, dnsExchange } from './two-enis.js';

export const dns: Scenario = {
  file: 'dns.pcap',
  summary: `DNS over UDP between ${ENI_B.ip} and the Amazon DNS resolver ${AMAZON_DNS}:53 (A, AAAA, TXT, NXDOMAIN)`,
  details: [
    `${ENI_B.ip} (ENI B) sends standard queries (RD set) from a new ephemeral port each time to ${AMAZON_DNS}:53, and every query is answered 1.2 ms later (answers compressed with a pointer to the question name):`,
    '- `www.example.com` A: 192.0.2.10 and 192.0.2.11\n- `www.example.com` AAAA: 2001:db8:10::10\n- `example.com` TXT: `v=spf1 -all` and `mirrorsink-test=1`\n- `db.internal.example` A: NXDOMAIN (rcode 3)\n- `updates.example.org` A: 198.51.100.40',
    `Mirrored by ENI B's session (VNI ${ENI_B.vni}). Shows DNS rules (\`dns.query\` content), the \`amazon-dns\` network service in mirror filters, UDP flows.`,
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
  },
};
