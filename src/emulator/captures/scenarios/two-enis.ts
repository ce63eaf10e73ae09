import { Capture, ENI_A, ENI_B, TcpConversation, type Scenario } from '../kit.js';
import {
  DNS_A,
  DNS_AAAA,
  bytes,
  concat,
  dnsA,
  dnsAaaa,
  dnsQuery,
  dnsResponse,
  tlsApplicationData,
  tlsClientHello,
  tlsClientHelloSessionId,
  tlsServerHello,
  u16,
  u32,
  u8,
  udpPacket,
} from '../packet-builder.js';

export const AMAZON_DNS = '10.0.0.2';
export const WEB_CLIENT = '203.0.113.50';
export const HTTPS_SERVER = '203.0.113.10';

function cstr(s: string): Uint8Array {
  return concat(bytes(s), u8(0));
}

/** PostgreSQL frontend/backend message: type byte + int32 length + body. */
function pg(type: string, body: Uint8Array): Uint8Array {
  return concat(bytes(type), u32(body.length + 4), body);
}

/** A DNS exchange on UDP: query from (client, port) and the answer 1.2 ms later. */
export function dnsExchange(cap: Capture, tUs: number, client: string, server: string, name: string, qtype: number, answers: Parameters<typeof dnsResponse>[3], rcode = 0): void {
  const id = cap.rng.int(1, 0xffff);
  const port = cap.rng.ephemeralPort();
  cap.ip(tUs, udpPacket({ src: client, dst: server, ttl: 64, id: cap.rng.int(1, 0xffff) }, port, 53, dnsQuery(id, name, qtype)));
  cap.ip(tUs + 1200, udpPacket({ src: server, dst: client, ttl: 255, id: 0 }, 53, port, dnsResponse(id, name, qtype, answers, rcode)));
}

const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Orders</title><link rel="stylesheet" href="/static/site.css"></head>
<body>
<h1>Order service</h1>
<p>Status: all systems normal.</p>
${Array.from({ length: 24 }, (_, i) => `<div class="order"><span class="id">#${1000 + i}</span> <span class="state">shipped</span></div>`).join('\n')}
</body>
</html>
`;

export const twoEnis: Scenario = {
  file: 'two-enis.pcap',
  summary: 'Everyday traffic of both ENIs: HTTP, Amazon DNS, PostgreSQL between the ENIs, HTTPS out',
  details: [
    `ENI A (${ENI_A.ip}, VNI ${ENI_A.vni}) serves HTTP on port 80 to ${WEB_CLIENT} (two GETs on one keep-alive connection) and resolves names at the Amazon DNS resolver ${AMAZON_DNS} (A and AAAA).`,
    `ENI B (${ENI_B.ip}, VNI ${ENI_B.vni}) is a PostgreSQL client of ENI A (TCP 5432: startup, \`SELECT 1\`, terminate) and talks HTTPS (TLS 1.3 ClientHello with SNI \`api.example.net\`) to ${HTTPS_SERVER}.`,
    'Both directions of every flow are mirrored. The PostgreSQL flow is between two mirror sources, so every packet of it appears twice: once from ENI B\'s session (VNI 102, outer source 10.0.2.20) and once from ENI A\'s (VNI 101, outer source 10.0.1.10), 60 µs later. Shows: session lookup by VNI, direction by inner addresses/MACs, flow tracking, VPC Flow Logs records for both ENIs.',
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    // DNS from ENI A.
    dnsExchange(cap, 50_000, ENI_A.ip, AMAZON_DNS, 'api.example.com', DNS_A, [{ type: DNS_A, ttl: 60, data: dnsA('192.0.2.80') }]);
    dnsExchange(cap, 1_250_000, ENI_A.ip, AMAZON_DNS, 'api.example.com', DNS_AAAA, [{ type: DNS_AAAA, ttl: 60, data: dnsAaaa('2001:db8:80::80') }]);

    // HTTP served by ENI A.
    const web = new TcpConversation(cap, { ip: WEB_CLIENT, port: rng.ephemeralPort(), ttl: 52 }, { ip: ENI_A.ip, port: 80 }, 100_000, { owdUs: 15_000 });
    web.handshake();
    web.send(true, 'GET / HTTP/1.1\r\nHost: orders.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nAccept: text/html\r\nConnection: keep-alive\r\n\r\n', 2000, false);
    web.send(false, `HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${bytes(html).length}\r\nConnection: keep-alive\r\n\r\n${html}`, 3000);
    web.send(true, 'GET /static/site.css HTTP/1.1\r\nHost: orders.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nAccept: text/css\r\nConnection: keep-alive\r\n\r\n', 40_000, false);
    web.send(false, 'HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/css\r\nContent-Length: 44\r\n\r\nbody { font-family: sans-serif; margin: 2em }', 1500);
    web.close(true, 500_000);

    // PostgreSQL: ENI B -> ENI A:5432 (both ENIs mirror it).
    const db = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: ENI_A.ip, port: 5432 }, 300_000, { owdUs: 250 });
    db.handshake();
    const params = concat(cstr('user'), cstr('app'), cstr('database'), cstr('orders'), u8(0));
    db.send(true, concat(u32(8 + params.length), u32(196608), params), 200, false);
    db.send(false, concat(pg('R', u32(0)), pg('S', concat(cstr('server_version'), cstr('16.4'))), pg('K', concat(u32(4242), u32(rng.u32()))), pg('Z', bytes('I'))), 800);
    db.send(true, pg('Q', cstr('SELECT 1;')), 5000, false);
    db.send(false, concat(pg('T', concat(u16(1), cstr('?column?'), u32(0), u16(0), u32(23), u16(4), u32(0xffffffff), u16(0))), pg('D', concat(u16(1), u32(1), bytes('1'))), pg('C', cstr('SELECT 1')), pg('Z', bytes('I'))), 300);
    db.send(true, pg('X', new Uint8Array(0)), 20_000, false);
    db.close(true, 100);

    // HTTPS from ENI B to the internet.
    const tls = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: HTTPS_SERVER, port: 443, ttl: 49 }, 600_000, { owdUs: 12_000 });
    tls.handshake();
    const hello = tlsClientHello('api.example.net', (n) => rng.bytes(n));
    tls.send(true, hello, 300, false);
    tls.send(false, tlsServerHello((n) => rng.bytes(n), tlsClientHelloSessionId(hello), 2400), 800);
    tls.send(true, concat(tlsApplicationData(rng.bytes(64)), tlsApplicationData(rng.bytes(180))), 400, false);
    tls.send(false, concat(tlsApplicationData(rng.bytes(230)), tlsApplicationData(rng.bytes(1100))), 30_000);
    tls.close(true, 200_000);
  },
};
