/**
 * What every mirrorsink instance needs, whatever the mirror target: a security group, an
 * instance role, and a launch template (AMI, instance type, IMDSv2, disk, user data).
 */
import { Aws, Fn, Token, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type ConfigSource, sinkUserData } from './user-data.js';

export const VXLAN_PORT = 4789;
export const HTTP_PORT = 9109;

export interface SinkProps {
  vpcId: string;
  /** The VPC's CIDR: NLB health checks and Prometheus scrapes come from inside it. */
  vpcCidr: string;
  /** Where mirrored traffic comes from (the source ENIs' subnets or the VPC): UDP 4789 is allowed from these. */
  sourceCidrs: string[];
  /** Who may read /metrics and the API on 9109; default: vpcCidr. */
  metricsCidrs?: string[];
  instanceType: string;
  /** Container image: ECR (account.dkr.ecr.region.amazonaws.com/repo:tag), public ECR or any registry. */
  image: string;
  config: ConfigSource;
  /** Filter YAML text, also written to the instance. */
  filterYaml: string;
  /** Root volume (EVE, flow logs, pcaps, image); default 30 GiB. */
  volumeGiB?: number;
  /** Shell commands for the boot script, before the sink starts. */
  bootCommands?: string[];
}

/** Graviton families (c7g, m6gd, c6gn, t4g...) need the arm64 AMI. */
export function isArmInstanceType(instanceType: string): boolean {
  return !Token.isUnresolved(instanceType) && /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

export class MirrorsinkSink extends Construct {
  readonly securityGroup: ec2.CfnSecurityGroup;
  readonly role: iam.Role;
  readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: SinkProps) {
    super(scope, id);
    if (props.sourceCidrs.length === 0) throw new Error('mirrorsink: sourceCidrs must list where mirrored traffic comes from');

    const ingress: ec2.CfnSecurityGroup.IngressProperty[] = [];
    for (const cidr of props.sourceCidrs) {
      // NLB keeps the client address for UDP: mirrored packets arrive from the source ENIs.
      ingress.push(cidrRule(cidr, 'udp', VXLAN_PORT, 'VXLAN from mirror sources'));
    }
    for (const cidr of props.metricsCidrs ?? [props.vpcCidr]) {
      ingress.push(cidrRule(cidr, 'tcp', HTTP_PORT, 'health checks, metrics and API'));
    }
    this.securityGroup = new ec2.CfnSecurityGroup(this, 'SecurityGroup', {
      vpcId: props.vpcId,
      groupDescription: 'mirrorsink: VXLAN from mirror sources, HTTP health checks and metrics',
      securityGroupIngress: ingress,
      securityGroupEgress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0', description: 'image pulls, packages, SSM' }],
      tags: [{ key: 'Name', value: 'mirrorsink' }],
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'mirrorsink instances',
      managedPolicies: [
        // Session Manager instead of SSH; ECR pulls when the image is private.
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryReadOnly'),
      ],
    });
    if ('ssmParameter' in props.config) {
      const name = props.config.ssmParameter;
      if (!Token.isUnresolved(name) && !/^\/[\w.\-/]+$/.test(name)) {
        throw new Error(`mirrorsink: configParameter '${name}' must be a full SSM parameter name starting with '/'`);
      }
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          // The ARN is "parameter" followed by the name, whose leading '/' is the separator.
          resources: [Fn.join('', ['arn:', Aws.PARTITION, ':ssm:', Aws.REGION, ':', Aws.ACCOUNT_ID, ':parameter', name])],
        }),
      );
    }

    const arm = isArmInstanceType(props.instanceType);
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: arm ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64 }),
      instanceType: new ec2.InstanceType(props.instanceType),
      role: this.role,
      userData: sinkUserData({ image: props.image, config: props.config, filterYaml: props.filterYaml, bootCommands: props.bootCommands }),
      requireImdsv2: true,
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(this, 'ImportedSecurityGroup', this.securityGroup.attrGroupId),
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.volumeGiB ?? 30, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true }),
        },
      ],
    });
  }
}

function cidrRule(cidr: string, protocol: 'udp' | 'tcp', port: number, description: string): ec2.CfnSecurityGroup.IngressProperty {
  const v6 = !Token.isUnresolved(cidr) && cidr.includes(':');
  return { ipProtocol: protocol, fromPort: port, toPort: port, description, ...(v6 ? { cidrIpv6: cidr } : { cidrIp: cidr }) };
}
