/**
 * serve's configuration: the file, environment and flags as loadConfig reads them, plus serve's
 * defaults for what none of them says, so that serve runs what replay runs on the same traffic:
 * - rules.files unset → the bundled ruleset (rules/*.rules), as replay;
 * - flows unset → flow tracking on (flow:established, flowbits, stream reassembly need it), with
 *   EVE flow records when EVE is written (replay --eve does the same);
 * - eve.path unset → STATE_DIR/eve.json (config/state-dir.ts).
 * Saying otherwise: `rules: {files: []}`, `flows: false`, `eve: {path: false}`; a key left
 * empty (null) is unset and gets the default. Each default applied is listed in the
 * assumptions (logged at start, printed by --check).
 */
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { MAX_WORKERS } from '../config/schema.js';
import { loadConfig, readConfigFile, type LoadedConfig } from '../config/load.js';
import { ENV_CONFIG, envOverrides, type Override } from '../config/overrides.js';
import { stateDir } from '../config/state-dir.js';
import type { KeyPath } from '../config/problems.js';
import { DEFAULT_RULES_DIR } from '../detect/rule-loader.js';
import { defaultRuleFiles } from './assemble.js';

export interface ServeLoadOptions {
  /** Config file; undefined = $MIRRORSINK_CONFIG, null = none. */
  file?: string | null;
  env?: NodeJS.ProcessEnv;
  cli?: Override[];
  cwd?: string;
  /** --state-dir */
  stateDir?: string;
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Set to something other than null: `flows:` or `path: null` (YAML's empty value) is unset. */
function has(root: unknown, p: KeyPath): boolean {
  let cur: unknown = root;
  for (const seg of p) {
    if (!isObject(cur)) return false;
    cur = cur[String(seg)];
  }
  return cur !== undefined && cur !== null;
}

const startsWith = (p: KeyPath, prefix: KeyPath) => prefix.every((s, i) => String(p[i]) === String(s));

/** The overrides serve adds for what neither file, environment nor flags set, and why. */
export function serveDefaults(opts: ServeLoadOptions): { overrides: Override[]; assumptions: string[] } {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fileArg = opts.file === undefined ? (env[ENV_CONFIG] ? env[ENV_CONFIG]! : null) : opts.file;
  let raw: unknown = {};
  // A file that cannot be read or parsed: loadConfig reports it.
  if (fileArg !== null) raw = readConfigFile(path.resolve(cwd, fileArg)).raw ?? {};
  if (isObject(raw)) {
    raw = { ...raw };
    const r = raw as Raw;
    if (Array.isArray(r.rules) || typeof r.rules === 'string') r.rules = { files: r.rules };
    if (typeof r.eve === 'string') r.eve = { path: r.eve };
  }
  const sources = [...envOverrides(env), ...(opts.cli ?? [])];
  const said = (p: KeyPath) => has(raw, p) || sources.some((o) => startsWith(o.path, p) || startsWith(p, o.path));

  const overrides: Override[] = [];
  const assumptions: string[] = [];
  if (!said(['rules', 'files'])) {
    const files = defaultRuleFiles();
    overrides.push({ path: ['rules', 'files'], value: files, origin: `the bundled ruleset (${DEFAULT_RULES_DIR})` });
    assumptions.push(`rules.files not set: the bundled ruleset (${files.map((f) => path.basename(f)).join(', ') || 'none found'} in ${DEFAULT_RULES_DIR}), as replay loads (rules: {files: []} for none)`);
  }
  let eveOn: boolean;
  if (!said(['eve', 'path'])) {
    const s = stateDir(env, opts.stateDir);
    const target = path.join(s.dir, 'eve.json');
    overrides.push({ path: ['eve', 'path'], value: target, origin: `the state directory (${s.from})` });
    assumptions.push(`eve.path not set: EVE JSON to ${target} (state directory from ${s.from}; MIRRORSINK_STATE_DIR or --state-dir to move it, eve: {path: false} for none)`);
    eveOn = true;
  } else {
    const fromFile = isObject(raw) && isObject(raw.eve) ? raw.eve.path : undefined;
    const fromSources = sources.filter((o) => startsWith(['eve', 'path'], o.path)).at(-1);
    const v = fromSources !== undefined ? fromSources.value : fromFile;
    eveOn = v !== null && v !== undefined && v !== false;
  }
  if (!said(['flows'])) {
    overrides.push(eveOn ? { path: ['flows', 'eve'], value: true, origin: 'serve default (flows on)' } : { path: ['flows'], value: true, origin: 'serve default (flows on)' });
    assumptions.push(`flows not set: flow tracking on${eveOn ? ', with EVE flow records' : ''}, as replay (flows: false for none)`);
  }
  if (!said(['workers'])) {
    const cores = availableParallelism();
    if (said(['capture', 'interface'])) assumptions.push('workers not set: 1 pipeline thread, because live capture reads one libpcap handle');
    else if (cores > 1) {
      overrides.push({ path: ['workers'], value: 'auto', origin: 'serve default (one pipeline thread per core)' });
      assumptions.push(`workers not set: one pipeline thread per core (${Math.min(cores, MAX_WORKERS)}), flows spread by their inner 5-tuple (workers: 1 for one thread)`);
    }
  }
  return { overrides, assumptions };
}

/** loadConfig with serve's defaults (see above). */
export function loadServeConfig(opts: ServeLoadOptions): LoadedConfig {
  const d = serveDefaults(opts);
  const loaded = loadConfig({
    ...(opts.file !== undefined ? { file: opts.file } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    cli: [...d.overrides, ...(opts.cli ?? [])],
  });
  return { config: loaded.config, assumptions: [...loaded.assumptions, ...d.assumptions] };
}
