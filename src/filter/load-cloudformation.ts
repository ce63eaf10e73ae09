/**
 * Loader for CloudFormation templates (JSON or YAML) holding `AWS::EC2::TrafficMirrorFilter` and
 * `AWS::EC2::TrafficMirrorFilterRule` resources (what `filter export --format cloudformation`
 * writes). A rule's TrafficMirrorFilterId is `{"Ref": "<LogicalId>"}` / `!Ref <LogicalId>` (the
 * YAML short form reads as the plain logical id) or a literal `tmf-...` id. `filterId` picks a
 * filter by logical id or Name tag when the template has several.
 */
import { assembleFilter, field, isRecord, readDescription, readNetworkServices, type RuleDraft } from './build.js';
import { nameTag, readAwsRule } from './load-aws.js';
import type { MirrorFilter } from './model.js';
import type { Path, ProblemCollector } from './problems.js';
import { chooseFilter } from './select.js';

export const CFN_FILTER = 'AWS::EC2::TrafficMirrorFilter';
export const CFN_RULE = 'AWS::EC2::TrafficMirrorFilterRule';

export function isCloudFormation(root: unknown): boolean {
  return isRecord(root) && isRecord(root.Resources) && Object.values(root.Resources).some((r) => isRecord(r) && (r.Type === CFN_FILTER || r.Type === CFN_RULE));
}

function refOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isRecord(v) && typeof v.Ref === 'string') return v.Ref;
  return undefined;
}

export function loadCloudFormation(pc: ProblemCollector, root: Record<string, unknown>, filterId: string | undefined): MirrorFilter {
  const resources = root.Resources as Record<string, unknown>;
  const filters: { logicalId: string; props: Record<string, unknown>; path: Path }[] = [];
  const rules: { ref: string | undefined; props: Record<string, unknown>; path: Path }[] = [];
  for (const [logicalId, res] of Object.entries(resources)) {
    if (!isRecord(res) || (res.Type !== CFN_FILTER && res.Type !== CFN_RULE)) continue;
    const path: Path = ['Resources', logicalId, 'Properties'];
    const props = res.Properties ?? {};
    if (!isRecord(props)) {
      pc.error(path, 'Properties must be an object');
      continue;
    }
    if (res.Type === CFN_FILTER) filters.push({ logicalId, props, path });
    else rules.push({ ref: refOf(props.TrafficMirrorFilterId), props, path });
  }
  const candidates = filters.map((f) => {
    const name = nameTag(f.props.Tags);
    return { label: f.logicalId, keys: name ? [f.logicalId, name] : [f.logicalId], path: f.path };
  });
  if (filters.length === 0) candidates.push({ label: '(rules only)', keys: [], path: ['Resources'] });
  const i = chooseFilter(pc, candidates, filterId, ['Resources']);
  pc.throwIfErrors();
  const chosen = filters[i];
  const drafts: RuleDraft[] = [];
  for (const r of rules) {
    if (chosen && r.ref !== chosen.logicalId) {
      if (r.ref === undefined || !filters.some((f) => f.logicalId === r.ref)) {
        if (filters.length === 1) {
          pc.warning([...r.path, 'TrafficMirrorFilterId'], `does not reference ${chosen.logicalId}: taken as one of its rules`);
        } else {
          pc.error([...r.path, 'TrafficMirrorFilterId'], `must reference one of the template's filters (${filters.map((f) => f.logicalId).join(', ')})`);
          continue;
        }
      } else {
        continue;
      }
    }
    drafts.push(readAwsRule(pc, r.props, r.path, null));
  }
  const meta: Parameters<typeof assembleFilter>[1] = { path: chosen?.path ?? ['Resources'], networkServices: [] };
  if (chosen) {
    meta.networkServices = readNetworkServices(pc, field(chosen.props, chosen.path, 'NetworkServices'));
    const d = readDescription(pc, field(chosen.props, chosen.path, 'Description'));
    if (d !== undefined) meta.description = d;
    meta.name = nameTag(chosen.props.Tags) ?? chosen.logicalId;
  }
  return assembleFilter(pc, meta, drafts);
}
