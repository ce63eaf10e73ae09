/**
 * The real `mirrorsink serve` process (dist/src/cli/main.js; `npm test` builds it first):
 * environment overrides, signals (SIGHUP reload, SIGTERM shutdown), a socket destroyed from
 * outside, configuration errors and bind errors as a user sees them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { haveTool, runCli } from '../helpers/tools.js';
import { loadUdpBatchAddon } from '../../src/source/batch-socket.js';
import { httpGet, innerFrame, metric, parseMetrics, sendUdp, startServeProcess, tmpDir, vxlan, waitFor, writeConfig, type ServeProcess } from './harness.js';

const CONFIG = `
sessions:
  - name: eni-a
    vni: 101
    addresses: [10.0.1.10]
  - name: eni-b
    vni: 102
    addresses: [10.0.2.20]
`;

/** What `auto` reads the sockets with here (recvmmsg where the native receiver is built). */
const AUTO_RECEIVER = 'module' in loadUdpBatchAddon() ? 'recvmmsg' : 'dgram';

const ENV = {
  MIRRORSINK_BIND: '127.0.0.1',
  MIRRORSINK_VXLAN_PORT: '0',
  MIRRORSINK_GENEVE_PORT: 'off',
  MIRRORSINK_HTTP_PORT: '0',
  MIRRORSINK_HTTP_BIND: '127.0.0.1',
  MIRRORSINK_LOG_LEVEL: 'info',
  // serve's default EVE output (the state directory) must not land in /var/lib/mirrorsink here.
  MIRRORSINK_STATE_DIR: tmpDir(),
};

describe('mirrorsink serve (real process)', () => {
  let p: ServeProcess;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = tmpDir();
    file = writeConfig(dir, CONFIG);
    p = await startServeProcess(['--config', file], ENV);
  });
  afterAll(async () => {
    if (p) await p.stop();
  });

  it('takes ports, binds and log level from MIRRORSINK_* and counts what was sent per VNI and direction', async () => {
    // serve's default: a pipeline thread per core, each with its own SO_REUSEPORT socket where the native receiver is built.
    const threads = Math.min(availableParallelism(), 64);
    expect(p.udp).toEqual([{ listener: 'vxlan', family: 4, address: '127.0.0.1', port: expect.any(Number), receiver: AUTO_RECEIVER, ...(AUTO_RECEIVER === 'recvmmsg' && threads > 1 ? { reuse_port: threads } : {}) }]);
    const port = p.port('vxlan');
    const d = [
      ...Array.from({ length: 40 }, () => vxlan(101, innerFrame({ src: '10.0.1.10', dst: '1.1.1.1', frameLen: 100 }))),
      ...Array.from({ length: 25 }, () => vxlan(101, innerFrame({ src: '1.1.1.1', dst: '10.0.1.10', frameLen: 1400 }))),
      ...Array.from({ length: 10 }, () => vxlan(102, innerFrame({ src: '1.1.1.1', dst: '10.0.2.20', frameLen: 500 }))),
      ...Array.from({ length: 3 }, () => vxlan(4242, innerFrame({ src: '1.1.1.1', dst: '2.2.2.2', frameLen: 100 }))),
    ];
    await sendUdp(port, d);
    const api = await waitFor(async () => {
      const j = (await httpGet(p.base, '/api/sessions')).json();
      return j.received.vxlan.datagrams === d.length ? j : null;
    });
    expect(api.sessions.map((s: any) => [s.name, s.packets.egress, s.packets.ingress, s.packets.unknown, s.bytes.total])).toEqual([
      ['eni-a', 40, 25, 0, 40 * 100 + 25 * 1400],
      ['eni-b', 0, 10, 0, 5000],
      ['unknown', 0, 0, 3, 300],
    ]);
    const m = parseMetrics((await httpGet(p.base, '/metrics')).text);
    expect(metric(m, 'mirrorsink_session_packets_total', { session: 'eni-a', vni: '101', direction: 'egress' })).toBe(40);
    expect(metric(m, 'mirrorsink_session_bytes_total', { session: 'eni-a', vni: '101', direction: 'ingress' })).toBe(35000);
    expect(metric(m, 'mirrorsink_session_packets_total', { session: 'unknown', vni: '', direction: 'unknown' })).toBe(3);
    expect(metric(m, 'mirrorsink_datagrams_received_total', { listener: 'vxlan' })).toBe(d.length);
    if (haveTool('promtool')) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: (await httpGet(p.base, '/metrics')).text, encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
    }
  });

  it('SIGHUP with a broken config keeps running and logs why; a good one applies', async () => {
    writeConfig(dir, CONFIG.replace('vni: 102', 'vni: -1'));
    let from = p.logs.length;
    p.proc.kill('SIGHUP');
    const refused = await p.waitLog('reload refused', from);
    expect(refused.problems).toEqual([`${file}:7: sessions[1].vni: must be an integer from 0 to 16777215, got -1`]);
    expect((await httpGet(p.base, '/healthz')).status).toBe(200);
    expect((await httpGet(p.base, '/api/sessions')).json().sessions.map((s: any) => s.name)).toEqual(['eni-a', 'eni-b', 'unknown']);

    writeConfig(dir, CONFIG.replace('name: eni-b', 'name: eni-b2'));
    from = p.logs.length;
    p.proc.kill('SIGHUP');
    await p.waitLog('configuration reloaded', from);
    const api = (await httpGet(p.base, '/api/sessions')).json();
    expect(api.sessions.map((s: any) => s.name)).toEqual(['eni-a', 'eni-b2', 'unknown']);
    expect(api.sessions[0].packets.total).toBe(65); // kept across the reload
    expect(api.last_reload.ok).toBe(true);
  });

  it('/healthz turns 503 when the UDP socket is destroyed from outside (ss -K)', async (ctx) => {
    if (!haveTool('ss')) {
      process.stderr.write('NOTICE: ss (iproute2) not installed: skipping the socket-destroy health test\n');
      ctx.skip();
    }
    const port = p.port('vxlan');
    const r = spawnSync('ss', ['-K', '-u', '-a', '-n', `sport = :${port}`], { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.includes(`:${port}`)) {
      process.stderr.write(`NOTICE: ss -K cannot destroy UDP sockets here (${r.stderr.trim()}): skipping\n`);
      ctx.skip();
    }
    const h = await waitFor(async () => {
      const res = await httpGet(p.base, '/healthz');
      return res.status === 503 ? res.json() : null;
    });
    expect(h.reasons.join('\n')).toContain(`udp4 127.0.0.1:${port} (vxlan)`);
    // The socket's own error (ECONNABORTED), not what the event loop saw (EBADF for POLLERR).
    if (AUTO_RECEIVER === 'recvmmsg') expect(h.reasons.join('\n')).toMatch(/connection abort/i);
    // The log line travels through the child's stdout pipe: wait for it rather than race /healthz.
    await waitFor(async () => (p.logs.some((l) => String(l.msg).startsWith('receive socket lost')) ? true : null), 20_000, "the 'receive socket lost' log line");
  });

  it('SIGTERM drains, logs a summary and exits 0', async () => {
    const code = await p.stop();
    expect(code).toBe(0);
    const stopped = p.logs.find((l) => l.msg === 'mirrorsink stopped');
    expect(stopped.summary.datagrams.vxlan).toBe(78);
  });
});

