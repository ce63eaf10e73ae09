/**
 * mirrorsink's concise Traffic Mirror filter format, parsed at synth time so that the filter
 * AWS applies and the filter the sink loads come from one file.
 *
 *   filter: web-tier
 *   network_services: [amazon-dns]
 *   ingress:
 *     - {rule: 100, action: accept, protocol: tcp, src: 0.0.0.0/0, dst: 10.0.0.0/16, dst_port: 443}
 *   egress:
 *     - {rule: 100, action: accept, protocol: all, src: 10.0.0.0/16, dst: 0.0.0.0/0}
 *
 * The grammar is the one mirrorsink's own loader reads (src/filter/load-yaml.ts): protocol as
 * a name, an IANA number or all/any/-1/0; ports as N, "FROM-TO", [FROM, TO], {from, to} or
 * any; src/dst as CIDR blocks or bare addresses (host routes). A file with a `filters:` list
 * is refused: a stack deploys one filter.
 *
 * Validation mirrors what the EC2 API would reject at deploy time, so that a bad file fails
 * `cdk synth` with the file, direction and rule named instead of failing half-way through a
 * CloudFormation update.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isIPv4, isIPv6 } from 'node:net';
import { parse } from 'yaml';

export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

export interface PortRange {
  from: number;
  to: number;
}

export interface FilterRule {
  number: number;
  action: 'accept' | 'reject';
  /** IANA protocol number; undefined = all protocols (AWS: Protocol absent). */
  protocol?: number;
  sourceCidr: string;
  destinationCidr: string;
  sourcePorts?: PortRange;
  destinationPorts?: PortRange;
  description?: string;
}

export interface FilterDefinition {
  name: string;
  description?: string;
  networkServices: string[];
  ingress: FilterRule[];
  egress: FilterRule[];
}

/** AWS quota: rules per filter (both directions together). */
export const MAX_RULES_PER_FILTER = 10;
const NETWORK_SERVICES = new Set(['amazon-dns']);
// The names mirrorsink's own filter loader accepts (src/filter/model.ts), so one file reads
// the same in both places.
const PROTOCOLS: Record<string, number | undefined> = {
  all: undefined, any: undefined, icmp: 1, igmp: 2, ipip: 4, tcp: 6, udp: 17, ipv6: 41, gre: 47, esp: 50, ah: 51, icmpv6: 58, 'ipv6-icmp': 58, sctp: 132,
};
const TOP_KEYS = new Set(['filter', 'id', 'description', 'network_services', 'ingress', 'egress']);
const RULE_KEYS = new Set(['rule', 'action', 'protocol', 'src', 'dst', 'src_port', 'dst_port', 'description']);

export class FilterFormatError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'FilterFormatError';
  }
}

export function loadFilterFile(file: string): FilterDefinition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FilterFormatError(file, `cannot read filter file (${(err as Error).message})`);
  }
  return parseFilter(text, file);
}

export function parseFilter(text: string, source = '<filter>'): FilterDefinition {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new FilterFormatError(source, `not valid YAML (${(err as Error).message})`);
  }
  if (!isRecord(doc)) throw new FilterFormatError(source, 'expected a mapping with `filter:`, `ingress:` and `egress:`');
  if ('filters' in doc) throw new FilterFormatError(source, 'holds a `filters:` list: the deploy stacks take a file with one filter');
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.has(key)) throw new FilterFormatError(source, `unknown key '${key}' (expected one of ${[...TOP_KEYS].join(', ')})`);
  }
  const name = doc.filter ?? doc.id ?? path.basename(source).replace(/\.[^.]*$/, '');
  if (typeof name !== 'string' || name.trim() === '') throw new FilterFormatError(source, '`filter:` must name the filter');
  const description = optionalString(doc.description, `${source}: description`);

  const servicesRaw = typeof doc.network_services === 'string' ? [doc.network_services] : (doc.network_services ?? []);
  if (!Array.isArray(servicesRaw)) throw new FilterFormatError(source, '`network_services:` must be a list');
  const networkServices = servicesRaw.map((s) => {
    if (typeof s !== 'string' || !NETWORK_SERVICES.has(s)) {
      throw new FilterFormatError(source, `unknown network service '${String(s)}' (AWS offers: ${[...NETWORK_SERVICES].join(', ')})`);
    }
    return s;
  });

  const def: FilterDefinition = { name, description, networkServices, ingress: [], egress: [] };
  for (const direction of DIRECTIONS) {
    const raw = doc[direction] ?? [];
    if (!Array.isArray(raw)) throw new FilterFormatError(source, `\`${direction}:\` must be a list of rules`);
    const seen = new Set<number>();
    def[direction] = raw.map((r, i) => {
      const rule = parseRule(r, `${source}: ${direction}[${i}]`);
      if (seen.has(rule.number)) throw new FilterFormatError(`${source}: ${direction}[${i}]`, `rule number ${rule.number} is used twice in ${direction}`);
      seen.add(rule.number);
      return rule;
    });
    // AWS evaluates in ascending rule number whatever the order in the file.
    def[direction].sort((a, b) => a.number - b.number);
  }
  const total = def.ingress.length + def.egress.length;
  if (total > MAX_RULES_PER_FILTER) {
    throw new FilterFormatError(source, `${total} rules: AWS allows at most ${MAX_RULES_PER_FILTER} rules per Traffic Mirror filter`);
  }
  return def;
}

