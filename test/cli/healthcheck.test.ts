/**
 * `mirrorsink healthcheck` (the image's HEALTHCHECK) probes where serve listens: the port serve
 * published in its state directory, else the one its configuration and environment give, never
 * a fixed 127.0.0.1:9109. Exit 0 on 200, 1 on 503, on no answer and on a timeout. Runs the built
 * CLI against loopback HTTP servers and against a real serve process.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/tools.js';
import { startServeProcess, tmpDir, writeConfig } from '../server/harness.js';
import { healthzUrl } from '../../src/service/serve-runtime.js';

/** Run asynchronously: a synchronous spawn would block the servers of this process. */
function healthcheck(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MIRRORSINK_') && k !== 'STATE_DIRECTORY')) as Record<string, string>;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'healthcheck', ...args], { env: { ...clean, MIRRORSINK_STATE_DIR: tmpDir(), ...env } });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('exit', (status) => resolve({ status, stdout }));
  });
}

describe('mirrorsink healthcheck', () => {
  const servers: http.Server[] = [];
  const ports: Record<string, number> = {};
  beforeAll(async () => {
    for (const [name, status, delayMs] of [['ok', 200, 0], ['bad', 503, 0], ['slow', 200, 3000]] as const) {
      const s = http.createServer((req, res) => {
        setTimeout(() => {
          res.statusCode = req.url === '/healthz' ? status : 404;
          res.end(JSON.stringify(status === 200 ? { status: 'ok', reasons: [] } : { status: 'unhealthy', reasons: ['UDP socket vxlan is not bound'] }));
        }, delayMs);
      });
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      servers.push(s);
      ports[name] = (s.address() as AddressInfo).port;
    }
  });
  afterAll(() => {
    for (const s of servers) s.closeAllConnections?.(), s.close();
  });

  it('takes the port from the configuration serve reads (MIRRORSINK_CONFIG), not 9109', async () => {
    const file = writeConfig(tmpDir(), `http:\n  port: ${ports.ok}\n`);
    const r = await healthcheck([], { MIRRORSINK_CONFIG: file });
    expect(r.stdout).toBe(`healthy: http://127.0.0.1:${ports.ok}/healthz answered 200 (address from ${file})\n`);
    expect(r.status).toBe(0);
    expect((await healthcheck(['--config', file], {})).status).toBe(0);
  });

  it('the environment wins over the file, as for serve (MIRRORSINK_HTTP_PORT, MIRRORSINK_HTTP_BIND)', async () => {
    const file = writeConfig(tmpDir(), `http:\n  port: ${ports.bad}\n  bind: 0.0.0.0\n`);
    expect((await healthcheck([], { MIRRORSINK_CONFIG: file })).status).toBe(1);
    expect((await healthcheck([], { MIRRORSINK_CONFIG: file, MIRRORSINK_HTTP_PORT: String(ports.ok), MIRRORSINK_HTTP_BIND: '127.0.0.1' })).status).toBe(0);
  });

  it('exits 1 on 503 (with the reasons), when nothing listens, and on a timeout', async () => {
    const bad = await healthcheck(['--http-port', String(ports.bad)], {});
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('unhealthy: http://127.0.0.1:' + ports.bad + '/healthz answered 503: UDP socket vxlan is not bound');
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const none = await healthcheck(['--http-port', String(free)], {});
    expect(none.status).toBe(1);
    expect(none.stdout).toMatch(new RegExp(`^unhealthy: http://127\\.0\\.0\\.1:${free}/healthz: ECONNREFUSED`));
    const slow = await healthcheck(['--http-port', String(ports.slow), '--timeout', '300'], {});
    expect(slow.status).toBe(1);
    expect(slow.stdout).toContain('no answer in 300 ms');
  });

  it('probes the address serve bound: 0.0.0.0 → 127.0.0.1, :: → [::1], others as they are', () => {
    expect(healthzUrl('0.0.0.0', 9200)).toBe('http://127.0.0.1:9200/healthz');
    expect(healthzUrl('::', 9200)).toBe('http://[::1]:9200/healthz');
    expect(healthzUrl('10.0.0.5', 9200)).toBe('http://10.0.0.5:9200/healthz');
    expect(healthzUrl('fd00::5', 9200)).toBe('http://[fd00::5]:9200/healthz');
  });

  it("follows a real serve started with flags the configuration does not know (its state directory's serve-http.json)", async () => {
    const state = tmpDir();
    const env = { MIRRORSINK_BIND: '127.0.0.1', MIRRORSINK_VXLAN_PORT: '0', MIRRORSINK_GENEVE_PORT: 'off', MIRRORSINK_STATE_DIR: state };
    const p = await startServeProcess(['--http-port', '0', '--http-bind', '127.0.0.1'], env);
    const file = path.join(state, 'serve-http.json');
    try {
      const rt = JSON.parse(readFileSync(file, 'utf8'));
      expect(rt.http).toEqual({ address: '127.0.0.1', port: Number(new URL(p.base).port) });
      const r = await healthcheck([], { MIRRORSINK_STATE_DIR: state });
      expect(r.stdout).toBe(`healthy: ${p.base}/healthz answered 200 (address from ${file})\n`);
      expect(r.status).toBe(0);
    } finally {
      expect(await p.stop()).toBe(0);
    }
    expect(existsSync(file)).toBe(false);
  });
});
