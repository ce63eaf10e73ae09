/**
 * Mirror target behind an internal Network Load Balancer: a UDP 4789 listener forwarding to an
 * Auto Scaling group of mirrorsink instances, health-checked over HTTP on 9109 /healthz.
 *
 * Why an Auto Scaling group of EC2 instances and not ECS: the sink is one UDP socket per host
 * that wants host-level kernel tuning (net.core.rmem_max is not per network namespace and
 * cannot be set on Fargate), host networking (no NAT on the 4789 path), and a predictable
 * number of targets, since every change to the target set moves flows between sinks. An ASG
 * with a systemd unit running the image gives exactly that with the fewest moving parts.
 */
import { CfnCondition, CfnOutput, Fn, Stack, type StackProps, Token, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { FilterDefinition } from './filter.js';
import { MirrorSessions, type SessionSpec } from './mirror.js';
import { HTTP_PORT, MirrorsinkSink, VXLAN_PORT } from './sink.js';
import type { ConfigSource } from './user-data.js';

export interface TargetSettings {
  vpcId: string;
  vpcCidr: string;
  sourceCidrs: string[];
  metricsCidrs?: string[];
  instanceType: string;
  image: string;
  config: ConfigSource;
  filter: FilterDefinition;
  /** The filter file's text, written to the instance as /etc/mirrorsink/filter.yaml. */
  filterYaml: string;
  sessions: SessionSpec[];
  volumeGiB?: number;
}

export interface NlbTargetSettings extends TargetSettings {
  /** At least two subnets, in different Availability Zones. */
  subnetIds: string[];
  /** Fixed fleet size (default 2). Scaling moves flows between sinks, so it is not automatic. */
  instanceCount?: number;
}

export class NlbMirrorTarget extends Construct {
  readonly loadBalancer: elbv2.CfnLoadBalancer;
  readonly targetGroup: elbv2.CfnTargetGroup;
  readonly autoScalingGroup: autoscaling.CfnAutoScalingGroup;
  readonly mirrorTarget: ec2.CfnTrafficMirrorTarget;
  readonly sessions: MirrorSessions;

  constructor(scope: Construct, id: string, s: NlbTargetSettings) {
    super(scope, id);
    if (!Token.isUnresolved(s.subnetIds) && s.subnetIds.length < 2) {
      throw new Error('mirrorsink: the NLB target needs at least two subnets (in different Availability Zones)');
    }
    const count = s.instanceCount ?? 2;
    if (!Token.isUnresolved(count) && (!Number.isInteger(count) || count < 1)) throw new Error(`mirrorsink: instanceCount must be >= 1, got ${count}`);

    const sink = new MirrorsinkSink(this, 'Sink', s);

    this.loadBalancer = new elbv2.CfnLoadBalancer(this, 'LoadBalancer', {
      type: 'network',
      scheme: 'internal',
      subnets: s.subnetIds,
      loadBalancerAttributes: [
        // Mirror sources in a zone without a healthy sink would otherwise lose their traffic.
        { key: 'load_balancing.cross_zone.enabled', value: 'true' },
      ],
      tags: [{ key: 'Name', value: 'mirrorsink' }],
    });

    this.targetGroup = new elbv2.CfnTargetGroup(this, 'TargetGroup', {
      vpcId: s.vpcId,
      targetType: 'instance',
      protocol: 'UDP',
      port: VXLAN_PORT,
      // UDP cannot be health-checked over UDP; /healthz fails when the UDP listener is down.
      healthCheckEnabled: true,
      healthCheckProtocol: 'HTTP',
      healthCheckPort: String(HTTP_PORT),
      healthCheckPath: '/healthz',
      healthCheckIntervalSeconds: 10,
      healthyThresholdCount: 3,
      unhealthyThresholdCount: 3,
      targetGroupAttributes: [
        // Client IP preservation is always on for UDP target groups (and cannot be set):
        // sinks see the source ENIs' addresses, hence the security group rules.
        { key: 'deregistration_delay.timeout_seconds', value: '30' },
      ],
      tags: [{ key: 'Name', value: 'mirrorsink-vxlan' }],
    });

    // Without this listener AWS stops mirroring to the NLB without any error.
    new elbv2.CfnListener(this, 'VxlanListener', {
      loadBalancerArn: this.loadBalancer.ref,
      protocol: 'UDP',
      port: VXLAN_PORT,
      defaultActions: [{ type: 'forward', targetGroupArn: this.targetGroup.ref }],
    });

    this.autoScalingGroup = new autoscaling.CfnAutoScalingGroup(this, 'Fleet', {
      minSize: String(count),
      maxSize: String(count),
      desiredCapacity: String(count),
      vpcZoneIdentifier: s.subnetIds,
      launchTemplate: {
        launchTemplateId: sink.launchTemplate.launchTemplateId,
        version: sink.launchTemplate.latestVersionNumber,
      },
      targetGroupArns: [this.targetGroup.ref],
      healthCheckType: 'ELB',
      healthCheckGracePeriod: 300,
      tags: [{ key: 'Name', value: 'mirrorsink', propagateAtLaunch: true }],
    });
    // New launch template (image, config, filter): replace one instance at a time, keeping
    // the others in service when there are others.
    this.autoScalingGroup.cfnOptions.updatePolicy = {
      autoScalingRollingUpdate: {
        maxBatchSize: 1,
        minInstancesInService: minInService(this, count),
        pauseTime: 'PT5M',
      },
    };

    this.mirrorTarget = new ec2.CfnTrafficMirrorTarget(this, 'MirrorTarget', {
      networkLoadBalancerArn: this.loadBalancer.ref,
      description: 'mirrorsink NLB',
      tags: [{ key: 'Name', value: 'mirrorsink-nlb' }],
    });
    this.sessions = new MirrorSessions(this, 'Mirror', { definition: s.filter, targetId: this.mirrorTarget.ref, sessions: s.sessions });

    new CfnOutput(this, 'MirrorTargetId', { value: this.mirrorTarget.ref, description: 'Traffic Mirror target (NLB) for further sessions' });
    new CfnOutput(this, 'LoadBalancerDns', { value: this.loadBalancer.attrDnsName });
    new CfnOutput(this, 'SecurityGroupId', { value: sink.securityGroup.attrGroupId });
  }
}

/** 1 during rolling updates (0 for a single instance, which cannot stay in service). */
function minInService(scope: Construct, count: number): number {
  if (!Token.isUnresolved(count)) return count > 1 ? 1 : 0;
  const single = new CfnCondition(scope, 'SingleInstance', { expression: Fn.conditionEquals(count, 1) });
  return Token.asNumber(Fn.conditionIf(single.logicalId, 0, 1));
}

export interface NlbTargetStackProps extends StackProps {
  settings: NlbTargetSettings;
}

export class NlbTargetStack extends Stack {
  readonly target: NlbMirrorTarget;

  constructor(scope: Construct, id: string, props: NlbTargetStackProps) {
    super(scope, id, props);
    this.target = new NlbMirrorTarget(this, 'Target', props.settings);
  }
}
