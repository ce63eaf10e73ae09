import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../lib/app.js';
import { readSettings } from '../lib/settings.js';
import { DEPLOY_ROOT } from '../lib/user-data.js';
import { EXAMPLES } from './helpers.js';

const ctx = (values: Record<string, unknown>) => (k: string) => values[k];
const base = {
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidr: '10.0.0.0/16',
  subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
  sourceCidrs: '10.0.0.0/16',
  image: 'public.ecr.aws/example/mirrorsink:0.1.0',
  configParameter: '/mirrorsink/config',
  filterFile: 'examples/filter.yaml',
  sourceEniIds: 'eni-0123456789abcdef0,eni-0aaaaaaaaaaaaaaaa',
  vnis: '11,12',
};

describe('deployment settings (CDK context)', () => {
  it('reads examples/settings.yaml, with paths relative to it', () => {
    const s = readSettings(ctx({ settings: 'examples/settings.yaml' }), DEPLOY_ROOT);
    assert.equal(s.target, 'nlb');
    assert.equal(s.stackName, 'MirrorsinkNlbTarget');
    assert.deepEqual(s.nlb!.subnetIds, ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210']);
    assert.deepEqual(s.nlb!.sessions, [{ sourceEniId: 'eni-0123456789abcdef0', ingressVni: 1001, egressVni: 1002, packetLength: undefined }]);
    assert.ok('inline' in s.nlb!.config && s.nlb!.config.inline.includes('sessions:'));
    assert.equal(s.nlb!.filter.name, 'mirrorsink-example');
    assert.equal(s.nlb!.instanceCount, 2);
  });

  it('takes single -c keys (comma lists) and lets them override the file', () => {
    const s = readSettings(ctx({ settings: path.join(EXAMPLES, 'settings.yaml'), target: 'eni', subnetIds: 'subnet-0fedcba9876543210', instanceType: 'c7g.xlarge' }), DEPLOY_ROOT);
    assert.equal(s.target, 'eni');
    assert.equal(s.eni!.subnetId, 'subnet-0fedcba9876543210');
    assert.equal(s.eni!.instanceType, 'c7g.xlarge');
    assert.equal(s.stackName, 'MirrorsinkEniTarget');
  });

  it('pairs sourceEniIds with vnis, and reads sessions as JSON', () => {
    const s = readSettings(ctx(base), DEPLOY_ROOT);
    assert.deepEqual(s.nlb!.sessions.map((x) => [x.sourceEniId, x.vni]), [['eni-0123456789abcdef0', 11], ['eni-0aaaaaaaaaaaaaaaa', 12]]);
    assert.deepEqual(s.nlb!.config, { ssmParameter: '/mirrorsink/config' });
    const j = readSettings(ctx({ ...base, sessions: '[{"sourceEniId":"eni-0123456789abcdef0","ingressVni":1,"egressVni":2}]' }), DEPLOY_ROOT);
    assert.deepEqual(j.nlb!.sessions[0], { sourceEniId: 'eni-0123456789abcdef0', ingressVni: 1, egressVni: 2, packetLength: undefined });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a missing vpcId', { vpcId: undefined }, /vpcId is required/],
    ['a bad subnet id', { subnetIds: 'subnet-1,subnet-0fedcba9876543210' }, /subnetIds: 'subnet-1' is not subnet ids/],
    ['one subnet for the NLB', { subnetIds: 'subnet-0123456789abcdef0' }, /at least two subnets/],
    ['two subnets for the ENI target', { target: 'eni' }, /exactly one subnet/],
    ['an unknown target', { target: 'gwlb' }, /target must be nlb or eni/],
    ['both configFile and configParameter', { configFile: 'examples/mirrorsink.yaml' }, /exactly one of configFile/],
    ['vnis not matching sourceEniIds', { vnis: '11' }, /one integer VNI per source ENI/],
    ['sessions that are not JSON', { sessions: '[{' }, /sessions must be a JSON list/],
    ['an unknown session key', { sessions: [{ sourceEniId: 'eni-0123456789abcdef0', vnii: 1 }] }, /unknown key 'vnii'/],
    ['a missing filter file', { filterFile: 'nope.yaml' }, /cannot read filter file/],
  ];
  for (const [name, overrides, message] of refused) {
    it(`refuses ${name}, naming the key`, () => {
      assert.throws(() => readSettings(ctx({ ...base, ...overrides }), DEPLOY_ROOT), message);
    });
  }

  it('refuses an unknown key in the settings file', () => {
    assert.throws(() => readSettings(ctx({ settings: 'test/fixtures/settings-typo.yaml' }), DEPLOY_ROOT), /unknown key 'subnetId'/);
  });

  it('the CDK app synthesizes the stack the settings name', () => {
    const app = buildApp({ context: { settings: 'examples/settings.yaml' } }, DEPLOY_ROOT);
    const assembly = app.synth();
    assert.deepEqual(assembly.stacks.map((s) => s.stackName), ['MirrorsinkNlbTarget']);
    const t = assembly.stacks[0]!.template as any;
    const types = Object.values(t.Resources as Record<string, any>).map((r) => r.Type);
    assert.equal(types.filter((x) => x === 'AWS::EC2::TrafficMirrorSession').length, 2);
  });
});
