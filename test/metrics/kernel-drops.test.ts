import { describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { KernelDropReader, ownSocketInodes, parseProcNetUdp } from '../../src/metrics/kernel-drops.js';
import { httpGet, innerFrame, metric, parseMetrics, startServeProcess, tmpDir, vxlan, waitFor, writeConfig } from '../server/harness.js';

const SAMPLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 1042: 0100007F:12B5 00000000:0000 07 00000000:00000A00 00:00000000 00000000     0        0 4242424 2 0000000000000000 17
 1100: 00000000:17C1 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242425 2 0000000000000000 0
`;

describe('kernel drops from /proc/net/udp', () => {
  it('parses ports, receive queue, inode and the drops column', () => {
    expect(parseProcNetUdp(SAMPLE)).toEqual([
      { inode: '4242424', localPort: 4789, rxQueueBytes: 2560, drops: 17 },
      { inode: '4242425', localPort: 6081, rxQueueBytes: 0, drops: 0 },
    ]);
  });

  it('finds our own socket by port and inode', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      expect(ownSocketInodes().size).toBeGreaterThan(0);
      const reader = new KernelDropReader();
      expect(reader.attach([sock.address().port])).toBe(1);
      expect(reader.read()).toEqual({ drops: 0, rxQueueBytes: 0 });
    } finally {
      sock.close();
    }
  });

  it('every datagram sent is either received or a counted kernel drop (real serve, tiny buffer, burst)', async () => {
    // A 1 s drop-rate window (the default 30 s smooths bursts for the NLB, test/service/health.test.ts):
    // this test watches one burst turn /healthz 503 and the next quiet sample turn it back.
    const config = writeConfig(tmpDir(), 'health: { max_kernel_drops_per_second: 10, kernel_drops_window_seconds: 1 }\n');
    const p = await startServeProcess(['--config', config, '--bind', '127.0.0.1', '--vxlan-port', '0', '--no-geneve', '--http-port', '0', '--http-bind', '127.0.0.1', '--receive-buffer', '65536']);
    try {
      const port = p.port('vxlan');
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
      const d = vxlan(1, innerFrame({ src: '127.0.0.1', dst: '1.1.1.1', frameLen: 1400 }));
      const N = 20000;
      // Health is sampled once a second: watch for the 503 while the burst overflows the buffer.
      let unhealthy: any = null;
      const watch = (async () => {
        const end = Date.now() + 15000;
        while (unhealthy === null && Date.now() < end) {
          const h = await httpGet(p.base, '/healthz');
          if (h.status === 503) unhealthy = h.json();
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await new Promise<void>((resolve, reject) => {
        let left = N;
        for (let i = 0; i < N; i++) sock.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : --left === 0 && resolve()));
      });
      sock.close();
      const m = await waitFor(async () => {
        const mm = parseMetrics((await httpGet(p.base, '/metrics')).text);
        const got = metric(mm, 'mirrorsink_datagrams_received_total', { listener: 'vxlan' })! + metric(mm, 'mirrorsink_capture_kernel_drops_total')!;
        return got === N ? mm : null;
      }, 15000, 'received + kernel drops = sent');
      const drops = metric(m, 'mirrorsink_capture_kernel_drops_total')!;
      expect(drops).toBeGreaterThan(0);
      await watch;
      expect(unhealthy?.reasons.join('\n')).toMatch(/kernel drops \d+\/s over the last 1 s exceed 10\/s/);
      // Quiet again: healthy after the next sample.
      await waitFor(async () => (await httpGet(p.base, '/healthz')).status === 200, 30000, 'healthy again');
      expect(metric(m, 'mirrorsink_session_packets_total', { session: 'unknown', vni: '', direction: 'egress' })).toBe(N - drops);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });
});
