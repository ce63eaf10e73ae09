import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, MirrorsinkError } from '../../src/errors.js';
import { exportFilter } from '../../src/filter/export.js';
import { loadFilterFile, parseFilterText, type LoadFilterOptions } from '../../src/filter/load.js';
import type { MirrorFilterRule } from '../../src/filter/model.js';
import { FilterValidationError, type FilterProblem } from '../../src/filter/problems.js';
import { REPO_ROOT } from '../helpers/corpus.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples', 'filters');

/** Every problem (errors and warnings) for a text, whether or not it loads. */
function problems(text: string, opts: LoadFilterOptions = {}): FilterProblem[] {
  try {
    return parseFilterText(text, 'f.json', opts).problems;
  } catch (err) {
    if (err instanceof FilterValidationError) return err.problems;
    throw err;
  }
}

function errorsOf(text: string, opts: LoadFilterOptions = {}): FilterProblem[] {
  return problems(text, opts).filter((p) => p.severity === 'error');
}

function warningsOf(text: string, opts: LoadFilterOptions = {}): FilterProblem[] {
  return problems(text, opts).filter((p) => p.severity === 'warning');
}

const NO_SSH_INGRESS: Partial<MirrorFilterRule>[] = [
  { direction: 'ingress', ruleNumber: 100, action: 'reject', protocol: 6, srcPorts: null, dstPorts: { from: 22, to: 22 }, srcCidr: '0.0.0.0/0', dstCidr: '10.0.0.0/16' },
  { direction: 'ingress', ruleNumber: 200, action: 'accept', protocol: null, srcPorts: null, dstPorts: null, srcCidr: '0.0.0.0/0', dstCidr: '10.0.0.0/16' },
];
const NO_SSH_EGRESS: Partial<MirrorFilterRule>[] = [
  { direction: 'egress', ruleNumber: 100, action: 'accept', protocol: 17, srcPorts: null, dstPorts: { from: 53, to: 53 }, srcCidr: '10.0.0.0/16', dstCidr: '0.0.0.0/0' },
];