function parseRule(raw: unknown, where: string): FilterRule {
  if (!isRecord(raw)) throw new FilterFormatError(where, 'a rule must be a mapping like {rule: 100, action: accept, ...}');
  for (const key of Object.keys(raw)) {
    if (!RULE_KEYS.has(key)) throw new FilterFormatError(where, `unknown key '${key}' (expected one of ${[...RULE_KEYS].join(', ')})`);
  }
  const number = raw.rule;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 32766) {
    throw new FilterFormatError(where, `rule: must be an integer from 1 to 32766, got '${String(number)}'`);
  }
  const action = raw.action;
  if (action !== 'accept' && action !== 'reject') throw new FilterFormatError(where, `action: must be accept or reject, got '${String(action)}'`);

  const protocol = parseProtocol(raw.protocol ?? 'all', where);
  const src = parseCidr(raw.src, `${where}: src`);
  const dst = parseCidr(raw.dst, `${where}: dst`);
  if (src.family !== dst.family) {
    throw new FilterFormatError(where, `src ${src.text} and dst ${dst.text} must both be IPv4 or both IPv6`);
  }
  const sourceCidr = src.text;
  const destinationCidr = dst.text;

  const sourcePorts = parsePorts(raw.src_port, `${where}: src_port`);
  const destinationPorts = parsePorts(raw.dst_port, `${where}: dst_port`);
  if ((sourcePorts || destinationPorts) && protocol !== 6 && protocol !== 17) {
    throw new FilterFormatError(where, 'port ranges are allowed only with protocol tcp (6) or udp (17)');
  }
  const description = optionalString(raw.description, `${where}: description`);
  return { number, action, protocol, sourceCidr, destinationCidr, sourcePorts, destinationPorts, description };
}

function parseProtocol(raw: unknown, where: string): number | undefined {
  if (typeof raw === 'string') {
    const key = raw.toLowerCase();
    if (key in PROTOCOLS) return PROTOCOLS[key];
    if (/^-?\d+$/.test(key)) raw = Number(key);
    else throw new FilterFormatError(where, `protocol: unknown name '${raw}' (use all, tcp, udp, icmp, icmpv6 or an IANA number)`);
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < -1 || raw > 255) {
    throw new FilterFormatError(where, `protocol: must be a name or an integer from 0 to 255, got '${String(raw)}'`);
  }
  // -1 and 0 mean all protocols, as in the EC2 API's describe output.
  return raw <= 0 ? undefined : raw;
}

function parsePorts(raw: unknown, where: string): PortRange | undefined {
  if (raw === undefined || raw === null || raw === 'any' || raw === '*') return undefined;
  let from: number;
  let to: number;
  if (typeof raw === 'number') {
    from = to = raw;
  } else if (Array.isArray(raw) && raw.length === 2 && raw.every((n) => typeof n === 'number')) {
    [from, to] = raw as [number, number];
  } else if (isRecord(raw) && Object.keys(raw).every((k) => k === 'from' || k === 'to') && typeof raw.from === 'number' && typeof raw.to === 'number') {
    from = raw.from;
    to = raw.to;
  } else if (typeof raw === 'string' && /^\s*\d+\s*(-\s*\d+\s*)?$/.test(raw)) {
    const [a, b] = raw.split('-').map((s) => Number(s.trim()));
    from = a!;
    to = b ?? a!;
  } else {
    throw new FilterFormatError(where, `must be N, "FROM-TO", [FROM, TO] or {from, to}, got '${JSON.stringify(raw)}'`);
  }
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535 || from > to) {
    throw new FilterFormatError(where, `invalid port range ${from}-${to} (0-65535, from <= to)`);
  }
  return { from, to };
}

/** CIDR or bare address (a host route), normalised the way AWS stores it (host bits cleared). */
function parseCidr(raw: unknown, where: string): { family: 4 | 6; text: string } {
  if (typeof raw !== 'string') throw new FilterFormatError(where, 'a CIDR block is required (AWS needs both src and dst)');
  const [addr, bitsText, extra] = raw.trim().split('/');
  const family = isIPv4(addr!) ? 4 : isIPv6(addr!) ? 6 : 0;
  const max = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (family === 0 || extra !== undefined || !(bits >= 0 && bits <= max) || (family === 6 && addr!.includes('.'))) {
    throw new FilterFormatError(where, `'${raw}' is not a CIDR block like 10.0.0.0/16 or 2001:db8::/32`);
  }
  return { family, text: `${family === 4 ? maskV4(addr!, bits) : maskV6(addr!, bits)}/${bits}` };
}

function maskV4(addr: string, bits: number): string {
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const v = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((sh) => (v >>> sh) & 255).join('.');
}

function maskV6(addr: string, bits: number): string {
  // Expand to 8 groups, clear host bits, print in RFC 5952 short form.
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const words = groups.map((g) => parseInt(g, 16));
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    words[i] = keep === 0 ? 0 : words[i]! & ((0xffff << (16 - keep)) & 0xffff);
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w!.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function optionalString(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new FilterFormatError(where, `must be a string, got '${String(v)}'`);
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The filter restricted to one direction (one-session-per-direction recipe). */
export function onlyDirection(def: FilterDefinition, direction: Direction): FilterDefinition {
  return {
    ...def,
    name: `${def.name}-${direction}`,
    // amazon-dns mirrors both directions of DNS traffic whatever the rules say, which would
    // put DNS replies under the wrong direction's VNI: split filters leave it out.
    networkServices: [],
    ingress: direction === 'ingress' ? def.ingress : [],
    egress: direction === 'egress' ? def.egress : [],
  };
}
