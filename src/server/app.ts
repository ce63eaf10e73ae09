/**
 * The HTTP side of a running sink (fastify, on its own port): /metrics, /healthz, /readyz and
 * the JSON API (loopback or token only: api-access.ts). The fastify instance is created by the
 * service (its pino logger is the service's logger); this module only registers routes.
 */
import type { FastifyInstance } from 'fastify';
import type { ServedService } from './served-service.js';
import { registerMetricsRoute } from './metrics-route.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerApiRoutes } from './api-routes.js';
import { registerApiAccess } from './api-access.js';

export function registerRoutes(app: FastifyInstance, svc: ServedService): void {
  registerMetricsRoute(app, svc);
  registerHealthRoutes(app, svc);
  registerApiAccess(app, svc);
  registerApiRoutes(app, svc);
}
