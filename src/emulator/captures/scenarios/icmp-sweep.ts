import { ENI_B, type Scenario } from '../kit.js';
import { bytes, concat, icmpPacket, u16, udpPacket } from '../packet-builder.js';

export const SWEEP_REPLIERS = [1, 10, 11, 12, 25, 40, 41, 57];
const TRACE_TARGET = '198.51.100.99';
const HOPS = ['10.0.2.1', '192.0.2.1'];

/** 56 bytes of Linux ping payload: 8-byte timestamp then 0x10, 0x11, ... */
function pingPayload(tUs: number): Uint8Array {
  const b = new Uint8Array(56);
  const sec = Math.floor(tUs / 1e6);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, sec, true);
  dv.setUint32(4, tUs % 1e6, true);
  for (let i = 8; i < 56; i++) b[i] = i + 8;
  return b;
}

export const icmpSweep: Scenario = {
  file: 'icmp-sweep.pcap',
  summary: `ICMP echo sweep of 10.0.1.1-60 from ${ENI_B.ip}, then a UDP traceroute with time-exceeded replies`,
  details: [
    `${ENI_B.ip} (ENI B) pings 10.0.1.1 to 10.0.1.60, one echo request every 10 ms (identifier fixed, sequence 1-60). Hosts .${SWEEP_REPLIERS.join(', .')} reply. 10.0.1.10 is ENI A, so that request and its reply are mirrored twice (VNI 102 egress/ingress at ENI B and VNI 101 ingress/egress at ENI A).`,
    `Then a traceroute to ${TRACE_TARGET}: UDP to port 33434, 33435, 33436 with TTL 1, 2, 3. Hops ${HOPS.join(' and ')} answer ICMP time exceeded (type 11, code 0) quoting the probe's IPv4 header and first 8 bytes; the target answers port unreachable (type 3, code 3). Shows ICMP rules (itype/icode), ICMP error payload decoding, VPC Flow Logs ICMP records (ports 0 0).`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    const id = rng.int(1, 0xffff);
    let t = 100_000;
    for (let host = 1; host <= 60; host++) {
      const dst = `10.0.1.${host}`;
      const rest = concat(u16(id), u16(host));
      const payload = pingPayload(t);
      cap.ip(t, icmpPacket({ src: ENI_B.ip, dst, ttl: 64, id: rng.int(1, 0xffff), df: true }, 8, 0, rest, payload));
      if (SWEEP_REPLIERS.includes(host)) {
        cap.ip(t + 400 + host, icmpPacket({ src: dst, dst: ENI_B.ip, ttl: host === 1 ? 255 : 64, id: rng.int(1, 0xffff) }, 0, 0, rest, payload));
      }
      t += 10_000;
    }
    // Traceroute, Linux style: UDP probes with a 32-byte payload.
    t += 1_000_000;
    const sport = rng.ephemeralPort();
    for (let ttl = 1; ttl <= 3; ttl++) {
      const probe = udpPacket({ src: ENI_B.ip, dst: TRACE_TARGET, ttl, id: rng.int(1, 0xffff) }, sport, 33433 + ttl, bytes('@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_'));
      cap.ip(t, probe);
      const quoted = probe.slice(0, 28); // IPv4 header + 8 bytes (the UDP header)
      const rt = t + 1_000 * ttl + 500;
      if (ttl <= HOPS.length) {
        cap.ip(rt, icmpPacket({ src: HOPS[ttl - 1]!, dst: ENI_B.ip, ttl: 255 - ttl + 1, id: rng.int(1, 0xffff) }, 11, 0, new Uint8Array(4), quoted));
      } else {
        cap.ip(rt, icmpPacket({ src: TRACE_TARGET, dst: ENI_B.ip, ttl: 52, id: rng.int(1, 0xffff) }, 3, 3, new Uint8Array(4), quoted));
      }
      t += 50_000;
    }
  },
};

