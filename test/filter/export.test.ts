import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { exportFilter, type ExportFormat } from '../../src/filter/export.js';
import { loadFilterFile, parseFilterText } from '../../src/filter/load.js';
import { comparableFilter, sortRules, type MirrorFilter, type MirrorFilterRule } from '../../src/filter/model.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import { haveTool } from '../helpers/tools.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples', 'filters');
const LOADABLE: ExportFormat[] = ['aws-json', 'terraform-json', 'cloudformation', 'cloudformation-json', 'yaml'];

// ---------- random models ----------
const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.constantFrom('a "quoted" \'single\' \\ back', 'interp ${var.x} and %{if} directive', 'ünïcödé ✓ 日本', 'yes', '0x10', '1e3', 'null', '- dash', '#hash', 'a: b', '[x]', 'trailing '),
);
const cidr4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => (parseCidr(`${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${p}`) as { text: string }).text);
const cidr6 = fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 })).map(([g, p]) => (parseCidr(`${g.map((x) => x.toString(16)).join(':')}/${p}`) as { text: string }).text);
const range = fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));
const ruleArb = (direction: 'ingress' | 'egress', ruleNumber: number): fc.Arbitrary<MirrorFilterRule> =>
  fc.record({
    action: fc.constantFrom<'accept' | 'reject'>('accept', 'reject'),
    protocol: fc.constantFrom<number | null>(null, 6, 17, 1, 58, 47, 132),
    sp: fc.option(range),
    dp: fc.option(range),
    v6: fc.boolean(),
    s4: cidr4,
    d4: cidr4,
    s6: cidr6,
    d6: cidr6,
    description: fc.option(text),
  }).map((r) => {
    const ports = r.protocol === 6 || r.protocol === 17;
    const rule: MirrorFilterRule = {
      direction,
      ruleNumber,
      action: r.action,
      protocol: r.protocol,
      srcPorts: ports ? r.sp : null,
      dstPorts: ports ? r.dp : null,
      srcCidr: r.v6 ? r.s6 : r.s4,
      dstCidr: r.v6 ? r.d6 : r.d4,
    };
    if (r.description !== null) rule.description = r.description;
    return rule;
  });
const rulesArb = (direction: 'ingress' | 'egress'): fc.Arbitrary<MirrorFilterRule[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: 32766 }), { maxLength: 5 }).chain((nums): fc.Arbitrary<MirrorFilterRule[]> =>
    nums.length === 0 ? fc.constant([]) : fc.tuple(...nums.map((n) => ruleArb(direction, n))));
const filterArb: fc.Arbitrary<MirrorFilter> = fc.record({
  name: text,
  description: fc.option(text),
  dns: fc.boolean(),
  ingress: rulesArb('ingress'),
  egress: rulesArb('egress'),
}).map((f) => {
  const m: MirrorFilter = { name: f.name, networkServices: f.dns ? ['amazon-dns'] : [], ingress: f.ingress, egress: f.egress };
  if (f.description !== null) m.description = f.description;
  return sortRules(m);
});

