import { ENI_A, type Scenario } from '../kit.js';
import { ACK, RST, SYN, mssOption, tcpPacket } from '../packet-builder.js';

export const SCANNER = '198.51.100.66';
export const OPEN_PORTS = [22, 80, 443];
export const SCAN_PORTS = 1024;

export const portscan: Scenario = {
  file: 'portscan.pcap',
  summary: `SYN scan of ${ENI_A.ip} ports 1-${SCAN_PORTS} from ${SCANNER}`,
  details: [
    `${SCANNER} sends one SYN (MSS option only, one source port, nmap style) to each of ports 1-${SCAN_PORTS} of ${ENI_A.ip} in random order, one every 1.5 ms. Closed ports answer RST/ACK; the open ports ${OPEN_PORTS.join(', ')} answer SYN/ACK and the scanner resets them (RST).`,
    `Mirrored by ENI A's session (VNI ${ENI_A.vni}). Ground truth: ${SCAN_PORTS} distinct (src, dst, dport) SYNs, ${SCAN_PORTS - OPEN_PORTS.length} RST/ACK, ${OPEN_PORTS.length} SYN/ACK. Shows port-scan threshold rules and one-packet flows in VPC Flow Logs records.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    const sport = rng.ephemeralPort();
    const ports = rng.shuffle(Array.from({ length: SCAN_PORTS }, (_, i) => i + 1));
    const scanner = { src: SCANNER, dst: ENI_A.ip, ttl: 41 };
    const target = { src: ENI_A.ip, dst: SCANNER, ttl: 64 };
    let t = 500_000;
    for (const port of ports) {
      const seq = rng.u32();
      cap.ip(t, tcpPacket({ ...scanner, id: rng.int(1, 0xffff) }, { sport, dport: port, seq, flags: SYN, window: 1024, options: mssOption(1460) }));
      const rt = t + 25_000;
      if (OPEN_PORTS.includes(port)) {
        cap.ip(rt, tcpPacket({ ...target, id: 0, df: true }, { sport: port, dport: sport, seq: rng.u32(), ack: seq + 1, flags: SYN | ACK, window: 64240, options: mssOption(1460) }));
        cap.ip(rt + 25_000, tcpPacket({ ...scanner, id: rng.int(1, 0xffff) }, { sport, dport: port, seq: seq + 1, flags: RST, window: 0 }));
      } else {
        cap.ip(rt, tcpPacket({ ...target, id: 0, df: true }, { sport: port, dport: sport, seq: 0, ack: seq + 1, flags: RST | ACK, window: 0 }));
      }
      t += 1_500;
    }
  },
};
