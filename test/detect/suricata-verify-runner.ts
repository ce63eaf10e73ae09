/**
 * suricata-verify's runner (run.py), the parts a passive sensor can be held to: a test's rules,
 * its configuration (suricata.yaml + `args:`), its pcap replayed through mirrorsink's replay
 * pipeline in-process with EVE to a temporary file, and its `filter` checks about alerts
 * evaluated with run.py's semantics (find_value, has-key, __len, __contains..., Python
 * equality, per-check version requirements for the Suricata version we stand in for).
 *
 * Used by suricata-verify.test.ts (the 12 packet-level tests) and suricata-verify-pool.test.ts
 * (the 738-test pool).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { assembleReplayStages } from '../../src/pipeline/assemble.js';
import { replayOptionsOf } from '../../src/cli/commands/replay.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { CorruptCaptureError } from '../../src/source/capture-errors.js';

// ------------------------------------------------------------------ versions (run.py Version)

/** The Suricata version whose behaviour the checks are read for. */
export const SURICATA_VERSION: SuriVersion = { major: 9, minor: 0, patch: 0 };

export interface SuriVersion {
  major: number | null;
  minor: number | null;
  patch: number | null;
}

/** run.py parse_suricata_version: missing parts are 0, or null for an "equal" comparison. */
export function parseSuriVersion(v: unknown, forEqual = false): SuriVersion | null {
  const m = /(?:Suricata version |^)(\d+)\.?(\d+)?\.?(\d+)?.*/.exec(String(v).trim());
  if (!m) return null;
  const d = forEqual ? null : 0;
  return { major: m[1] ? Number(m[1]) : d, minor: m[2] ? Number(m[2]) : d, patch: m[3] ? Number(m[3]) : d };
}

// null compares as Python 3 would refuse to; run.py only meets it in "equal".
const n = (x: number | null): number => x ?? 0;

function isEqual(a: SuriVersion, b: SuriVersion): boolean {
  if (a.major !== b.major) return false;
  if (a.minor !== null && b.minor !== null && a.minor !== b.minor) return false;
  if (a.patch !== null && b.patch !== null && a.patch !== b.patch) return false;
  return true;
}

function isGte(a: SuriVersion, b: SuriVersion): boolean {
  if (n(a.major) !== n(b.major)) return n(a.major) > n(b.major);
  if (n(a.minor) !== n(b.minor)) return n(a.minor) > n(b.minor);
  return n(a.patch) >= n(b.patch);
}

function isGt(a: SuriVersion, b: SuriVersion): boolean {
  if (n(a.major) !== n(b.major)) return n(a.major) > n(b.major);
  if (n(a.minor) !== n(b.minor)) return n(a.minor) > n(b.minor);
  return n(a.patch) > n(b.patch);
}

/** run.py's is_lt, quirks included (it does not stop at a larger minor). */
function isLt(a: SuriVersion, b: SuriVersion): boolean {
  if (n(a.major) > n(b.major)) return false;
  if (n(a.major) < n(b.major)) return true;
  if (n(a.minor) < n(b.minor)) return true;
  return n(a.patch) < n(b.patch);
}

/**
 * The version conditions of a `requires:` mapping (min-version, lt-version, gt-version,
 * version) for SURICATA_VERSION: null when they hold, else why not. Other requirements
 * (features, env, files...) are taken as met: we stand in for a full build.
 */
export function unmetVersion(requires: Record<string, unknown> | null | undefined): string | null {
  if (!requires || typeof requires !== 'object') return null;
  const suri = SURICATA_VERSION;
  for (const [key, value] of Object.entries(requires)) {
    const v = parseSuriVersion(value, key === 'version');
    if (v === null) continue;
    if (key === 'min-version' && !isGte(suri, v)) return `requires at least version ${String(value)}`;
    if (key === 'lt-version' && !isLt(suri, v)) return `for version less than ${String(value)}`;
    if (key === 'gt-version' && !isGt(suri, v)) return `for version greater than ${String(value)}`;
    if (key === 'version' && !isEqual(suri, v)) return `only for version ${String(value)}`;
  }
  return null;
}