describe('export → load round trip', () => {
  for (const file of ['web-only.yaml', 'describe-traffic-mirror-filters.json', 'no-ssh.tf.json', 'terraform-list.yaml']) {
    it(`${file}: every loadable format gives back the same model`, () => {
      const original = loadFilterFile(path.join(EXAMPLES, file)).filter;
      if (original.name === undefined) original.name = 'unnamed'; // a name is always written
      for (const format of LOADABLE) {
        const back = parseFilterText(exportFilter(original, format), `exported.${format}`).filter;
        expect(comparableFilter(back), format).toEqual(comparableFilter(original));
      }
    });
  }

  it('aws-json keeps the filter id and rule ids', () => {
    const original = loadFilterFile(path.join(EXAMPLES, 'describe-traffic-mirror-filters.json')).filter;
    const back = parseFilterText(exportFilter(original, 'aws-json'), 'x').filter;
    expect(back).toEqual(original);
  });

  it('random filters (fast-check): aws-json, terraform-json, cloudformation (YAML/JSON) and yaml', () => {
    fc.assert(
      fc.property(filterArb, (f) => {
        for (const format of LOADABLE) {
          const out = exportFilter(f, format);
          const back = parseFilterText(out, `exported.${format}`);
          expect(comparableFilter(back.filter), `${format}:\n${out}`).toEqual(comparableFilter(f));
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('aws-cli export', () => {
  const f = loadFilterFile(path.join(EXAMPLES, 'web-only.yaml')).filter;
  const script = exportFilter(f, 'aws-cli');

  it('uses the exact AWS CLI commands and flag names', () => {
    expect(script).toContain('aws ec2 create-traffic-mirror-filter \\\n    --description \'HTTPS to and from the web tier\'');
    expect(script).toContain('aws ec2 modify-traffic-mirror-filter-network-services --traffic-mirror-filter-id "$FILTER_ID" \\\n    --add-network-services amazon-dns');
    expect(script).toContain(
      'aws ec2 create-traffic-mirror-filter-rule --traffic-mirror-filter-id "$FILTER_ID" \\\n' +
      '    --traffic-direction ingress --rule-number 50 --rule-action reject \\\n' +
      '    --protocol 6 \\\n' +
      '    --destination-port-range FromPort=443,ToPort=443 \\\n' +
      '    --source-cidr-block 192.0.2.0/24 --destination-cidr-block 10.0.0.0/16 \\\n' +
      "    --description 'scanner network'",
    );
    expect(script).toContain('--source-port-range FromPort=443,ToPort=443 \\\n    --destination-port-range FromPort=1024,ToPort=65535');
    expect(spawnSync('sh', ['-n'], { input: script }).status).toBe(0);
  });

  it.skipIf(!haveTool('aws'))('the script, run by the real AWS CLI against a local EC2 endpoint, creates the same filter', async () => {
    const requests: URLSearchParams[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const q = new URLSearchParams(body);
        requests.push(q);
        const action = q.get('Action') ?? '';
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(action === 'CreateTrafficMirrorFilter'
          ? '<CreateTrafficMirrorFilterResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><trafficMirrorFilter><trafficMirrorFilterId>tmf-0123456789abcdef0</trafficMirrorFilterId></trafficMirrorFilter></CreateTrafficMirrorFilterResponse>'
          : `<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId></${action}Response>`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const dir = mkdtempSync(path.join(tmpdir(), 'msf-awscli-'));
    const file = path.join(dir, 'create.sh');
    // quotes, a dollar sign and a semicolon exercise the shell quoting (few rules: each aws call is slow)
    const g = parseFilterText(`filter: "web only"
description: "it's \\"$HOME\\" \${x}"
network_services: [amazon-dns]
ingress:
  - {rule: 50, action: reject, protocol: tcp, dst_port: 443, src: 192.0.2.0/24, dst: 10.0.0.0/16, description: "o'clock; rm -rf /"}
egress:
  - {rule: 100, action: accept, protocol: udp, src_port: 53, dst_port: "1024-65535", src: "2001:db8::/32", dst: "::/0"}
`, 'g.yaml').filter;
    writeFileSync(file, exportFilter(g, 'aws-cli'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) env[k] = v;
    Object.assign(env, {
      // dummy values for a local fake endpoint (no real account is involved)
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    });
    const r = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn('sh', [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (status) => resolve({ status, out }));
    });
    server.close();
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('created tmf-0123456789abcdef0');
    // rebuild the filter from the EC2 Query API requests
    const rebuilt: MirrorFilter = { networkServices: [], ingress: [], egress: [] };
    for (const q of requests) {
      const action = q.get('Action');
      if (action === 'CreateTrafficMirrorFilter') {
        if (q.get('Description') !== null) rebuilt.description = q.get('Description')!;
        expect(q.get('TagSpecification.1.ResourceType')).toBe('traffic-mirror-filter');
        expect(q.get('TagSpecification.1.Tag.1.Key')).toBe('Name');
        rebuilt.name = q.get('TagSpecification.1.Tag.1.Value')!;
      } else if (action === 'ModifyTrafficMirrorFilterNetworkServices') {
        expect(q.get('TrafficMirrorFilterId')).toBe('tmf-0123456789abcdef0');
        rebuilt.networkServices.push(q.get('AddNetworkService.1') as 'amazon-dns');
      } else if (action === 'CreateTrafficMirrorFilterRule') {
        expect(q.get('TrafficMirrorFilterId')).toBe('tmf-0123456789abcdef0');
        const range = (p: string) => (q.get(`${p}.FromPort`) === null ? null : { from: Number(q.get(`${p}.FromPort`)), to: Number(q.get(`${p}.ToPort`)) });
        const rule: MirrorFilterRule = {
          direction: q.get('TrafficDirection') as 'ingress',
          ruleNumber: Number(q.get('RuleNumber')),
          action: q.get('RuleAction') as 'accept',
          protocol: q.get('Protocol') === null ? null : Number(q.get('Protocol')),
          srcPorts: range('SourcePortRange'),
          dstPorts: range('DestinationPortRange'),
          srcCidr: q.get('SourceCidrBlock')!,
          dstCidr: q.get('DestinationCidrBlock')!,
        };
        if (q.get('Description') !== null) rule.description = q.get('Description')!;
        (rule.direction === 'ingress' ? rebuilt.ingress : rebuilt.egress).push(rule);
      } else {
        throw new Error(`unexpected action ${action}`);
      }
    }
    expect(comparableFilter(rebuilt)).toEqual(comparableFilter(g));
  }, 120_000);
});

describe('terraform (HCL) export', () => {
  const f = loadFilterFile(path.join(EXAMPLES, 'web-only.yaml')).filter;
  const hcl = exportFilter(f, 'terraform');
  it('writes the filter and one rule resource per rule', () => {
    expect(hcl).toContain('resource "aws_ec2_traffic_mirror_filter" "web-only" {\n  description      = "HTTPS to and from the web tier"\n  network_services = ["amazon-dns"]');
    expect(hcl).toContain('resource "aws_ec2_traffic_mirror_filter_rule" "web-only_egress_100" {\n  traffic_mirror_filter_id = aws_ec2_traffic_mirror_filter.web-only.id');
    expect(hcl).toContain('  source_port_range {\n    from_port = 443\n    to_port   = 443\n  }');
    expect(hcl.match(/resource "aws_ec2_traffic_mirror_filter_rule"/g)).toHaveLength(4);
  });
  it('escapes template sequences and quotes', () => {
    const g = { ...f, description: 'a "b" ${c} %{d} \\' };
    expect(exportFilter(g, 'terraform')).toContain('description      = "a \\"b\\" $${c} %%{d} \\\\"');
  });
  it.skipIf(!haveTool('terraform'))('is valid, canonically formatted HCL (terraform fmt -check)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msf-tf-'));
    for (const [i, g] of [f, loadFilterFile(path.join(EXAMPLES, 'describe-traffic-mirror-filters.json')).filter, { ...f, description: 'a "b" ${c} %{d} \\' }].entries()) {
      const file = path.join(dir, `f${i}.tf`);
      writeFileSync(file, exportFilter(g, 'terraform'));
      const r = spawnSync('terraform', ['fmt', '-check', '-diff', file], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' } });
      expect(r.status, `${r.stdout}\n${readFileSync(file, 'utf8')}`).toBe(0);
    }
  });
});

describe('cloudformation export', () => {
  it('has AWS::EC2::TrafficMirrorFilter and AWS::EC2::TrafficMirrorFilterRule resources referencing it', () => {
    const f = loadFilterFile(path.join(EXAMPLES, 'web-only.yaml')).filter;
    const t = JSON.parse(exportFilter(f, 'cloudformation-json')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    expect(t.Resources.WebOnlyFilter!.Type).toBe('AWS::EC2::TrafficMirrorFilter');
    expect(t.Resources.WebOnlyFilter!.Properties.NetworkServices).toEqual(['amazon-dns']);
    expect(t.Resources.WebOnlyIngressRule50).toEqual({
      Type: 'AWS::EC2::TrafficMirrorFilterRule',
      Properties: {
        TrafficMirrorFilterId: { Ref: 'WebOnlyFilter' },
        TrafficDirection: 'ingress',
        RuleNumber: 50,
        RuleAction: 'reject',
        Protocol: 6,
        DestinationPortRange: { FromPort: 443, ToPort: 443 },
        SourceCidrBlock: '192.0.2.0/24',
        DestinationCidrBlock: '10.0.0.0/16',
        Description: 'scanner network',
      },
    });
    const yaml = exportFilter(f, 'cloudformation');
    expect(yaml).toContain('Type: AWS::EC2::TrafficMirrorFilterRule');
    expect(yaml).toMatch(/^AWSTemplateFormatVersion: "?2010-09-09"?$/m);
  });
});
