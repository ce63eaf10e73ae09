/**
 * Who may read the JSON API. /api/sessions and /api/flows/unanswered expose traffic metadata
 * (session names, addresses, ports), while the HTTP port binds 0.0.0.0 by default so that the
 * NLB/GWLB health check and Prometheus reach /healthz, /readyz and /metrics. So the /api/ routes
 * answer a peer on loopback (127.0.0.0/8, ::1) freely and any other peer only with the API token
 * (`http.reload_token` / MIRRORSINK_RELOAD_TOKEN, as `Authorization: Bearer <token>`); with no
 * token configured they are loopback-only. POST /api/reload always needs the token (api-routes.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { presentedToken, tokenMatches } from './api-routes.js';
import type { ServedService } from './served-service.js';

/** Is the peer address on loopback (IPv4 127/8, IPv6 ::1, IPv4-mapped 127/8)? */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** Whether `req` may read an /api/ route: null when it may, else the status and the reason. */
export function apiRefusal(req: FastifyRequest, token: string | null): { code: 401 | 403; error: string } | null {
  if (isLoopback(req.socket.remoteAddress)) return null;
  if (tokenMatches(token, presentedToken(req))) return null;
  if (token === null) {
    return { code: 403, error: 'the /api/ routes answer only on loopback: set http.reload_token (or MIRRORSINK_RELOAD_TOKEN) and send it as a Bearer token to read them from elsewhere' };
  }
  return { code: 401, error: 'missing or wrong token' };
}

/** Guard every /api/ route but POST /api/reload (which checks the token itself, always). */
export function registerApiAccess(app: FastifyInstance, svc: ServedService): void {
  app.addHook('onRequest', async (req, reply) => {
    const url = req.url;
    if (!url.startsWith('/api/') || (req.method === 'POST' && url.split('?')[0] === '/api/reload')) return;
    const refused = apiRefusal(req, svc.config.http.reloadToken);
    if (refused === null) return;
    req.log.warn({ ip: req.ip, url }, `${req.method} ${url} refused: not on loopback and ${refused.error === 'missing or wrong token' ? 'no valid token' : 'no API token configured'}`);
    const r = reply.code(refused.code);
    if (refused.code === 401) r.header('www-authenticate', 'Bearer realm="mirrorsink"');
    return r.send({ error: refused.error });
  });
}
