/**
 * deploy/templates/*.json: committed for people without CDK, so they must be what
 * `npm run synth` writes today, and valid CloudFormation (strict built-in validation).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { EniTargetTemplateStack, NlbTargetTemplateStack, TEMPLATES_DIR, TEMPLATE_STACKS, synthTemplates, templateText } from '../lib/templates.js';
import { strictApp } from './helpers.js';

describe('committed CloudFormation templates', () => {
  let fresh: Record<string, unknown>;
  before(() => {
    fresh = synthTemplates();
  });

  for (const file of Object.keys(TEMPLATE_STACKS)) {
    it(`templates/${file} equals a fresh synth (run \`npm run synth\` in deploy/ after changing the stacks)`, () => {
      const committed = readFileSync(path.join(TEMPLATES_DIR, file), 'utf8');
      assert.equal(committed, templateText(fresh[file]));
    });
  }

  it('need no CDK bootstrap and carry no CDK metadata', () => {
    for (const [file, t] of Object.entries(fresh) as [string, any][]) {
      assert.equal(t.Rules?.CheckBootstrapVersion, undefined, file);
      assert.equal(t.Parameters.BootstrapVersion, undefined, file);
      assert.equal(t.Resources.CDKMetadata, undefined, file);
      assert.ok(!JSON.stringify(t).includes('aws:cdk:path'), file);
      assert.ok(!JSON.stringify(t).includes('123456789012'), `${file} must not name an account`);
    }
  });

  it('take the deployment values as parameters', () => {
    const params = (file: string) => Object.keys((fresh[file] as any).Parameters).filter((p) => !p.startsWith('SsmParameterValue')).sort();
    const common = ['ConfigParameter', 'EgressVni', 'Image', 'IngressVni', 'InstanceType', 'SourceCidr', 'SourceEniId', 'VpcCidr', 'VpcId'];
    assert.deepEqual(params('nlb-target.json'), [...common, 'InstanceCount', 'SubnetIds'].sort());
    assert.deepEqual(params('eni-target.json'), [...common, 'SubnetId'].sort());
  });

  it('the NLB template keeps one instance in service during updates unless it has only one', () => {
    const t = fresh['nlb-target.json'] as any;
    const asg = Object.values(t.Resources as Record<string, any>).find((r) => r.Type === 'AWS::AutoScaling::AutoScalingGroup');
    const cond = Object.keys(t.Conditions)[0]!;
    assert.deepEqual(t.Conditions[cond], { 'Fn::Equals': [{ Ref: 'InstanceCount' }, 1] });
    assert.deepEqual(asg.UpdatePolicy.AutoScalingRollingUpdate.MinInstancesInService, { 'Fn::If': [cond, 0, 1] });
  });

  it('pass CloudFormation schema validation with errors and warnings fatal', () => {
    const app = strictApp();
    new NlbTargetTemplateStack(app, 'NlbTemplate');
    new EniTargetTemplateStack(app, 'EniTemplate');
    assert.doesNotThrow(() => app.synth());
  });
});
