/**
 * What the HTTP routes need from the running sink. Declared here, on the server's side, so that
 * server/ depends on nothing above it: service/ implements this interface and hands itself to
 * registerRoutes (service → server, never back).
 */
export interface ServedService {
  readonly config: { http: { reloadToken: string | null } };
  readonly isReady: boolean;
  /** Lifecycle state (starting, ready, stopping...), shown by /readyz. */
  readonly lifecycle: string;
  readonly registry: { contentType: string };
  /** GET /metrics: the exposition text (with pipeline threads, their families added up). */
  metricsText(): Promise<string>;
  /** GET /api/flows/unanswered: newest first; null when flows are off. */
  unanswered(limit: number): Promise<unknown[] | null>;
  healthStatus(): { ok: boolean };
  /** GET /api/sessions */
  sessionsReport(): Promise<Record<string, unknown>>;
  /** Never throws; `ok` false when the new configuration was refused. */
  reload(trigger: string): Promise<{ ok: boolean }>;
}
