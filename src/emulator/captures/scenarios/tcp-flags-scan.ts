import { ENI_A, type Scenario } from '../kit.js';
import { ACK, FIN, PSH, RST, URG, tcpPacket } from '../packet-builder.js';

export const FLAG_SCANNER = '198.51.100.67';
export const FLAG_SCAN_PORTS = [21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1723, 3306, 3389, 5900, 8080];
const OPEN = [22, 80, 443];

const PROBES: { name: string; flags: number }[] = [
  { name: 'NULL', flags: 0 },
  { name: 'XMAS', flags: FIN | PSH | URG },
  { name: 'FIN', flags: FIN },
];

export const tcpFlagsScan: Scenario = {
  file: 'tcp-flags-scan.pcap',
  summary: `NULL, XMAS (FIN+PSH+URG) and FIN scans from ${FLAG_SCANNER} to ${ENI_A.ip}, ${FLAG_SCAN_PORTS.length} ports each`,
  details: [
    `${FLAG_SCANNER} probes ${ENI_A.ip} on ports ${FLAG_SCAN_PORTS.join(', ')}: first ${FLAG_SCAN_PORTS.length} NULL probes (no flags), then ${FLAG_SCAN_PORTS.length} XMAS probes (FIN+PSH+URG, urgent pointer 0), then ${FLAG_SCAN_PORTS.length} FIN probes. Closed ports answer RST/ACK (RFC 793); the open ports ${OPEN.join(', ')} stay silent.`,
    `Mirrored by ENI A's session (VNI ${ENI_A.vni}). Ground truth: ${3 * FLAG_SCAN_PORTS.length} probes, ${3 * (FLAG_SCAN_PORTS.length - OPEN.length)} RST/ACK. Shows rules on \`flags: 0\`, \`flags: FPU\`, \`flags: F\`.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    let t = 200_000;
    for (const probe of PROBES) {
      const sport = rng.ephemeralPort();
      for (const port of FLAG_SCAN_PORTS) {
        const seq = rng.u32();
        cap.ip(t, tcpPacket({ src: FLAG_SCANNER, dst: ENI_A.ip, ttl: 44, id: rng.int(1, 0xffff) }, { sport, dport: port, seq, flags: probe.flags, window: 1024 }));
        if (!OPEN.includes(port)) {
          const ack = (seq + (probe.flags & FIN ? 1 : 0)) >>> 0;
          cap.ip(t + 30_000, tcpPacket({ src: ENI_A.ip, dst: FLAG_SCANNER, ttl: 64, id: 0, df: true }, { sport: port, dport: sport, seq: 0, ack, flags: RST | ACK, window: 0 }));
        }
        t += 20_000;
      }
      t += 2_000_000;
    }
  },
};
