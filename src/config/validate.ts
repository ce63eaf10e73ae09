/**
 * Turns the raw configuration document (YAML file merged with environment and command-line
 * overrides, see load.ts) into a MirrorsinkConfig, collecting every problem. Never throws for a
 * bad value: problems go to ConfigProblems, and the caller fails once with all of them.
 */
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { parseCidr, type ParsedCidr } from '../net/cidr.js';
import { validateDefragSection } from '../defrag/defrag-config.js';
import { validateAwsSection } from '../aws/aws-config.js';
import { readAwsMirrorSessions, type AwsFieldOrigin, type AwsSessionDraft } from '../aws/mirror-sessions.js';
import { ConfigProblems, type KeyPath } from './problems.js';
import { DEFAULT_LOG_FORMAT, parseLogFormat } from './flow-log-format.js';
import { DEFAULT_STREAM_CONFIG, parseSize } from '../stream/stream-config.js';
import { DEFAULT_DEDUP_TABLE_SIZE, DEFAULT_DEDUP_WINDOW_MS } from '../dedup/packet-dedup.js';
import {
  DEFAULTS,
  MAX_WORKERS,
  DIRECTION_MODES,
  LOG_LEVELS,
  UNKNOWN_VNI_POLICIES,
  RECEIVER_METHODS,
  type ReceiverMethod,
  type CaptureConfig,
  type StreamSection,
  type DedupConfig,
  type DirectionMode,
  type FixedDirection,
  type HealthConfig,
  type HttpConfig,
  type ListenConfig,
  type LogLevel,
  type MirrorsinkConfig,
  type RulesConfig,
  type SessionConfig,
  type SessionFilterConfig,
  type SessionFlowLogFields,
  type FlowsConfig,
  type FlowTimeoutsConfig,
  type EveAlertConfig,
  type EveAnomalyConfig,
  EVE_ALERT_DEFAULTS,
  EVE_ANOMALY_DEFAULTS,
  type FlowLogConfig,
  type FlowLogFileFormat,
  FLOW_LOG_FILE_FORMATS,
  type PcapOutputConfig,
  type UnknownVniPolicy,
} from './schema.js';

export const MAX_VNI = 0xffffff;
/** Names reserved for the catch-all session. */
export const UNKNOWN_SESSION_NAME = 'unknown';

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/** Levenshtein distance, for "did you mean" on unknown keys (config load only). */
function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

class Checker {
  constructor(readonly problems: ConfigProblems) {}

  /** A mapping (or absent → empty); unknown keys are problems. */
  object(v: unknown, at: KeyPath, allowed: readonly string[]): Raw {
    if (v === undefined || v === null) return {};
    if (!isObject(v)) {
      this.problems.add(at, `must be a mapping, got ${describe(v)}`);
      return {};
    }
    for (const key of Object.keys(v)) {
      if (!allowed.includes(key)) {
        const near = allowed.filter((k) => distance(k, key) <= 2);
        this.problems.add([...at, key], `unknown key${near.length > 0 ? ` (did you mean '${near[0]}'?)` : ` (known: ${allowed.join(', ')})`}`);
      }
    }
    return v;
  }

  int(v: unknown, at: KeyPath, min: number, max: number, fallback: number): number {
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && /^-?[0-9]+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      this.problems.add(at, `must be an integer from ${min} to ${max}, got ${describe(v)}`);
      return fallback;
    }
    return n;
  }

  number(v: unknown, at: KeyPath, min: number, max: number, fallback: number): number {
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
      this.problems.add(at, `must be a number from ${min} to ${max}, got ${describe(v)}`);
      return fallback;
    }
    return n;
  }

  bool(v: unknown, at: KeyPath, fallback: boolean): boolean {
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(t)) return true;
      if (['false', 'no', 'off', '0'].includes(t)) return false;
    }
    this.problems.add(at, `must be true or false, got ${describe(v)}`);
    return fallback;
  }

  /** A string, or null when absent (or when `required`, a problem). */
  string(v: unknown, at: KeyPath, required = false): string | null {
    if (v === undefined || v === null) {
      if (required) this.problems.add(at, 'is required');
      return null;
    }
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string' || v.trim() === '') {
      this.problems.add(at, `must be a non-empty string, got ${describe(v)}`);
      return null;
    }
    return v.trim();
  }

  oneOf<T extends string>(v: unknown, at: KeyPath, allowed: readonly T[], fallback: T): T {
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v.trim().toLowerCase())) return v.trim().toLowerCase() as T;
    this.problems.add(at, `must be one of ${allowed.join(', ')}, got ${describe(v)}`);
    return fallback;
  }

  /** A list of strings; a single string counts as a one-element list. */
  stringList(v: unknown, at: KeyPath): { value: string; at: KeyPath }[] {
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return v.trim() === '' ? [] : [{ value: v.trim(), at }];
    if (!Array.isArray(v)) {
      this.problems.add(at, `must be a list, got ${describe(v)}`);
      return [];
    }
    const out: { value: string; at: KeyPath }[] = [];
    v.forEach((item, i) => {
      const s = this.string(item, [...at, i], true);
      if (s !== null) out.push({ value: s, at: [...at, i] });
    });
    return out;
  }

  cidr(text: string, at: KeyPath): ParsedCidr | null {
    const c = parseCidr(text, true);
    if (typeof c === 'string') {
      this.problems.add(at, c);
      return null;
    }
    if (c.hostBitsSet) {
      this.problems.add(at, `'${text}' has bits set beyond the /${c.prefix} prefix (did you mean ${c.text}?)`);
      return null;
    }
    return c;
  }

  /** A single address (no prefix, or /32 /128). */
  address(v: unknown, at: KeyPath): ParsedCidr | null {
    const s = this.string(v, at);
    if (s === null) return null;
    const c = parseCidr(s, true);
    if (typeof c === 'string' || c.prefix !== (c.family === 4 ? 32 : 128)) {
      this.problems.add(at, `'${s}' is not a single IPv4 or IPv6 address`);
      return null;
    }
    return c;
  }

  /** A file path, resolved against the directory of wherever the value came from. */
  filePath(v: unknown, at: KeyPath): string | null {
    const s = this.string(v, at);
    if (s === null) return null;
    return path.resolve(this.problems.origin(at).baseDir, s);
  }

  bindAddress(text: string, at: KeyPath): string | null {
    const bare = text.trim().replace(/^\[(.*)\]$/, '$1');
    const c = bare.includes('/') ? null : parseCidr(bare, true);
    if (c !== null && typeof c !== 'string') return bare;
    this.problems.add(at, `'${text}' is not an IPv4 or IPv6 address (use 0.0.0.0 or :: for every address)`);
    return null;
  }
}

