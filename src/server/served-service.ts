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
  readonly registry: { metrics(): Promise<string>; contentType: string };
  /** The flow table when flows are on (GET /api/flows/unanswered). */
  readonly flowTable: { readonly report: { listUnanswered(limit: number): unknown[] } } | null;
  healthStatus(): { ok: boolean };
  /** GET /api/sessions */
  sessionsReport(): Record<string, unknown>;
  /** Never throws; `ok` false when the new configuration was refused. */
  reload(trigger: string): Promise<{ ok: boolean }>;
}
