/**
 * Building the model from already-parsed data: the field readers every loader shares and the
 * checks that span rules (unique rule numbers, the 10-rule limit, CIDR families, port ranges
 * on protocols without ports). Each reader records its problem at the field's JSON path and
 * returns undefined, so that one pass reports every problem.
 */
import { formatKeyPath } from '../errors.js';
import { parseCidr, type ParsedCidr } from '../net/cidr.js';
import {
  AWS_MAX_RULE_NUMBER,
  AWS_MAX_RULES_PER_FILTER,
  AWS_MIN_RULE_NUMBER,
  NETWORK_SERVICES,
  PROTOCOL_NAMES,
  protocolName,
  sortRules,
  type MirrorFilter,
  type MirrorFilterRule,
  type NetworkService,
  type PortRange,
  type RuleAction,
  type TrafficDirection,
} from './model.js';
import type { Path, ProblemCollector } from './problems.js';

export interface FieldRef {
  value: unknown;
  path: Path;
  /** False when the key is absent (or null). */
  present: boolean;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function field(obj: Record<string, unknown>, base: Path, key: string): FieldRef {
  const value = obj[key];
  return { value, path: [...base, key], present: value !== undefined && value !== null };
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v);
}

/** An integer, also from a decimal string (CloudFormation templates often quote numbers). */
function asInt(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) ? v : null;
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v.trim())) return Number(v.trim());
  return null;
}

export function readRuleNumber(pc: ProblemCollector, f: FieldRef): number | undefined {
  if (!f.present) {
    pc.error(f.path, 'rule number is required');
    return undefined;
  }
  const n = asInt(f.value);
  if (n === null || n < 0 || n > 0x7fffffff) {
    pc.error(f.path, `rule number must be an integer, got ${show(f.value)}`);
    return undefined;
  }
  if (n < AWS_MIN_RULE_NUMBER || n > AWS_MAX_RULE_NUMBER) {
    pc.limit(f.path, `rule number ${n} is outside AWS's range ${AWS_MIN_RULE_NUMBER}-${AWS_MAX_RULE_NUMBER}`);
  }
  return n;
}

export function readAction(pc: ProblemCollector, f: FieldRef): RuleAction | undefined {
  if (!f.present) {
    pc.error(f.path, "rule action is required ('accept' or 'reject')");
    return undefined;
  }
  const v = typeof f.value === 'string' ? f.value.trim().toLowerCase() : f.value;
  if (v === 'accept' || v === 'reject') return v;
  pc.error(f.path, `rule action must be 'accept' or 'reject', got ${show(f.value)}`);
  return undefined;
}

export function readDirection(pc: ProblemCollector, f: FieldRef): TrafficDirection | undefined {
  if (!f.present) {
    pc.error(f.path, "traffic direction is required ('ingress' or 'egress')");
    return undefined;
  }
  const v = typeof f.value === 'string' ? f.value.trim().toLowerCase() : f.value;
  if (v === 'ingress' || v === 'egress') return v;
  pc.error(f.path, `traffic direction must be 'ingress' or 'egress', got ${show(f.value)}`);
  return undefined;
}

/**
 * Protocol: absent, null or 0 = all protocols (null in the model). `names` allows tcp/udp/
 * icmp/icmpv6/... and 'all' / -1 (mirrorsink's own YAML).
 */
export function readProtocol(pc: ProblemCollector, f: FieldRef, names: boolean): number | null | undefined {
  if (!f.present) return null;
  let n = asInt(f.value);
  if (n === null && names && typeof f.value === 'string') {
    const key = f.value.trim().toLowerCase();
    if (key === 'all' || key === 'any') return null;
    n = PROTOCOL_NAMES[key] ?? null;
    if (n === null) {
      pc.error(f.path, `unknown protocol ${show(f.value)} (use an IANA number 0-255 or ${Object.keys(PROTOCOL_NAMES).join('/')}/all)`);
      return undefined;
    }
  }
  if (names && n === -1) return null;
  if (n === null || n < 0 || n > 255) {
    pc.error(f.path, `protocol must be an IANA protocol number from 0 to 255, got ${show(f.value)}`);
    return undefined;
  }
  return n === 0 ? null : n;
}

export function readCidr(pc: ProblemCollector, f: FieldRef, what: string, allowBare: boolean): ParsedCidr | undefined {
  if (!f.present) {
    pc.error(f.path, `${what} CIDR block is required`);
    return undefined;
  }
  if (typeof f.value !== 'string') {
    pc.error(f.path, `${what} CIDR block must be a string, got ${show(f.value)}`);
    return undefined;
  }
  const bare = !f.value.includes('/');
  const c = parseCidr(f.value, true);
  if (typeof c === 'string') {
    pc.error(f.path, c);
    return undefined;
  }
  if (bare && !allowBare) pc.limit(f.path, `'${f.value}' has no prefix length: read as ${c.text}`);
  if (c.hostBitsSet) pc.warning(f.path, `'${f.value}' has host bits set: normalised to ${c.text}`);
  return c;
}

