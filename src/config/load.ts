/**
 * Loading the configuration: read the YAML file (if any), merge environment and command-line
 * overrides, validate, and report every problem at once (ConfigError) naming the file and line
 * or the variable/flag, and the key. Also lists what a start without some settings assumed, so
 * `mirrorsink serve` with no config at all logs how it is running.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { formatKeyPath } from '../errors.js';
import { binaryContent, documentValue, yamlErrorText } from '../yaml-text.js';
import { ConfigError, ConfigProblems, type KeyOrigin, type KeyPath } from './problems.js';
import { ENV_CONFIG, envOverrides, type Override } from './overrides.js';
import { validateConfig } from './validate.js';
import { DEFAULTS, type MirrorsinkConfig } from './schema.js';

export interface LoadConfigOptions {
  /** Config file; when undefined, $MIRRORSINK_CONFIG; null = no file even if the variable is set. */
  file?: string | null;
  /** Environment to read MIRRORSINK_* from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides (win over the environment). */
  cli?: Override[];
  /** Base directory for relative paths given on the command line / environment. */
  cwd?: string;
}

export interface LoadedConfig {
  config: MirrorsinkConfig;
  /** Human lines saying which defaults a start relied on (logged at info). */
  assumptions: string[];
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Set a value at a key path, creating mappings on the way. */
function setPath(root: Raw, p: KeyPath, value: unknown): void {
  let cur: Raw = root;
  for (let i = 0; i < p.length - 1; i++) {
    const k = String(p[i]);
    if (!isObject(cur[k])) cur[k] = {};
    cur = cur[k] as Raw;
  }
  cur[String(p[p.length - 1])] = value;
}

function has(root: unknown, p: KeyPath): boolean {
  let cur: unknown = root;
  for (const seg of p) {
    if (typeof cur !== 'object' || cur === null) return false;
    const v = (cur as Record<string | number, unknown>)[seg];
    if (v === undefined) return false;
    cur = v;
  }
  return true;
}

/** Find the node at `p`, or the nearest ancestor that exists. */
function nodeAt(doc: Document, p: KeyPath): Node | null {
  let node: unknown = doc.contents;
  let last: Node | null = (doc.contents as Node | null) ?? null;
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
      if (!pair) break;
      // Point at the key (the line a user looks for).
      if (isScalar(pair.key)) last = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      node = item;
      last = item as Node;
    } else break;
  }
  return last;
}

export function readConfigFile(file: string): { raw: unknown; doc: Document | null; lines: LineCounter; problems: string[] } {
  const lines = new LineCounter();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    return { raw: undefined, doc: null, lines, problems: [`${file}: cannot read the configuration file: ${why}`] };
  }
  const binary = binaryContent(text);
  if (binary) return { raw: undefined, doc: null, lines, problems: [`${file}:${binary.line}: ${binary.message}`] };
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems = doc.errors.map((e) => {
    const pos = e.pos ? lines.linePos(e.pos[0]) : null;
    // Only the first line of the parser's message: it may quote a whole block of the file.
    return `${file}${pos ? `:${pos.line}` : ''}: YAML syntax: ${yamlErrorText(e.message)}`;
  });
  if (problems.length > 0) return { raw: undefined, doc, lines, problems };
  const v = documentValue(doc, lines);
  if (v.problem) return { raw: undefined, doc, lines, problems: [`${file}${v.problem.line !== null ? `:${v.problem.line}` : ''}: ${v.problem.message}`] };
  return { raw: v.value, doc, lines, problems };
}

/** Load and validate; throws ConfigError listing every problem. */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fileArg = opts.file === undefined ? (env[ENV_CONFIG] && env[ENV_CONFIG] !== '' ? env[ENV_CONFIG]! : null) : opts.file;
  const file = fileArg === null ? null : path.resolve(cwd, fileArg);

  let raw: unknown = {};
  let doc: Document | null = null;
  let lines = new LineCounter();
  if (file !== null) {
    const r = readConfigFile(file);
    if (r.problems.length > 0) throw new ConfigError(r.problems, file);
    raw = r.raw ?? {};
    doc = r.doc;
    lines = r.lines;
  }

  // Shortcut forms become their long form so overrides can be merged key by key.
  const overrides = [...envOverrides(env), ...(opts.cli ?? [])];
  const origins = new Map<string, string>();
  let merged: unknown = raw;
  if (overrides.length > 0) {
    merged = isObject(raw) ? structuredClone(raw) : {};
    const m = merged as Raw;
    if (Array.isArray(m.rules) || typeof m.rules === 'string') m.rules = { files: m.rules };
    if (typeof m.eve === 'string') m.eve = { path: m.eve };
    for (const o of overrides) {
      setPath(m, o.path, o.value);
      origins.set(formatKeyPath(o.path), o.origin);
    }
  }

  const originOf = (p: KeyPath): KeyOrigin => {
    for (let n = p.length; n > 0; n--) {
      const o = origins.get(formatKeyPath(p.slice(0, n)));
      if (o !== undefined) return { where: o, baseDir: cwd };
    }
    if (file !== null && doc !== null) {
      const node = nodeAt(doc, p);
      const line = node?.range ? lines.linePos(node.range[0]).line : null;
      return { where: line !== null ? `${file}:${line}` : file, baseDir: path.dirname(file) };
    }
    return { where: file ?? 'configuration', baseDir: cwd };
  };

  const problems = new ConfigProblems(originOf);
  const config = validateConfig(merged, file, problems);
  if (problems.count > 0) throw new ConfigError(problems.list, file);
  return { config, assumptions: assumptions(config, merged, file) };
}

function assumptions(config: MirrorsinkConfig, merged: unknown, file: string | null): string[] {
  const out: string[] = [];
  if (file === null) out.push('no configuration file (--config or MIRRORSINK_CONFIG): running on defaults');
  if (config.sessions.length === 0) {
    out.push("no sessions configured: every VNI is processed under the session 'unknown' (direction from the outer source IP when it is the inner source or destination)");
  }
  if (config.allowedSenders.length === 0) out.push('no allowed_senders: datagrams from every sender are accepted');
  if (!has(merged, ['listen', 'bind'])) out.push(`listen.bind not set: UDP sockets on ${DEFAULTS.bind.join(', ')}`);
  if (!has(merged, ['listen', 'vxlan_port'])) out.push(`listen.vxlan_port not set: VXLAN on UDP ${DEFAULTS.vxlanPort}`);
  if (!has(merged, ['listen', 'geneve_port'])) out.push(`listen.geneve_port not set: GENEVE on UDP ${DEFAULTS.genevePort} (set false to disable)`);
  if (!has(merged, ['http', 'port']) || !has(merged, ['http', 'bind'])) out.push(`HTTP (metrics, health, API) on ${config.http.bind}:${config.http.port}`);
  if (config.http.reloadToken === null) out.push('no http.reload_token (MIRRORSINK_RELOAD_TOKEN): POST /api/reload is refused; use SIGHUP');
  if (config.rules.files.length === 0) out.push('no rules files: IDS off');
  if (config.eve.path === null) out.push('no eve.path: alerts are counted but not written');
  return out;
}
