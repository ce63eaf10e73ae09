/**
 * issue 17 item 5: `sessions` from the JSON the AWS CLI prints (describe-traffic-mirror-sessions,
 * describe-network-interfaces, describe-traffic-mirror-filters), in the documented shapes,
 * written by the test. Problems name the JSON file, its line and the AWS field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { formatMac } from '../../src/config/validate.js';
import { regionOfAz } from '../../src/aws/mirror-sessions.js';
import { SessionDirectory } from '../../src/session/session-directory.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-aws-sessions-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SESSIONS = {
  TrafficMirrorSessions: [
    {
      TrafficMirrorSessionId: 'tms-0a1b2c3d4e5f60001',
      TrafficMirrorTargetId: 'tmt-0a1b2c3d4e5f60009',
      TrafficMirrorFilterId: 'tmf-0a1b2c3d4e5f60007',
      NetworkInterfaceId: 'eni-0a1b2c3d4e5f60101',
      OwnerId: '123456789012',
      SessionNumber: 1,
      VirtualNetworkId: 4242,
      Description: 'web tier',
      Tags: [
        { Key: 'team', Value: 'net' },
        { Key: 'Name', Value: 'web-1' },
      ],
    },
    {
      TrafficMirrorSessionId: 'tms-0a1b2c3d4e5f60002',
      TrafficMirrorTargetId: 'tmt-0a1b2c3d4e5f60009',
      TrafficMirrorFilterId: 'tmf-0a1b2c3d4e5f60008',
      NetworkInterfaceId: 'eni-0a1b2c3d4e5f60102',
      OwnerId: '123456789012',
      PacketLength: 128,
      SessionNumber: 2,
      VirtualNetworkId: 4243,
      Tags: [],
    },
    {
      // Another target: left out with target_id.
      TrafficMirrorSessionId: 'tms-0a1b2c3d4e5f60003',
      TrafficMirrorTargetId: 'tmt-0a1b2c3d4e5f6000a',
      TrafficMirrorFilterId: 'tmf-0a1b2c3d4e5f60007',
      NetworkInterfaceId: 'eni-0a1b2c3d4e5f60103',
      OwnerId: '123456789012',
      SessionNumber: 1,
      VirtualNetworkId: 99,
      Tags: [],
    },
  ],
};

const ENIS = {
  NetworkInterfaces: [
    {
      Attachment: { AttachmentId: 'eni-attach-0a1b2c3d4e5f60101', DeviceIndex: 0, InstanceId: 'i-0a1b2c3d4e5f60101', Status: 'attached' },
      AvailabilityZone: 'us-east-1a',
      Groups: [{ GroupId: 'sg-0a1b2c3d4e5f60000', GroupName: 'web' }],
      InterfaceType: 'interface',
      Ipv6Addresses: [{ Ipv6Address: '2001:db8:1::10', IsPrimaryIpv6: false }],
      MacAddress: '0a:1b:2c:3d:4e:5f',
      NetworkInterfaceId: 'eni-0a1b2c3d4e5f60101',
      OwnerId: '123456789012',
      PrivateDnsName: 'ip-10-0-1-10.ec2.internal',
      PrivateIpAddress: '10.0.1.10',
      PrivateIpAddresses: [
        { Primary: false, PrivateIpAddress: '10.0.1.11' },
        { Primary: true, PrivateIpAddress: '10.0.1.10' },
      ],
      Ipv4Prefixes: [{ Ipv4Prefix: '10.0.1.32/28' }],
      SourceDestCheck: true,
      Status: 'in-use',
      SubnetId: 'subnet-0a1b2c3d4e5f60001',
      TagSet: [],
      VpcId: 'vpc-0a1b2c3d4e5f60000',
    },
    {
      AvailabilityZone: 'us-east-1b',
      MacAddress: '0a:1b:2c:3d:4e:60',
      NetworkInterfaceId: 'eni-0a1b2c3d4e5f60102',
      OwnerId: '123456789012',
      PrivateIpAddress: '10.0.2.20',
      PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: '10.0.2.20' }],
      SubnetId: 'subnet-0a1b2c3d4e5f60002',
      VpcId: 'vpc-0a1b2c3d4e5f60000',
    },
  ],
};

const FILTERS = {
  TrafficMirrorFilters: [
    {
      TrafficMirrorFilterId: 'tmf-0a1b2c3d4e5f60007',
      IngressFilterRules: [
        { RuleNumber: 100, RuleAction: 'accept', Protocol: 6, DestinationCidrBlock: '0.0.0.0/0', SourceCidrBlock: '0.0.0.0/0', TrafficDirection: 'ingress' },
      ],
      EgressFilterRules: [],
      NetworkServices: [],
      Tags: [],
    },
    {
      TrafficMirrorFilterId: 'tmf-0a1b2c3d4e5f60008',
      IngressFilterRules: [],
      EgressFilterRules: [
        { RuleNumber: 100, RuleAction: 'accept', Protocol: 17, DestinationCidrBlock: '0.0.0.0/0', SourceCidrBlock: '0.0.0.0/0', TrafficDirection: 'egress' },
      ],
      NetworkServices: ['amazon-dns'],
      Tags: [],
    },
  ],
};

function write(name: string, content: unknown): string {
  const p = path.join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  return p;
}
const dir = mkdtempSync(path.join(tmp, 'case-'));

function load(yaml: string) {
  const p = write('mirrorsink.yaml', yaml);
  return loadConfig({ file: p, env: {} }).config;
}

function problems(yaml: string): string {
  try {
    load(yaml);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

/** The 1-based line of the first line containing `text` in a JSON file written by write(). */
function lineOf(content: unknown, text: string, from = 0): number {
  const lines = JSON.stringify(content, null, 2).split('\n');
  for (let i = from; i < lines.length; i++) if (lines[i]!.includes(text)) return i + 1;
  throw new Error(`no line with ${text}`);
}