const TOP_KEYS = [
  'listen',
  'http',
  'log_level',
  'unknown_vni',
  'allowed_senders',
  'sessions',
  'keep_filter_rejected',
  'dedup',
  'rules',
  'eve',
  'flows',
  'stream',
  'defrag',
  'aws',
  'capture',
  'health',
  'drain_ms',
  'workers',
] as const;

const SESSION_KEYS = [
  'name',
  'vni',
  'eni',
  'addresses',
  'primary_address',
  'mac',
  'direction_mode',
  'direction',
  'filter',
  'account_id',
  'vpc_id',
  'subnet_id',
  'instance_id',
  'region',
  'az_id',
] as const;

const FLOW_LOG_PATTERNS: Record<string, [keyof SessionFlowLogFields, RegExp, string]> = {
  account_id: ['accountId', /^[0-9]{12}$/, '12 digits'],
  vpc_id: ['vpcId', /^vpc-[0-9a-f]{8,17}$/, 'vpc- followed by 8-17 hex digits'],
  subnet_id: ['subnetId', /^subnet-[0-9a-f]{8,17}$/, 'subnet- followed by 8-17 hex digits'],
  instance_id: ['instanceId', /^i-[0-9a-f]{8,17}$/, 'i- followed by 8-17 hex digits'],
  region: ['region', /^[a-z]{2}(-[a-z]+)+-[0-9]+$/, 'a region name such as us-east-1'],
  az_id: ['azId', /^[a-z]{3,4}[0-9]+-az[0-9]+$/, 'an AZ id such as use1-az1'],
};

/** Normalise a MAC address to 12 lower-case hex digits, or null. */
export function normaliseMac(text: string): string | null {
  const t = text.trim().toLowerCase();
  if (/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/.test(t)) return t.replace(/[:-]/g, '');
  if (/^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/.test(t)) return t.replace(/\./g, '');
  return null;
}

/** 12 hex digits → aa:bb:cc:dd:ee:ff */
export function formatMac(hex12: string): string {
  return hex12.match(/../g)!.join(':');
}

function validateListen(c: Checker, raw: unknown): ListenConfig {
  const at = ['listen'];
  const o = c.object(raw, at, ['bind', 'vxlan_port', 'geneve_port', 'receive_buffer_bytes', 'receiver']);
  const bind: string[] = [];
  const items = c.stringList(o.bind, [...at, 'bind']);
  for (const item of items) {
    const a = c.bindAddress(item.value, item.at);
    if (a !== null) {
      if (bind.includes(a)) c.problems.add(item.at, `'${a}' is listed twice`);
      else bind.push(a);
    }
  }
  if (o.bind !== undefined && o.bind !== null && items.length === 0) c.problems.add([...at, 'bind'], 'must list at least one address');
  const vxlanPort = c.int(o.vxlan_port, [...at, 'vxlan_port'], 0, 65535, DEFAULTS.vxlanPort);
  let genevePort: number | null = DEFAULTS.genevePort;
  const g = o.geneve_port;
  if (g === false || g === null || (typeof g === 'string' && ['off', 'none', 'false', 'no'].includes(g.trim().toLowerCase()))) genevePort = null;
  else genevePort = c.int(g, [...at, 'geneve_port'], 0, 65535, DEFAULTS.genevePort);
  if (genevePort !== null && genevePort !== 0 && genevePort === vxlanPort) {
    c.problems.add([...at, 'geneve_port'], `must differ from listen.vxlan_port (${vxlanPort}); set it to false to disable GENEVE`);
  }
  const receiveBufferBytes = c.int(o.receive_buffer_bytes, [...at, 'receive_buffer_bytes'], 65536, 2 ** 31 - 1, DEFAULTS.receiveBufferBytes);
  const receiver =
    o.receiver === undefined || o.receiver === null ? DEFAULTS.receiver : c.oneOf<ReceiverMethod>(o.receiver, [...at, 'receiver'], RECEIVER_METHODS, DEFAULTS.receiver);
  return { bind: bind.length > 0 ? bind : [...DEFAULTS.bind], vxlanPort, genevePort, receiveBufferBytes, receiver };
}

function validateHttp(c: Checker, raw: unknown): HttpConfig {
  const at = ['http'];
  const o = c.object(raw, at, ['bind', 'port', 'reload_token']);
  let bind: string = DEFAULTS.httpBind;
  if (o.bind !== undefined && o.bind !== null) {
    const s = c.string(o.bind, [...at, 'bind']);
    if (s !== null) bind = c.bindAddress(s, [...at, 'bind']) ?? DEFAULTS.httpBind;
  }
  const port = c.int(o.port, [...at, 'port'], 0, 65535, DEFAULTS.httpPort);
  const reloadToken = c.string(o.reload_token, [...at, 'reload_token']);
  if (reloadToken !== null && reloadToken.length < 8) c.problems.add([...at, 'reload_token'], 'must be at least 8 characters long');
  return { bind, port, reloadToken };
}

