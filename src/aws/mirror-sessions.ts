/**
 * Sessions from what the AWS CLI prints, so an operator does not type VNIs and ENIs by hand:
 *
 *   aws ec2 describe-traffic-mirror-sessions  → {"TrafficMirrorSessions": [{TrafficMirrorSessionId,
 *       TrafficMirrorTargetId, TrafficMirrorFilterId, NetworkInterfaceId, OwnerId, PacketLength,
 *       SessionNumber, VirtualNetworkId, Description, Tags}]}
 *     (or create-traffic-mirror-session's {"TrafficMirrorSession": {...}})
 *   aws ec2 describe-network-interfaces (optional) → {"NetworkInterfaces": [{NetworkInterfaceId,
 *       MacAddress, PrivateIpAddress, PrivateIpAddresses[{Primary, PrivateIpAddress}],
 *       Ipv6Addresses[{Ipv6Address}], Ipv4Prefixes[{Ipv4Prefix}], Ipv6Prefixes[{Ipv6Prefix}],
 *       VpcId, SubnetId, AvailabilityZone, Attachment{InstanceId}, OwnerId}]}
 *
 * Each mirror session becomes a session mapping in the configuration's own shape (name, vni,
 * eni, addresses, mac, account_id, vpc_id...), which config/validate.ts then checks like a
 * hand-written one; every key remembers the JSON file, line and AWS field it came from, so a
 * problem names those (`sessions.json:14: TrafficMirrorSessions[2].VirtualNetworkId: ...`).
 * The JSON is parsed as YAML (a superset) to keep line numbers, as filter files are.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { binaryContent, documentValue, yamlErrorText } from '../yaml-text.js';

type Raw = Record<string, unknown>;
type Seg = string | number;

/** Where a value of a generated session came from. */
export interface AwsFieldOrigin {
  /** `file:line` */
  where: string;
  /** The AWS field: `TrafficMirrorSessions[0].VirtualNetworkId`. */
  field: string;
}

export interface AwsSessionDraft {
  /** A session mapping in the configuration's shape (keys of `sessions[]`). */
  raw: Raw;
  /** Origin of each key of `raw`, and '' for the session as a whole. */
  origins: Map<string, AwsFieldOrigin>;
}

export interface AwsSessionsRead {
  sessions: AwsSessionDraft[];
  /** Problems of the files themselves (unreadable, not JSON, wrong shape). `configKey`: the
   *  file could not be read at all; the problem belongs to that key of the configuration. */
  problems: { origin: AwsFieldOrigin; message: string; configKey?: 'path' | 'network_interfaces' }[];
}

export interface AwsSessionsOptions {
  /** describe-traffic-mirror-sessions JSON. */
  sessionsFile: string;
  /** describe-network-interfaces JSON (addresses, MAC, VPC, subnet, instance). */
  interfacesFile?: string | null;
  /** Only sessions whose TrafficMirrorTargetId is this (the sink's target). */
  targetId?: string | null;
  /** describe-traffic-mirror-filters JSON: each session gets its TrafficMirrorFilterId from it. */
  filtersFile?: string | null;
  /** Region for the flow-log fields when the AZ does not tell it. */
  region?: string | null;
}

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldText(path: readonly Seg[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** A parsed JSON file with line lookup by path. */
class JsonFile {
  readonly value: unknown;
  constructor(
    readonly file: string,
    private readonly doc: Document | null,
    private readonly lines: LineCounter | null,
    value: unknown,
  ) {
    this.value = value;
  }

  /** The line of the value at `path` (or of its nearest present parent). */
  line(path: readonly Seg[]): number {
    if (this.doc === null || this.lines === null) return 1;
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && Array.isArray(node.range)) return this.lines.linePos(node.range[0]).line;
    }
    return 1;
  }

  origin(path: readonly Seg[]): AwsFieldOrigin {
    return { where: `${this.file}:${this.line(path)}`, field: fieldText(path) };
  }
}

