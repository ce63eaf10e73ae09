/** Shared fixtures for deploy's tests: settings, an app with CloudFormation validation on, user-data rendering. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadFilterFile } from '../lib/filter.js';
import type { NlbTargetSettings } from '../lib/nlb-target-stack.js';
import { DEPLOY_ROOT } from '../lib/user-data.js';

export const ENV = { account: '123456789012', region: 'eu-west-1' };
export const EXAMPLES = path.join(DEPLOY_ROOT, 'examples');
export const FIXTURES = path.join(DEPLOY_ROOT, 'test', 'fixtures');

/** Schema violations (errors and warnings) of the built-in CloudFormation validation fail synth. */
export const STRICT_VALIDATION = {
  '@aws-cdk/core:validateAgainstDefaultRules': true,
  '@aws-cdk/core:strictCfnValidateErrors': true,
};

export function strictApp(): App {
  return new App({ analyticsReporting: false, context: { ...STRICT_VALIDATION } });
}

export function nlbSettings(overrides: Partial<NlbTargetSettings> = {}): NlbTargetSettings {
  const filterFile = path.join(EXAMPLES, 'filter.yaml');
  return {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidr: '10.0.0.0/16',
    subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    sourceCidrs: ['10.0.0.0/16', '10.1.0.0/16'],
    instanceType: 'c6i.large',
    image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirrorsink:0.1.0',
    config: { inline: readFileSync(path.join(EXAMPLES, 'mirrorsink.yaml'), 'utf8') },
    filter: loadFilterFile(filterFile),
    filterYaml: readFileSync(filterFile, 'utf8'),
    sessions: [
      { sourceEniId: 'eni-0123456789abcdef0', vni: 2001 },
      { sourceEniId: 'eni-0aaaaaaaaaaaaaaaa', ingressVni: 1001, egressVni: 1002 },
    ],
    instanceCount: 3,
    ...overrides,
  };
}

type Cfn = Record<string, any>;

/** The boot script of a template's launch template, tokens replaced by plausible values. */
export function renderUserData(template: Cfn): string {
  const lts = Object.values(template.Resources as Cfn).filter((r) => r.Type === 'AWS::EC2::LaunchTemplate');
  if (lts.length !== 1) throw new Error(`expected one launch template, found ${lts.length}`);
  return renderValue(lts[0].Properties.LaunchTemplateData.UserData['Fn::Base64']);
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Cfn;
  if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(renderValue).join(o['Fn::Join'][0]);
  if (o.Ref === 'AWS::Region') return 'eu-west-1';
  if (o.Ref === 'ConfigParameter') return '/mirrorsink/config';
  if (o.Ref === 'Image') return 'public.ecr.aws/example/mirrorsink:0.1.0';
  if (o.Ref) return `eni-0123456789abcdef0`;
  throw new Error(`cannot render ${JSON.stringify(v)}`);
}

export function haveTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Tools CI installs must be there on CI; elsewhere their tests are skipped with a reason. */
export function toolSkip(name: string): string | false {
  if (haveTool(name)) return false;
  if (process.env.CI) throw new Error(`${name} is required on CI (apt-get install ${name === 'systemd-analyze' ? 'systemd' : name})`);
  return `${name} not installed`;
}
