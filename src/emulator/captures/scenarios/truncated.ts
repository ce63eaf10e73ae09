import { ENI_A, TcpConversation, type Scenario } from '../kit.js';
import { bytes } from '../packet-builder.js';
import { WEB_CLIENT } from './two-enis.js';

export const TRUNCATED_PACKET_LENGTH = 128;

export const truncated: Scenario = {
  file: 'truncated.pcap',
  summary: `ENI A session (VNI ${ENI_A.vni}) with PacketLength ${TRUNCATED_PACKET_LENGTH}: a large HTTP response cut after ${TRUNCATED_PACKET_LENGTH} bytes`,
  details: [
    `${WEB_CLIENT} downloads \`/download/report.csv\` (10 000-byte body: 6 full-size segments and a shorter one) from ${ENI_A.ip}:80. ENI A's session has PacketLength ${TRUNCATED_PACKET_LENGTH}, so every mirrored packet keeps at most ${TRUNCATED_PACKET_LENGTH} bytes after the VXLAN header: large frames are ${50 + TRUNCATED_PACKET_LENGTH} bytes long with outer IPv4/UDP lengths for the cut size, while their inner IPv4 total length still says 1500. The GET request (154-byte frame) is cut too; handshake, ACKs and FINs are whole.`,
    'Shows truncation handling (`truncated` packets counted, no checksum drops, flow byte counts from the inner IP length), tshark "IPv4 total length exceeds packet length".',
  ].join('\n\n'),
  build(cap) {
    cap.policy = (eni) => (eni === ENI_A ? { vni: ENI_A.vni, packetLength: TRUNCATED_PACKET_LENGTH } : null);
    const body = 'id,region,amount\n' + Array.from({ length: 600 }, (_, i) => `${100000 + i},eu-west-1,${(i * 37) % 1000}.00`).join('\n');
    const padded = body.padEnd(10_000, '#').slice(0, 10_000);
    const c = new TcpConversation(cap, { ip: WEB_CLIENT, port: cap.rng.ephemeralPort(), ttl: 52 }, { ip: ENI_A.ip, port: 80 }, 100_000, { owdUs: 15_000 });
    c.handshake();
    c.send(true, 'GET /download/report.csv HTTP/1.1\r\nHost: files.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n', 500, false);
    c.send(false, `HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/csv\r\nContent-Length: ${bytes(padded).length}\r\n\r\n${padded}`, 2_000);
    c.close(true, 5_000);
  },
};