describe('mirrorsink serve: errors a user sees', () => {
  it('configuration errors name the file, line and key, all at once; exit 1', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, 'http:\n  port: ninety\nsessions:\n  - vni: 1\n    addresses: [10.0.0.300]\n');
    const r = runCli(['serve', '--config', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`invalid configuration in ${file} (2 problems)`);
    expect(r.stderr).toContain(`${file}:2: http.port: must be an integer from 0 to 65535, got 'ninety'`);
    expect(r.stderr).toContain(`${file}:5: sessions[0].addresses[0]: '10.0.0.300' is not a valid IPv4 or IPv6 CIDR block`);
    const env = runCli(['serve', '--config', file, '--check'], { env: { MIRRORSINK_HTTP_PORT: '9999' } });
    expect(env.stderr).toContain('1 problem');
  });

  it('--check validates and reports what it assumed', () => {
    const r = runCli(['serve', '--check']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('configuration OK (defaults)');
    expect(r.stdout).toContain("assumed: no sessions configured: every VNI is processed under the session 'unknown'");
    // The detection prefilter engine, and why it is JavaScript when it is.
    expect(r.stdout).toMatch(/^  detection prefilter: (Hyperscan \S+ .*\(native|JavaScript Aho-Corasick \(native Hyperscan prefilter )/m);
    const off = runCli(['serve', '--check'], { env: { MIRRORSINK_NO_NATIVE_PREFILTER: '1' } });
    expect(off.stdout).toContain('  detection prefilter: JavaScript Aho-Corasick (native Hyperscan prefilter switched off by MIRRORSINK_NO_NATIVE_PREFILTER=1)');
  });

  it('--receiver dgram (or MIRRORSINK_RECEIVER) reads with dgram and counts the same; a bad value names the flag', async () => {
    const a = await startServeProcess(['--receiver', 'dgram'], ENV);
    try {
      expect(a.udp).toEqual([expect.objectContaining({ receiver: 'dgram' })]);
      const d = Array.from({ length: 20 }, () => vxlan(7, innerFrame({ src: '10.0.0.1', dst: '10.0.0.2', frameLen: 200 })));
      await sendUdp(a.port('vxlan'), d);
      await waitFor(async () => (await httpGet(a.base, '/api/sessions')).json().received.vxlan.datagrams === 20);
    } finally {
      expect(await a.stop()).toBe(0);
    }
    const bad = runCli(['serve', '--check'], { env: { MIRRORSINK_RECEIVER: 'fast' } });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("environment variable MIRRORSINK_RECEIVER: listen.receiver: must be one of auto, recvmmsg, dgram, got 'fast'");
  });

  it('a UDP port in use: exit 1 naming the address and port', async () => {
    const a = await startServeProcess([], ENV);
    try {
      const r = runCli(['serve', '--vxlan-port', String(a.port('vxlan'))], { env: ENV });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`cannot bind udp4 127.0.0.1:${a.port('vxlan')} (vxlan): address already in use`);
    } finally {
      expect(await a.stop()).toBe(0);
    }
  });
});
