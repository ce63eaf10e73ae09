/**
 * Loader for Terraform `aws_ec2_traffic_mirror_filter` / `aws_ec2_traffic_mirror_filter_rule`
 * arguments, as JSON or YAML, in three shapes:
 *
 * 1. Terraform JSON configuration (`.tf.json`):
 *    `{"resource": {"aws_ec2_traffic_mirror_filter": {"web": {...}},
 *                   "aws_ec2_traffic_mirror_filter_rule": {"web_in_100": {...}}}}`;
 *    a rule points at its filter with `traffic_mirror_filter_id =
 *    "${aws_ec2_traffic_mirror_filter.web.id}"`.
 * 2. `terraform show -json` state or plan: `{"values"|"planned_values": {"root_module":
 *    {"resources": [{type, name, values}], "child_modules": [...]}}}`; rules point at the
 *    filter's real id (`tmf-...`).
 * 3. A simple list form: `{aws_ec2_traffic_mirror_filter: {description, network_services},
 *    aws_ec2_traffic_mirror_filter_rule: [{traffic_direction, rule_number, ...}, ...]}` (the rule
 *    key may also hold a map name → arguments), or a bare list of rule argument objects.
 *
 * Nested blocks (`source_port_range { from_port, to_port }`) may be an object or a list of at
 * most one object (how Terraform JSON writes blocks). `protocol = 0` (the provider's "unset")
 * means all protocols. With several filters, `filterId` picks one by resource name, address
 * (`aws_ec2_traffic_mirror_filter.web`) or id.
 */
import {
  assembleFilter,
  field,
  isRecord,
  readDescription,
  readDirection,
  readNetworkServices,
  readPortPair,
  readRuleDraft,
  type FieldRef,
  type RuleDraft,
  type RuleFormat,
} from './build.js';
import type { MirrorFilter, PortRange } from './model.js';
import type { Path, ProblemCollector } from './problems.js';
import { chooseFilter, type FilterCandidate } from './select.js';

export const TF_FILTER = 'aws_ec2_traffic_mirror_filter';
export const TF_RULE = 'aws_ec2_traffic_mirror_filter_rule';

const RULE_KEYS = [
  'traffic_mirror_filter_id', 'traffic_direction', 'rule_number', 'rule_action', 'protocol',
  'source_cidr_block', 'destination_cidr_block', 'source_port_range', 'destination_port_range',
  'description',
  // meta-arguments and computed attributes that may appear
  'id', 'arn', 'region', 'provider', 'depends_on', 'lifecycle', 'count', 'for_each', 'timeouts',
];
const FILTER_KEYS = ['description', 'network_services', 'tags', 'tags_all', 'id', 'arn', 'region', 'provider', 'depends_on', 'lifecycle', 'count', 'for_each', 'timeouts'];

interface TfFilter {
  /** Resource name (`web`) when known. */
  name?: string;
  /** Real id (`tmf-...`) when known (state). */
  id?: string;
  path: Path;
  args: Record<string, unknown>;
}

interface TfRule {
  path: Path;
  args: Record<string, unknown>;
}

export type TerraformShape = 'terraform-json' | 'terraform-state' | 'terraform-list';

export function isTerraformShape(root: unknown): TerraformShape | null {
  if (Array.isArray(root)) return root.length > 0 && root.every((r) => isRecord(r) && 'traffic_direction' in r) ? 'terraform-list' : null;
  if (!isRecord(root)) return null;
  if (isRecord(root.resource)) return 'terraform-json';
  for (const k of ['values', 'planned_values']) {
    const v = root[k];
    if (isRecord(v) && isRecord(v.root_module)) return 'terraform-state';
  }
  if (TF_FILTER in root || TF_RULE in root) return 'terraform-list';
  return null;
}

/** from_port/to_port block: object or list of at most one object; [] / absent = none. */
function readTfPortRange(pc: ProblemCollector, f: FieldRef): PortRange | null | undefined {
  if (!f.present) return null;
  let block: unknown = f.value;
  let path = f.path;
  if (Array.isArray(block)) {
    if (block.length === 0) return null;
    if (block.length > 1) {
      pc.error(f.path, 'a port range block may appear only once');
      return undefined;
    }
    block = block[0];
    path = [...f.path, 0];
  }
  if (!isRecord(block)) {
    pc.error(path, 'port range must be a block {from_port, to_port}');
    return undefined;
  }
  return readPortPair(pc, path, field(block, path, 'from_port'), field(block, path, 'to_port'), ['from_port', 'to_port']);
}

