/**
 * mirrorsink's own concise filter format (YAML or JSON):
 *
 * ```yaml
 * filter: web-only                 # name (optional)
 * id: tmf-0123456789abcdef0        # TrafficMirrorFilterId (optional)
 * description: ...                 # optional
 * network_services: [amazon-dns]   # optional
 * ingress:
 *   - {rule: 100, action: accept, protocol: tcp, dst_port: 443, src: 0.0.0.0/0, dst: 10.0.0.0/16}
 * egress:
 *   - {rule: 100, action: accept, protocol: 6, src_port: "1024-65535", src: 10.0.0.0/16, dst: 0.0.0.0/0}
 * ```
 *
 * protocol: IANA number, a name (tcp, udp, icmp, icmpv6, gre, ...) or `all` (also -1, 0 or
 * absent). Ports: `443`, `"1024-65535"`, `[1024, 65535]` or `{from: 1024, to: 65535}`; absent or
 * `any` = any port. src/dst: CIDR blocks, a bare address is a host route. Several filters:
 * `filters: [{filter: a, ...}, {filter: b, ...}]`, chosen with filterId (name or id).
 * Unknown keys are errors: a misspelt `dst_prot` would otherwise widen the rule silently.
 */
import {
  assembleFilter,
  checkUnknownKeys,
  field,
  isRecord,
  readDescription,
  readNetworkServices,
  readPortPair,
  readRuleDraft,
  readRuleList,
  type FieldRef,
  type RuleDraft,
  type RuleFormat,
} from './build.js';
import type { MirrorFilter, PortRange, TrafficDirection } from './model.js';
import type { Path, ProblemCollector } from './problems.js';
import { chooseFilter } from './select.js';

const FILTER_KEYS = ['filter', 'id', 'description', 'network_services', 'ingress', 'egress'];
const RULE_KEYS = ['rule', 'action', 'protocol', 'src_port', 'dst_port', 'src', 'dst', 'description'];

export function isMirrorsinkYaml(root: unknown): boolean {
  return isRecord(root) && (Array.isArray(root.filters) || FILTER_KEYS.some((k) => k in root));
}

function readYamlPorts(pc: ProblemCollector, f: FieldRef): PortRange | null | undefined {
  if (!f.present) return null;
  const v = f.value;
  const num = (x: unknown, p: Path): FieldRef => ({ value: x, path: p, present: x !== undefined && x !== null });
  if (typeof v === 'number') return readPortPair(pc, f.path, num(v, f.path), num(v, f.path), ['from', 'to']);
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'any' || t === '*') return null;
    const m = /^([0-9]+)\s*(?:-\s*([0-9]+))?$/.exec(t);
    if (!m) {
      pc.error(f.path, `port must be N, "FROM-TO", [FROM, TO] or {from, to}, got '${v}'`);
      return undefined;
    }
    return readPortPair(pc, f.path, num(Number(m[1]), f.path), num(Number(m[2] ?? m[1]), f.path), ['from', 'to']);
  }
  if (Array.isArray(v)) {
    if (v.length !== 2) {
      pc.error(f.path, `port range list must be [FROM, TO], got ${v.length} element${v.length === 1 ? '' : 's'}`);
      return undefined;
    }
    return readPortPair(pc, f.path, num(v[0], [...f.path, 0]), num(v[1], [...f.path, 1]), ['from', 'to']);
  }
  if (isRecord(v)) {
    checkUnknownKeys(pc, v, f.path, ['from', 'to'], 'port range');
    return readPortPair(pc, f.path, field(v, f.path, 'from'), field(v, f.path, 'to'), ['from', 'to']);
  }
  pc.error(f.path, `port must be N, "FROM-TO", [FROM, TO] or {from, to}, got ${JSON.stringify(v)}`);
  return undefined;
}

const YAML_RULE: RuleFormat = {
  keys: { ruleNumber: 'rule', action: 'action', protocol: 'protocol', srcPorts: 'src_port', dstPorts: 'dst_port', src: 'src', dst: 'dst', description: 'description' },
  protocolNames: true,
  bareAddresses: true,
  readPorts: readYamlPorts,
};

function readYamlRule(pc: ProblemCollector, obj: Record<string, unknown>, path: Path, direction: TrafficDirection): RuleDraft {
  checkUnknownKeys(pc, obj, path, RULE_KEYS, 'rule');
  return readRuleDraft(pc, obj, path, direction, YAML_RULE);
}

function readOne(pc: ProblemCollector, obj: Record<string, unknown>, path: Path): MirrorFilter {
  checkUnknownKeys(pc, obj, path, FILTER_KEYS, 'filter');
  const drafts: RuleDraft[] = [];
  for (const dir of ['ingress', 'egress'] as const) {
    readRuleList(pc, obj, path, dir, 'a rule must be a mapping', (r, p) => readYamlRule(pc, r, p, dir), drafts);
  }
  const meta: Parameters<typeof assembleFilter>[1] = { path, networkServices: readNetworkServices(pc, field(obj, path, 'network_services')) };
  for (const k of ['filter', 'id'] as const) {
    const v = obj[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'number') pc.error([...path, k], `${k} must be a string`);
    else if (k === 'filter') meta.name = String(v);
    else meta.id = String(v);
  }
  const d = readDescription(pc, field(obj, path, 'description'));
  if (d !== undefined) meta.description = d;
  return assembleFilter(pc, meta, drafts);
}

export function loadMirrorsinkYaml(pc: ProblemCollector, root: Record<string, unknown>, filterId: string | undefined): MirrorFilter {
  if (!Array.isArray(root.filters)) {
    if (filterId !== undefined) {
      const keys = [root.filter, root.id].filter((k) => k !== undefined && k !== null).map(String);
      chooseFilter(pc, [{ label: keys[0] ?? '(unnamed)', keys, path: [] }], filterId, []);
      pc.throwIfErrors();
    }
    return readOne(pc, root, []);
  }
  checkUnknownKeys(pc, root, [], ['filters'], 'top-level');
  const list = root.filters as unknown[];
  const candidates = list.map((f, i) => {
    const keys = isRecord(f) ? [f.filter, f.id].filter((k) => k !== undefined && k !== null).map(String) : [];
    return { label: keys[0] ?? `#${i}`, keys, path: ['filters', i] as Path };
  });
  const i = chooseFilter(pc, candidates, filterId, ['filters']);
  pc.throwIfErrors();
  const chosen = list[i];
  if (!isRecord(chosen)) {
    pc.error(['filters', i], 'a filter must be a mapping');
    pc.throwIfErrors();
  }
  return readOne(pc, chosen as Record<string, unknown>, ['filters', i]);
}
