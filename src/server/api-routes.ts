/**
 * JSON API:
 * GET  /api/sessions          per-session and per-direction packet/byte counters, drops, receive counts.
 * POST /api/reload            reload configuration, filters and rules like SIGHUP. Needs
 *                             `Authorization: Bearer <http.reload_token>` (or X-Reload-Token);
 *                             401 without a valid token (always, when no token is configured).
 *                             200 with the result, 422 when the new configuration was refused.
 * GET  /api/flows/unanswered  connection attempts with no reply seen (?limit=N, default 100);
 *                             404 when the flow table is off.
 * The GET routes answer loopback peers, others only with the token (api-access.ts).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServedService } from './served-service.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The token the request presents, or null. */
export function presentedToken(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const x = req.headers['x-reload-token'];
  return typeof x === 'string' && x !== '' ? x : null;
}

/** Constant-time comparison (of digests, so lengths leak nothing either). */
export function tokenMatches(expected: string | null, presented: string | null): boolean {
  if (expected === null || presented === null) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

export function registerApiRoutes(app: FastifyInstance, svc: ServedService): void {
  app.get('/api/sessions', async () => svc.sessionsReport());

  app.post('/api/reload', async (req, reply) => {
    const expected = svc.config.http.reloadToken;
    if (!tokenMatches(expected, presentedToken(req))) {
      req.log.warn({ ip: req.ip }, 'POST /api/reload refused: missing or wrong token');
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="mirrorsink"')
        .send({
          ok: false,
          error: expected === null ? 'reload over HTTP is disabled: set http.reload_token (or MIRRORSINK_RELOAD_TOKEN), or send SIGHUP' : 'missing or wrong token',
        });
    }
    const result = await svc.reload('POST /api/reload');
    return reply.code(result.ok ? 200 : 422).send(result);
  });

  app.get<{ Querystring: { limit?: string } }>('/api/flows/unanswered', async (req, reply) => {
    const raw = req.query.limit;
    const limit = raw === undefined ? 100 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      return reply.code(400).send({ error: `limit must be an integer from 1 to 10000, got '${raw}'` });
    }
    const flows = await svc.unanswered(limit);
    if (flows === null) {
      return reply.code(404).send({ error: 'the flow table is off (set flows: in the configuration)', flows: [] });
    }
    return { flows };
  });
}
