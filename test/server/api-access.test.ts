/**
 * The HTTP port binds 0.0.0.0 for the NLB and Prometheus, but the /api/ routes (traffic
 * metadata) answer only a loopback peer, or any peer with the API token. Requests are injected
 * with a remote address (fastify's inject) into the real service's routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, tmpDir, writeConfig, type InProcess } from './harness.js';

async function get(s: InProcess, url: string, remoteAddress: string, headers: Record<string, string> = {}) {
  const r = await s.svc.app.inject({ method: 'GET', url, remoteAddress, headers });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> };
}

describe('HTTP exposure: /api/ on loopback or with the token', () => {
  let open: InProcess;
  let withToken: InProcess;
  beforeAll(async () => {
    open = await startInProcess({ file: writeConfig(tmpDir(), 'flows: true\n') });
    withToken = await startInProcess({ file: writeConfig(tmpDir(), 'flows: true\nhttp:\n  reload_token: sekrit-token\n') });
  });
  afterAll(async () => {
    await open?.stop();
    await withToken?.stop();
  });

  it('/healthz, /readyz and /metrics answer any peer (NLB health check, Prometheus)', async () => {
    for (const url of ['/healthz', '/readyz']) expect((await open.svc.app.inject({ url, remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
    expect((await open.svc.app.inject({ url: '/metrics', remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
  });

  it('/api/sessions and /api/flows/unanswered answer loopback peers (IPv4, IPv6, mapped)', async () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) {
      expect((await get(open, '/api/sessions', ip)).status).toBe(200);
      expect((await get(open, '/api/flows/unanswered?limit=5', ip)).status).toBe(200);
    }
  });

  it('without a token configured, any other peer gets 403 naming how to open them', async () => {
    for (const ip of ['10.1.2.3', '::ffff:10.1.2.3', '2001:db8::1', '128.0.0.1']) {
      for (const url of ['/api/sessions', '/api/flows/unanswered']) {
        const r = await get(open, url, ip, { authorization: 'Bearer anything' });
        expect(r.status).toBe(403);
        expect(r.body.error).toMatch(/answer only on loopback: set http.reload_token/);
        expect(r.body).not.toHaveProperty('sessions');
      }
    }
  });

  it('with a token, another peer needs it: 401 without or wrong, 200 with it', async () => {
    expect((await get(withToken, '/api/sessions', '10.1.2.3')).status).toBe(401);
    expect((await get(withToken, '/api/sessions', '10.1.2.3', { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await get(withToken, '/api/sessions', '10.1.2.3', { authorization: 'Bearer sekrit-token' });
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveProperty('sessions');
    expect((await get(withToken, '/api/flows/unanswered', '10.1.2.3', { authorization: 'Bearer sekrit-token' })).status).toBe(200);
    expect((await get(withToken, '/api/sessions', '127.0.0.1')).status).toBe(200);
  });

  it('POST /api/reload still needs the token even from loopback', async () => {
    const r = await withToken.svc.app.inject({ method: 'POST', url: '/api/reload', remoteAddress: '127.0.0.1' });
    expect(r.statusCode).toBe(401);
    const ok = await withToken.svc.app.inject({ method: 'POST', url: '/api/reload', remoteAddress: '10.1.2.3', headers: { authorization: 'Bearer sekrit-token' } });
    expect(ok.statusCode).toBe(200);
  });
});