const TF_RULE_FORMAT: RuleFormat = {
  keys: {
    ruleNumber: 'rule_number',
    action: 'rule_action',
    protocol: 'protocol',
    srcPorts: 'source_port_range',
    dstPorts: 'destination_port_range',
    src: 'source_cidr_block',
    dst: 'destination_cidr_block',
    description: 'description',
    ruleId: 'id',
  },
  protocolNames: false,
  bareAddresses: false,
  readPorts: readTfPortRange,
};

function readTfRule(pc: ProblemCollector, r: TfRule, warnUnknown: boolean): RuleDraft {
  const { args, path } = r;
  if (warnUnknown) {
    for (const k of Object.keys(args)) {
      if (!RULE_KEYS.includes(k)) pc.warning([...path, k], `unknown ${TF_RULE} argument '${k}': ignored`);
    }
  }
  return readRuleDraft(pc, args, path, readDirection(pc, field(args, path, 'traffic_direction')), TF_RULE_FORMAT);
}

function collectStateModule(mod: unknown, path: Path, filters: TfFilter[], rules: TfRule[]): void {
  if (!isRecord(mod)) return;
  if (Array.isArray(mod.resources)) {
    mod.resources.forEach((res, i) => {
      if (!isRecord(res) || !isRecord(res.values) || (res.mode !== undefined && res.mode !== 'managed')) return;
      const p: Path = [...path, 'resources', i, 'values'];
      if (res.type === TF_FILTER) {
        const f: TfFilter = { path: p, args: res.values };
        if (typeof res.name === 'string') f.name = res.name;
        if (typeof res.values.id === 'string') f.id = res.values.id;
        filters.push(f);
      } else if (res.type === TF_RULE) {
        rules.push({ path: p, args: res.values });
      }
    });
  }
  if (Array.isArray(mod.child_modules)) mod.child_modules.forEach((c, i) => collectStateModule(c, [...path, 'child_modules', i], filters, rules));
}

/** Filters and rules of a `{type: {name: args}}` block map (tf.json `resource`, list form maps). */
function collectNamed(pc: ProblemCollector, block: unknown, path: Path, kind: 'filter' | 'rule', filters: TfFilter[], rules: TfRule[]): void {
  if (Array.isArray(block)) {
    // list form: a list of argument objects (rules), or of {name: args} objects
    block.forEach((item, i) => {
      const p = [...path, i];
      if (!isRecord(item)) {
        pc.error(p, `${kind === 'rule' ? TF_RULE : TF_FILTER} entries must be objects`);
      } else if (kind === 'rule' && 'traffic_direction' in item) {
        rules.push({ path: p, args: item });
      } else if (kind === 'filter' && (('description' in item) || ('network_services' in item) || Object.keys(item).length === 0)) {
        filters.push({ path: p, args: item });
      } else {
        collectNamed(pc, item, p, kind, filters, rules);
      }
    });
    return;
  }
  if (!isRecord(block)) {
    pc.error(path, `${kind === 'rule' ? TF_RULE : TF_FILTER} must map resource names to arguments`);
    return;
  }
  // list form may give the single filter's arguments directly
  if (kind === 'filter' && Object.keys(block).some((k) => FILTER_KEYS.includes(k))) {
    filters.push({ path, args: block });
    return;
  }
  for (const [name, v] of Object.entries(block)) {
    const args = Array.isArray(v) && v.length === 1 ? v[0] : v; // tf.json allows [ {..} ]
    const p: Path = Array.isArray(v) ? [...path, name, 0] : [...path, name];
    if (!isRecord(args)) {
      pc.error(p, 'resource arguments must be an object');
      continue;
    }
    if (kind === 'filter') filters.push({ name, path: p, args });
    else rules.push({ path: p, args });
  }
}

function unescapeTemplates(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$\$\{/g, () => '${').replace(/%%\{/g, () => '%{');
  if (Array.isArray(v)) return v.map(unescapeTemplates);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeTemplates(x)]));
  return v;
}

const REF_RE = /^\$\{\s*aws_ec2_traffic_mirror_filter\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.id\s*\}$|^aws_ec2_traffic_mirror_filter\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.id$/;

