/** GET /metrics: the Prometheus text exposition of the service's registry. */
import type { FastifyInstance } from 'fastify';
import type { ServedService } from './served-service.js';

export function registerMetricsRoute(app: FastifyInstance, svc: ServedService): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await svc.metricsText();
    return reply.header('content-type', svc.registry.contentType).send(text);
  });
}
