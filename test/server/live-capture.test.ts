/**
 * Live capture through libpcap (cap) on `lo`: real VXLAN datagrams sent to 127.0.0.1:4789 from a
 * socket with a known source port, captured with a BPF filter that selects only them, decoded
 * through pipeline.onFrame. Skipped with a notice when cap/libpcap is unavailable or capturing
 * is not permitted.
 */
import { describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { loadCap } from '../../src/source/live-capture.js';
import { httpGet, innerFrame, metric, parseMetrics, startInProcess, vxlan, waitFor } from './harness.js';

let capReason: string | null = null;
try {
  const cap = await loadCap();
  if (!cap.Cap.deviceList().some((d) => d.name === 'lo')) capReason = 'libpcap does not list lo (not root / no CAP_NET_RAW?)';
} catch (err) {
  capReason = (err as Error).message;
}
if (capReason !== null) process.stderr.write(`\nNOTICE: live capture tests skipped: ${capReason}\n\n`);

async function senderSocket(): Promise<{ sock: dgram.Socket; port: number }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, port: sock.address().port };
}

async function send(sock: dgram.Socket, port: number, datagrams: Uint8Array[]): Promise<void> {
  for (const d of datagrams) await new Promise<void>((res, rej) => sock.send(d, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
}

describe('live capture without cap', () => {
  it('says exactly what to install', async () => {
    await expect(loadCap('cap-module-that-is-not-installed')).rejects.toThrow(
      /^live capture needs libpcap and the optional 'cap' module, which could not be loaded \(.*\)\. Install them with: apt-get install libpcap-dev && npm install cap$/,
    );
  });
});

(capReason === null ? describe : describe.skip)('serve --interface lo (libpcap via cap)', () => {
  it('captures VXLAN from the interface and counts it per session and direction', async () => {
    const { sock, port: sport } = await senderSocket();
    const s = await startInProcess({
      flags: { interface: 'lo', captureFilter: `udp dst port 4789 and udp src port ${sport}` },
      env: {},
    });
    try {
      expect(s.svc.boundSockets()).toEqual([]); // capture replaces the UDP sockets
      expect(s.svc.capture!.linkType.name).toBe('ETHERNET');
      const d = [
        ...Array.from({ length: 12 }, () => vxlan(101, innerFrame({ src: '127.0.0.1', dst: '1.1.1.1', frameLen: 200 }))),
        ...Array.from({ length: 8 }, () => vxlan(102, innerFrame({ src: '1.1.1.1', dst: '127.0.0.1', frameLen: 1400 }))),
      ];
      await send(sock, 4789, d);
      const api = await waitFor(async () => {
        const j = (await httpGet(s.base, '/api/sessions')).json();
        return j.received.pcap.datagrams === d.length ? j : null;
      }, 10000, 'captured frames');
      // No sessions configured: "unknown", direction from the outer source 127.0.0.1.
      expect(api.sessions[0]).toMatchObject({ name: 'unknown', packets: { egress: 12, ingress: 8, unknown: 0 }, bytes: { egress: 2400, ingress: 11200 } });
      const m = parseMetrics((await httpGet(s.base, '/metrics')).text);
      expect(metric(m, 'mirrorsink_datagrams_received_total', { listener: 'pcap' })).toBe(20);
      // Whole frames: outer Ethernet + IPv4 + UDP + VXLAN + inner.
      expect(metric(m, 'mirrorsink_datagram_bytes_received_total', { listener: 'pcap' })).toBe(d.reduce((a, b) => a + 14 + 20 + 8 + b.length, 0));
      expect(metric(m, 'mirrorsink_decoder_vxlan_packets_total')).toBe(20);
      expect(metric(m, 'mirrorsink_decoder_ethernet_packets_total')).toBe(40); // outer + inner
      expect((await httpGet(s.base, '/healthz')).status).toBe(200);
    } finally {
      await s.stop();
      sock.close();
    }
  });

  it('--capture-plain takes the interface traffic itself (no tunnel, session "unknown")', async () => {
    const { sock, port: sport } = await senderSocket();
    const target = await senderSocket(); // a bound socket so the datagrams are ordinary traffic
    const s = await startInProcess({ flags: { interface: 'lo', capturePlain: true, captureFilter: `udp src port ${sport} and udp dst port ${target.port}` } });
    try {
      await send(sock, target.port, Array.from({ length: 5 }, () => Buffer.from('hello')));
      const api = await waitFor(async () => {
        const j = (await httpGet(s.base, '/api/sessions')).json();
        return j.received.pcap.datagrams === 5 ? j : null;
      }, 10000, 'captured frames');
      expect(api.sessions[0].packets.total).toBe(5);
      const m = parseMetrics((await httpGet(s.base, '/metrics')).text);
      expect(metric(m, 'mirrorsink_decoder_vxlan_packets_total')).toBe(0);
      expect(metric(m, 'mirrorsink_decoder_udp_packets_total')).toBe(5);
    } finally {
      await s.stop();
      sock.close();
      target.sock.close();
    }
  });
});
