/**
 * `mirrorsink healthcheck`: ask a running serve's /healthz and exit 0 (healthy) or 1. The
 * container image's HEALTHCHECK. The address is derived the way serve derives its own, so a
 * container configured with another HTTP port or address is probed there:
 *   1. --url, or --http-port/--http-bind when given;
 *   2. the address serve actually bound, which it publishes in STATE_DIR/serve-http.json (so
 *      flags given to serve count too);
 *   3. else the configuration serve reads: --config / MIRRORSINK_CONFIG, MIRRORSINK_HTTP_PORT,
 *      MIRRORSINK_HTTP_BIND, defaults (0.0.0.0 → probed on 127.0.0.1, :: → ::1).
 */
import { parseCommandArgs, intOption } from '../args.js';
import { loadConfig } from '../../config/load.js';
import { cliOverrides } from '../../config/overrides.js';
import { ENV_STATE_DIR, stateDir } from '../../config/state-dir.js';
import { healthzUrl, readServeRuntime, runtimeFilePath } from '../../service/serve-runtime.js';

const HELP = `Usage: mirrorsink healthcheck [options]

Asks a running 'mirrorsink serve' for /healthz: exit 0 when healthy (200), 1 otherwise (503,
no answer, timeout). The image's HEALTHCHECK. Where it asks, first found:
  --url, or --http-port/--http-bind;
  the address serve bound, from STATE_DIR/serve-http.json (written by serve when ready);
  the configuration serve reads (--config or MIRRORSINK_CONFIG, MIRRORSINK_HTTP_PORT,
  MIRRORSINK_HTTP_BIND, defaults); an address of 0.0.0.0 is asked on 127.0.0.1, :: on ::1.

Options:
  --config FILE       the configuration serve reads (also MIRRORSINK_CONFIG)
  --state-dir DIR     serve's state directory (also ${ENV_STATE_DIR}; default /var/lib/mirrorsink)
  --http-port N       ask this port
  --http-bind ADDR    ask this address
  --url URL           ask this URL
  --timeout MS        give up after MS milliseconds (default 4000)
  -h, --help          this help
`;

const OPTIONS = {
  config: { type: 'string' },
  'state-dir': { type: 'string' },
  'http-port': { type: 'string' },
  'http-bind': { type: 'string' },
  url: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** The URL to probe and where it came from. */
export function probeTarget(v: Record<string, unknown>, env: NodeJS.ProcessEnv): { url: string; from: string } {
  if (typeof v.url === 'string') return { url: v.url, from: '--url' };
  const port = v['http-port'] as string | undefined;
  const bind = v['http-bind'] as string | undefined;
  if (port === undefined && bind === undefined) {
    const file = runtimeFilePath(stateDir(env, v['state-dir'] as string | undefined).dir);
    const rt = readServeRuntime(file);
    if (rt !== null) return { url: healthzUrl(rt.http.address, rt.http.port), from: file };
  }
  const { config } = loadConfig({ file: v.config as string | undefined, env, cli: cliOverrides({ httpPort: port, httpBind: bind }) });
  return { url: healthzUrl(config.http.bind, config.http.port), from: config.file ?? 'defaults' };
}

export async function run(args: string[]): Promise<number> {
  const { values: v, help } = parseCommandArgs('healthcheck', args, OPTIONS, false);
  if (help) {
    process.stdout.write(HELP);
    return 0;
  }
  const timeout = intOption('healthcheck', 'timeout', v.timeout, 1, 600_000, 4000);
  const { url, from } = probeTarget(v, process.env);
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeout) });
    const body = await r.text();
    let reasons = '';
    try {
      const j = JSON.parse(body) as { reasons?: string[] };
      if (Array.isArray(j.reasons) && j.reasons.length > 0) reasons = `: ${j.reasons.join('; ')}`;
    } catch {
      // not serve's JSON
    }
    process.stdout.write(`${r.ok ? 'healthy' : 'unhealthy'}: ${url} answered ${r.status}${reasons} (address from ${from})\n`);
    return r.status === 200 ? 0 : 1;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${timeout} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    process.stdout.write(`unhealthy: ${url}: ${why} (address from ${from})\n`);
    return 1;
  }
}