function validateFilter(c: Checker, raw: unknown, at: KeyPath): SessionFilterConfig | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    const p = c.filePath(raw, at);
    return p === null ? null : { path: p, filterId: null, strict: false, amazonDnsAddress: null, directionUnknown: null };
  }
  const o = c.object(raw, at, ['path', 'filter_id', 'strict', 'amazon_dns_address', 'direction_unknown']);
  if (!isObject(raw)) return null;
  const p = o.path === undefined ? (c.problems.add([...at, 'path'], 'is required'), null) : c.filePath(o.path, [...at, 'path']);
  const filterId = c.string(o.filter_id, [...at, 'filter_id']);
  const strict = c.bool(o.strict, [...at, 'strict'], false);
  const dns = o.amazon_dns_address === undefined ? null : c.address(o.amazon_dns_address, [...at, 'amazon_dns_address']);
  const du = o.direction_unknown === undefined ? null : c.oneOf(o.direction_unknown, [...at, 'direction_unknown'], ['reject', 'ingress', 'egress', 'either'] as const, 'either');
  if (p === null) return null;
  return { path: p, filterId, strict, amazonDnsAddress: dns === null ? null : dns.text.replace(/\/(32|128)$/, ''), directionUnknown: du };
}

function validateSession(c: Checker, raw: unknown, i: number): SessionConfig | null {
  const at: KeyPath = ['sessions', i];
  if (!isObject(raw)) {
    c.problems.add(at, `must be a mapping with at least 'vni', got ${describe(raw)}`);
    return null;
  }
  const o = c.object(raw, at, SESSION_KEYS);
  const before = c.problems.count;
  let vni = -1;
  if (o.vni === undefined || o.vni === null) c.problems.add([...at, 'vni'], 'is required (the mirror session VirtualNetworkId, 0-16777215)');
  else vni = c.int(o.vni, [...at, 'vni'], 0, MAX_VNI, -1);
  let name = c.string(o.name, [...at, 'name']) ?? (vni >= 0 ? `vni-${vni}` : `session-${i}`);
  if (name === UNKNOWN_SESSION_NAME) {
    c.problems.add([...at, 'name'], `'${UNKNOWN_SESSION_NAME}' is reserved for packets of VNIs no session names`);
    name = `session-${i}`;
  }
  const eni = c.string(o.eni, [...at, 'eni']);
  if (eni !== null && !/^eni-[0-9a-f]{8,17}$/.test(eni)) c.problems.add([...at, 'eni'], `'${eni}' is not an ENI id (eni- followed by 8-17 hex digits)`);

  const addresses: ParsedCidr[] = [];
  for (const item of c.stringList(o.addresses, [...at, 'addresses'])) {
    const cidr = c.cidr(item.value, item.at);
    if (cidr !== null) {
      if (addresses.some((a) => a.text === cidr.text)) c.problems.add(item.at, `'${item.value}' is listed twice`);
      else addresses.push(cidr);
    }
  }
  let primaryAddress = o.primary_address === undefined ? null : c.address(o.primary_address, [...at, 'primary_address']);
  if (primaryAddress === null && o.primary_address === undefined) {
    // Default: the first single address listed (AWS lists the primary private IP first).
    primaryAddress = addresses.find((a) => a.prefix === (a.family === 4 ? 32 : 128)) ?? null;
  } else if (primaryAddress !== null && !addresses.some((a) => a.text === primaryAddress!.text)) {
    addresses.unshift(primaryAddress); // the primary IP is one of the ENI's addresses
  }

  let mac: string | null = null;
  const macText = c.string(o.mac, [...at, 'mac']);
  if (macText !== null) {
    mac = normaliseMac(macText);
    if (mac === null) c.problems.add([...at, 'mac'], `'${macText}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }

  let direction: FixedDirection | null = null;
  if (o.direction !== undefined && o.direction !== null) direction = c.oneOf<FixedDirection>(o.direction, [...at, 'direction'], ['ingress', 'egress'], 'ingress');
  const modeGiven = o.direction_mode !== undefined && o.direction_mode !== null;
  let directionMode: DirectionMode = modeGiven ? c.oneOf(o.direction_mode, [...at, 'direction_mode'], DIRECTION_MODES, 'auto') : 'auto';
  if (!modeGiven && direction !== null) directionMode = 'vni';
  if (directionMode === 'vni' && direction === null) {
    c.problems.add([...at, 'direction'], "is required with direction_mode 'vni' (the one direction this session's filter mirrors: ingress or egress)");
  }
  if (direction !== null && directionMode !== 'vni' && directionMode !== 'auto') {
    c.problems.add([...at, 'direction'], `only applies with direction_mode 'vni', not '${directionMode}'`);
  }
  if (directionMode === 'auto' && direction !== null) directionMode = 'vni';
  if (directionMode === 'addresses' && addresses.length === 0) {
    c.problems.add([...at, 'addresses'], "is required with direction_mode 'addresses' (the ENI's IPs and prefixes)");
  }
  if (directionMode === 'mac' && mac === null) c.problems.add([...at, 'mac'], "is required with direction_mode 'mac'");

  const filter = validateFilter(c, o.filter, [...at, 'filter']);

  const flowLog: SessionFlowLogFields = { accountId: null, vpcId: null, subnetId: null, instanceId: null, region: null, azId: null };
  for (const [key, [field, re, what]] of Object.entries(FLOW_LOG_PATTERNS)) {
    const s = c.string(o[key], [...at, key]);
    if (s === null) continue;
    if (!re.test(s)) c.problems.add([...at, key], `'${s}' is not valid (expected ${what})`);
    else flowLog[field] = s;
  }
  if (c.problems.count > before) return null;
  return { name, vni, eni, addresses, primaryAddress, mac, directionMode, direction, filter, flowLog };
}

const AWS_SESSIONS_KEYS = ['path', 'network_interfaces', 'target_id', 'filters', 'region', 'direction_mode'] as const;

/**
 * `sessions:` is a list of session mappings, or the AWS CLI's JSON the way a session's `filter:`
 * names a filter file: `sessions: mirror-sessions.json` or a mapping
 * `{path, network_interfaces, target_id, filters, region, direction_mode}` (src/aws/mirror-sessions.ts).
 */
function validateSessions(c: Checker, raw: unknown): SessionConfig[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string' || isObject(raw)) return validateAwsSessions(c, raw);
  if (!Array.isArray(raw)) {
    c.problems.add(['sessions'], `must be a list of sessions, or the JSON of aws ec2 describe-traffic-mirror-sessions (a file name or {path, network_interfaces, ...}), got ${describe(raw)}`);
    return [];
  }
  const out: SessionConfig[] = [];
  const indexOf: number[] = [];
  raw.forEach((item, i) => {
    const s = validateSession(c, item, i);
    if (s !== null) {
      out.push(s);
      indexOf.push(i);
    }
  });
  checkSessionConflicts(c, out, indexOf);
  return out;
}

/** Names unique; VNIs unique unless every session sharing one has its own primary address
 *  (AWS lets sessions of several ENIs use one VNI: the outer source IP tells them apart). */
function checkSessionConflicts(c: Checker, out: SessionConfig[], indexOf: number[]): void {
  for (let a = 0; a < out.length; a++) {
    for (let b = 0; b < a; b++) {
      if (out[a]!.name === out[b]!.name) c.problems.add(['sessions', indexOf[a]!, 'name'], `'${out[a]!.name}' is already the name of sessions[${indexOf[b]}]`);
      if (out[a]!.vni === out[b]!.vni) {
        const pa = out[a]!.primaryAddress;
        const pb = out[b]!.primaryAddress;
        if (pa === null || pb === null) {
          c.problems.add(
            ['sessions', indexOf[a]!, 'vni'],
            `${out[a]!.vni} is already the VNI of sessions[${indexOf[b]}] (${out[b]!.name}); sessions may share a VNI only when each has its own primary_address`,
          );
        } else if (pa.text === pb.text) {
          c.problems.add(
            ['sessions', indexOf[a]!, 'primary_address'],
            `sessions[${indexOf[b]}] (${out[b]!.name}) has the same VNI ${out[a]!.vni} and primary address ${pa.text.replace(/\/(32|128)$/, '')}: the two cannot be told apart`,
          );
        }
      }
    }
  }
}

/**
 * Problems of sessions built from AWS JSON: `sessions[i].key` becomes the JSON file, line and AWS
 * field the value came from (`mirror-sessions.json:12: TrafficMirrorSessions[1].VirtualNetworkId`).
 */
class AwsJsonProblems extends ConfigProblems {
  private n = 0;
  constructor(
    private readonly main: ConfigProblems,
    private readonly drafts: AwsSessionDraft[],
    baseDir: string,
  ) {
    super(() => ({ where: '', baseDir }));
  }

  override add(path: KeyPath, message: string): void {
    this.n++;
    const d = typeof path[1] === 'number' ? this.drafts[path[1]] : undefined;
    const key = typeof path[2] === 'string' ? path[2] : '';
    const o: AwsFieldOrigin | undefined =
      d === undefined ? undefined : ((typeof path[3] === 'number' ? d.origins.get(`${key}.${path[3]}`) : undefined) ?? d.origins.get(key) ?? d.origins.get(''));
    if (o === undefined) {
      this.main.add(['sessions'], message);
      return;
    }
    // The AWS field, and the configuration key it feeds when the names differ.
    const field = o.field + (key !== '' && !o.field.endsWith(key) ? ` (sessions ${key})` : '');
    this.main.addAt(o.where, field, message);
  }

  override get count(): number {
    return this.n;
  }
}

function validateAwsSessions(c: Checker, raw: string | Raw): SessionConfig[] {
  const at: KeyPath = ['sessions'];
  const o = typeof raw === 'string' ? { path: raw } : c.object(raw, at, AWS_SESSIONS_KEYS);
  const originPath: KeyPath = typeof raw === 'string' ? at : [...at, 'path'];
  if (o.path === undefined || o.path === null) {
    c.problems.add([...at, 'path'], 'is required (the JSON of aws ec2 describe-traffic-mirror-sessions)');
    return [];
  }
  const file = c.filePath(o.path, originPath);
  const interfaces = o.network_interfaces === undefined ? null : c.filePath(o.network_interfaces, [...at, 'network_interfaces']);
  const filters = o.filters === undefined ? null : c.filePath(o.filters, [...at, 'filters']);
  const targetId = c.string(o.target_id, [...at, 'target_id']);
  if (targetId !== null && !/^tmt-[0-9a-f]{8,17}$/.test(targetId)) c.problems.add([...at, 'target_id'], `'${targetId}' is not a traffic mirror target id (tmt- followed by 8-17 hex digits)`);
  const region = c.string(o.region, [...at, 'region']);
  if (region !== null && !FLOW_LOG_PATTERNS.region![1].test(region)) c.problems.add([...at, 'region'], `'${region}' is not valid (expected ${FLOW_LOG_PATTERNS.region![2]})`);
  const mode = o.direction_mode === undefined ? null : c.oneOf(o.direction_mode, [...at, 'direction_mode'], DIRECTION_MODES, 'auto');
  if (file === null) return [];
  const read = readAwsMirrorSessions({ sessionsFile: file, interfacesFile: interfaces, targetId, filtersFile: filters, region });
  for (const p of read.problems) {
    if (p.configKey === 'network_interfaces') c.problems.add([...at, 'network_interfaces'], p.message);
    else if (p.configKey === 'path') c.problems.add(originPath, p.message);
    else c.problems.addAt(p.origin.where, p.origin.field, p.message);
  }
  const sub = new Checker(new AwsJsonProblems(c.problems, read.sessions, path.dirname(file)));
  const out: SessionConfig[] = [];
  const indexOf: number[] = [];
  read.sessions.forEach((d, i) => {
    if (mode !== null) d.raw.direction_mode = mode;
    const s = validateSession(sub, d.raw, i);
    if (s !== null) {
      out.push(s);
      indexOf.push(i);
    }
  });
  checkSessionConflicts(sub, out, indexOf);
  return out;
}

function validateRules(c: Checker, raw: unknown): RulesConfig {
  const at = ['rules'];
  if (Array.isArray(raw) || typeof raw === 'string') raw = { files: raw };
  const o = c.object(raw, at, ['files', 'vars', 'allow_failures']);
  const files: string[] = [];
  for (const item of c.stringList(o.files, [...at, 'files'])) {
    const p = c.filePath(item.value, item.at);
    if (p !== null) files.push(p);
  }
  const vars: Record<string, string> = {};
  if (o.vars !== undefined && o.vars !== null) {
    if (!isObject(o.vars)) c.problems.add([...at, 'vars'], `must be a mapping of variable names to values, got ${describe(o.vars)}`);
    else {
      for (const [k, v] of Object.entries(o.vars)) {
        const name = k.replace(/^\$/, '');
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          c.problems.add([...at, 'vars', k], 'is not a valid variable name');
          continue;
        }
        const val = Array.isArray(v) ? `[${v.map(String).join(',')}]` : c.string(v, [...at, 'vars', k], true);
        if (val !== null) vars[name] = val;
      }
    }
  }
  const allowFailures = c.bool(o.allow_failures, [...at, 'allow_failures'], false);
  return { files, vars, allowFailures };
}

const FLOWS_KEYS = ['max_flows', 'midstream', 'timeouts', 'unanswered_history', 'eve', 'log', 'pcap', 'alert_pcap_dir'];
const FLOW_LOG_KEYS = ['dir', 'format', 'aggregation_sec', 'rotate_sec', 'flow_log_id', 'no_data', 'file_format', 'hive_compatible_partitions', 'per_hour_partition'];
const PCAP_KEYS = ['dir', 'mode', 'max_file_bytes', 'max_file_seconds', 'max_files', 'max_total_bytes'];
const TIMEOUT_KEYS: Record<string, keyof FlowTimeoutsConfig> = {
  tcp_new: 'tcpNew',
  tcp_established: 'tcpEstablished',
  tcp_closed: 'tcpClosed',
  udp_new: 'udpNew',
  udp_established: 'udpEstablished',
  other_new: 'otherNew',
  other_established: 'otherEstablished',
};

/** An optional integer: null when absent (the consumer's default applies). */
function optionalInt(c: Checker, v: unknown, at: KeyPath, min: number, max: number): number | null {
  const n = c.int(v, at, min, max, Number.NaN);
  return Number.isNaN(n) ? null : n;
}

/** An optional sub-mapping of flows: absent, null or false = off. */
function section(c: Checker, v: unknown, at: KeyPath, allowed: readonly string[], what: string): Raw | null {
  if (v === undefined || v === null || v === false) return null;
  if (!isObject(v)) {
    c.problems.add(at, what);
    return null;
  }
  return c.object(v, at, allowed);
}

function validateFlowLog(c: Checker, raw: unknown): FlowLogConfig | null {
  const at: KeyPath = ['flows', 'log'];
  const l = section(c, raw, at, FLOW_LOG_KEYS, 'must be a mapping with at least dir');
  if (l === null) return null;
  let format: string | null = null;
  const text = typeof l.format === 'string' ? l.format : DEFAULT_LOG_FORMAT;
  try {
    format = parseLogFormat(text).text;
  } catch (err) {
    c.problems.add([...at, 'format'], (err as Error).message);
  }
  const agg = c.int(l.aggregation_sec, [...at, 'aggregation_sec'], 1, 86_400, 600);
  if (l.aggregation_sec !== undefined && agg !== 60 && agg !== 600) c.problems.add([...at, 'aggregation_sec'], `AWS offers 60 or 600 seconds, got ${agg}`);
  let dir: string | null = null;
  if (typeof l.dir !== 'string' || l.dir.trim() === '') c.problems.add([...at, 'dir'], 'is required (the directory AWSLogs/... files are written under)');
  else dir = c.filePath(l.dir, [...at, 'dir']);
  const rotateSec = c.int(l.rotate_sec, [...at, 'rotate_sec'], 1, 86_400, 300);
  const flowLogId = typeof l.flow_log_id === 'string' ? l.flow_log_id : 'fl-mirrorsink';
  const noData = c.bool(l.no_data, [...at, 'no_data'], true);
  const fileFormat = c.oneOf<FlowLogFileFormat>(l.file_format, [...at, 'file_format'], FLOW_LOG_FILE_FORMATS, 'plain-text');
  const hiveCompatiblePartitions = c.bool(l.hive_compatible_partitions, [...at, 'hive_compatible_partitions'], false);
  const perHourPartition = c.bool(l.per_hour_partition, [...at, 'per_hour_partition'], false);
  if (dir === null || format === null) return null;
  return { dir, format, aggregationSec: agg, rotateSec, flowLogId, noData, fileFormat, hiveCompatiblePartitions, perHourPartition };
}

function validatePcapOutput(c: Checker, raw: unknown): PcapOutputConfig | null {
  const at: KeyPath = ['flows', 'pcap'];
  const o = section(c, raw, at, PCAP_KEYS, 'must be a mapping with at least dir');
  if (o === null) return null;
  const mode = o.mode ?? 'inner';
  if (mode !== 'inner' && mode !== 'outer') c.problems.add([...at, 'mode'], `must be inner (decapsulated frames) or outer, got ${describe(mode)}`);
  if (typeof o.dir !== 'string' || o.dir.trim() === '') {
    c.problems.add([...at, 'dir'], 'is required');
    return null;
  }
  const dir = c.filePath(o.dir, [...at, 'dir']);
  const n = (k: string, min: number) => optionalInt(c, o[k], [...at, k], min, Number.MAX_SAFE_INTEGER);
  const maxFileBytes = n('max_file_bytes', 4096);
  const maxFileSeconds = n('max_file_seconds', 1);
  const maxFiles = n('max_files', 0);
  const maxTotalBytes = n('max_total_bytes', 0);
  if (dir === null) return null;
  return { dir, mode: mode === 'outer' ? 'outer' : 'inner', maxFileBytes, maxFileSeconds, maxFiles, maxTotalBytes };
}

/** `eve.anomaly:` Suricata's eve-log anomaly type (`true`/`false` = enabled with default types). */
function validateEveAnomaly(c: Checker, raw: unknown): EveAnomalyConfig {
  const d = EVE_ANOMALY_DEFAULTS;
  if (raw === undefined || raw === null) return d;
  const at = ['eve', 'anomaly'];
  if (typeof raw === 'boolean') return { enabled: raw, types: { ...d.types } };
  const o = c.object(raw, at, ['enabled', 'types']);
  const enabled = c.bool(o.enabled, [...at, 'enabled'], d.enabled);
  if (o.types === undefined || o.types === null) return { enabled, types: { ...d.types } };
  const t = c.object(o.types, [...at, 'types'], ['decode', 'stream', 'applayer']);
  return {
    enabled,
    types: {
      decode: c.bool(t.decode, [...at, 'types', 'decode'], d.types.decode),
      stream: c.bool(t.stream, [...at, 'types', 'stream'], d.types.stream),
      applayer: c.bool(t.applayer, [...at, 'types', 'applayer'], d.types.applayer),
    },
  };
}

/** `eve.alert:` optional alert fields (payload, payload_printable, payload_length, packet). */
function validateEveAlert(c: Checker, raw: unknown): EveAlertConfig {
  const d = EVE_ALERT_DEFAULTS;
  if (raw === undefined || raw === null) return d;
  const at = ['eve', 'alert'];
  const o = c.object(raw, at, ['payload', 'payload_printable', 'payload_length', 'packet', 'payload_buffer_size']);
  return {
    payload: c.bool(o.payload, [...at, 'payload'], d.payload),
    payloadPrintable: c.bool(o.payload_printable, [...at, 'payload_printable'], d.payloadPrintable),
    payloadLength: c.bool(o.payload_length, [...at, 'payload_length'], d.payloadLength),
    packet: c.bool(o.packet, [...at, 'packet'], d.packet),
    payloadBufferSize: size(c, o.payload_buffer_size, [...at, 'payload_buffer_size'], 1, d.payloadBufferSize),
  };
}

/** `flows:` (true = every default). `evePath` tells whether EVE flow records have a file. */
function validateFlows(c: Checker, raw: unknown, evePath: string | null): FlowsConfig | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (raw === true) raw = {};
  if (!isObject(raw)) {
    c.problems.add(['flows'], `must be a mapping of flow options (or true), got ${describe(raw)}`);
    return null;
  }
  const at: KeyPath = ['flows'];
  const o = c.object(raw, at, FLOWS_KEYS);
  const maxFlows = optionalInt(c, o.max_flows, [...at, 'max_flows'], 16, 1 << 24);
  const midstream = c.bool(o.midstream, [...at, 'midstream'], false);
  const unansweredHistory = optionalInt(c, o.unanswered_history, [...at, 'unanswered_history'], 0, 1 << 16);
  const timeouts: FlowTimeoutsConfig = { tcpNew: null, tcpEstablished: null, tcpClosed: null, udpNew: null, udpEstablished: null, otherNew: null, otherEstablished: null };
  if (o.timeouts !== undefined && o.timeouts !== null) {
    if (!isObject(o.timeouts)) c.problems.add([...at, 'timeouts'], 'must be a mapping of seconds (tcp_new, tcp_established...)');
    else {
      for (const [k, v] of Object.entries(o.timeouts)) {
        const field = TIMEOUT_KEYS[k];
        if (field === undefined) c.problems.add([...at, 'timeouts', k], `unknown timeout (known: ${Object.keys(TIMEOUT_KEYS).join(', ')})`);
        else timeouts[field] = optionalInt(c, v, [...at, 'timeouts', k], 1, 86_400);
      }
    }
  }
  const eve = c.bool(o.eve, [...at, 'eve'], false);
  if (eve && evePath === null) c.problems.add([...at, 'eve'], 'EVE flow records need eve.path (or --eve)');
  const log = validateFlowLog(c, o.log);
  const pcap = validatePcapOutput(c, o.pcap);
  let alertPcapDir: string | null = null;
  if (o.alert_pcap_dir !== undefined && o.alert_pcap_dir !== null) {
    if (typeof o.alert_pcap_dir !== 'string' || o.alert_pcap_dir.trim() === '') c.problems.add([...at, 'alert_pcap_dir'], 'must be a directory path');
    else alertPcapDir = c.filePath(o.alert_pcap_dir, [...at, 'alert_pcap_dir']);
  }
  return { maxFlows, midstream, timeouts, unansweredHistory, eve, log, pcap, alertPcapDir };
}

function validateCapture(c: Checker, raw: unknown): CaptureConfig {
  const at = ['capture'];
  const o = c.object(raw, at, ['interface', 'filter', 'plain', 'buffer_bytes']);
  const plain = c.bool(o.plain, [...at, 'plain'], false);
  const filter = c.string(o.filter, [...at, 'filter']) ?? (plain ? '' : DEFAULTS.captureFilter);
  return {
    interface: c.string(o.interface, [...at, 'interface']),
    filter,
    plain,
    bufferBytes: c.int(o.buffer_bytes, [...at, 'buffer_bytes'], 65536, 2 ** 31 - 1, DEFAULTS.captureBufferBytes),
  };
}

function validateDedup(c: Checker, raw: unknown): DedupConfig {
  const at = ['dedup'];
  const o = c.object(raw, at, ['enabled', 'window_ms', 'table_size']);
  return {
    enabled: c.bool(o.enabled, [...at, 'enabled'], false),
    windowMs: c.int(o.window_ms, [...at, 'window_ms'], 1, 60_000, DEFAULT_DEDUP_WINDOW_MS),
    tableSize: c.int(o.table_size, [...at, 'table_size'], 64, 1 << 24, DEFAULT_DEDUP_TABLE_SIZE),
  };
}

const STREAM_KEYS = ['enabled', 'midstream', 'async-oneside', 'memcap', 'reassembly', 'checksum-validation'];
const REASSEMBLY_KEYS = ['memcap', 'depth', 'toserver-chunk-size', 'toclient-chunk-size', 'raw', 'check-overlap-different-data', 'randomize-chunk-size'];

/** A Suricata size: bytes, or "64mb", "1 MiB", "256kb"... */
function size(c: Checker, v: unknown, at: KeyPath, min: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  const n = parseSize(v);
  if (n === null || n < min) {
    c.problems.add(at, `must be a size (bytes, or like "64mb") of at least ${min}, got ${describe(v)}`);
    return fallback;
  }
  return n;
}

/**
 * `stream:` with Suricata's key names. `flows.midstream` and `stream.midstream` are one switch
 * (either turns it on). Settings mirrorsink cannot honour are refused by name.
 */
function validateStream(c: Checker, raw: unknown, flowsMidstream: boolean): StreamSection {
  const d = DEFAULT_STREAM_CONFIG;
  const base: StreamSection = { ...d, midstream: flowsMidstream, enabled: raw !== false };
  if (raw === undefined || raw === null || raw === true || raw === false) return base;
  const at: KeyPath = ['stream'];
  if (!isObject(raw)) {
    c.problems.add(at, `must be a mapping of stream options (or true/false), got ${describe(raw)}`);
    return base;
  }
  const o = c.object(raw, at, STREAM_KEYS);
  if (c.bool(o['checksum-validation'], [...at, 'checksum-validation'], false)) {
    c.problems.add([...at, 'checksum-validation'], 'is not supported (checksums are not validated, as Suricata does in pcap mode by default)');
  }
  const r = o.reassembly === undefined || o.reassembly === null ? {} : c.object(o.reassembly, [...at, 'reassembly'], REASSEMBLY_KEYS);
  const ra: KeyPath = [...at, 'reassembly'];
  if (c.bool(r['randomize-chunk-size'], [...ra, 'randomize-chunk-size'], false)) {
    c.problems.add([...ra, 'randomize-chunk-size'], 'is not supported: chunk sizes are exact so results are deterministic');
  }
  return {
    enabled: c.bool(o.enabled, [...at, 'enabled'], true),
    midstream: c.bool(o.midstream, [...at, 'midstream'], false) || flowsMidstream,
    asyncOneside: c.bool(o['async-oneside'], [...at, 'async-oneside'], d.asyncOneside),
    memcap: size(c, o.memcap, [...at, 'memcap'], 1, d.memcap),
    reassemblyMemcap: size(c, r.memcap, [...ra, 'memcap'], 1, d.reassemblyMemcap),
    depth: size(c, r.depth, [...ra, 'depth'], 0, d.depth),
    toserverChunkSize: size(c, r['toserver-chunk-size'], [...ra, 'toserver-chunk-size'], 1, d.toserverChunkSize),
    toclientChunkSize: size(c, r['toclient-chunk-size'], [...ra, 'toclient-chunk-size'], 1, d.toclientChunkSize),
    raw: c.bool(r.raw, [...ra, 'raw'], d.raw),
    checkOverlapDifferentData: c.bool(r['check-overlap-different-data'], [...ra, 'check-overlap-different-data'], d.checkOverlapDifferentData),
  };
}

function validateHealth(c: Checker, raw: unknown): HealthConfig {
  const at = ['health'];
  const o = c.object(raw, at, ['max_event_loop_lag_seconds', 'max_kernel_drops_per_second', 'kernel_drops_window_seconds', 'worker_stall_seconds']);
  return {
    maxEventLoopLagSeconds: c.number(o.max_event_loop_lag_seconds, [...at, 'max_event_loop_lag_seconds'], 0.001, 3600, DEFAULTS.maxEventLoopLagSeconds),
    maxKernelDropsPerSecond: c.number(o.max_kernel_drops_per_second, [...at, 'max_kernel_drops_per_second'], 0, 1e12, DEFAULTS.maxKernelDropsPerSecond),
    kernelDropsWindowSeconds: c.number(o.kernel_drops_window_seconds, [...at, 'kernel_drops_window_seconds'], 1, 3600, DEFAULTS.kernelDropsWindowSeconds),
    workerStallSeconds: c.number(o.worker_stall_seconds, [...at, 'worker_stall_seconds'], 0.5, 3600, DEFAULTS.workerStallSeconds),
  };
}

/**
 * Validate a raw document. `file` is the config file (absolute) or null; problems are reported
 * through `problems` (which knows where each key came from).
 */
/** An output file path; '-' stays '-' (standard output); false = none (serve's default EVE path off). */
function outputPath(c: Checker, v: unknown, at: KeyPath): string | null {
  if (v === false) return null;
  return v === '-' ? '-' : c.filePath(v, at);
}

export function validateConfig(raw: unknown, file: string | null, problems: ConfigProblems): MirrorsinkConfig {
  const c = new Checker(problems);
  if (raw !== undefined && raw !== null && !isObject(raw)) {
    problems.add([], `the configuration must be a mapping of keys (listen, http, sessions...), got ${describe(raw)}`);
    raw = {};
  }
  const o = c.object(raw, [], TOP_KEYS);

  const listen = validateListen(c, o.listen);
  const http = validateHttp(c, o.http);
  const logLevel = c.oneOf<LogLevel>(o.log_level, ['log_level'], LOG_LEVELS, DEFAULTS.logLevel);
  const unknownVni = c.oneOf<UnknownVniPolicy>(o.unknown_vni, ['unknown_vni'], UNKNOWN_VNI_POLICIES, DEFAULTS.unknownVni);
  const allowedSenders: ParsedCidr[] = [];
  for (const item of c.stringList(o.allowed_senders, ['allowed_senders'])) {
    const cidr = c.cidr(item.value, item.at);
    if (cidr !== null) allowedSenders.push(cidr);
  }
  const sessions = validateSessions(c, o.sessions);
  const keepFilterRejected = c.bool(o.keep_filter_rejected, ['keep_filter_rejected'], false);
  const dedup = validateDedup(c, o.dedup);
  const rules = validateRules(c, o.rules);

  let evePath: string | null = null;
  let fastLog: string | null = null;
  let anomaly: EveAnomalyConfig = EVE_ANOMALY_DEFAULTS;
  let alert: EveAlertConfig = EVE_ALERT_DEFAULTS;
  let communityId = true;
  let communityIdSeed = 0; // Suricata's default
  let eveHttp = true;
  let eveDns = true;
  let eveTls = true;
  let eveSsh = true;
  if (typeof o.eve === 'string') evePath = outputPath(c, o.eve, ['eve']);
  else {
    const eve = c.object(o.eve, ['eve'], ['path', 'fast_log', 'anomaly', 'alert', 'community_id', 'community_id_seed', 'http', 'dns', 'tls', 'ssh']);
    eveHttp = c.bool(eve.http, ['eve', 'http'], true);
    eveDns = c.bool(eve.dns, ['eve', 'dns'], true);
    eveTls = c.bool(eve.tls, ['eve', 'tls'], true);
    eveSsh = c.bool(eve.ssh, ['eve', 'ssh'], true);
    evePath = outputPath(c, eve.path, ['eve', 'path']);
    fastLog = outputPath(c, eve.fast_log, ['eve', 'fast_log']);
    anomaly = validateEveAnomaly(c, eve.anomaly);
    alert = validateEveAlert(c, eve.alert);
    communityId = c.bool(eve.community_id, ['eve', 'community_id'], true);
    // A 16-bit field of the hash input, as Suricata's community-id-seed.
    communityIdSeed = c.int(eve.community_id_seed, ['eve', 'community_id_seed'], 0, 65535, 0);
  }

  const flows = validateFlows(c, o.flows, evePath);

  const stream = validateStream(c, o.stream, flows?.midstream ?? false);

  const defrag = validateDefragSection(o.defrag, (at, m) => problems.add(at, m));
  const aws = validateAwsSection(o.aws, (at, m) => problems.add(at, m), (at) => problems.origin(at).baseDir);
  const capture = validateCapture(c, o.capture);
  const health = validateHealth(c, o.health);
  const drainMs = c.int(o.drain_ms, ['drain_ms'], 0, 60_000, DEFAULTS.drainMs);
  const workers = validateWorkers(problems, o.workers);

  return {
    file,
    listen,
    http,
    logLevel,
    unknownVni,
    allowedSenders,
    sessions,
    keepFilterRejected,
    dedup,
    rules,
    eve: { path: evePath, fastLog, anomaly, alert, communityId, communityIdSeed, http: eveHttp, dns: eveDns, tls: eveTls, ssh: eveSsh },
    flows,
    stream,
    defrag,
    aws,
    capture,
    health,
    drainMs,
    workers,
  };
}

/** `workers:` a whole number from 1 to MAX_WORKERS, or `auto` (the cores Node sees, at most MAX_WORKERS). */
function validateWorkers(problems: ConfigProblems, v: unknown): number {
  if (v === undefined || v === null) return DEFAULTS.workers;
  if (typeof v === 'string' && v.trim().toLowerCase() === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  const n = typeof v === 'string' && /^[0-9]+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    problems.add(['workers'], `must be 'auto' or a whole number from 1 to ${MAX_WORKERS}, got ${JSON.stringify(v)}`);
    return DEFAULTS.workers;
  }
  return n;
}
