/**
 * GET /healthz — 200 while every receive socket is bound and the pipeline keeps up (event-loop
 *   lag and kernel-drop rate, averaged over health.kernel_drops_window_seconds, under their
 *   thresholds: service/health.ts), 503 with the reasons otherwise. Point the NLB/GWLB
 *   target-group health check here: it fails when the UDP path is down. Open to every peer
 *   (the /api/ routes are not: api-access.ts).
 * GET /readyz — 200 once started and until shutdown begins, 503 before/after.
 */
import type { FastifyInstance } from 'fastify';
import type { ServedService } from './served-service.js';

export function registerHealthRoutes(app: FastifyInstance, svc: ServedService): void {
  app.get('/healthz', async (_req, reply) => {
    const h = svc.healthStatus();
    return reply.code(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'unhealthy', ...h });
  });
  app.get('/readyz', async (_req, reply) => {
    const ready = svc.isReady;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : svc.lifecycle });
  });
}
