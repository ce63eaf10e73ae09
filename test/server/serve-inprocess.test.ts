/**
 * The live sink in-process on ephemeral loopback ports: real UDP datagrams in, the real HTTP
 * endpoints out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { haveTool } from '../helpers/tools.js';
import {
  geneve,
  geneveAroundVxlan,
  httpGet,
  httpPost,
  innerFrame,
  metric,
  parseMetrics,
  sendUdp,
  startInProcess,
  tmpDir,
  vxlan,
  waitFor,
  writeConfig,
  type InProcess,
} from './harness.js';

const CONFIG = `
sessions:
  - name: eni-a
    vni: 101
    eni: eni-0a1b2c3d4e5f60101
    addresses: [10.0.1.10, "2001:db8:1::10"]
    mac: 02:00:0a:00:01:0a
  - name: eni-b
    vni: 102
    eni: eni-0a1b2c3d4e5f60102
    addresses: [10.0.2.20]
  - name: db-ingress
    vni: 201
    direction: ingress
allowed_senders: [127.0.0.1/32]
http:
  reload_token: test-reload-token
`;

async function metricsOf(s: InProcess) {
  const r = await httpGet(s.base, '/metrics');
  expect(r.status).toBe(200);
  return parseMetrics(r.text);
}

async function sessionsOf(s: InProcess) {
  return (await httpGet(s.base, '/api/sessions')).json();
}

describe('serve (in-process): sessions, directions, metrics', () => {
  let s: InProcess;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = tmpDir();
    file = writeConfig(dir, CONFIG);
    s = await startInProcess({ file, flags: { bind: ['127.0.0.1', '::1'] } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('binds VXLAN and GENEVE on IPv4 and IPv6 with the receive buffer read back', async () => {
    const socks = s.svc.boundSockets();
    expect(socks.map((b) => `${b.listener}/${b.family}/${b.address}`).sort()).toEqual(['geneve/4/127.0.0.1', 'geneve/6/::1', 'vxlan/4/127.0.0.1', 'vxlan/6/::1']);
    for (const b of socks) expect(b.port).toBeGreaterThan(0);
    const m = await metricsOf(s);
    expect(metric(m, 'mirrorsink_udp_receive_buffer_bytes', { listener: 'vxlan' })).toBe(s.svc.listeners[0]!.receiveBuffer!.actual);
    expect(s.svc.listeners[0]!.receiveBuffer!.actual).toBeGreaterThan(212992);
    if (s.svc.listeners[0]!.receiveBuffer!.capped) {
      expect(s.logs.messages().filter((l) => l.includes('sysctl -w net.core.rmem_max=33554432'))).toHaveLength(1);
    }
  });

  it('counts exactly what was sent, per VNI and per direction, in /api/sessions and /metrics', async () => {
    const d: Buffer[] = [];
    // eni-a: 30 egress x 100 B, 20 ingress x 1400 B, 5 unknown-direction x 200 B, 3 IPv6 egress x 120 B
    for (let i = 0; i < 30; i++) d.push(vxlan(101, innerFrame({ src: '10.0.1.10', dst: '93.184.216.34', frameLen: 100 })));
    for (let i = 0; i < 20; i++) d.push(vxlan(101, innerFrame({ src: '93.184.216.34', dst: '10.0.1.10', frameLen: 1400 })));
    for (let i = 0; i < 5; i++) d.push(vxlan(101, innerFrame({ src: '1.1.1.1', dst: '2.2.2.2', frameLen: 200 })));
    for (let i = 0; i < 3; i++) d.push(vxlan(101, innerFrame({ src: '2001:db8:1::10', dst: '2001:db8:ff::1', frameLen: 120 })));
    // eni-b: 7 ingress x 64 B, one jumbo egress (9001 B inner frame)
    for (let i = 0; i < 7; i++) d.push(vxlan(102, innerFrame({ src: '10.9.9.9', dst: '10.0.2.20', frameLen: 64 })));
    d.push(vxlan(102, innerFrame({ src: '10.0.2.20', dst: '10.9.9.9', frameLen: 9001 })));
    // db-ingress: the VNI names the direction
    for (let i = 0; i < 4; i++) d.push(vxlan(201, innerFrame({ src: '10.0.2.20', dst: '10.0.3.3', frameLen: 300 })));
    await sendUdp(s.vxlanPort, d);
    // GENEVE listener: VNI 102 ingress x 2 (Ethernet payload), over IPv4
    await sendUdp(s.genevePort, [geneve(102, innerFrame({ src: '10.9.9.9', dst: '10.0.2.20', frameLen: 80 })), geneve(102, innerFrame({ src: '10.9.9.9', dst: '10.0.2.20', frameLen: 80 }))]);
    const total = d.length + 2;
    await waitFor(async () => (await sessionsOf(s)).received.vxlan.datagrams + (await sessionsOf(s)).received.geneve.datagrams === total, 30000, 'datagrams');

    const api = await sessionsOf(s);
    const byName = Object.fromEntries(api.sessions.map((x: any) => [x.name, x]));
    expect(byName['eni-a'].packets).toEqual({ unknown: 5, ingress: 20, egress: 33, total: 58 });
    expect(byName['eni-a'].bytes).toEqual({ unknown: 1000, ingress: 28000, egress: 3360, total: 32360 });
    expect(byName['eni-b'].packets).toEqual({ unknown: 0, ingress: 9, egress: 1, total: 10 });
    expect(byName['eni-b'].bytes).toEqual({ unknown: 0, ingress: 7 * 64 + 160, egress: 9001, total: 7 * 64 + 160 + 9001 });
    expect(byName['db-ingress'].packets).toEqual({ unknown: 0, ingress: 4, egress: 0, total: 4 });
    expect(byName.unknown.packets.total).toBe(0);
    expect(api.drops).toEqual({ unknown_vni: 0, disallowed_sender: 0, malformed: 0, filter: 0, duplicate: 0 });

    const m = await metricsOf(s);
    const sp = (session: string, vni: string, direction: string) => metric(m, 'mirrorsink_session_packets_total', { session, vni, direction });
    const sb = (session: string, vni: string, direction: string) => metric(m, 'mirrorsink_session_bytes_total', { session, vni, direction });
    expect(sp('eni-a', '101', 'egress')).toBe(33);
    expect(sp('eni-a', '101', 'ingress')).toBe(20);
    expect(sp('eni-a', '101', 'unknown')).toBe(5);
    expect(sb('eni-a', '101', 'ingress')).toBe(28000);
    expect(sp('eni-b', '102', 'ingress')).toBe(9);
    expect(sb('eni-b', '102', 'egress')).toBe(9001);
    expect(sp('db-ingress', '201', 'ingress')).toBe(4);
    expect(sp('unknown', '', 'egress')).toBe(0);
    expect(metric(m, 'mirrorsink_datagrams_received_total', { listener: 'vxlan' })).toBe(d.length);
    expect(metric(m, 'mirrorsink_datagrams_received_total', { listener: 'geneve' })).toBe(2);
    expect(metric(m, 'mirrorsink_datagram_bytes_received_total', { listener: 'vxlan' })).toBe(d.reduce((a, b) => a + b.length, 0));
    expect(metric(m, 'mirrorsink_decoder_packets_total')).toBe(total);
    expect(metric(m, 'mirrorsink_decoder_vxlan_packets_total')).toBe(d.length);
    expect(metric(m, 'mirrorsink_decoder_geneve_packets_total')).toBe(2);
    expect(metric(m, 'mirrorsink_decoder_ipv6_packets_total')).toBe(3);
    expect(metric(m, 'mirrorsink_decoder_udp_packets_total')).toBe(total);
    expect(metric(m, 'mirrorsink_decoder_invalid_total')).toBe(0);
    // Bounded label sets: 3 configured sessions + unknown, 3 directions each.
    expect([...m.keys()].filter((k) => k.startsWith('mirrorsink_session_packets_total{'))).toHaveLength(12);
  });

  it('IPv6 senders reach the udp6 socket (and are disallowed: only 127.0.0.1/32 may send)', async () => {
    const before = (await sessionsOf(s)).drops.disallowed_sender;
    const port6 = s.svc.boundSockets().find((b) => b.listener === 'vxlan' && b.family === 6)!.port;
    await sendUdp(port6, [vxlan(101, innerFrame({ src: '10.0.1.10', dst: '1.1.1.1' })), vxlan(101, innerFrame({ src: '10.0.1.10', dst: '1.1.1.1' }))], '::1');
    await waitFor(async () => (await sessionsOf(s)).drops.disallowed_sender === before + 2, 30000, 'disallowed_sender drops');
    const m = await metricsOf(s);
    expect(metric(m, 'mirrorsink_dropped_packets_total', { cause: 'disallowed_sender' })).toBe(before + 2);
  });

  it('short datagrams, no I flag and garbage are counted as decoder events and survived', async () => {
    const m0 = await metricsOf(s);
    const recv0 = metric(m0, 'mirrorsink_datagrams_received_total', { listener: 'vxlan' })!;
    const garbage: Buffer[] = [
      Buffer.from([0x08, 0, 0]), // 3 bytes: shorter than a VXLAN header
      Buffer.alloc(0), // empty datagram
      vxlan(101, innerFrame({ src: '10.0.1.10', dst: '1.1.1.1' }), 0x00), // I flag clear
      vxlan(101, new Uint8Array(6)), // inner Ethernet too short
    ];
    let seed = 12345;
    for (let i = 0; i < 50; i++) {
      const b = Buffer.alloc(1 + (i * 37) % 1500);
      for (let j = 0; j < b.length; j++) b[j] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      garbage.push(b);
    }
    await sendUdp(s.vxlanPort, garbage);
    await waitFor(async () => metric(await metricsOf(s), 'mirrorsink_datagrams_received_total', { listener: 'vxlan' }) === recv0 + garbage.length, 30000, 'garbage received');
    const m = await metricsOf(s);
    expect(metric(m, 'mirrorsink_decoder_events_total', { event: 'vxlan.pkt_too_small' })).toBeGreaterThanOrEqual(2);
    expect(metric(m, 'mirrorsink_decoder_events_total', { event: 'vxlan.no_i_flag' })).toBeGreaterThanOrEqual(1);
    expect(metric(m, 'mirrorsink_decoder_events_total', { event: 'ethernet.pkt_too_small' })).toBeGreaterThanOrEqual(1);
    expect(metric(m, 'mirrorsink_decoder_invalid_total')).toBeGreaterThanOrEqual(4);
    expect(metric(m, 'mirrorsink_dropped_packets_total', { cause: 'malformed' })).toBe(metric(m, 'mirrorsink_decoder_invalid_total'));
    expect(metric(m, 'mirrorsink_internal_errors_total')).toBe(0);
    // Still alive and counting.
    const api0 = await sessionsOf(s);
    await sendUdp(s.vxlanPort, [vxlan(102, innerFrame({ src: '10.0.2.20', dst: '1.1.1.1' }))]);
    await waitFor(async () => (await sessionsOf(s)).sessions[1].packets.egress === api0.sessions[1].packets.egress + 1, 30000, 'packet after garbage');
    expect((await httpGet(s.base, '/healthz')).status).toBe(200);
  });

  it('publishes every required metric name', async () => {
    const text = (await httpGet(s.base, '/metrics')).text;
    const names = [
      'mirrorsink_datagrams_received_total',
      'mirrorsink_datagram_bytes_received_total',
      'mirrorsink_decoder_packets_total',
      'mirrorsink_decoder_bytes_total',
      'mirrorsink_decoder_invalid_total',
      ...['ethernet', 'vlan', 'vlan_qinq', 'sll', 'null', 'raw', 'ipv4', 'ipv6', 'tcp', 'udp', 'icmpv4', 'icmpv6', 'vxlan', 'geneve', 'fragment', 'truncated'].map(
        (l) => `mirrorsink_decoder_${l}_packets_total`,
      ),
      'mirrorsink_decoder_events_total',
      'mirrorsink_session_packets_total',
      'mirrorsink_session_bytes_total',
      'mirrorsink_dropped_packets_total',
      'mirrorsink_capture_kernel_drops_total',
      'mirrorsink_udp_receive_buffer_bytes',
      'mirrorsink_event_loop_lag_seconds',
      'mirrorsink_batch_processing_seconds',
      'mirrorsink_uptime_seconds',
      'mirrorsink_build_info',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ];
    for (const n of names) expect(text, n).toMatch(new RegExp(`^# TYPE ${n} `, 'm'));
    const m = parseMetrics(text);
    expect(metric(m, 'mirrorsink_capture_kernel_drops_total')).toBe(0);
    expect(metric(m, 'mirrorsink_batch_processing_seconds_count')).toBeGreaterThan(0);
    expect([...m.keys()].some((k) => /^mirrorsink_build_info\{version="\d+\.\d+\.\d+",node_version="\d+/.test(k))).toBe(true);
  });

  it('promtool check metrics finds no problem', async (ctx) => {
    if (!haveTool('promtool')) {
      process.stderr.write('NOTICE: promtool not installed: skipping the exposition lint\n');
      ctx.skip();
    }
    const text = (await httpGet(s.base, '/metrics')).text;
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('/readyz is 200 while running; /api/flows/unanswered is 404 with flows off', async () => {
    expect((await httpGet(s.base, '/readyz')).json()).toEqual({ status: 'ready' });
    const f = await httpGet(s.base, '/api/flows/unanswered');
    expect(f.status).toBe(404);
    expect(f.json().flows).toEqual([]);
  });

  it('POST /api/reload: 401 without or with a wrong token; applies a good config; refuses a bad one and keeps running', async () => {
    expect((await httpPost(s.base, '/api/reload')).status).toBe(401);
    expect((await httpPost(s.base, '/api/reload', { authorization: 'Bearer nope' })).status).toBe(401);
    const before = await sessionsOf(s);

    writeConfig(dir, CONFIG.replace('name: db-ingress', 'name: db-in-renamed'));
    const ok = await httpPost(s.base, '/api/reload', { authorization: 'Bearer test-reload-token' });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, summary: { sessions: 3 }, restart_required: [] });
    const after = await sessionsOf(s);
    expect(after.sessions.map((x: any) => x.name)).toEqual(['eni-a', 'eni-b', 'db-in-renamed', 'unknown']);
    // Unchanged sessions keep their counts across the reload.
    expect(after.sessions[0].packets).toEqual(before.sessions[0].packets);

    writeConfig(dir, CONFIG.replace('vni: 102', 'vni: 99999999').replace('[10.0.2.20]', '[10.0.2.299]'));
    const bad = await httpPost(s.base, '/api/reload', { 'x-reload-token': 'test-reload-token' });
    expect(bad.status).toBe(422);
    expect(bad.json.ok).toBe(false);
    expect(bad.json.problems).toHaveLength(2);
    expect(bad.json.problems.join('\n')).toContain(`${file}:9: sessions[1].vni`);
    expect(bad.json.problems.join('\n')).toContain('sessions[1].addresses[0]');
    expect((await sessionsOf(s)).sessions.map((x: any) => x.name)).toEqual(['eni-a', 'eni-b', 'db-in-renamed', 'unknown']);
    expect(s.logs.messages().some((l) => l.startsWith('reload refused, the running configuration is kept'))).toBe(true);
    writeConfig(dir, CONFIG);
  });

  it('/healthz turns 503 with a reason when a UDP socket fails', async () => {
    expect((await httpGet(s.base, '/healthz')).status).toBe(200);
    s.svc.simulateSocketFailure('geneve');
    const h = await waitFor(async () => {
      const r = await httpGet(s.base, '/healthz');
      return r.status === 503 ? r.json() : null;
    });
    expect(h.status).toBe('unhealthy');
    expect(h.reasons.join('\n')).toMatch(/geneve.*(not bound|closed)/);
  });
});

describe('serve (in-process): policies and shutdown', () => {
  it('unknown_vni: drop counts and drops; process puts them under "unknown"', async () => {
    const dir = tmpDir();
    const drop = await startInProcess({ file: writeConfig(dir, 'unknown_vni: drop\nsessions: [{ name: a, vni: 5 }]\n'), flags: { noGeneve: true } });
    try {
      await sendUdp(drop.vxlanPort, [vxlan(6, innerFrame({ src: '127.0.0.1', dst: '1.1.1.1' })), vxlan(5, innerFrame({ src: '127.0.0.1', dst: '1.1.1.1' }))]);
      await waitFor(async () => (await sessionsOf(drop)).drops.unknown_vni === 1);
      const api = await sessionsOf(drop);
      expect(api.sessions[0].packets.total).toBe(1);
      expect(api.sessions[1]).toMatchObject({ name: 'unknown', packets: { total: 0 } });
    } finally {
      await drop.stop();
    }
    // No config at all: every VNI is "unknown"; direction from the outer source (127.0.0.1).
    const free = await startInProcess({ flags: { noGeneve: true } });
    try {
      expect(free.svc.boundSockets().map((b) => b.listener)).toEqual(['vxlan']);
      await sendUdp(free.vxlanPort, [
        vxlan(77, innerFrame({ src: '127.0.0.1', dst: '1.1.1.1' })),
        vxlan(78, innerFrame({ src: '1.1.1.1', dst: '127.0.0.1' })),
        vxlan(79, innerFrame({ src: '1.1.1.1', dst: '2.2.2.2' })),
      ]);
      await waitFor(async () => (await sessionsOf(free)).sessions[0].packets.total === 3);
      expect((await sessionsOf(free)).sessions[0]).toMatchObject({ name: 'unknown', packets: { egress: 1, ingress: 1, unknown: 1 } });
      expect(free.logs.messages()).toContain('no configuration file (--config or MIRRORSINK_CONFIG): running on defaults');
      // Reload over HTTP is refused without a configured token.
      const r = await httpPost(free.base, '/api/reload', { authorization: 'Bearer anything' });
      expect(r.status).toBe(401);
      expect(r.json.error).toMatch(/disabled/);
    } finally {
      await free.stop();
    }
  });

  it('stop() drains what is queued, then readyz/healthz are gone and the ports are free', async () => {
    const s = await startInProcess({ flags: { noGeneve: true } });
    const burst = Array.from({ length: 500 }, () => vxlan(1, innerFrame({ src: '127.0.0.1', dst: '1.1.1.1' })));
    await sendUdp(s.vxlanPort, burst);
    await s.stop();
    expect(s.svc.receive.datagrams[0]).toBe(500);
    expect(s.logs.messages()).toContain('mirrorsink stopped');
    await expect(fetch(s.base + '/healthz')).rejects.toThrow();
    // The UDP port can be bound again.
    const again = await startInProcess({ flags: { noGeneve: true, vxlanPort: String(s.vxlanPort) } });
    expect(again.vxlanPort).toBe(s.vxlanPort);
    await again.stop();
  });

  it('a port in use fails the start with the address and port named', async () => {
    const a = await startInProcess({ flags: { noGeneve: true } });
    try {
      await expect(startInProcess({ flags: { noGeneve: true, vxlanPort: String(a.vxlanPort) } })).rejects.toThrow(
        `cannot bind udp4 127.0.0.1:${a.vxlanPort} (vxlan): address already in use`,
      );
    } finally {
      await a.stop();
    }
  });

  it('/healthz turns 503 while the event loop lags past the threshold, and recovers', async () => {
    const dir = tmpDir();
    const s = await startInProcess({ file: writeConfig(dir, 'health: { max_event_loop_lag_seconds: 0.05 }\n'), flags: { noGeneve: true }, healthIntervalMs: 3_600_000 });
    try {
      s.svc.health.sample();
      expect((await httpGet(s.base, '/healthz')).status).toBe(200);
      // Block the loop for 300 ms as a pipeline that cannot keep up would.
      await new Promise((r) => setTimeout(r, 20));
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // busy
      }
      await new Promise((r) => setTimeout(r, 20));
      s.svc.health.sample();
      const r = await httpGet(s.base, '/healthz');
      expect(r.status).toBe(503);
      expect(r.json().reasons.join('\n')).toMatch(/^event loop lag 0\.\d+ s exceeds 0\.05 s/m);
      const m = parseMetrics((await httpGet(s.base, '/metrics')).text);
      expect(metric(m, 'mirrorsink_event_loop_lag_seconds')).toBeGreaterThan(0.2);
      await new Promise((r) => setTimeout(r, 100));
      s.svc.health.sample();
      expect((await httpGet(s.base, '/healthz')).status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  it('GENEVE from a Gateway Load Balancer (GENEVE → IPv4/UDP 4789 → VXLAN): session and direction from the inner VXLAN', async () => {
    const dir = tmpDir();
    const s = await startInProcess({
      file: writeConfig(dir, 'sessions: [{ name: eni-a, vni: 101, addresses: [10.0.1.10] }]\nallowed_senders: [10.0.0.0/16]\n'),
    });
    try {
      await sendUdp(s.genevePort, [
        geneveAroundVxlan(101, '10.0.1.10', innerFrame({ src: '10.0.1.10', dst: '1.1.1.1', frameLen: 150 })),
        geneveAroundVxlan(101, '10.0.1.10', innerFrame({ src: '1.1.1.1', dst: '10.0.1.10', frameLen: 150 })),
        // The allow-list applies to the mirror source (the IP header inside GENEVE).
        geneveAroundVxlan(101, '192.0.2.1', innerFrame({ src: '1.1.1.1', dst: '10.0.1.10', frameLen: 150 })),
      ]);
      const api = await waitFor(async () => {
        const j = await sessionsOf(s);
        return j.received.geneve.datagrams === 3 ? j : null;
      });
      expect(api.sessions[0]).toMatchObject({ name: 'eni-a', packets: { egress: 1, ingress: 1, total: 2 }, bytes: { total: 300 } });
      expect(api.drops.disallowed_sender).toBe(1);
      const m = await metricsOf(s);
      expect(metric(m, 'mirrorsink_decoder_geneve_packets_total')).toBe(3);
      expect(metric(m, 'mirrorsink_decoder_vxlan_packets_total')).toBe(3);
    } finally {
      await s.stop();
    }
  });
});