// ------------------------------------------------------------------ EVE matching (run.py FilterCheck)

export interface FilterSpec {
  count: number;
  match: Record<string, unknown>;
  requires?: Record<string, unknown>;
  version?: unknown;
  'min-version'?: unknown;
  'lt-version'?: unknown;
  filename?: string;
  comment?: string;
}

export interface CheckSpec {
  filter?: FilterSpec;
  [other: string]: unknown;
}

const OPERATORS = ['__contains', '__find', '__startswith', '__endswith', '__gt', '__gte', '__lt', '__lte'];

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Python len() of a JSON value; -1 where Python would refuse (numbers, booleans, None). */
function pyLen(v: unknown): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isObj(v)) return Object.keys(v).length;
  return -1;
}

/**
 * run.py find_value: `a.b[2].c`; `__len` gives the length of what is before it; an operator
 * part (`__contains`...) stops and returns what is before it. undefined = Python None.
 */
export function findValue(name: string, obj: unknown): unknown {
  let cur: unknown = obj;
  for (const part of name.split('.')) {
    if (part === '__len') return pyLen(cur);
    if (OPERATORS.includes(part)) break;
    const m = /^(.*)\[(\d+)\]$/.exec(part);
    const key = m ? m[1]! : part;
    if (!isObj(cur) || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = cur[key];
    if (m) {
      if (!Array.isArray(cur) && typeof cur !== 'string') return undefined;
      const i = Number(m[2]);
      if (i >= cur.length) return undefined;
      cur = cur[i];
    }
  }
  return cur === null ? undefined : cur;
}

/** Python ==: 1 == 1.0 == True, no string/number coercion, lists and dicts compared deeply. */
export function pyEqual(a: unknown, b: unknown): boolean {
  const num = (x: unknown) => typeof x === 'number' || typeof x === 'boolean';
  if (num(a) && num(b)) return Number(a) === Number(b);
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEqual(a[k], b[k]));
  }
  return false;
}

/** Raised where run.py's Python would raise (e.g. `x in None`): the check fails. */
export class CheckRuntimeError extends Error {}

function pyIn(needle: unknown, hay: unknown): boolean {
  if (typeof hay === 'string') {
    if (typeof needle !== 'string') throw new CheckRuntimeError(`'in <string>' requires string as left operand`);
    return hay.includes(needle);
  }
  if (Array.isArray(hay)) return hay.some((x) => pyEqual(x, needle));
  if (isObj(hay)) return typeof needle === 'string' && Object.prototype.hasOwnProperty.call(hay, needle);
  throw new CheckRuntimeError(`argument of type '${hay === undefined ? 'NoneType' : typeof hay}' is not iterable`);
}

function strOp(val: unknown, op: string): string {
  if (typeof val !== 'string') throw new CheckRuntimeError(`${op} on a ${val === undefined ? 'None' : typeof val}`);
  return val;
}

function cmp(val: unknown, expected: unknown, op: string): number {
  const ok = (x: unknown) => typeof x === 'number' || typeof x === 'boolean';
  if (!ok(val) || !ok(expected)) {
    if (typeof val === 'string' && typeof expected === 'string') return val < expected ? -1 : val > expected ? 1 : 0;
    throw new CheckRuntimeError(`${op}: cannot compare ${typeof val} with ${typeof expected}`);
  }
  return Number(val) - Number(expected);
}

function keyPresent(expected: unknown, event: unknown): boolean[] {
  // A list names several keys (suricata-verify accepts both forms).
  return (Array.isArray(expected) ? expected : [expected]).map((k) => findValue(String(k), event) !== undefined);
}

