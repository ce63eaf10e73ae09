/**
 * Mirror target on a network interface: one mirrorsink instance, no load balancer. For up to
 * 10 source ENIs (AWS limit per ENI target), or when an NLB's cost is not worth it.
 *
 * The mirror target is a dedicated ENI created by the stack, not the instance's own primary
 * ENI: sessions point at a target that must outlive the instance. The instance is an Auto
 * Scaling group of exactly one, which attaches the ENI (as eth1) at boot, so a replaced or
 * failed instance comes back with the same target and the sessions never change.
 */
import { Aws, CfnOutput, Lazy, Stack, type StackProps, Token, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MirrorSessions } from './mirror.js';
import type { TargetSettings } from './nlb-target-stack.js';
import { MirrorsinkSink } from './sink.js';

export interface EniTargetSettings extends TargetSettings {
  /** The subnet of the mirror-target ENI and the instance (one Availability Zone). */
  subnetId: string;
}

/** Mirrored packets arrive on eth1 from addresses routed via eth0: strict reverse-path filtering would drop them. */
const LOOSE_RP_FILTER = ['net.ipv4.conf.all.rp_filter = 2', 'net.ipv4.conf.default.rp_filter = 2'];

export class EniMirrorTarget extends Construct {
  readonly networkInterface: ec2.CfnNetworkInterface;
  readonly autoScalingGroup: autoscaling.CfnAutoScalingGroup;
  readonly mirrorTarget: ec2.CfnTrafficMirrorTarget;
  readonly sessions: MirrorSessions;

  constructor(scope: Construct, id: string, s: EniTargetSettings) {
    super(scope, id);
    if (!Token.isUnresolved(s.sessions.length) && s.sessions.length > 10) {
      // AWS: up to 10 source sessions per ENI target (100 on the largest instance sizes).
      throw new Error(`mirrorsink: ${s.sessions.length} mirror sources for one ENI target; AWS allows 10 (use the NLB target)`);
    }
    // The sink's security group is created first; the ENI carries it too.
    const eniRef = { id: '' };
    const sink = new MirrorsinkSink(this, 'Sink', { ...s, bootCommands: attachEniCommands(() => eniRef.id) });

    this.networkInterface = new ec2.CfnNetworkInterface(this, 'MirrorEni', {
      subnetId: s.subnetId,
      groupSet: [sink.securityGroup.attrGroupId],
      description: 'mirrorsink Traffic Mirror target',
      tags: [{ key: 'Name', value: 'mirrorsink-target' }],
    });
    eniRef.id = this.networkInterface.ref;

    sink.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:AttachNetworkInterface'],
        resources: [
          `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-interface/${this.networkInterface.ref}`,
          `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/*`,
        ],
      }),
    );
    sink.role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces'], resources: ['*'] }));

    this.autoScalingGroup = new autoscaling.CfnAutoScalingGroup(this, 'Instance', {
      minSize: '1',
      maxSize: '1',
      desiredCapacity: '1',
      vpcZoneIdentifier: [s.subnetId],
      launchTemplate: { launchTemplateId: sink.launchTemplate.launchTemplateId, version: sink.launchTemplate.latestVersionNumber },
      healthCheckType: 'EC2',
      tags: [{ key: 'Name', value: 'mirrorsink', propagateAtLaunch: true }],
    });
    // The old instance must let go of the ENI before the new one can attach it.
    this.autoScalingGroup.cfnOptions.updatePolicy = {
      autoScalingRollingUpdate: { maxBatchSize: 1, minInstancesInService: 0 },
    };

    this.mirrorTarget = new ec2.CfnTrafficMirrorTarget(this, 'MirrorTarget', {
      networkInterfaceId: this.networkInterface.ref,
      description: 'mirrorsink ENI',
      tags: [{ key: 'Name', value: 'mirrorsink-eni' }],
    });
    this.sessions = new MirrorSessions(this, 'Mirror', { definition: s.filter, targetId: this.mirrorTarget.ref, sessions: s.sessions });

    new CfnOutput(this, 'MirrorTargetId', { value: this.mirrorTarget.ref, description: 'Traffic Mirror target (ENI) for further sessions' });
    new CfnOutput(this, 'MirrorEniAddress', { value: this.networkInterface.attrPrimaryPrivateIpAddress });
    new CfnOutput(this, 'SecurityGroupId', { value: sink.securityGroup.attrGroupId });
  }
}

/** Boot commands: loose rp_filter, then attach the target ENI, retrying while a replaced instance still holds it. */
function attachEniCommands(eniId: () => string): string[] {
  return [
    '# Mirror-target ENI: attach it as eth1 (a replaced instance may still hold it for a while).',
    `printf '%s\\n' ${LOOSE_RP_FILTER.map((l) => `'${l}'`).join(' ')} > /etc/sysctl.d/98-mirrorsink-eni.conf`,
    'sysctl --system',
    'imds_token=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")',
    'instance_id=$(curl -sS -H "X-aws-ec2-metadata-token: $imds_token" http://169.254.169.254/latest/meta-data/instance-id)',
    // Lazy: the ENI is created after the security group it needs, so its id is read at synth.
    `mirror_eni=${Lazy.string({ produce: eniId })}`,
    'attached=""',
    'for _ in $(seq 1 90); do',
    '  owner=$(aws ec2 describe-network-interfaces --network-interface-ids "$mirror_eni" --query "NetworkInterfaces[0].Attachment.InstanceId" --output text || true)',
    '  if [ "$owner" = "$instance_id" ]; then attached=yes; break; fi',
    '  aws ec2 attach-network-interface --network-interface-id "$mirror_eni" --instance-id "$instance_id" --device-index 1 || true',
    '  sleep 10',
    'done',
    'if [ -z "$attached" ]; then echo "mirrorsink: could not attach $mirror_eni" >&2; exit 1; fi',
  ];
}

export interface EniTargetStackProps extends StackProps {
  settings: EniTargetSettings;
}

export class EniTargetStack extends Stack {
  readonly target: EniMirrorTarget;

  constructor(scope: Construct, id: string, props: EniTargetStackProps) {
    super(scope, id, props);
    this.target = new EniMirrorTarget(this, 'Target', props.settings);
  }
}
