/**
 * Writing a filter out for AWS tooling:
 * - `aws-cli`: a POSIX shell script of `aws ec2 create-traffic-mirror-filter`,
 *   `modify-traffic-mirror-filter-network-services` and `create-traffic-mirror-filter-rule` calls;
 * - `aws-json`: the `aws ec2 describe-traffic-mirror-filters` JSON form;
 * - `cloudformation` / `cloudformation-json`: a template with AWS::EC2::TrafficMirrorFilter and
 *   AWS::EC2::TrafficMirrorFilterRule resources (YAML / JSON);
 * - `terraform` (HCL) / `terraform-json` (.tf.json): aws_ec2_traffic_mirror_filter and
 *   aws_ec2_traffic_mirror_filter_rule resources;
 * - `yaml`: mirrorsink's own format.
 * Every form except aws-cli and terraform (HCL) loads back into the same model (names,
 * descriptions, network services, rules); "all protocols" is written by leaving Protocol out.
 */
import { stringify } from 'yaml';
import { protocolName, type MirrorFilter, type MirrorFilterRule, type PortRange } from './model.js';

export const EXPORT_FORMATS = ['aws-cli', 'aws-json', 'cloudformation', 'cloudformation-json', 'terraform', 'terraform-json', 'yaml'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

function allRules(f: MirrorFilter): MirrorFilterRule[] {
  return [...f.ingress, ...f.egress];
}

/** Terraform resource name / identifier. */
function tfName(f: MirrorFilter): string {
  const base = (f.name ?? f.id ?? 'mirror_filter').replace(/[^A-Za-z0-9_-]+/g, '_');
  return /^[A-Za-z_]/.test(base) ? base : `f_${base}`;
}

/** CloudFormation logical id (alphanumeric). */
function cfnName(f: MirrorFilter): string {
  const words = (f.name ?? f.id ?? 'mirror filter').split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const s = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') || 'Mirror';
  return /^[A-Za-z]/.test(s) ? s : `F${s}`;
}

function banner(f: MirrorFilter): string {
  const label = f.name ?? f.id;
  return `Traffic mirror filter${label ? ` ${label}` : ''} (written by mirrorsink filter export)`;
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function awsRange(r: PortRange): { FromPort: number; ToPort: number } {
  return { FromPort: r.from, ToPort: r.to };
}

export function exportAwsCli(f: MirrorFilter): string {
  const out = ['#!/bin/sh', `# ${banner(f)}`, 'set -eu', ''];
  const create = ['aws ec2 create-traffic-mirror-filter'];
  if (f.description) create.push(`--description ${shq(f.description)}`);
  if (f.name) {
    create.push(`--tag-specifications ${shq(JSON.stringify([{ ResourceType: 'traffic-mirror-filter', Tags: [{ Key: 'Name', Value: f.name }] }]))}`);
  }
  create.push('--query TrafficMirrorFilter.TrafficMirrorFilterId --output text');
  out.push(`FILTER_ID=$(${create.join(' \\\n    ')})`);
  out.push('echo "created $FILTER_ID"');
  if (f.networkServices.length > 0) {
    out.push(`aws ec2 modify-traffic-mirror-filter-network-services --traffic-mirror-filter-id "$FILTER_ID" \\\n    --add-network-services ${f.networkServices.join(' ')}`);
  }
  for (const r of allRules(f)) {
    const a = [
      'aws ec2 create-traffic-mirror-filter-rule --traffic-mirror-filter-id "$FILTER_ID"',
      `--traffic-direction ${r.direction} --rule-number ${r.ruleNumber} --rule-action ${r.action}`,
    ];
    if (r.protocol !== null) a.push(`--protocol ${r.protocol}`);
    if (r.srcPorts) a.push(`--source-port-range FromPort=${r.srcPorts.from},ToPort=${r.srcPorts.to}`);
    if (r.dstPorts) a.push(`--destination-port-range FromPort=${r.dstPorts.from},ToPort=${r.dstPorts.to}`);
    a.push(`--source-cidr-block ${r.srcCidr} --destination-cidr-block ${r.dstCidr}`);
    if (r.description) a.push(`--description ${shq(r.description)}`);
    out.push(a.join(' \\\n    '));
  }
  return out.join('\n') + '\n';
}

function awsRule(f: MirrorFilter, r: MirrorFilterRule): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (r.ruleId) o.TrafficMirrorFilterRuleId = r.ruleId;
  if (f.id) o.TrafficMirrorFilterId = f.id;
  o.TrafficDirection = r.direction;
  o.RuleNumber = r.ruleNumber;
  o.RuleAction = r.action;
  if (r.protocol !== null) o.Protocol = r.protocol;
  if (r.dstPorts) o.DestinationPortRange = awsRange(r.dstPorts);
  if (r.srcPorts) o.SourcePortRange = awsRange(r.srcPorts);
  o.DestinationCidrBlock = r.dstCidr;
  o.SourceCidrBlock = r.srcCidr;
  if (r.description) o.Description = r.description;
  return o;
}

export function exportAwsJson(f: MirrorFilter): string {
  const o: Record<string, unknown> = {};
  if (f.id) o.TrafficMirrorFilterId = f.id;
  o.IngressFilterRules = f.ingress.map((r) => awsRule(f, r));
  o.EgressFilterRules = f.egress.map((r) => awsRule(f, r));
  o.NetworkServices = [...f.networkServices];
  if (f.description) o.Description = f.description;
  o.Tags = f.name ? [{ Key: 'Name', Value: f.name }] : [];
  return JSON.stringify({ TrafficMirrorFilters: [o] }, null, 4) + '\n';
}

function cloudFormationTemplate(f: MirrorFilter): Record<string, unknown> {
  const logical = `${cfnName(f)}Filter`;
  const resources: Record<string, unknown> = {};
  const props: Record<string, unknown> = {};
  if (f.description) props.Description = f.description;
  if (f.networkServices.length > 0) props.NetworkServices = [...f.networkServices];
  if (f.name) props.Tags = [{ Key: 'Name', Value: f.name }];
  resources[logical] = { Type: 'AWS::EC2::TrafficMirrorFilter', Properties: props };
  for (const r of allRules(f)) {
    const p: Record<string, unknown> = {
      TrafficMirrorFilterId: { Ref: logical },
      TrafficDirection: r.direction,
      RuleNumber: r.ruleNumber,
      RuleAction: r.action,
    };
    if (r.protocol !== null) p.Protocol = r.protocol;
    if (r.srcPorts) p.SourcePortRange = awsRange(r.srcPorts);
    if (r.dstPorts) p.DestinationPortRange = awsRange(r.dstPorts);
    p.SourceCidrBlock = r.srcCidr;
    p.DestinationCidrBlock = r.dstCidr;
    if (r.description) p.Description = r.description;
    const dir = r.direction === 'ingress' ? 'Ingress' : 'Egress';
    resources[`${cfnName(f)}${dir}Rule${r.ruleNumber}`] = { Type: 'AWS::EC2::TrafficMirrorFilterRule', Properties: p };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: banner(f),
    Resources: resources,
    Outputs: { TrafficMirrorFilterId: { Value: { Ref: logical } } },
  };
}

export function exportCloudFormation(f: MirrorFilter, json: boolean): string {
  const t = cloudFormationTemplate(f);
  return json ? JSON.stringify(t, null, 2) + '\n' : stringify(t, { lineWidth: 0 });
}

/** An HCL string literal (escapes `"`, `\`, control characters and template sequences). */
function hcl(s: string): string {
  return JSON.stringify(s).replace(/\$\{/g, () => '$${').replace(/%\{/g, '%%{');
}

export function exportTerraform(f: MirrorFilter): string {
  const name = tfName(f);
  const out: string[] = [`# ${banner(f)}`];
  const fl = [`resource "aws_ec2_traffic_mirror_filter" ${hcl(name)} {`];
  if (f.description) fl.push(`  description      = ${hcl(f.description)}`);
  if (f.networkServices.length > 0) fl.push(`  network_services = [${f.networkServices.map(hcl).join(', ')}]`);
  if (f.name) fl.push(`  tags = {\n    Name = ${hcl(f.name)}\n  }`);
  fl.push('}');
  out.push(fl.join('\n'));
  for (const r of allRules(f)) {
    const l = [`resource "aws_ec2_traffic_mirror_filter_rule" ${hcl(`${name}_${r.direction}_${r.ruleNumber}`)} {`];
    l.push(`  traffic_mirror_filter_id = aws_ec2_traffic_mirror_filter.${name}.id`);
    if (r.description) l.push(`  description              = ${hcl(r.description)}`);
    l.push(`  traffic_direction        = ${hcl(r.direction)}`);
    l.push(`  rule_number              = ${r.ruleNumber}`);
    l.push(`  rule_action              = ${hcl(r.action)}`);
    if (r.protocol !== null) l.push(`  protocol                 = ${r.protocol} # ${protocolName(r.protocol)}`);
    l.push(`  source_cidr_block        = ${hcl(r.srcCidr)}`);
    l.push(`  destination_cidr_block   = ${hcl(r.dstCidr)}`);
    for (const [block, range] of [['source_port_range', r.srcPorts], ['destination_port_range', r.dstPorts]] as const) {
      if (range) l.push(`\n  ${block} {\n    from_port = ${range.from}\n    to_port   = ${range.to}\n  }`);
    }
    l.push('}');
    out.push(l.join('\n'));
  }
  return out.join('\n\n') + '\n';
}

/** A literal string inside .tf.json (where strings are templates). */
function tfjStr(s: string): string {
  return s.replace(/\$\{/g, () => '$${').replace(/%\{/g, '%%{');
}

export function exportTerraformJson(f: MirrorFilter): string {
  const name = tfName(f);
  const filterArgs: Record<string, unknown> = {};
  if (f.description) filterArgs.description = tfjStr(f.description);
  if (f.networkServices.length > 0) filterArgs.network_services = [...f.networkServices];
  if (f.name) filterArgs.tags = { Name: tfjStr(f.name) };
  const rules: Record<string, unknown> = {};
  for (const r of allRules(f)) {
    const a: Record<string, unknown> = {
      traffic_mirror_filter_id: `\${aws_ec2_traffic_mirror_filter.${name}.id}`,
      traffic_direction: r.direction,
      rule_number: r.ruleNumber,
      rule_action: r.action,
    };
    if (r.description) a.description = tfjStr(r.description);
    if (r.protocol !== null) a.protocol = r.protocol;
    a.source_cidr_block = r.srcCidr;
    a.destination_cidr_block = r.dstCidr;
    if (r.srcPorts) a.source_port_range = { from_port: r.srcPorts.from, to_port: r.srcPorts.to };
    if (r.dstPorts) a.destination_port_range = { from_port: r.dstPorts.from, to_port: r.dstPorts.to };
    rules[`${name}_${r.direction}_${r.ruleNumber}`] = a;
  }
  const resource: Record<string, unknown> = { aws_ec2_traffic_mirror_filter: { [name]: filterArgs } };
  if (Object.keys(rules).length > 0) resource.aws_ec2_traffic_mirror_filter_rule = rules;
  return JSON.stringify({ resource }, null, 2) + '\n';
}

function yamlPorts(r: PortRange): string {
  return r.from === r.to ? String(r.from) : JSON.stringify(`${r.from}-${r.to}`);
}

export function exportYaml(f: MirrorFilter): string {
  const out: string[] = [];
  if (f.name !== undefined) out.push(`filter: ${JSON.stringify(f.name)}`);
  if (f.id !== undefined) out.push(`id: ${JSON.stringify(f.id)}`);
  if (f.description !== undefined) out.push(`description: ${JSON.stringify(f.description)}`);
  if (f.networkServices.length > 0) out.push(`network_services: [${f.networkServices.join(', ')}]`);
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = dir === 'ingress' ? f.ingress : f.egress;
    if (rules.length === 0) {
      out.push(`${dir}: []`);
      continue;
    }
    out.push(`${dir}:`);
    for (const r of rules) {
      const parts = [`rule: ${r.ruleNumber}`, `action: ${r.action}`];
      if (r.protocol !== null) {
        const n = protocolName(r.protocol);
        parts.push(`protocol: ${n.startsWith('proto ') ? r.protocol : n}`);
      }
      if (r.srcPorts) parts.push(`src_port: ${yamlPorts(r.srcPorts)}`);
      if (r.dstPorts) parts.push(`dst_port: ${yamlPorts(r.dstPorts)}`);
      parts.push(`src: ${JSON.stringify(r.srcCidr)}`, `dst: ${JSON.stringify(r.dstCidr)}`);
      if (r.description) parts.push(`description: ${JSON.stringify(r.description)}`);
      out.push(`  - {${parts.join(', ')}}`);
    }
  }
  return out.join('\n') + '\n';
}

export function exportFilter(f: MirrorFilter, format: ExportFormat): string {
  switch (format) {
    case 'aws-cli':
      return exportAwsCli(f);
    case 'aws-json':
      return exportAwsJson(f);
    case 'cloudformation':
      return exportCloudFormation(f, false);
    case 'cloudformation-json':
      return exportCloudFormation(f, true);
    case 'terraform':
      return exportTerraform(f);
    case 'terraform-json':
      return exportTerraformJson(f);
    case 'yaml':
      return exportYaml(f);
  }
}