function readPort(pc: ProblemCollector, f: FieldRef, name: string): number | undefined {
  if (!f.present) {
    pc.error(f.path, `${name} is required in a port range`);
    return undefined;
  }
  const n = asInt(f.value);
  if (n === null || n < 0 || n > 65535) {
    pc.error(f.path, `${name} must be an integer from 0 to 65535, got ${show(f.value)}`);
    return undefined;
  }
  return n;
}

/** Check a {from, to} pair: both 0-65535, from <= to (always errors). */
export function readPortPair(pc: ProblemCollector, rangePath: Path, from: FieldRef, to: FieldRef, names: [string, string]): PortRange | undefined {
  const a = readPort(pc, from, names[0]);
  const b = readPort(pc, to, names[1]);
  if (a === undefined || b === undefined) return undefined;
  if (a > b) {
    pc.error(rangePath, `port range ${a}-${b}: ${names[0]} ${a} > ${names[1]} ${b}`);
    return undefined;
  }
  return { from: a, to: b };
}

export function readDescription(pc: ProblemCollector, f: FieldRef): string | undefined {
  if (!f.present) return undefined;
  if (typeof f.value !== 'string') {
    pc.error(f.path, `description must be a string, got ${show(f.value)}`);
    return undefined;
  }
  return f.value === '' ? undefined : f.value;
}

export function readNetworkServices(pc: ProblemCollector, f: FieldRef): NetworkService[] {
  if (!f.present) return [];
  const list = typeof f.value === 'string' ? [f.value] : f.value;
  if (!Array.isArray(list)) {
    pc.error(f.path, `network services must be a list, got ${show(f.value)}`);
    return [];
  }
  const out: NetworkService[] = [];
  list.forEach((s, i) => {
    const p = typeof f.value === 'string' ? f.path : [...f.path, i];
    if (typeof s === 'string' && (NETWORK_SERVICES as readonly string[]).includes(s.trim())) {
      const v = s.trim() as NetworkService;
      if (!out.includes(v)) out.push(v);
    } else {
      pc.limit(p, `unknown network service ${show(s)} (AWS knows only ${NETWORK_SERVICES.join(', ')}): ignored`);
    }
  });
  return out;
}

/** A rule as read by a loader; undefined fields had errors (already recorded). */
export interface RuleDraft {
  path: Path;
  direction: TrafficDirection | undefined;
  ruleNumber: number | undefined;
  action: RuleAction | undefined;
  protocol: number | null | undefined;
  srcPorts: PortRange | null | undefined;
  dstPorts: PortRange | null | undefined;
  src: ParsedCidr | undefined;
  dst: ParsedCidr | undefined;
  description?: string;
  ruleId?: string;
  paths: { ruleNumber: Path; protocol: Path; srcPorts: Path; dstPorts: Path; src: Path; dst: Path };
}

/** How one input format spells a rule's fields, and the readers where formats differ. */
export interface RuleFormat {
  keys: {
    ruleNumber: string;
    action: string;
    protocol: string;
    srcPorts: string;
    dstPorts: string;
    src: string;
    dst: string;
    description: string;
    /** Key of the TrafficMirrorFilterRuleId, when the format carries one. */
    ruleId?: string;
  };
  /** readProtocol's `names`: protocol names, 'all' and -1 too (mirrorsink's own YAML). */
  protocolNames: boolean;
  /** readCidr's `allowBare`: a bare address is a host route without an AWS-limit problem. */
  bareAddresses: boolean;
  readPorts: (pc: ProblemCollector, f: FieldRef) => PortRange | null | undefined;
}

/**
 * The fields every format's rule has, read in one fixed order so that problems on the same line
 * (a flow-style YAML rule) keep their order. Format-specific checks (unknown keys, direction)
 * run before this.
 */
export function readRuleDraft(pc: ProblemCollector, obj: Record<string, unknown>, path: Path, direction: TrafficDirection | undefined, format: RuleFormat): RuleDraft {
  const k = format.keys;
  const f = (key: string) => field(obj, path, key);
  const draft: RuleDraft = {
    path,
    direction,
    ruleNumber: readRuleNumber(pc, f(k.ruleNumber)),
    action: readAction(pc, f(k.action)),
    protocol: readProtocol(pc, f(k.protocol), format.protocolNames),
    srcPorts: format.readPorts(pc, f(k.srcPorts)),
    dstPorts: format.readPorts(pc, f(k.dstPorts)),
    src: readCidr(pc, f(k.src), 'source', format.bareAddresses),
    dst: readCidr(pc, f(k.dst), 'destination', format.bareAddresses),
    paths: {
      ruleNumber: [...path, k.ruleNumber],
      protocol: [...path, k.protocol],
      srcPorts: [...path, k.srcPorts],
      dstPorts: [...path, k.dstPorts],
      src: [...path, k.src],
      dst: [...path, k.dst],
    },
  };
  const description = readDescription(pc, f(k.description));
  if (description !== undefined) draft.description = description;
  if (k.ruleId !== undefined) {
    const id = obj[k.ruleId];
    if (typeof id === 'string' && id !== '') draft.ruleId = id;
  }
  return draft;
}