export function loadTerraform(pc: ProblemCollector, root: unknown, shape: TerraformShape, filterId: string | undefined): MirrorFilter {
  const filters: TfFilter[] = [];
  const rules: TfRule[] = [];
  let listPath: Path = [];
  if (shape === 'terraform-state') {
    const r = root as Record<string, unknown>;
    const key = isRecord(r.values) && isRecord(r.values.root_module) ? 'values' : 'planned_values';
    listPath = [key, 'root_module'];
    collectStateModule((r[key] as Record<string, unknown>).root_module, listPath, filters, rules);
  } else if (shape === 'terraform-json') {
    // .tf.json strings are templates: `$${` and `%%{` stand for literal `${` and `%{`
    const res = unescapeTemplates((root as Record<string, unknown>).resource) as Record<string, unknown>;
    listPath = ['resource'];
    if (TF_FILTER in res) collectNamed(pc, res[TF_FILTER], ['resource', TF_FILTER], 'filter', filters, rules);
    if (TF_RULE in res) collectNamed(pc, res[TF_RULE], ['resource', TF_RULE], 'rule', filters, rules);
  } else if (Array.isArray(root)) {
    root.forEach((r, i) => rules.push({ path: [i], args: r as Record<string, unknown> }));
  } else {
    const r = root as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (k !== TF_FILTER && k !== TF_RULE) pc.error([k], `unknown key '${k}' (expected ${TF_FILTER} and ${TF_RULE})`);
    }
    if (TF_FILTER in r && r[TF_FILTER] !== null) collectNamed(pc, r[TF_FILTER], [TF_FILTER], 'filter', filters, rules);
    if (TF_RULE in r && r[TF_RULE] !== null) collectNamed(pc, r[TF_RULE], [TF_RULE], 'rule', filters, rules);
  }

  // Which filter does each rule belong to? Keys: index into `groups`.
  const groups: { filter: TfFilter | null; label: string; keys: string[]; path: Path; rules: TfRule[] }[] = filters.map((f, i) => {
    const keys = [f.name, f.name ? `${TF_FILTER}.${f.name}` : undefined, f.id].filter((k): k is string => k !== undefined);
    return { filter: f, label: f.id ?? (f.name ? `${TF_FILTER}.${f.name}` : `#${i}`), keys, path: f.path, rules: [] };
  });
  for (const r of rules) {
    const ref = r.args.traffic_mirror_filter_id;
    let g = -1;
    if (typeof ref === 'string' && ref !== '') {
      const m = REF_RE.exec(ref.trim());
      const name = m ? (m[1] ?? m[2]) : undefined;
      g = groups.findIndex((x) => x.filter !== null && (name !== undefined ? x.filter.name === name : x.filter.id === ref || x.filter.name === ref));
      if (g < 0 && filters.length === 0) {
        // rules only, pointing at existing filters by id: one group per id
        g = groups.findIndex((x) => x.keys.includes(ref));
        if (g < 0) g = groups.push({ filter: null, label: ref, keys: [ref], path: listPath, rules: [] }) - 1;
      } else if (g < 0 && filters.length === 1 && shape === 'terraform-list') {
        g = 0;
      } else if (g < 0) {
        pc.error([...r.path, 'traffic_mirror_filter_id'], `'${ref}' names no ${TF_FILTER} in this file`);
        continue;
      }
    } else if (filters.length <= 1 || shape === 'terraform-list') {
      if (groups.length === 0) groups.push({ filter: null, label: '(rules only)', keys: [], path: listPath, rules: [] });
      g = 0;
      if (filters.length > 1) {
        pc.error([...r.path, 'traffic_mirror_filter_id'], `rule has no traffic_mirror_filter_id and the file has ${filters.length} filters`);
        continue;
      }
    } else {
      pc.error([...r.path, 'traffic_mirror_filter_id'], `rule has no traffic_mirror_filter_id and the file has ${filters.length} filters`);
      continue;
    }
    groups[g]!.rules.push(r);
  }
  const candidates: FilterCandidate[] = groups.map((g) => ({ label: g.label, keys: g.keys, path: g.path }));
  const chosen = chooseFilter(pc, candidates, filterId, listPath);
  pc.throwIfErrors();
  const g = groups[chosen]!;
  const warnUnknown = shape !== 'terraform-state';
  const drafts = g.rules.map((r) => readTfRule(pc, r, warnUnknown));
  const meta: Parameters<typeof assembleFilter>[1] = { path: g.path, networkServices: [] };
  if (g.filter) {
    const args = g.filter.args;
    if (warnUnknown) {
      for (const k of Object.keys(args)) {
        if (!FILTER_KEYS.includes(k)) pc.warning([...g.filter.path, k], `unknown ${TF_FILTER} argument '${k}': ignored`);
      }
    }
    meta.networkServices = readNetworkServices(pc, field(args, g.filter.path, 'network_services'));
    const description = readDescription(pc, field(args, g.filter.path, 'description'));
    if (description !== undefined) meta.description = description;
    const tags = args.tags;
    const tagName = isRecord(tags) && typeof tags.Name === 'string' ? tags.Name : undefined;
    const name = tagName ?? g.filter.name;
    if (name !== undefined) meta.name = name;
    if (g.filter.id !== undefined) meta.id = g.filter.id;
  } else {
    if (g.keys[0] !== undefined) meta.id = g.keys[0];
    if (rules.length > 0) pc.warning(listPath, `no ${TF_FILTER} in the file: network services (amazon-dns) unknown, none assumed`);
  }
  return assembleFilter(pc, meta, drafts);
}