describe('aws ec2 describe-traffic-mirror-filters JSON', () => {
  it('loads the example', () => {
    const r = loadFilterFile(path.join(EXAMPLES, 'describe-traffic-mirror-filters.json'));
    expect(r.format).toBe('aws-describe');
    expect(r.warnings).toEqual([]);
    expect(r.filter.id).toBe('tmf-0a1b2c3d4e5f60718');
    expect(r.filter.name).toBe('no-ssh');
    expect(r.filter.description).toBe('all but ssh in, dns out');
    expect(r.filter.networkServices).toEqual(['amazon-dns']);
    expect(r.filter.ingress).toMatchObject(NO_SSH_INGRESS);
    expect(r.filter.egress).toMatchObject(NO_SSH_EGRESS);
    expect(r.filter.ingress[0]!.ruleId).toBe('tmfr-0123456789abcdef0');
    expect(r.filter.ingress[0]!.description).toBe('not ssh');
  });

  const two = JSON.stringify({
    TrafficMirrorFilters: [
      { TrafficMirrorFilterId: 'tmf-aaa', IngressFilterRules: [{ RuleNumber: 1, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' }], EgressFilterRules: [], NetworkServices: [] },
      { TrafficMirrorFilterId: 'tmf-bbb', IngressFilterRules: [], EgressFilterRules: [], NetworkServices: [], Tags: [{ Key: 'Name', Value: 'second' }] },
    ],
  }, null, 2);
  it('several filters without filterId: an error listing the ids', () => {
    const e = errorsOf(two);
    expect(e).toHaveLength(1);
    expect(e[0]!.path).toBe('TrafficMirrorFilters');
    expect(e[0]!.message).toMatch(/2 filters in the file \(tmf-aaa, tmf-bbb\)/);
  });
  it('filterId chooses by TrafficMirrorFilterId or Name tag; an unknown id lists the ids', () => {
    expect(parseFilterText(two, 'x', { filterId: 'tmf-aaa' }).filter.ingress).toHaveLength(1);
    expect(parseFilterText(two, 'x', { filterId: 'second' }).filter.id).toBe('tmf-bbb');
    expect(errorsOf(two, { filterId: 'tmf-ccc' })[0]!.message).toMatch(/no filter 'tmf-ccc' in the file \(filters: tmf-aaa, tmf-bbb\)/);
  });
  it('reads create-traffic-mirror-filter output ({TrafficMirrorFilter: {...}})', () => {
    const r = parseFilterText(JSON.stringify({ TrafficMirrorFilter: { TrafficMirrorFilterId: 'tmf-1', IngressFilterRules: [], EgressFilterRules: [], NetworkServices: ['amazon-dns'] }, ClientToken: 'x' }), 'x');
    expect(r.filter.id).toBe('tmf-1');
    expect(r.filter.networkServices).toEqual(['amazon-dns']);
  });
  it('reads describe-traffic-mirror-filter-rules output, grouped by filter id (with a warning about network services)', () => {
    const rule = (id: string, dir: string, n: number) => ({ TrafficMirrorFilterId: id, TrafficDirection: dir, RuleNumber: n, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' });
    const text = JSON.stringify({ TrafficMirrorFilterRules: [rule('tmf-1', 'ingress', 1), rule('tmf-2', 'egress', 5), rule('tmf-1', 'egress', 2)] });
    expect(errorsOf(text)[0]!.message).toMatch(/tmf-1, tmf-2/);
    const r = parseFilterText(text, 'x', { filterId: 'tmf-1' });
    expect(r.format).toBe('aws-rules');
    expect(r.filter.ingress.map((x) => x.ruleNumber)).toEqual([1]);
    expect(r.filter.egress.map((x) => x.ruleNumber)).toEqual([2]);
    expect(r.warnings.join('\n')).toMatch(/network services/);
  });
});

describe('Terraform', () => {
  it('loads .tf.json (the example)', () => {
    const r = loadFilterFile(path.join(EXAMPLES, 'no-ssh.tf.json'));
    expect(r.format).toBe('terraform-json');
    expect(r.warnings).toEqual([]);
    expect(r.filter.name).toBe('no_ssh');
    expect(r.filter.networkServices).toEqual(['amazon-dns']);
    expect(r.filter.ingress).toMatchObject(NO_SSH_INGRESS);
    expect(r.filter.egress).toMatchObject(NO_SSH_EGRESS);
  });
  it('loads the simple list form (the example) and a bare list of rules', () => {
    const r = loadFilterFile(path.join(EXAMPLES, 'terraform-list.yaml'));
    expect(r.format).toBe('terraform-list');
    expect(r.filter.description).toBe('DNS only');
    expect(r.filter.ingress).toMatchObject([{ ruleNumber: 10, protocol: 17, dstPorts: { from: 53, to: 53 } }]);
    expect(r.filter.egress).toMatchObject([{ ruleNumber: 10, protocol: 17, srcPorts: { from: 53, to: 53 } }]);
    const bare = parseFilterText(`- {traffic_direction: egress, rule_number: 3, rule_action: reject, protocol: 0, source_cidr_block: "::/0", destination_cidr_block: "::/0"}`, 'x');
    expect(bare.format).toBe('terraform-list');
    expect(bare.filter.egress).toMatchObject([{ ruleNumber: 3, action: 'reject', protocol: null, srcCidr: '::/0' }]);
  });
  it('loads terraform show -json state (blocks as lists, protocol 0 = all, ids link rules to filters)', () => {
    const state = {
      format_version: '1.0',
      values: {
        root_module: {
          resources: [
            { address: 'aws_ec2_traffic_mirror_filter.a', mode: 'managed', type: 'aws_ec2_traffic_mirror_filter', name: 'a', values: { id: 'tmf-a', description: 'A', network_services: ['amazon-dns'], tags: { Name: 'alpha' } } },
            { address: 'aws_ec2_traffic_mirror_filter.b', mode: 'managed', type: 'aws_ec2_traffic_mirror_filter', name: 'b', values: { id: 'tmf-b', description: 'B', network_services: [] } },
          ],
          child_modules: [{
            resources: [
              { mode: 'managed', type: 'aws_ec2_traffic_mirror_filter_rule', name: 'r1', values: { id: 'tmfr-1', traffic_mirror_filter_id: 'tmf-a', traffic_direction: 'ingress', rule_number: 7, rule_action: 'accept', protocol: 0, source_cidr_block: '0.0.0.0/0', destination_cidr_block: '10.0.0.0/8', source_port_range: [], destination_port_range: [], description: '', arn: 'arn:x' } },
              { mode: 'managed', type: 'aws_ec2_traffic_mirror_filter_rule', name: 'r2', values: { id: 'tmfr-2', traffic_mirror_filter_id: 'tmf-b', traffic_direction: 'egress', rule_number: 9, rule_action: 'reject', protocol: 6, source_cidr_block: '0.0.0.0/0', destination_cidr_block: '0.0.0.0/0', source_port_range: [], destination_port_range: [{ from_port: 1, to_port: 1023 }] } },
            ],
          }],
        },
      },
    };
    const text = JSON.stringify(state, null, 1);
    expect(errorsOf(text)[0]!.message).toMatch(/2 filters in the file \(tmf-a, tmf-b\)/);
    const a = parseFilterText(text, 'x', { filterId: 'tmf-a' });
    expect(a.format).toBe('terraform-state');
    expect(a.filter).toMatchObject({ id: 'tmf-a', name: 'alpha', networkServices: ['amazon-dns'], egress: [] });
    expect(a.filter.ingress).toMatchObject([{ ruleNumber: 7, protocol: null, srcPorts: null, dstPorts: null, dstCidr: '10.0.0.0/8', ruleId: 'tmfr-1' }]);
    const b = parseFilterText(text, 'x', { filterId: 'aws_ec2_traffic_mirror_filter.b' });
    expect(b.filter.egress).toMatchObject([{ ruleNumber: 9, protocol: 6, dstPorts: { from: 1, to: 1023 } }]);
    expect(parseFilterText(text, 'x', { filterId: 'b' }).filter.id).toBe('tmf-b');
  });
  it('a rule pointing at a filter that is not in the file is an error at traffic_mirror_filter_id', () => {
    const text = JSON.stringify({
      resource: {
        aws_ec2_traffic_mirror_filter: { x: {}, y: {} },
        aws_ec2_traffic_mirror_filter_rule: { r: { traffic_mirror_filter_id: '${aws_ec2_traffic_mirror_filter.z.id}', traffic_direction: 'ingress', rule_number: 1, rule_action: 'accept', source_cidr_block: '0.0.0.0/0', destination_cidr_block: '0.0.0.0/0' } },
      },
    }, null, 2);
    const e = errorsOf(text, { filterId: 'x' });
    expect(e[0]).toMatchObject({ path: 'resource.aws_ec2_traffic_mirror_filter_rule.r.traffic_mirror_filter_id', line: 9 });
    expect(e[0]!.message).toMatch(/names no aws_ec2_traffic_mirror_filter/);
  });
  it('rules are split between filters by reference', () => {
    const rule = (f: string, n: number) => ({ traffic_mirror_filter_id: `\${aws_ec2_traffic_mirror_filter.${f}.id}`, traffic_direction: 'ingress', rule_number: n, rule_action: 'accept', source_cidr_block: '0.0.0.0/0', destination_cidr_block: '0.0.0.0/0' });
    const text = JSON.stringify({ resource: { aws_ec2_traffic_mirror_filter: { x: {}, y: {} }, aws_ec2_traffic_mirror_filter_rule: { a: rule('x', 1), b: rule('y', 2), c: rule('x', 3) } } });
    expect(parseFilterText(text, 'x', { filterId: 'x' }).filter.ingress.map((r) => r.ruleNumber)).toEqual([1, 3]);
    expect(parseFilterText(text, 'x', { filterId: 'aws_ec2_traffic_mirror_filter.y' }).filter.ingress.map((r) => r.ruleNumber)).toEqual([2]);
  });
  it('unknown rule arguments in written configuration are warned about', () => {
    const w = warningsOf(`- {traffic_direction: egress, rule_number: 3, rule_action: reject, source_cidr_block: 0.0.0.0/0, destination_cidr_block: 0.0.0.0/0, destination_port_rang: {from_port: 1, to_port: 2}}`);
    expect(w[0]).toMatchObject({ path: '[0].destination_port_rang', line: 1 });
  });
});

describe('CloudFormation templates', () => {
  it('YAML with !Ref and JSON with {Ref}', () => {
    const yaml = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  WebFilter:
    Type: AWS::EC2::TrafficMirrorFilter
    Properties:
      Description: web
      NetworkServices: [amazon-dns]
      Tags: [{Key: Name, Value: web}]
  WebIngress100:
    Type: AWS::EC2::TrafficMirrorFilterRule
    Properties:
      TrafficMirrorFilterId: !Ref WebFilter
      TrafficDirection: ingress
      RuleNumber: 100
      RuleAction: accept
      Protocol: 6
      DestinationPortRange: {FromPort: 443, ToPort: 443}
      SourceCidrBlock: 0.0.0.0/0
      DestinationCidrBlock: 10.0.0.0/16
  Other:
    Type: AWS::S3::Bucket
`;
    const r = parseFilterText(yaml, 'cfn.yaml');
    expect(r.format).toBe('cloudformation');
    expect(r.filter).toMatchObject({ name: 'web', description: 'web', networkServices: ['amazon-dns'] });
    expect(r.filter.ingress).toMatchObject([{ ruleNumber: 100, protocol: 6, dstPorts: { from: 443, to: 443 } }]);
    const json = JSON.stringify({ Resources: { F: { Type: 'AWS::EC2::TrafficMirrorFilter' }, R: { Type: 'AWS::EC2::TrafficMirrorFilterRule', Properties: { TrafficMirrorFilterId: { Ref: 'F' }, TrafficDirection: 'egress', RuleNumber: '5', RuleAction: 'reject', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' } } } });
    expect(parseFilterText(json, 'cfn.json').filter.egress).toMatchObject([{ ruleNumber: 5, action: 'reject' }]);
  });
});

describe('mirrorsink YAML', () => {
  it('loads the example (names, numbers, port forms, IPv6, descriptions)', () => {
    const r = loadFilterFile(path.join(EXAMPLES, 'web-only.yaml'));
    expect(r.format).toBe('mirrorsink-yaml');
    expect(r.warnings).toEqual([]);
    expect(r.filter.name).toBe('web-only');
    expect(r.filter.ingress.map((x) => x.ruleNumber)).toEqual([50, 100, 200]);
    expect(r.filter.ingress[2]).toMatchObject({ srcCidr: '::/0', dstCidr: '2001:db8:1234::/48', protocol: 6 });
    expect(r.filter.egress[0]).toMatchObject({ srcPorts: { from: 443, to: 443 }, dstPorts: { from: 1024, to: 65535 } });
  });
  it('port forms: N, "A-B", [A, B], {from, to}, any', () => {
    const r = parseFilterText(`ingress:
  - {rule: 1, action: accept, protocol: udp, src_port: 53, dst_port: "1-2", src: 1.2.3.4, dst: 0.0.0.0/0}
  - {rule: 2, action: accept, protocol: udp, src_port: [3, 4], dst_port: {from: 5, to: 6}, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 3, action: accept, protocol: udp, src_port: any, src: 0.0.0.0/0, dst: 0.0.0.0/0}`, 'x');
    expect(r.filter.ingress.map((x) => [x.srcPorts, x.dstPorts])).toEqual([
      [{ from: 53, to: 53 }, { from: 1, to: 2 }],
      [{ from: 3, to: 4 }, { from: 5, to: 6 }],
      [null, null],
    ]);
    expect(r.filter.ingress[0]!.srcCidr).toBe('1.2.3.4/32');
  });
  it('several filters under filters:, chosen by name', () => {
    const text = `filters:\n  - {filter: a, ingress: []}\n  - {filter: b, id: tmf-b, egress: [{rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}]}`;
    expect(errorsOf(text)[0]!.message).toMatch(/2 filters in the file \(a, b\)/);
    expect(parseFilterText(text, 'x', { filterId: 'b' }).filter).toMatchObject({ name: 'b', id: 'tmf-b' });
    expect(parseFilterText(text, 'x', { filterId: 'tmf-b' }).filter.egress).toHaveLength(1);
  });
});

describe('validation: every problem reported with its location', () => {
  const awsRule = (extra: Record<string, unknown>) => ({ RuleNumber: 1, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0', ...extra });
  const awsText = (ingress: object[], egress: object[] = [], top: Record<string, unknown> = {}) =>
    JSON.stringify({ TrafficMirrorFilters: [{ TrafficMirrorFilterId: 'tmf-1', IngressFilterRules: ingress, EgressFilterRules: egress, NetworkServices: [], ...top }] }, null, 2);
  const P = 'TrafficMirrorFilters[0].IngressFilterRules';

  const cases: { name: string; text: string; path: string; message: RegExp; severity?: 'error' | 'warning'; strictError?: boolean }[] = [
    { name: 'rule number missing', text: awsText([awsRule({ RuleNumber: undefined })]), path: `${P}[0].RuleNumber`, message: /rule number is required/ },
    { name: 'rule number not an integer', text: awsText([awsRule({ RuleNumber: 1.5 })]), path: `${P}[0].RuleNumber`, message: /must be an integer, got 1.5/ },
    { name: 'rule number outside 1-32766 (AWS limit)', text: awsText([awsRule({ RuleNumber: 32767 })]), path: `${P}[0].RuleNumber`, message: /outside AWS's range 1-32766/, severity: 'warning', strictError: true },
    { name: 'rule number 0 (AWS limit)', text: awsText([awsRule({ RuleNumber: 0 })]), path: `${P}[0].RuleNumber`, message: /outside AWS's range/, severity: 'warning', strictError: true },
    { name: 'duplicate rule number in one direction', text: awsText([awsRule({}), awsRule({ RuleAction: 'reject' })]), path: `${P}[1].RuleNumber`, message: /duplicate ingress rule number 1 \(also at TrafficMirrorFilters\[0\]\.IngressFilterRules\[0\]\.RuleNumber\)/ },
    { name: 'more than 10 rules (AWS limit)', text: awsText(Array.from({ length: 6 }, (_, i) => awsRule({ RuleNumber: i + 1 })), Array.from({ length: 5 }, (_, i) => awsRule({ RuleNumber: i + 1 }))), path: 'TrafficMirrorFilters[0]', message: /11 rules: AWS allows at most 10 rules per filter/, severity: 'warning', strictError: true },
    { name: 'CIDR families differ', text: awsText([awsRule({ DestinationCidrBlock: '::/0' })]), path: `${P}[0].DestinationCidrBlock`, message: /same family/ },
    { name: 'port range with ICMP (AWS refuses)', text: awsText([awsRule({ Protocol: 1, DestinationPortRange: { FromPort: 1, ToPort: 2 } })]), path: `${P}[0].DestinationPortRange`, message: /needs protocol TCP \(6\) or UDP \(17\).*never match/, severity: 'warning', strictError: true },
    { name: 'port range with all protocols (AWS refuses)', text: awsText([awsRule({ SourcePortRange: { FromPort: 1, ToPort: 2 } })]), path: `${P}[0].SourcePortRange`, message: /all protocols.*TCP and UDP packets only/, severity: 'warning', strictError: true },
    { name: 'from > to', text: awsText([awsRule({ Protocol: 6, DestinationPortRange: { FromPort: 90, ToPort: 80 } })]), path: `${P}[0].DestinationPortRange`, message: /FromPort 90 > ToPort 80/ },
    { name: 'port above 65535', text: awsText([awsRule({ Protocol: 6, SourcePortRange: { FromPort: 1, ToPort: 70000 } })]), path: `${P}[0].SourcePortRange.ToPort`, message: /0 to 65535, got 70000/ },
    { name: 'negative port', text: awsText([awsRule({ Protocol: 6, SourcePortRange: { FromPort: -1, ToPort: 5 } })]), path: `${P}[0].SourcePortRange.FromPort`, message: /0 to 65535, got -1/ },
    { name: 'port range missing ToPort', text: awsText([awsRule({ Protocol: 6, SourcePortRange: { FromPort: 1 } })]), path: `${P}[0].SourcePortRange.ToPort`, message: /ToPort is required/ },
    { name: 'bad CIDR', text: awsText([awsRule({ SourceCidrBlock: '10.0.0.256/8' })]), path: `${P}[0].SourceCidrBlock`, message: /not a valid IPv4 or IPv6 CIDR/ },
    { name: 'prefix too long', text: awsText([awsRule({ SourceCidrBlock: '2001:db8::/129', DestinationCidrBlock: '::/0' })]), path: `${P}[0].SourceCidrBlock`, message: /prefix length must be an integer from 0 to 128/ },
    { name: 'CIDR missing', text: awsText([awsRule({ DestinationCidrBlock: undefined })]), path: `${P}[0].DestinationCidrBlock`, message: /destination CIDR block is required/ },
    { name: 'CIDR without prefix (AWS wants a block)', text: awsText([awsRule({ SourceCidrBlock: '10.1.2.3' })]), path: `${P}[0].SourceCidrBlock`, message: /no prefix length: read as 10.1.2.3\/32/, severity: 'warning', strictError: true },
    { name: 'host bits set', text: awsText([awsRule({ SourceCidrBlock: '10.1.2.3/16' })]), path: `${P}[0].SourceCidrBlock`, message: /host bits set: normalised to 10.1.0.0\/16/, severity: 'warning' },
    { name: 'protocol above 255', text: awsText([awsRule({ Protocol: 256 })]), path: `${P}[0].Protocol`, message: /0 to 255, got 256/ },
    { name: 'protocol as a name in AWS JSON', text: awsText([awsRule({ Protocol: 'tcp' })]), path: `${P}[0].Protocol`, message: /IANA protocol number/ },
    { name: 'bad action', text: awsText([awsRule({ RuleAction: 'allow' })]), path: `${P}[0].RuleAction`, message: /'accept' or 'reject', got 'allow'/ },
    { name: 'TrafficDirection disagrees with its list', text: awsText([awsRule({ TrafficDirection: 'egress' })]), path: `${P}[0].TrafficDirection`, message: /disagrees with the ingress rule list/ },
    { name: 'unknown network service', text: awsText([], [], { NetworkServices: ['amazon-dns', 'amazon-ntp'] }), path: 'TrafficMirrorFilters[0].NetworkServices[1]', message: /unknown network service 'amazon-ntp'/, severity: 'warning', strictError: true },
    { name: 'rule list not a list', text: awsText([], [], { EgressFilterRules: {} }), path: 'TrafficMirrorFilters[0].EgressFilterRules', message: /must be a list/ },
    { name: 'terraform direction invalid', text: `[{"traffic_direction": "inbound", "rule_number": 1, "rule_action": "accept", "source_cidr_block": "0.0.0.0/0", "destination_cidr_block": "0.0.0.0/0"}]`, path: '[0].traffic_direction', message: /'ingress' or 'egress', got 'inbound'/ },
    { name: 'terraform port block twice', text: `[{"traffic_direction": "ingress", "rule_number": 1, "rule_action": "accept", "protocol": 6, "source_cidr_block": "0.0.0.0/0", "destination_cidr_block": "0.0.0.0/0", "source_port_range": [{"from_port": 1, "to_port": 2}, {"from_port": 3, "to_port": 4}]}]`, path: '[0].source_port_range', message: /only once/ },
    { name: 'yaml unknown rule key', text: `ingress:\n  - {rule: 1, action: accept, dst_prot: 80, src: 0.0.0.0/0, dst: 0.0.0.0/0}`, path: 'ingress[0].dst_prot', message: /unknown rule key 'dst_prot'/ },
    { name: 'yaml unknown protocol name', text: `ingress:\n  - {rule: 1, action: accept, protocol: tcpp, src: 0.0.0.0/0, dst: 0.0.0.0/0}`, path: 'ingress[0].protocol', message: /unknown protocol 'tcpp'/ },
    { name: 'yaml bad port text', text: `ingress:\n  - {rule: 1, action: accept, protocol: tcp, dst_port: "80,443", src: 0.0.0.0/0, dst: 0.0.0.0/0}`, path: 'ingress[0].dst_port', message: /port must be N, "FROM-TO"/ },
    { name: 'yaml reversed range', text: `ingress:\n  - {rule: 1, action: accept, protocol: tcp, dst_port: 500-80, src: 0.0.0.0/0, dst: 0.0.0.0/0}`, path: 'ingress[0].dst_port', message: /from 500 > to 80/ },
    { name: 'yaml unknown top-level key', text: `filter: x\ningres: []`, path: 'ingres', message: /unknown filter key 'ingres'/ },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const all = problems(c.text);
      const hit = all.find((p) => p.path === c.path && c.message.test(p.message));
      expect(hit, `problems: ${JSON.stringify(all, null, 1)}`).toBeDefined();
      expect(hit!.severity).toBe(c.severity ?? 'error');
      expect(hit!.line).toBeGreaterThan(0);
      if (c.strictError) {
        const strict = problems(c.text, { strict: true }).find((p) => p.path === c.path && c.message.test(p.message));
        expect(strict?.severity).toBe('error');
      }
      if ((c.severity ?? 'error') === 'error') {
        // the thrown error names the file, the path and the line
        try {
          parseFilterText(c.text, 'some/dir/filter.json');
          expect.unreachable();
        } catch (err) {
          expect(err).toBeInstanceOf(MirrorsinkError);
          expect((err as MirrorsinkError).code).toBe(ErrorCode.Filter);
          expect((err as Error).message).toContain('some/dir/filter.json');
          expect((err as Error).message).toContain(`${c.path} (line ${hit!.line})`);
        }
      }
    });
  }

  it('lines point at the offending value', () => {
    const text = awsText([awsRule({}), awsRule({ RuleNumber: 2, DestinationPortRange: { FromPort: 9, ToPort: 8 } })]);
    const e = errorsOf(text)[0]!;
    const lines = text.split('\n');
    expect(lines[e.line! - 1]).toContain('"DestinationPortRange"');
  });

  it('reports every problem at once, in file order', () => {
    const text = `filter: bad
network_services: [amazon-dns, foo]
ingress:
  - {rule: 100, action: accept, protocol: tcp, dst_port: "500-80", src: 10.0.0.0/33, dst: 10.0.0.0/16}
  - {rule: 100, action: maybe, protocol: icmp, dst_port: 80, src: 10.0.0.1/8, dst: "::/0"}
  - {rule: 40000, action: accept, protocl: 6, src: 0.0.0.0/0, dst: 0.0.0.0/0}
egress:
  - {rule: 1, action: accept, protocol: 300, src: 0.0.0.0/0, dst: 0.0.0.0/0}
`;
    let err: FilterValidationError | undefined;
    try {
      parseFilterText(text, 'bad.yaml');
    } catch (e) {
      err = e as FilterValidationError;
    }
    expect(err).toBeInstanceOf(FilterValidationError);
    const errors = err!.errors.map((p) => `${p.line} ${p.path}`);
    expect(errors).toEqual([
      '4 ingress[0].dst_port',
      '4 ingress[0].src',
      '5 ingress[1].action',
      '5 ingress[1].rule',
      '5 ingress[1].dst',
      '6 ingress[2].protocl',
      '8 egress[0].protocol',
    ]);
    const warnings = err!.problems.filter((p) => p.severity === 'warning').map((p) => `${p.line} ${p.path}`);
    expect(warnings).toEqual(['2 network_services[1]', '5 ingress[1].src', '5 ingress[1].dst_port', '6 ingress[2].rule']);
    expect(err!.message).toMatch(/^bad\.yaml: 7 errors in filter file:\n {2}ingress\[0\]\.dst_port \(line 4\): port range 500-80: from 500 > to 80\n/);
  });

  it('the same rule number in both directions is fine', () => {
    expect(errorsOf(awsText([awsRule({})], [awsRule({})]))).toEqual([]);
  });

  it('more than 10 rules load with a warning (sink-side filters may have more) and fail with strict', () => {
    const text = awsText(Array.from({ length: 30 }, (_, i) => awsRule({ RuleNumber: i + 1 })));
    const r = parseFilterText(text, 'x');
    expect(r.filter.ingress).toHaveLength(30);
    expect(r.warnings.join('\n')).toMatch(/30 rules: AWS allows at most 10/);
    expect(() => parseFilterText(text, 'x', { strict: true })).toThrow(/30 rules: AWS allows at most 10 rules per filter \(strict\)/);
  });

  it('host bits are cleared and IPv6 is normalised', () => {
    const r = parseFilterText(`ingress:\n  - {rule: 1, action: accept, src: "2001:DB8:0:0:0:0:0:1/32", dst: "::ffff:10.0.0.1/128"}`, 'x');
    expect(r.filter.ingress[0]).toMatchObject({ srcCidr: '2001:db8::/32', dstCidr: '::ffff:a00:1/128' });
  });
});

describe('file-level problems', () => {
  it('YAML/JSON syntax errors carry the line', () => {
    const e = errorsOf('{"TrafficMirrorFilters": [\n  {"a": 1,,}\n]}');
    expect(e[0]!.line).toBe(2);
    expect(e[0]!.message).toMatch(/not valid YAML\/JSON/);
  });
  it('duplicate keys are errors', () => {
    expect(errorsOf('{"TrafficMirrorFilters": [], "TrafficMirrorFilters": []}')[0]!.message).toMatch(/unique/);
  });
  it('an unrecognised document says what was expected', () => {
    expect(errorsOf('{"hello": 1}')[0]!.message).toMatch(/cannot tell the filter format/);
    expect(errorsOf('')[0]!.message).toMatch(/empty/);
  });
  it('Terraform HCL (what filter export --format terraform writes) is named, not dumped as YAML errors', () => {
    const f = loadFilterFile(path.join(EXAMPLES, 'web-only.yaml')).filter;
    const hcl = exportFilter(f, 'terraform');
    const e = errorsOf(hcl);
    expect(e).toHaveLength(1);
    expect(e[0]!.line).toBe(hcl.split('\n').findIndex((l) => l.startsWith('resource ')) + 1);
    expect(e[0]!.message).toMatch(/Terraform HCL, which is not read: .*--format terraform-json/);
    expect(e[0]!.message).not.toMatch(/YAML|cidr_block/);
    // The JSON form it points to does load, to the same rules.
    const back = parseFilterText(exportFilter(f, 'terraform-json'), 'f.tf.json').filter;
    expect(f.ingress.length).toBeGreaterThan(0);
    expect([back.ingress, back.egress]).toEqual([f.ingress, f.egress]);
  });
  it('a YAML block scalar quoting HCL is still YAML', () => {
    expect(errorsOf('description: |\n  resource "aws_x" "y" {\n  }\ningress: []\n')).toEqual([]);
  });
  it('a missing file is E_FILE_UNREADABLE naming the file', () => {
    expect(() => loadFilterFile('/nonexistent/f.yaml')).toThrow(/\/nonexistent\/f\.yaml: cannot read filter file: no such file/);
  });
  it('loadFilterFile names the file in errors', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msf-'));
    const f = path.join(dir, 'x.yaml');
    writeFileSync(f, 'ingress:\n  - {rule: 1, action: accept, src: 1.2.3.4/40, dst: 0.0.0.0/0}\n');
    expect(() => loadFilterFile(f)).toThrow(`${f}: 1 error in filter file:\n  ingress[0].src (line 2)`);
  });
});