/** run.py FilterCheck.match: every key of `match` holds for `event`. */
export function matchEvent(match: Record<string, unknown>, event: unknown): boolean {
  for (const [key, expected] of Object.entries(match)) {
    if (key === 'has-key') {
      if (!keyPresent(expected, event).every(Boolean)) return false;
      continue;
    }
    if (key === 'not-has-key') {
      if (keyPresent(expected, event).some(Boolean)) return false;
      continue;
    }
    const val = findValue(key, event);
    if (key.endsWith('__find') || key.endsWith('__contains')) {
      if (!pyIn(expected, val)) return false;
    } else if (key.endsWith('__startswith')) {
      if (!strOp(val, '__startswith').startsWith(String(expected))) return false;
    } else if (key.endsWith('__endswith')) {
      if (!strOp(val, '__endswith').endsWith(String(expected))) return false;
    } else if (key.endsWith('__gte')) {
      if (!(cmp(val, expected, '__gte') >= 0)) return false;
    } else if (key.endsWith('__gt')) {
      if (!(cmp(val, expected, '__gt') > 0)) return false;
    } else if (key.endsWith('__lte')) {
      if (!(cmp(val, expected, '__lte') <= 0)) return false;
    } else if (key.endsWith('__lt')) {
      if (!(cmp(val, expected, '__lt') < 0)) return false;
    } else if (!pyEqual(val, expected)) return false;
  }
  return true;
}

/** Records of `events` matching `match` (throws CheckRuntimeError where run.py would raise). */
export function countMatches(match: Record<string, unknown>, events: readonly unknown[]): number {
  let count = 0;
  for (const e of events) if (matchEvent(match, e)) count++;
  return count;
}

/** A check about alerts: `event_type: alert`, or keys (or has-key names) under `alert.`. */
export function isAlertCheck(f: FilterSpec): boolean {
  const m = f.match ?? {};
  if (m.event_type === 'alert') return true;
  const names = Object.keys(m).filter((k) => k !== 'has-key' && k !== 'not-has-key');
  const has = m['has-key'];
  if (has !== undefined) names.push(...(Array.isArray(has) ? has.map(String) : [String(has)]));
  return names.some((k) => k === 'alert' || k.startsWith('alert.'));
}

/** The version conditions of one filter check (its `requires:` plus the short forms). */
export function filterRequires(f: FilterSpec): Record<string, unknown> {
  const r: Record<string, unknown> = { ...(isObj(f.requires) ? f.requires : {}) };
  if (f.version !== undefined) r.version = f.version;
  if (f['min-version'] !== undefined) r['min-version'] = f['min-version'];
  if (f['lt-version'] !== undefined) r['lt-version'] = f['lt-version'];
  return r;
}

export interface CheckOutcome {
  /** 1-based position in test.yaml's `checks`. */
  index: number;
  ok: boolean;
  expected: number;
  got: number | null;
  match: Record<string, unknown>;
  error?: string;
}

/**
 * Every filter check about alerts whose version conditions hold, evaluated against `events`.
 * Other checks (shell, stats, file-compare, non-alert filters, other files) are out of scope.
 */
export function evaluateAlertChecks(checks: readonly CheckSpec[], events: readonly unknown[]): CheckOutcome[] {
  const out: CheckOutcome[] = [];
  checks.forEach((c, i) => {
    const f = c.filter;
    if (!isObj(f) || !isObj(f.match)) return;
    if (f.filename !== undefined && f.filename !== 'eve.json') return;
    if (!isAlertCheck(f)) return;
    if (unmetVersion(filterRequires(f)) !== null) return;
    try {
      const got = countMatches(f.match, events);
      out.push({ index: i + 1, ok: got === Number(f.count), expected: Number(f.count), got, match: f.match });
    } catch (err) {
      if (!(err instanceof CheckRuntimeError)) throw err;
      out.push({ index: i + 1, ok: false, expected: Number(f.count), got: null, match: f.match, error: err.message });
    }
  });
  return out;
}

/** `check N: expected X got Y`, with the check's match when `withMatch` (not for the expectations file). */
export function describeOutcome(o: CheckOutcome, withMatch = false): string {
  const m = withMatch ? ` (${JSON.stringify(o.match)})` : '';
  return o.error !== undefined ? `check ${o.index}: error ${o.error}${m}` : `check ${o.index}: expected ${o.expected} got ${o.got}${m}`;
}

// ------------------------------------------------------------------ test definition

/** PyYAML (YAML 1.1) reading, as run.py's yaml.safe_load: yes/no are booleans. */
export function parseYaml11(text: string): unknown {
  return YAML.parse(text, { version: '1.1', uniqueKeys: false, maxAliasCount: -1 });
}

