import { ENI_A, TcpConversation, type Scenario } from '../kit.js';
import {
  DNS_AAAA,
  PROTO_ICMPV6,
  PROTO_UDP,
  bytes,
  concat,
  dnsAaaa,
  dnsQuery,
  dnsResponse,
  fragmentHeader,
  hopByHopHeader,
  icmpv6Message,
  ipv6,
  routingType0Header,
  u16,
  u8,
  udpDatagram,
  udpPacket,
} from '../packet-builder.js';

export const ENI_A_V6 = '2001:db8:1::10';
export const V6_PEER = '2001:db8:ff::7';
const RH0_VIA = '2001:db8:ff::99';

export const ipv6Scenario: Scenario = {
  file: 'ipv6.pcap',
  summary: `IPv6 traffic of ENI A (${ENI_A_V6}) with ${V6_PEER}: TCP, UDP, ICMPv6 echo, hop-by-hop, type-0 routing header, fragments`,
  details: [
    `ENI A also owns ${ENI_A_V6}; the outer header stays IPv4 (outer source ${ENI_A.ip}, VNI ${ENI_A.vni}). Contents, in time order:`,
    [
      `- HTTP over IPv6: ${V6_PEER} → [${ENI_A_V6}]:80, handshake, \`GET /v6.txt\`, 200 response, FIN.`,
      `- UDP: ${ENI_A_V6} asks [${V6_PEER}]:53 for \`v6.example.com\` AAAA, answered.`,
      `- ICMPv6 echo: ${V6_PEER} pings ${ENI_A_V6} three times (request type 128, reply 129).`,
      `- Hop-by-hop options header (Router Alert, PadN) before a UDP datagram ${V6_PEER} → [${ENI_A_V6}]:5000.`,
      `- Type-0 routing header (deprecated, RFC 5095) on an ICMPv6 echo request ${V6_PEER} → ${ENI_A_V6}, listing ${RH0_VIA} with one segment left.`,
      `- One UDP datagram (2000 bytes of payload, ${V6_PEER} → [${ENI_A_V6}]:5001) in two fragments (fragment headers; offsets 0 and 1232).`,
    ].join('\n'),
    'Shows IPv6 decoding, extension-header walking (`decoder.ipv6.*` events, rules on RH0), fragment handling, IPv6 addresses in ENI direction matching and flow records (type IPv6).',
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    // TCP
    const web = new TcpConversation(cap, { ip: V6_PEER, port: rng.ephemeralPort(), ttl: 57 }, { ip: ENI_A_V6, port: 80 }, 100_000, { owdUs: 9_000 });
    web.handshake();
    web.send(true, 'GET /v6.txt HTTP/1.1\r\nHost: [2001:db8:1::10]\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n', 300, false);
    web.send(false, 'HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nhello over IPv6 :)\r\n', 700);
    web.close(true, 10_000);

    // UDP DNS
    const qid = rng.int(1, 0xffff);
    const qport = rng.ephemeralPort();
    cap.ip(600_000, udpPacket({ src: ENI_A_V6, dst: V6_PEER, ttl: 64 }, qport, 53, dnsQuery(qid, 'v6.example.com', DNS_AAAA)));
    cap.ip(618_000, udpPacket({ src: V6_PEER, dst: ENI_A_V6, ttl: 57 }, 53, qport, dnsResponse(qid, 'v6.example.com', DNS_AAAA, [{ type: DNS_AAAA, ttl: 300, data: dnsAaaa('2001:db8:ff::80') }])));

    // ICMPv6 echo
    const id = rng.int(1, 0xffff);
    for (let seq = 1; seq <= 3; seq++) {
      const t = 1_000_000 + seq * 1_000_000;
      const payload = rng.bytes(56);
      const rest = concat(u16(id), u16(seq));
      cap.ip(t, ipv6({ src: V6_PEER, dst: ENI_A_V6, ttl: 57 }, PROTO_ICMPV6, icmpv6Message(V6_PEER, ENI_A_V6, 128, 0, rest, payload)));
      cap.ip(t + 300, ipv6({ src: ENI_A_V6, dst: V6_PEER, ttl: 64 }, PROTO_ICMPV6, icmpv6Message(ENI_A_V6, V6_PEER, 129, 0, rest, payload)));
    }

    // Hop-by-hop options (Router Alert) before UDP
    cap.ip(5_000_000, ipv6({ src: V6_PEER, dst: ENI_A_V6, ttl: 57 }, PROTO_UDP, udpDatagram(V6_PEER, ENI_A_V6, rng.ephemeralPort(), 5000, bytes('hop-by-hop test')), [hopByHopHeader(u8(5, 2, 0, 0))]));

    // Type-0 routing header: checksum over the final destination (the last listed address).
    cap.ip(
      5_500_000,
      ipv6({ src: V6_PEER, dst: ENI_A_V6, ttl: 57 }, PROTO_ICMPV6, icmpv6Message(V6_PEER, RH0_VIA, 128, 0, concat(u16(id), u16(9)), rng.bytes(32)), [routingType0Header([RH0_VIA])]),
    );

    // One UDP datagram in two fragments.
    const datagram = udpDatagram(V6_PEER, ENI_A_V6, rng.ephemeralPort(), 5001, rng.bytes(2000));
    const fragId = rng.u32();
    const first = 1232;
    cap.ip(6_000_000, ipv6({ src: V6_PEER, dst: ENI_A_V6, ttl: 57 }, PROTO_UDP, datagram.subarray(0, first), [fragmentHeader(0, true, fragId)]));
    cap.ip(6_000_100, ipv6({ src: V6_PEER, dst: ENI_A_V6, ttl: 57 }, PROTO_UDP, datagram.subarray(first), [fragmentHeader(first, false, fragId)]));
  },
};