/**
 * Rules listed under `key` of `obj` (absent = none), each read by `read`. `notARule` is the
 * format's wording for an entry that is not an object ("must be an object" / "a mapping").
 */
export function readRuleList(
  pc: ProblemCollector,
  obj: Record<string, unknown>,
  base: Path,
  key: string,
  notARule: string,
  read: (rule: Record<string, unknown>, path: Path) => RuleDraft,
  out: RuleDraft[],
): void {
  const f = field(obj, base, key);
  if (!f.present) return;
  if (!Array.isArray(f.value)) {
    pc.error(f.path, `${key} must be a list of rules`);
    return;
  }
  f.value.forEach((r, i) => {
    const p = [...f.path, i];
    if (!isRecord(r)) pc.error(p, notARule);
    else out.push(read(r, p));
  });
}

export interface FilterMeta {
  path: Path;
  id?: string;
  name?: string;
  description?: string;
  networkServices: NetworkService[];
}

/** Cross-rule checks, then the model (rules sorted). Throws when any error was recorded. */
export function assembleFilter(pc: ProblemCollector, meta: FilterMeta, drafts: RuleDraft[]): MirrorFilter {
  const filter: MirrorFilter = { networkServices: meta.networkServices, ingress: [], egress: [] };
  if (meta.id !== undefined) filter.id = meta.id;
  if (meta.name !== undefined) filter.name = meta.name;
  if (meta.description !== undefined) filter.description = meta.description;

  const seen: Record<TrafficDirection, Map<number, Path>> = { ingress: new Map(), egress: new Map() };
  for (const d of drafts) {
    if (d.direction !== undefined && d.ruleNumber !== undefined) {
      const first = seen[d.direction].get(d.ruleNumber);
      if (first) {
        pc.error(d.paths.ruleNumber, `duplicate ${d.direction} rule number ${d.ruleNumber} (also at ${formatKeyPath(first)}): rule numbers must be unique per direction`);
      } else {
        seen[d.direction].set(d.ruleNumber, d.paths.ruleNumber);
      }
    }
    if (d.src && d.dst && d.src.family !== d.dst.family) {
      pc.error(d.paths.dst, `source ${d.src.text} is IPv${d.src.family} but destination ${d.dst.text} is IPv${d.dst.family}: both CIDR blocks of a rule must be the same family`);
    }
    if (d.protocol !== undefined && d.protocol !== 6 && d.protocol !== 17) {
      const consequence = d.protocol === null
        ? 'mirrorsink applies it to TCP and UDP packets only'
        : 'this rule can never match';
      const protoText = d.protocol === null ? 'all protocols' : `protocol ${d.protocol} (${protocolName(d.protocol)})`;
      if (d.srcPorts) pc.limit(d.paths.srcPorts, `source port range needs protocol TCP (6) or UDP (17), rule has ${protoText}: AWS refuses it; ${consequence}`);
      if (d.dstPorts) pc.limit(d.paths.dstPorts, `destination port range needs protocol TCP (6) or UDP (17), rule has ${protoText}: AWS refuses it; ${consequence}`);
    }
  }
  if (drafts.length > AWS_MAX_RULES_PER_FILTER) {
    pc.limit(meta.path, `${drafts.length} rules: AWS allows at most ${AWS_MAX_RULES_PER_FILTER} rules per filter`);
  }
  pc.throwIfErrors();
  for (const d of drafts) {
    const rule: MirrorFilterRule = {
      direction: d.direction!,
      ruleNumber: d.ruleNumber!,
      action: d.action!,
      protocol: d.protocol!,
      srcPorts: d.srcPorts!,
      dstPorts: d.dstPorts!,
      srcCidr: d.src!.text,
      dstCidr: d.dst!.text,
    };
    if (d.description !== undefined) rule.description = d.description;
    if (d.ruleId !== undefined) rule.ruleId = d.ruleId;
    (rule.direction === 'ingress' ? filter.ingress : filter.egress).push(rule);
  }
  return sortRules(filter);
}

/** Report keys not in `known` (typos would silently widen a rule). */
export function checkUnknownKeys(pc: ProblemCollector, obj: Record<string, unknown>, base: Path, known: readonly string[], what: string): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) pc.error([...base, k], `unknown ${what} key '${k}' (known: ${known.join(', ')})`);
  }
}