/** Suricata's effective settings of a test: its suricata.yaml overlaid with `--set` args. */
export interface SuricataSettings {
  /** suricata.yaml merged with --set (dotted keys as nested mappings). */
  yaml: Record<string, unknown>;
  /** -k none: checksum validation off. */
  checksumNone: boolean;
  /** A BPF filter given after the options (`-k none port 22`). */
  bpf: string | null;
  /** Arguments we do not interpret (for reasons). */
  otherArgs: string[];
}

function setDotted(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isObj(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** A test's settings: suricata.yaml, then its args (`--set a.b=v` as Suricata merges them, `-k`, a BPF). */
export function settingsOf(suricataYaml: unknown, args: readonly string[]): SuricataSettings {
  const yaml: Record<string, unknown> = isObj(suricataYaml) ? structuredClone(suricataYaml) : {};
  let checksumNone = false;
  const bpf: string[] = [];
  const otherArgs: string[] = [];
  // run.py splits each args entry on whitespace.
  const tokens = args.flatMap((a) => String(a).split(/\s/)).filter((t) => t !== '');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--set' && i + 1 < tokens.length) {
      const kv = tokens[++i]!;
      const eq = kv.indexOf('=');
      if (eq > 0) setDotted(yaml, kv.slice(0, eq), kv.slice(eq + 1));
    } else if (t === '-k' && i + 1 < tokens.length) {
      checksumNone = tokens[++i] === 'none';
    } else if (t.startsWith('-')) {
      otherArgs.push(t);
      if (t === '--runmode' && i + 1 < tokens.length) i++;
    } else bpf.push(t);
  }
  return { yaml, checksumNone, bpf: bpf.length > 0 ? bpf.join(' ') : null, otherArgs };
}

/** A dotted setting (`stream.midstream`), or undefined. */
export function setting(s: SuricataSettings, dotted: string): unknown {
  return findValue(dotted, s.yaml);
}

/** Suricata's ConfValIsTrue. */
export function suricataTrue(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  return typeof v === 'string' && ['1', 'yes', 'true', 'on'].includes(v.trim().toLowerCase());
}

