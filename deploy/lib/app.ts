/**
 * The CDK app: one stack, the NLB target or the ENI target, from the deployment settings.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import { EniTargetStack } from './eni-target-stack.js';
import { NlbTargetStack } from './nlb-target-stack.js';
import { readSettings } from './settings.js';

export function buildApp(props: AppProps = {}, cwd = process.cwd()): App {
  const app = new App(props);
  const settings = readSettings((key) => app.node.tryGetContext(key), cwd);
  // The CLI sets these from the profile; without them the template stays environment-agnostic.
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const env = account && region ? { account, region } : undefined;
  const description = 'mirrorsink: VPC Traffic Mirroring target';
  if (settings.nlb) new NlbTargetStack(app, settings.stackName, { env, description, settings: settings.nlb });
  if (settings.eni) new EniTargetStack(app, settings.stackName, { env, description, settings: settings.eni });
  return app;
}
