/**
 * Loader for what the AWS CLI prints:
 * - `aws ec2 describe-traffic-mirror-filters` → `{"TrafficMirrorFilters": [{TrafficMirrorFilterId,
 *   IngressFilterRules, EgressFilterRules, NetworkServices, Description, Tags}]}`;
 * - `aws ec2 create-traffic-mirror-filter` → `{"TrafficMirrorFilter": {...}}` (same fields);
 * - `aws ec2 describe-traffic-mirror-filter-rules` → `{"TrafficMirrorFilterRules": [...]}` (rules
 *   only: network services are not in that output, a warning says so).
 * Keys AWS may add later are ignored; the rule's TrafficDirection, when present, must agree with
 * the list it is in.
 */
import {
  assembleFilter,
  field,
  isRecord,
  readDirection,
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
import { chooseFilter, type FilterCandidate } from './select.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The Name tag's value in an AWS Tags list [{Key, Value}] (CloudFormation uses the same shape). */
export function nameTag(tags: unknown): string | undefined {
  if (!Array.isArray(tags)) return undefined;
  for (const t of tags) if (isRecord(t) && t.Key === 'Name' && typeof t.Value === 'string') return t.Value;
  return undefined;
}

/** {FromPort, ToPort} (AWS and CloudFormation spelling). */
export function readAwsPortRange(pc: ProblemCollector, f: FieldRef): PortRange | null | undefined {
  if (!f.present) return null;
  if (!isRecord(f.value)) {
    pc.error(f.path, 'port range must be an object {FromPort, ToPort}');
    return undefined;
  }
  return readPortPair(pc, f.path, field(f.value, f.path, 'FromPort'), field(f.value, f.path, 'ToPort'), ['FromPort', 'ToPort']);
}

const AWS_RULE: RuleFormat = {
  keys: {
    ruleNumber: 'RuleNumber',
    action: 'RuleAction',
    protocol: 'Protocol',
    srcPorts: 'SourcePortRange',
    dstPorts: 'DestinationPortRange',
    src: 'SourceCidrBlock',
    dst: 'DestinationCidrBlock',
    description: 'Description',
    ruleId: 'TrafficMirrorFilterRuleId',
  },
  protocolNames: false,
  bareAddresses: false,
  readPorts: readAwsPortRange,
};

/** One rule object in AWS spelling (also used for CloudFormation rule Properties). */
export function readAwsRule(pc: ProblemCollector, obj: Record<string, unknown>, path: Path, listDirection: TrafficDirection | null): RuleDraft {
  const dirField = field(obj, path, 'TrafficDirection');
  let direction: TrafficDirection | undefined;
  if (listDirection === null) {
    direction = readDirection(pc, dirField);
  } else {
    direction = listDirection;
    if (dirField.present) {
      const d = readDirection(pc, dirField);
      if (d !== undefined && d !== listDirection) {
        pc.error(dirField.path, `TrafficDirection '${d}' disagrees with the ${listDirection} rule list it is in`);
      }
    }
  }
  return readRuleDraft(pc, obj, path, direction, AWS_RULE);
}

function readOneFilter(pc: ProblemCollector, obj: Record<string, unknown>, path: Path): MirrorFilter {
  const drafts: RuleDraft[] = [];
  readRuleList(pc, obj, path, 'IngressFilterRules', 'a rule must be an object', (r, p) => readAwsRule(pc, r, p, 'ingress'), drafts);
  readRuleList(pc, obj, path, 'EgressFilterRules', 'a rule must be an object', (r, p) => readAwsRule(pc, r, p, 'egress'), drafts);
  const meta = {
    path,
    networkServices: readNetworkServices(pc, field(obj, path, 'NetworkServices')),
    id: str(obj.TrafficMirrorFilterId),
    name: nameTag(obj.Tags),
    description: str(obj.Description),
  };
  return assembleFilter(pc, meta, drafts);
}

/** `describe-traffic-mirror-filters` / `create-traffic-mirror-filter` output. */
export function loadAwsDescribe(pc: ProblemCollector, root: Record<string, unknown>, filterId: string | undefined): MirrorFilter {
  if ('TrafficMirrorFilter' in root && !('TrafficMirrorFilters' in root)) {
    const one = root.TrafficMirrorFilter;
    if (!isRecord(one)) {
      pc.error(['TrafficMirrorFilter'], 'TrafficMirrorFilter must be an object');
      pc.throwIfErrors();
    }
    const cand: FilterCandidate = { label: str((one as Record<string, unknown>).TrafficMirrorFilterId) ?? '(no id)', keys: [], path: ['TrafficMirrorFilter'] };
    cand.keys.push(cand.label);
    if (chooseFilter(pc, [cand], filterId, ['TrafficMirrorFilter']) < 0) pc.throwIfErrors();
    return readOneFilter(pc, one as Record<string, unknown>, ['TrafficMirrorFilter']);
  }
  const list = root.TrafficMirrorFilters;
  if (!Array.isArray(list)) {
    pc.error(['TrafficMirrorFilters'], 'TrafficMirrorFilters must be a list');
    pc.throwIfErrors();
  }
  const filters = list as unknown[];
  const candidates: FilterCandidate[] = filters.map((f, i) => {
    const id = isRecord(f) ? str(f.TrafficMirrorFilterId) : undefined;
    const name = isRecord(f) ? nameTag(f.Tags) : undefined;
    const keys = [id, name].filter((k): k is string => k !== undefined);
    return { label: id ?? name ?? `#${i}`, keys, path: ['TrafficMirrorFilters', i] };
  });
  const i = chooseFilter(pc, candidates, filterId, ['TrafficMirrorFilters']);
  pc.throwIfErrors();
  const chosen = filters[i];
  if (!isRecord(chosen)) {
    pc.error(['TrafficMirrorFilters', i], 'a filter must be an object');
    pc.throwIfErrors();
  }
  return readOneFilter(pc, chosen as Record<string, unknown>, ['TrafficMirrorFilters', i]);
}

/** `describe-traffic-mirror-filter-rules` output: rules grouped by TrafficMirrorFilterId. */
export function loadAwsRuleListing(pc: ProblemCollector, root: Record<string, unknown>, filterId: string | undefined): MirrorFilter {
  const list = root.TrafficMirrorFilterRules;
  if (!Array.isArray(list)) {
    pc.error(['TrafficMirrorFilterRules'], 'TrafficMirrorFilterRules must be a list');
    pc.throwIfErrors();
  }
  const rules = list as unknown[];
  const ids: string[] = [];
  for (const r of rules) {
    const id = isRecord(r) ? str(r.TrafficMirrorFilterId) ?? '' : '';
    if (!ids.includes(id)) ids.push(id);
  }
  const candidates = ids.map((id) => ({ label: id || '(no filter id)', keys: [id], path: ['TrafficMirrorFilterRules'] as Path }));
  const i = chooseFilter(pc, candidates, filterId, ['TrafficMirrorFilterRules']);
  pc.throwIfErrors();
  const chosenId = ids[i]!;
  const drafts: RuleDraft[] = [];
  rules.forEach((r, j) => {
    const p: Path = ['TrafficMirrorFilterRules', j];
    if (!isRecord(r)) pc.error(p, 'a rule must be an object');
    else if ((str(r.TrafficMirrorFilterId) ?? '') === chosenId) drafts.push(readAwsRule(pc, r, p, null));
  });
  pc.warning([], 'a rule listing does not say which network services (amazon-dns) the filter has: none assumed');
  const meta: { path: Path; networkServices: []; id?: string } = { path: ['TrafficMirrorFilterRules'], networkServices: [] };
  if (chosenId) meta.id = chosenId;
  return assembleFilter(pc, meta, drafts);
}