/** Rule variables of a suricata.yaml `vars:` as replay's flat NAME=VALUE (both groups). */
export function ruleVarsOf(s: SuricataSettings): Record<string, string> {
  const vars = findValue('vars', s.yaml);
  const out: Record<string, string> = {};
  if (!isObj(vars)) return out;
  for (const group of ['address-groups', 'port-groups']) {
    const g = vars[group];
    if (!isObj(g)) continue;
    for (const [k, v] of Object.entries(g)) if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

/**
 * Suricata settings → mirrorsink replay options. The one place to extend when the engine
 * grows (a stream: section, defrag, app-layer options): return the replay option values and
 * a mirrorsink configuration fragment (written to a temporary file and passed as --config),
 * plus what is set but has no mirrorsink equivalent (reported with a failing test's reason).
 */
export function replayOptionsFor(s: SuricataSettings): { values: Record<string, unknown>; config: Record<string, unknown>; unmapped: string[] } {
  const values: Record<string, unknown> = {};
  // Pool pcaps are small: replay's default table of 2^20 flows costs more to allocate than
  // most tests take to run.
  const config: Record<string, unknown> = { flows: { max_flows: 1 << 16 } };
  const unmapped: string[] = [];
  const midstream = setting(s, 'stream.midstream');
  if (midstream !== undefined && suricataTrue(midstream)) values.midstream = true;
  const vars = ruleVarsOf(s);
  const varArgs = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  if (varArgs.length > 0) values.var = varArgs;
  // Checksums: mirrorsink does not validate them (as `-k none`); Suricata's "auto" also lets
  // a pcap's bad checksums through once it sees most are bad (offloading), so nothing to map.
  // Not (yet) in mirrorsink: named in a failing test's reason. Switches count when on.
  // The stream: section takes Suricata's key names as they are.
  const stream: Record<string, unknown> = {};
  if (suricataTrue(setting(s, 'stream.async-oneside'))) stream['async-oneside'] = true;
  const reassembly: Record<string, unknown> = {};
  for (const key of ['depth', 'toserver-chunk-size', 'toclient-chunk-size', 'raw', 'check-overlap-different-data']) {
    const v = setting(s, `stream.reassembly.${key}`);
    if (v !== undefined && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) reassembly[key] = v;
  }
  if (Object.keys(reassembly).length > 0) stream.reassembly = reassembly;
  if (Object.keys(stream).length > 0) config.stream = stream;
  for (const key of ['stream.inline']) {
    if (suricataTrue(setting(s, key))) unmapped.push(`${key}=true`);
  }
  for (const key of ['stream.midstream-policy', 'stream.reassembly.urgent.policy', 'packet-alert-max', 'decoder.vxlan.enabled', 'vlan.use-for-tracking', 'detect.guess-applayer-tx']) {
    const v = setting(s, key);
    if (v !== undefined) unmapped.push(`${key}=${typeof v === 'object' ? '…' : String(v)}`);
  }
  for (const key of ['threshold-file', 'reputation-files']) if (setting(s, key) !== undefined) unmapped.push(key);
  const alert = eveAlertSettings(s);
  if (alert !== null) config.eve = { alert };
  if (s.bpf !== null) unmapped.push(`bpf '${s.bpf}'`);
  return { values, config, unmapped };
}

/**
 * The eve-log output's `types: - alert: {payload, payload-printable, payload-length, packet,
 * payload-buffer-size}` as mirrorsink's eve.alert section (null when none is set).
 */
export function eveAlertSettings(s: SuricataSettings): Record<string, unknown> | null {
  const outputs = findValue('outputs', s.yaml);
  if (!Array.isArray(outputs)) return null;
  const out: Record<string, unknown> = {};
  for (const o of outputs) {
    const eve = isObj(o) ? o['eve-log'] : undefined;
    if (!isObj(eve) || (eve.enabled !== undefined && !suricataTrue(eve.enabled)) || !Array.isArray(eve.types)) continue;
    for (const t of eve.types) {
      const a = isObj(t) ? t.alert : undefined;
      if (!isObj(a)) continue;
      for (const [key, name] of [['payload', 'payload'], ['payload-printable', 'payload_printable'], ['payload-length', 'payload_length'], ['packet', 'packet']] as const) {
        if (a[key] !== undefined) out[name] = suricataTrue(a[key]);
      }
      const size = a['payload-buffer-size'];
      if (typeof size === 'string' || typeof size === 'number') out.payload_buffer_size = size;
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}

export interface PoolTest {
  /** Path under tests/ (`alert-max/alert-max-20`). */
  name: string;
  dir: string;
  pcap: string;
  /** INDEX.tsv's "needs" ("-" = passed when the pool was cut). */
  needs: string;
}

export interface TestDefinition {
  config: Record<string, unknown>;
  checks: CheckSpec[];
  /** Rule files as run.py picks them (empty = detection disabled). */
  ruleFiles: string[];
  /** Inline rules text from test.yaml's `rules:` (when not a path). */
  ruleText: string | null;
  settings: SuricataSettings;
}

/** Reads test.yaml, suricata.yaml and the rule files of a test directory. */
export function readDefinition(dir: string): TestDefinition {
  const config = (parseYaml11(readFileSync(path.join(dir, 'test.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const checks = Array.isArray(config.checks) ? (config.checks as CheckSpec[]) : [];
  const syPath = path.join(dir, 'suricata.yaml');
  const suricataYaml = existsSync(syPath) ? parseYaml11(readFileSync(syPath, 'utf8')) : null;
  const args = Array.isArray(config.args) ? (config.args as unknown[]).map(String) : [];
  if (typeof config.command === 'string') {
    // A test's own command line: its --set and -k options count as args would.
    const words = config.command.replace(/\\\n/g, ' ').split(/\s+/);
    words.forEach((w, i) => {
      if ((w === '--set' || w === '-k') && i + 1 < words.length) args.push(`${w} ${words[i + 1]!.replace(/"/g, '')}`);
    });
  }
  const settings = settingsOf(suricataYaml, args);

  let ruleFiles: string[] = [];
  let ruleText: string | null = null;
  const r = config.rules;
  if (typeof r === 'string' && !r.includes('\n') && existsSync(path.join(dir, r))) ruleFiles = [path.join(dir, r)];
  else if (typeof r === 'string') ruleText = r;
  else if (Array.isArray(r)) ruleText = r.map(String).join('\n');
  else {
    const found = readdirSync(dir)
      .filter((f) => f.endsWith('.rules'))
      .sort();
    if (found.length === 1) {
      const f = found[0]!;
      // run.py: min<version>.rules applies only from that version on.
      const compatible = !f.startsWith('min') || (() => {
        const v = parseSuriVersion(f.slice(3, -6));
        return v === null || isGte(SURICATA_VERSION, v);
      })();
      if (compatible) ruleFiles = [path.join(dir, f)];
    } else if (found.length > 1) {
      // firewall.rules + td.rules: firewall mode, not in the pool; keep the detection rules.
      ruleFiles = found.filter((f) => f !== 'firewall.rules').map((f) => path.join(dir, f));
    }
  }
  return { config, checks, ruleFiles, ruleText, settings };
}

// ------------------------------------------------------------------ running one test

export type Status = 'pass' | 'fail' | 'not-applicable';

export interface TestResult {
  name: string;
  status: Status;
  /** Empty for a pass; our own words (kept in the expectations file). */
  reason: string;
  /** The reason with the failing check's match (for the console). */
  detail: string;
  /** How many alert checks were evaluated. */
  checks: number;
  alerts: number;
  /** Rules of the test mirrorsink could not load (skipped). */
  rulesFailed: number;
  ms: number;
}

let tmpSeq = 0;
let tmpDir: string | null = null;
function tmpFile(ext: string): string {
  if (tmpDir === null) {
    tmpDir = path.join(os.tmpdir(), `mirrorsink-sv-${process.pid}`);
    mkdirSync(tmpDir, { recursive: true });
  }
  return path.join(tmpDir, `${++tmpSeq}${ext}`);
}

/** Remove the temporary directory (call once at the end). */
export function cleanupTemp(): void {
  if (tmpDir !== null) rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = null;
}

function message(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 300);
}

export interface ReplayOutput {
  events: Record<string, unknown>[];
  rulesLoaded: number;
  rulesFailed: number;
  /** The first rule failures (file:line (sid): reason), as replay warns about them. */
  ruleFailures: string[];
}

/**
 * Replay `pcap` through the same stages as `mirrorsink replay` (rules, EVE with pcap_cnt,
 * flows) with `values` as its options; EVE goes to a temporary file read back as records.
 */
export async function replayToEve(pcap: string, values: Record<string, unknown>, config: Record<string, unknown>): Promise<ReplayOutput> {
  const eve = tmpFile('.json');
  let configFile: string | null = null;
  if (Object.keys(config).length > 0) {
    configFile = tmpFile('.yaml');
    writeFileSync(configFile, JSON.stringify(config));
  }
  let text = '';
  let rules: { loaded: number; failed: number } | undefined;
  let warnings: string[] = [];
  try {
    const pipeline = new Pipeline();
    // `values` are replay's command-line flags; replayOptionsOf types them as the CLI does.
    const assembled = await assembleReplayStages(replayOptionsOf({ ...values, eve, ...(configFile !== null ? { config: configFile } : {}) }), pipeline);
    warnings = assembled.warnings;
    try {
      pipeline.setStages(assembled.stages);
      pipeline.keepFilterRejected = assembled.keepFilterRejected;
      try {
        readCaptureFile(pcap, pipeline);
      } catch (err) {
        // As Suricata: reading ends at a damaged record, what came before is still logged.
        if (!(err instanceof CorruptCaptureError)) throw err;
      }
      pipeline.finish();
    } finally {
      await assembled.close();
    }
    rules = assembled.summarySections().rules as typeof rules;
    text = existsSync(eve) ? readFileSync(eve, 'utf8') : '';
  } finally {
    rmSync(eve, { force: true });
    if (configFile !== null) rmSync(configFile, { force: true });
  }
  const events = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { events, rulesLoaded: rules?.loaded ?? 0, rulesFailed: rules?.failed ?? 0, ruleFailures: warnings.filter((w) => w.startsWith('rule skipped:')).map((w) => w.slice('rule skipped: '.length)) };
}

/** Runs one suricata-verify test; never throws (a crash is a fail with its reason). */
export async function runTest(root: string, t: PoolTest): Promise<TestResult> {
  const started = performance.now();
  try {
    return await runTestUnguarded(root, t, started);
  } catch (err) {
    const reason = `harness error: ${message(err)}`;
    return { name: t.name, status: 'fail', reason, detail: reason, checks: 0, alerts: 0, rulesFailed: 0, ms: Math.round(performance.now() - started) };
  }
}

async function runTestUnguarded(root: string, t: PoolTest, started: number): Promise<TestResult> {
  const done = (status: Status, reason: string, checks = 0, alerts = 0, rulesFailed = 0, detail = reason): TestResult => ({ name: t.name, status, reason, detail, checks, alerts, rulesFailed, ms: Math.round(performance.now() - started) });
  let def: TestDefinition;
  try {
    def = readDefinition(t.dir);
  } catch (err) {
    return done('fail', `test definition unreadable: ${message(err)}`);
  }
  const unmet = unmetVersion(def.config.requires as Record<string, unknown> | undefined);
  if (unmet !== null) return done('not-applicable', unmet);
  if (!def.checks.some((c) => isObj(c.filter) && isAlertCheck(c.filter))) return done('not-applicable', 'no alert check');

  const { values, config, unmapped } = replayOptionsFor(def.settings);
  let inline: string | null = null;
  if (def.ruleText !== null) {
    inline = tmpFile('.rules');
    writeFileSync(inline, def.ruleText);
    values.rules = [inline];
  } else if (def.ruleFiles.length > 0) values.rules = def.ruleFiles;
  else values['no-rules'] = true;

  let out: ReplayOutput;
  try {
    out = await replayToEve(path.join(root, t.pcap), values, config);
  } catch (err) {
    return done('fail', `replay failed: ${message(err).split(root + path.sep).join('')}`);
  } finally {
    if (inline !== null) rmSync(inline, { force: true });
  }
  const alerts = out.events.filter((e) => e.event_type === 'alert').length;
  // Rules mirrorsink cannot load are skipped, as replay does, and the checks still run: a
  // check can hold without them (count 0). When the test fails, the skipped rules lead its reason.
  let skipped = '';
  if (out.rulesFailed > 0) {
    // Long quoted values are the rule's own text: kept out of our reasons.
    const first = (out.ruleFailures[0] ?? '').replace(/^.*?:\d+\s*/, '').replace(/'[^']{25,}'/g, "'…'");
    skipped = `rules failed to load: ${out.rulesFailed} of ${out.rulesFailed + out.rulesLoaded} (${first}); `;
  }
  let outcomes: CheckOutcome[];
  try {
    outcomes = evaluateAlertChecks(def.checks, out.events);
  } catch (err) {
    return done('fail', `${skipped}checks crashed: ${message(err)}`, 0, alerts, out.rulesFailed);
  }
  if (outcomes.length === 0) return done('not-applicable', 'no alert check for this version', 0, alerts, out.rulesFailed);
  const bad = outcomes.filter((o) => !o.ok);
  if (bad.length === 0) return done('pass', '', outcomes.length, alerts, out.rulesFailed);
  const extra = unmapped.length > 0 ? ` [unmapped: ${unmapped.join(', ')}]` : '';
  const head = `${skipped}${bad.length}/${outcomes.length} checks: `;
  return done('fail', `${head}${describeOutcome(bad[0]!)}${extra}`, outcomes.length, alerts, out.rulesFailed, `${head}${bad.map((o) => describeOutcome(o, true)).join('; ')}${extra}`);
}

/** INDEX.tsv of the pool: test, pcap, needs. */
export function readPoolIndex(root: string): PoolTest[] {
  const lines = readFileSync(path.join(root, 'INDEX.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  return lines.slice(1).map((l) => {
    const [name, pcap, needs] = l.split('\t');
    return { name: name!, dir: path.join(root, 'tests', name!), pcap: pcap!, needs: (needs ?? '-').trim() };
  });
}