describe('sessions from aws ec2 describe-traffic-mirror-sessions', () => {
  it('reads VNI, ENI, name and account from the sessions JSON (a file name, as for filters)', () => {
    write('sessions.json', SESSIONS);
    const c = load('sessions: sessions.json\n');
    expect(c.sessions.map((s) => [s.name, s.vni, s.eni, s.flowLog.accountId])).toEqual([
      ['web-1', 4242, 'eni-0a1b2c3d4e5f60101', '123456789012'],
      ['tms-0a1b2c3d4e5f60002', 4243, 'eni-0a1b2c3d4e5f60102', '123456789012'],
      ['tms-0a1b2c3d4e5f60003', 99, 'eni-0a1b2c3d4e5f60103', '123456789012'],
    ]);
    expect(c.sessions[0]!.addresses).toEqual([]);
    expect(c.sessions[0]!.filter).toBeNull();
  });

  it('adds addresses, MAC, VPC, subnet, instance and region from describe-network-interfaces; filters by target; picks each filter', () => {
    write('sessions.json', SESSIONS);
    write('enis.json', ENIS);
    const filters = write('filters.json', FILTERS);
    const c = load(
      [
        'sessions:',
        '  path: sessions.json',
        '  network_interfaces: enis.json',
        '  target_id: tmt-0a1b2c3d4e5f60009',
        '  filters: filters.json',
        '',
      ].join('\n'),
    );
    expect(c.sessions.length).toBe(2);
    const [a, b] = c.sessions;
    expect(a!.name).toBe('web-1');
    // The primary IP first (AWS's Primary flag), then the others, IPv6 and delegated prefixes.
    expect(a!.addresses.map((x) => x.text)).toEqual(['10.0.1.10/32', '10.0.1.11/32', '2001:db8:1::10/128', '10.0.1.32/28']);
    expect(a!.primaryAddress?.text).toBe('10.0.1.10/32');
    expect(formatMac(a!.mac!)).toBe('0a:1b:2c:3d:4e:5f');
    expect(a!.flowLog).toEqual({
      accountId: '123456789012',
      vpcId: 'vpc-0a1b2c3d4e5f60000',
      subnetId: 'subnet-0a1b2c3d4e5f60001',
      instanceId: 'i-0a1b2c3d4e5f60101',
      region: 'us-east-1',
      azId: null,
    });
    expect(a!.filter).toMatchObject({ path: filters, filterId: 'tmf-0a1b2c3d4e5f60007' });
    expect(b!.filter).toMatchObject({ path: filters, filterId: 'tmf-0a1b2c3d4e5f60008' });
    expect(b!.addresses.map((x) => x.text)).toEqual(['10.0.2.20/32']);
    expect(b!.flowLog.instanceId).toBeNull();
    // The session directory the pipeline builds takes them like hand-written sessions.
    const d = SessionDirectory.fromConfig(c.sessions);
    expect(d.sessions.map((s) => [s.name, s.eniId, s.vpcId])).toEqual([
      ['web-1', 'eni-0a1b2c3d4e5f60101', 'vpc-0a1b2c3d4e5f60000'],
      ['tms-0a1b2c3d4e5f60002', 'eni-0a1b2c3d4e5f60102', 'vpc-0a1b2c3d4e5f60000'],
    ]);
  });

  it("reads create-traffic-mirror-session's single session and applies region and direction_mode", () => {
    write('one.json', { TrafficMirrorSession: SESSIONS.TrafficMirrorSessions[1], ClientToken: 'x' });
    write('enis.json', ENIS);
    const c = load('sessions:\n  path: one.json\n  network_interfaces: enis.json\n  region: eu-west-1\n  direction_mode: mac\n');
    expect(c.sessions.map((s) => [s.vni, s.directionMode, s.flowLog.region, s.mac])).toEqual([[4243, 'mac', 'eu-west-1', '0a1b2c3d4e60']]);
  });

  it('names the JSON file, line and field of a bad value', () => {
    const bad = structuredClone(SESSIONS);
    (bad.TrafficMirrorSessions[1] as Record<string, unknown>).VirtualNetworkId = 16777216;
    (bad.TrafficMirrorSessions[2] as Record<string, unknown>).NetworkInterfaceId = 'eni-nothex';
    const f = write('bad.json', bad);
    const msg = problems('sessions: bad.json\n');
    expect(msg).toContain(`${f}:${lineOf(bad, '"VirtualNetworkId": 16777216')}: TrafficMirrorSessions[1].VirtualNetworkId (sessions vni): must be an integer from 0 to 16777215`);
    expect(msg).toContain(`${f}:${lineOf(bad, '"eni-nothex"')}: TrafficMirrorSessions[2].NetworkInterfaceId (sessions eni): 'eni-nothex' is not an ENI id`);
  });

  it('names the network-interfaces field of a bad address, and a session whose ENI it lacks', () => {
    write('sessions.json', SESSIONS);
    const enis = structuredClone(ENIS);
    (enis.NetworkInterfaces[0]!.Ipv4Prefixes as { Ipv4Prefix: string }[])[0]!.Ipv4Prefix = '10.0.1.33/28';
    const e = write('enis.json', enis);
    const s = path.join(dir, 'sessions.json');
    const msg = problems('sessions:\n  path: sessions.json\n  network_interfaces: enis.json\n');
    expect(msg).toContain(`${e}:${lineOf(enis, '"10.0.1.33/28"')}: NetworkInterfaces[0].Ipv4Prefixes[0].Ipv4Prefix (sessions addresses): '10.0.1.33/28' has bits set beyond the /28 prefix`);
    expect(msg).toContain(`${s}:${lineOf(SESSIONS, '"eni-0a1b2c3d4e5f60103"')}: TrafficMirrorSessions[2].NetworkInterfaceId: eni-0a1b2c3d4e5f60103 is not among the NetworkInterfaces`);
  });

  it('says what a file is not, with its line: wrong shape, not JSON, missing VNI, shared VNI', () => {
    const f1 = write('x.json', { TrafficMirrorFilters: [] });
    expect(problems('sessions: x.json\n')).toContain(`${f1}:1: TrafficMirrorSessions: expected aws ec2 describe-traffic-mirror-sessions output`);
    const f2 = write('y.json', '{\n  "TrafficMirrorSessions": [\n    {"VirtualNetworkId": 1,,}\n  ]\n}\n');
    expect(problems('sessions: y.json\n')).toMatch(new RegExp(`${f2.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: \\(top level\\): not valid JSON`));
    const noVni = { TrafficMirrorSessions: [{ TrafficMirrorSessionId: 'tms-0a1b2c3d4e5f60001', NetworkInterfaceId: 'eni-0a1b2c3d4e5f60101' }] };
    const f3 = write('z.json', noVni);
    expect(problems('sessions: z.json\n')).toContain(`${f3}:${lineOf(noVni, '"tms-0a1b') - 1}: TrafficMirrorSessions[0].VirtualNetworkId (sessions vni): is required`);
    const shared = structuredClone(SESSIONS);
    (shared.TrafficMirrorSessions[1] as Record<string, unknown>).VirtualNetworkId = 4242;
    const f4 = write('w.json', shared);
    expect(problems('sessions: w.json\n')).toContain(`${f4}:${lineOf(shared, '"VirtualNetworkId": 4242', lineOf(shared, 'tms-0a1b2c3d4e5f60002'))}: TrafficMirrorSessions[1].VirtualNetworkId (sessions vni): 4242 is already the VNI of sessions[0] (web-1)`);
    const m = problems('sessions:\n  path: nothere.json\n  target: x\n');
    expect(m).toMatch(/mirrorsink\.yaml:2: sessions\.path: cannot read the traffic mirror sessions file \S*nothere\.json: no such file/);
    expect(m).toMatch(/mirrorsink\.yaml:3: sessions\.target: unknown key \(known: path, network_interfaces, target_id/);
  });

  it('AZ names give the region', () => {
    expect(regionOfAz('us-east-1a')).toBe('us-east-1');
    expect(regionOfAz('ap-southeast-2c')).toBe('ap-southeast-2');
    expect(regionOfAz('us-east-1-bos-1a')).toBeNull();
  });
});
