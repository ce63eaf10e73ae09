/**
 * The NLB and ENI target stacks, synthesized offline (account 123456789012, eu-west-1) with
 * CDK's built-in CloudFormation schema validation made strict, so that a property AWS would
 * refuse fails here instead of at deploy time.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EniTargetStack } from '../lib/eni-target-stack.js';
import { loadFilterFile } from '../lib/filter.js';
import { NlbTargetStack } from '../lib/nlb-target-stack.js';
import { CONTAINER_UID } from '../lib/user-data.js';
import { ENV, FIXTURES, nlbSettings, renderUserData, strictApp } from './helpers.js';

describe('NlbTargetStack', () => {
  let stack: NlbTargetStack;
  let t: Template;
  before(() => {
    stack = new NlbTargetStack(strictApp(), 'Nlb', { env: ENV, settings: nlbSettings() });
    t = Template.fromStack(stack);
  });

  it('has an internal NLB over both subnets with cross-zone load balancing', () => {
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internal',
      Subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }]),
    });
  });

  it('listens on UDP 4789 and forwards to a UDP 4789 target group health-checked over HTTP 9109 /healthz', () => {
    const tgId = Object.keys(t.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))[0]!;
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'UDP',
      Port: 4789,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: tgId } }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Protocol: 'UDP',
      Port: 4789,
      TargetType: 'instance',
      VpcId: 'vpc-0123456789abcdef0',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: '9109',
      HealthCheckPath: '/healthz',
    });
  });

  it('runs a fixed-size Auto Scaling group registered in the target group, replaced one at a time', () => {
    const tgId = Object.keys(t.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))[0]!;
    t.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      Properties: Match.objectLike({
        MinSize: '3',
        MaxSize: '3',
        DesiredCapacity: '3',
        VPCZoneIdentifier: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
        TargetGroupARNs: [{ Ref: tgId }],
        HealthCheckType: 'ELB',
      }),
      UpdatePolicy: { AutoScalingRollingUpdate: Match.objectLike({ MaxBatchSize: 1, MinInstancesInService: 1 }) },
    });
  });

  it('points a Traffic Mirror target at the NLB', () => {
    const lbId = Object.keys(t.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0]!;
    t.resourceCountIs('AWS::EC2::TrafficMirrorTarget', 1);
    t.hasResourceProperties('AWS::EC2::TrafficMirrorTarget', { NetworkLoadBalancerArn: { Ref: lbId } });
  });

  it('allows UDP 4789 from each source CIDR and TCP 9109 from the VPC only', () => {
    const sg = Object.values(t.findResources('AWS::EC2::SecurityGroup'))[0]!;
    const ingress = sg.Properties.SecurityGroupIngress.map((r: any) => `${r.IpProtocol}/${r.FromPort}-${r.ToPort} ${r.CidrIp}`).sort();
    assert.deepEqual(ingress, ['tcp/9109-9109 10.0.0.0/16', 'udp/4789-4789 10.0.0.0/16', 'udp/4789-4789 10.1.0.0/16']);
  });

  it('creates the AWS filter from the filter file, rule for rule', () => {
    const rules = Object.values(t.findResources('AWS::EC2::TrafficMirrorFilterRule')).map((r: any) => r.Properties);
    const full = rules.filter((r) => JSON.stringify(r.TrafficMirrorFilterId).includes('MirrorFilter'));
    const describe = (r: any) =>
      [r.TrafficDirection, r.RuleNumber, r.RuleAction, r.Protocol ?? 'all', r.SourceCidrBlock, r.DestinationCidrBlock, JSON.stringify(r.SourcePortRange ?? null), JSON.stringify(r.DestinationPortRange ?? null)].join(' ');
    assert.deepEqual(full.map(describe).sort(), [
      'egress 100 reject 6 0.0.0.0/0 0.0.0.0/0 {"FromPort":9109,"ToPort":9109} null',
      'egress 200 accept all 0.0.0.0/0 0.0.0.0/0 null null',
      'ingress 100 reject 6 0.0.0.0/0 0.0.0.0/0 null {"FromPort":9109,"ToPort":9109}',
      'ingress 200 accept all 0.0.0.0/0 0.0.0.0/0 null null',
    ]);
    // Full filter (4 rules) + ingress-only (2) + egress-only (2) for the split source.
    t.resourceCountIs('AWS::EC2::TrafficMirrorFilter', 3);
    t.resourceCountIs('AWS::EC2::TrafficMirrorFilterRule', 8);
  });

  it('mirrors each source with the given VNIs; split sources get an ingress-only and an egress-only session', () => {
    const sessions = Object.values(t.findResources('AWS::EC2::TrafficMirrorSession')).map((r: any) => r.Properties);
    const filters = t.findResources('AWS::EC2::TrafficMirrorFilter');
    const rules = Object.values(t.findResources('AWS::EC2::TrafficMirrorFilterRule')).map((r: any) => r.Properties);
    const directionsOf = (filterRef: any) => [...new Set(rules.filter((r) => r.TrafficMirrorFilterId.Ref === filterRef.Ref).map((r) => r.TrafficDirection))].sort().join('+');
    const got = sessions.map((s) => `${s.NetworkInterfaceId} #${s.SessionNumber} vni ${s.VirtualNetworkId} ${directionsOf(s.TrafficMirrorFilterId)}`).sort();
    assert.deepEqual(got, [
      'eni-0123456789abcdef0 #1 vni 2001 egress+ingress',
      'eni-0aaaaaaaaaaaaaaaa #1 vni 1001 ingress',
      'eni-0aaaaaaaaaaaaaaaa #2 vni 1002 egress',
    ]);
    assert.equal(Object.keys(filters).length, 3);
  });

  it('launches Amazon Linux 2023 with IMDSv2, an encrypted disk and the mirrorsink boot script', () => {
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 'c6i.large',
        MetadataOptions: { HttpTokens: 'required' },
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) })],
      }),
    });
    const ud = renderUserData(t.toJSON());
    assert.match(ud, /^#!\/bin\/bash\n/);
    assert.match(ud, /net\.core\.rmem_max = 134217728/);
    assert.match(ud, /MIRRORSINK_IMAGE=123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/mirrorsink:0\.1\.0/);
    assert.match(ud, /cat > \/etc\/mirrorsink\/mirrorsink\.yaml <<'MIRRORSINK_EOF'\n# mirrorsink configuration/);
    assert.match(ud, /cat > \/etc\/mirrorsink\/filter\.yaml <<'MIRRORSINK_EOF'\n/);
    assert.match(ud, /ExecStart=\/usr\/bin\/docker run --rm --name mirrorsink --init --network host/);
    assert.match(ud, new RegExp(`-o ${CONTAINER_UID} -g ${CONTAINER_UID} /var/lib/mirrorsink`));
    assert.match(ud, /systemctl enable --now mirrorsink\.service/);
  });

  it('gives the instances Session Manager and ECR read access, and no SSH', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonEC2ContainerRegistryReadOnly']] },
      ]),
    });
    const sg = Object.values(t.findResources('AWS::EC2::SecurityGroup'))[0]!;
    assert.ok(!sg.Properties.SecurityGroupIngress.some((r: any) => r.FromPort === 22));
  });
});

describe('NlbTargetStack options', () => {
  it('reads the config from SSM when configParameter is given, with read access to that parameter only', () => {
    const stack = new NlbTargetStack(new App(), 'Ssm', { env: ENV, settings: nlbSettings({ config: { ssmParameter: '/mirrorsink/prod' } }) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ssm:GetParameter',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/mirrorsink/prod']],
            },
          }),
        ]),
      },
    });
    const ud = renderUserData(t.toJSON());
    assert.match(ud, /MIRRORSINK_CONFIG_PARAMETER=\/mirrorsink\/prod/);
    assert.doesNotMatch(ud, /cat > \/etc\/mirrorsink\/mirrorsink\.yaml/);
  });

  it('uses the arm64 AMI for Graviton instance types', () => {
    const t = Template.fromStack(new NlbTargetStack(new App(), 'Arm', { env: ENV, settings: nlbSettings({ instanceType: 'c7g.large' }) }));
    const params = JSON.stringify(t.toJSON().Parameters);
    assert.match(params, /al2023-ami-kernel-[\d.]+-arm64|al2023-ami-kernel-default-arm64/);
  });

  it('a single instance is replaced without keeping one in service', () => {
    const t = Template.fromStack(new NlbTargetStack(new App(), 'One', { env: ENV, settings: nlbSettings({ instanceCount: 1 }) }));
    t.hasResource('AWS::AutoScaling::AutoScalingGroup', { UpdatePolicy: { AutoScalingRollingUpdate: Match.objectLike({ MinInstancesInService: 0 }) } });
  });

  it('warns and leaves out amazon-dns on per-direction filters', () => {
    const filter = loadFilterFile(path.join(FIXTURES, 'filter-dns.yaml'));
    const stack = new NlbTargetStack(new App(), 'Dns', {
      env: ENV,
      settings: nlbSettings({ filter, sessions: [{ sourceEniId: 'eni-0123456789abcdef0', ingressVni: 7, egressVni: 8 }] }),
    });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('network_services \\(amazon-dns\\) left out'));
    const t = Template.fromStack(stack);
    for (const f of Object.values(t.findResources('AWS::EC2::TrafficMirrorFilter'))) assert.equal(f.Properties.NetworkServices, undefined);
  });

  const refused: [string, Parameters<typeof nlbSettings>[0], RegExp][] = [
    ['one subnet', { subnetIds: ['subnet-0123456789abcdef0'] }, /at least two subnets/],
    ['no sessions', { sessions: [] }, /at least one mirror session/],
    ['a VNI used twice', { sessions: [{ sourceEniId: 'eni-0123456789abcdef0', vni: 5 }, { sourceEniId: 'eni-0aaaaaaaaaaaaaaaa', ingressVni: 5, egressVni: 6 }] }, /VNI 5 is already used/],
    ['a VNI over 24 bits', { sessions: [{ sourceEniId: 'eni-0123456789abcdef0', vni: 16777216 }] }, /VNI must be an integer from 0 to 16777215/],
    ['vni together with ingressVni', { sessions: [{ sourceEniId: 'eni-0123456789abcdef0', vni: 1, ingressVni: 2, egressVni: 3 }] }, /either vni, or both/],
    ['ingressVni without egressVni', { sessions: [{ sourceEniId: 'eni-0123456789abcdef0', ingressVni: 2 }] }, /either vni, or both/],
    ['a session number used twice on one ENI', { sessions: [{ sourceEniId: 'eni-0123456789abcdef0', ingressVni: 1, egressVni: 2 }, { sourceEniId: 'eni-0123456789abcdef0', vni: 3, sessionNumber: 2 }] }, /session number 2 is already used/],
    ['a bad ENI id', { sessions: [{ sourceEniId: 'i-0123456789abcdef0', vni: 1 }] }, /not an ENI id/],
    ['packetLength over 8500', { sessions: [{ sourceEniId: 'eni-0123456789abcdef0', vni: 1, packetLength: 9001 }] }, /packetLength must be an integer from 1 to 8500/],
    ['no source CIDRs', { sourceCidrs: [] }, /sourceCidrs must list/],
    ['an SSM name without leading slash', { config: { ssmParameter: 'mirrorsink' } }, /starting with '\/'/],
    ['a config over the user-data limit', { config: { inline: '#'.repeat(17000) } }, /over EC2's 16384/],
  ];
  for (const [name, overrides, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => new NlbTargetStack(new App(), 'X', { env: ENV, settings: nlbSettings(overrides) }), message);
    });
  }
});

describe('EniTargetStack', () => {
  let t: Template;
  before(() => {
    const { subnetIds, instanceCount, ...rest } = nlbSettings();
    void instanceCount;
    t = Template.fromStack(new EniTargetStack(strictApp(), 'Eni', { env: ENV, settings: { ...rest, subnetId: subnetIds[0]! } }));
  });

  it('creates a dedicated ENI with the sink security group and makes it the mirror target', () => {
    const eniId = Object.keys(t.findResources('AWS::EC2::NetworkInterface'))[0]!;
    const sgId = Object.keys(t.findResources('AWS::EC2::SecurityGroup'))[0]!;
    t.hasResourceProperties('AWS::EC2::NetworkInterface', { SubnetId: 'subnet-0123456789abcdef0', GroupSet: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }] });
    t.hasResourceProperties('AWS::EC2::TrafficMirrorTarget', { NetworkInterfaceId: { Ref: eniId } });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  });

  it('runs exactly one instance in that subnet, which attaches the ENI at boot', () => {
    const eniId = Object.keys(t.findResources('AWS::EC2::NetworkInterface'))[0]!;
    t.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      Properties: Match.objectLike({ MinSize: '1', MaxSize: '1', VPCZoneIdentifier: ['subnet-0123456789abcdef0'] }),
      UpdatePolicy: { AutoScalingRollingUpdate: Match.objectLike({ MinInstancesInService: 0 }) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ec2:AttachNetworkInterface' })]) },
    });
    const lt = Object.values(t.findResources('AWS::EC2::LaunchTemplate'))[0]!;
    assert.match(JSON.stringify(lt.Properties.LaunchTemplateData.UserData), new RegExp(`mirror_eni=",\\{"Ref":"${eniId}"\\}`));
    const ud = renderUserData(t.toJSON());
    assert.match(ud, /attach-network-interface --network-interface-id "\$mirror_eni" --instance-id "\$instance_id" --device-index 1/);
    assert.match(ud, /net\.ipv4\.conf\.all\.rp_filter = 2/);
  });

  it('sets up the same sessions and filters as the NLB stack', () => {
    t.resourceCountIs('AWS::EC2::TrafficMirrorSession', 3);
    t.resourceCountIs('AWS::EC2::TrafficMirrorFilterRule', 8);
  });

  it('refuses more than 10 sources (AWS limit per ENI target)', () => {
    const { subnetIds, ...rest } = nlbSettings();
    const sessions = Array.from({ length: 11 }, (_, i) => ({ sourceEniId: `eni-0${String(i).padStart(16, '0')}`, vni: i + 1 }));
    assert.throws(() => new EniTargetStack(new App(), 'Eni11', { env: ENV, settings: { ...rest, sessions, subnetId: subnetIds[0]! } }), /AWS allows 10/);
  });
});