function readJson(file: string, what: string, configKey: 'path' | 'network_interfaces', problems: AwsSessionsRead['problems']): JsonFile | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push({ origin: { where: file, field: '' }, message: `cannot read the ${what} file ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, configKey });
    return null;
  }
  const bin = binaryContent(text);
  if (bin) {
    problems.push({ origin: { where: `${file}:${bin.line ?? 1}`, field: '' }, message: bin.message });
    return null;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    problems.push({ origin: { where: `${file}:${lines.linePos(e.pos[0]).line}`, field: '' }, message: `not valid JSON: ${yamlErrorText(e.message)}` });
    return null;
  }
  const v = documentValue(doc, lines);
  if (v.problem) {
    problems.push({ origin: { where: `${file}:${v.problem.line ?? 1}`, field: '' }, message: v.problem.message });
    return null;
  }
  return new JsonFile(file, doc, lines, v.value);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** The Name tag's value in an AWS Tags list [{Key, Value}]. */
function nameTag(tags: unknown): { value: string; index: number } | null {
  if (!Array.isArray(tags)) return null;
  for (let i = 0; i < tags.length; i++) {
    const t: unknown = tags[i];
    if (isRecord(t) && t.Key === 'Name' && typeof t.Value === 'string' && t.Value.trim() !== '') return { value: t.Value.trim(), index: i };
  }
  return null;
}

/** us-east-1a → us-east-1 (AZ names are the region plus one letter). */
export function regionOfAz(az: string): string | null {
  const m = /^([a-z]{2}(?:-[a-z]+)+-[0-9]+)[a-z]$/.exec(az);
  return m ? m[1]! : null;
}

interface EniInfo {
  json: JsonFile;
  path: Seg[];
  obj: Raw;
}

function indexInterfaces(json: JsonFile, problems: AwsSessionsRead['problems']): Map<string, EniInfo> {
  const out = new Map<string, EniInfo>();
  const root = json.value;
  const list = isRecord(root) ? root.NetworkInterfaces : undefined;
  if (!Array.isArray(list)) {
    problems.push({ origin: json.origin(['NetworkInterfaces']), message: 'expected aws ec2 describe-network-interfaces output: {"NetworkInterfaces": [...]}' });
    return out;
  }
  list.forEach((ni: unknown, i) => {
    const p: Seg[] = ['NetworkInterfaces', i];
    if (!isRecord(ni)) {
      problems.push({ origin: json.origin(p), message: 'a network interface must be an object' });
      return;
    }
    const id = str(ni.NetworkInterfaceId);
    if (id === null) {
      problems.push({ origin: json.origin([...p, 'NetworkInterfaceId']), message: 'is required (eni-...)' });
      return;
    }
    out.set(id, { json, path: p, obj: ni });
  });
  return out;
}

/** The mirror sessions of the files as session drafts. Never throws: problems are returned. */
export function readAwsMirrorSessions(opts: AwsSessionsOptions): AwsSessionsRead {
  const problems: AwsSessionsRead['problems'] = [];
  const sessions: AwsSessionDraft[] = [];
  const sj = readJson(opts.sessionsFile, 'traffic mirror sessions', 'path', problems);
  const ij = opts.interfacesFile ? readJson(opts.interfacesFile, 'network interfaces', 'network_interfaces', problems) : null;
  if (sj === null) return { sessions, problems };
  const enis = ij !== null ? indexInterfaces(ij, problems) : null;

  const root = sj.value;
  let items: { obj: unknown; path: Seg[] }[];
  if (isRecord(root) && Array.isArray(root.TrafficMirrorSessions)) {
    items = root.TrafficMirrorSessions.map((obj: unknown, i: number) => ({ obj, path: ['TrafficMirrorSessions', i] }));
  } else if (isRecord(root) && isRecord(root.TrafficMirrorSession)) {
    items = [{ obj: root.TrafficMirrorSession, path: ['TrafficMirrorSession'] }];
  } else {
    problems.push({
      origin: sj.origin(['TrafficMirrorSessions']),
      message: 'expected aws ec2 describe-traffic-mirror-sessions output: {"TrafficMirrorSessions": [...]} (or create-traffic-mirror-session\'s {"TrafficMirrorSession": {...}})',
    });
    return { sessions, problems };
  }

  for (const { obj, path: p } of items) {
    if (!isRecord(obj)) {
      problems.push({ origin: sj.origin(p), message: 'a traffic mirror session must be an object' });
      continue;
    }
    if (opts.targetId && str(obj.TrafficMirrorTargetId) !== opts.targetId) continue;
    const raw: Raw = {};
    const origins = new Map<string, AwsFieldOrigin>();
    origins.set('', sj.origin(p));
    const put = (key: string, value: unknown, json: JsonFile, at: Seg[]) => {
      raw[key] = value;
      origins.set(key, json.origin(at));
    };
    const sessionId = str(obj.TrafficMirrorSessionId);
    const name = nameTag(obj.Tags);
    if (name !== null) put('name', name.value, sj, [...p, 'Tags', name.index, 'Value']);
    else if (sessionId !== null) put('name', sessionId, sj, [...p, 'TrafficMirrorSessionId']);
    // Absent: the validator says "is required" at the session's line, naming VirtualNetworkId.
    put('vni', obj.VirtualNetworkId, sj, [...p, 'VirtualNetworkId']);
    const eniId = obj.NetworkInterfaceId;
    if (eniId !== undefined) put('eni', eniId, sj, [...p, 'NetworkInterfaceId']);
    if (obj.OwnerId !== undefined) put('account_id', obj.OwnerId, sj, [...p, 'OwnerId']);
    if (opts.filtersFile) {
      const fid = str(obj.TrafficMirrorFilterId);
      put('filter', fid === null ? opts.filtersFile : { path: opts.filtersFile, filter_id: fid }, sj, [...p, 'TrafficMirrorFilterId']);
    }
    if (opts.region) raw.region = opts.region;

    if (enis !== null && typeof eniId === 'string') {
      const ni = enis.get(eniId.trim());
      if (ni === undefined) {
        problems.push({ origin: sj.origin([...p, 'NetworkInterfaceId']), message: `${eniId} is not among the NetworkInterfaces of ${opts.interfacesFile} (its addresses and MAC are needed)` });
      } else {
        addInterface(raw, origins, ni, opts.region ?? null);
      }
    }
    sessions.push({ raw, origins });
  }
  if (items.length > 0 && sessions.length === 0 && opts.targetId && problems.length === 0) {
    problems.push({ origin: sj.origin([items[0]!.path[0]!]), message: `no traffic mirror session has TrafficMirrorTargetId ${opts.targetId}` });
  }
  return { sessions, problems };
}

function addInterface(raw: Raw, origins: Map<string, AwsFieldOrigin>, ni: EniInfo, region: string | null): void {
  const o = ni.obj;
  const at = (...rest: Seg[]) => ni.json.origin([...ni.path, ...rest]);
  const addresses: string[] = [];
  let primary: string | null = null;
  let firstAt: AwsFieldOrigin | null = null;
  const add = (v: unknown, origin: AwsFieldOrigin) => {
    const s = str(v);
    if (s === null || addresses.includes(s)) return;
    origins.set(`addresses.${addresses.length}`, origin);
    addresses.push(s);
    firstAt ??= origin;
  };
  // AWS lists the primary private IP first; Primary says so explicitly.
  const privs = Array.isArray(o.PrivateIpAddresses) ? (o.PrivateIpAddresses as unknown[]) : [];
  privs.forEach((e, i) => {
    if (isRecord(e) && e.Primary === true && primary === null) primary = str(e.PrivateIpAddress);
    if (isRecord(e) && e.Primary === true) origins.set('primary_address', at('PrivateIpAddresses', i, 'PrivateIpAddress'));
  });
  if (primary === null && str(o.PrivateIpAddress) !== null) {
    primary = str(o.PrivateIpAddress);
    origins.set('primary_address', at('PrivateIpAddress'));
  }
  if (primary !== null) add(primary, origins.get('primary_address')!);
  privs.forEach((e, i) => isRecord(e) && add(e.PrivateIpAddress, at('PrivateIpAddresses', i, 'PrivateIpAddress')));
  const each = (key: string, inner: string) => {
    const list = Array.isArray(o[key]) ? (o[key] as unknown[]) : [];
    list.forEach((e, i) => isRecord(e) && add(e[inner], at(key, i, inner)));
  };
  each('Ipv6Addresses', 'Ipv6Address');
  each('Ipv4Prefixes', 'Ipv4Prefix');
  each('Ipv6Prefixes', 'Ipv6Prefix');
  if (addresses.length > 0) {
    raw.addresses = addresses;
    origins.set('addresses', firstAt ?? at());
  }
  if (primary !== null) raw.primary_address = primary;
  const set = (key: string, value: unknown, ...p: Seg[]) => {
    if (value === undefined || value === null) return;
    raw[key] = value;
    origins.set(key, at(...p));
  };
  set('mac', o.MacAddress, 'MacAddress');
  set('vpc_id', o.VpcId, 'VpcId');
  set('subnet_id', o.SubnetId, 'SubnetId');
  if (isRecord(o.Attachment)) set('instance_id', o.Attachment.InstanceId, 'Attachment', 'InstanceId');
  if (raw.account_id === undefined) set('account_id', o.OwnerId, 'OwnerId');
  if (str(o.AvailabilityZoneId) !== null) set('az_id', o.AvailabilityZoneId, 'AvailabilityZoneId');
  if (region === null && typeof o.AvailabilityZone === 'string') {
    const r = regionOfAz(o.AvailabilityZone);
    if (r !== null) set('region', r, 'AvailabilityZone');
  }
}
