/**
 * issue 17 end to end: a capture built here (VXLAN-mirrored traffic of one ENI to S3, to EC2 in
 * another region, to a peered VPC, to the internet, over IPv4 and IPv6), an ip-ranges.json
 * written here, a configuration with the VPC and its route targets; `mirrorsink replay` writes
 * flow logs in a custom format with the new fields and `mirrorsink flows query` reads them back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as replayRun } from '../../src/cli/commands/replay.js';
import { run as flowsRun } from '../../src/cli/commands/flows.js';
import { awsVxlan, eth, ipv4, ipv6, tcp, udp } from '../decode/builders.js';
import { pcapFile } from '../source/capture-builders.js';
import { captureStdout } from '../helpers/stdout.js';
import { ipRangesDocument } from './ip-ranges-fixture.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-aws-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const ENI4 = '10.0.1.10';
const ENI6 = '2001:db8:1::10';
const T0 = 1733000040;

const SYN = 0x02;
const SYNACK = 0x12;

function v4(src: string, dst: string, sport: number, dport: number, flags: number, vni = 7): Uint8Array {
  return awsVxlan(eth({ type: 0x0800 }, ipv4({ proto: 6, src, dst }, tcp({ sport, dport, flags }))), vni);
}
function v6(src: string, dst: string, sport: number, dport: number, flags: number): Uint8Array {
  return awsVxlan(eth({ type: 0x86dd }, ipv6({ nh: 6, src, dst }, tcp({ sport, dport, flags }))), 7);
}
function udp4(src: string, dst: string, sport: number, dport: number): Uint8Array {
  return awsVxlan(eth({ type: 0x0800 }, ipv4({ proto: 17, src, dst }, udp({ sport, dport }, new Uint8Array(12)))), 7);
}

/** A connection: the ENI's SYN out, the answer back. */
function conn(dst: string, sport: number, dport = 443): Uint8Array[] {
  return dst.includes(':') ? [v6(ENI6, dst, sport, dport, SYN), v6(dst, ENI6, dport, sport, SYNACK)] : [v4(ENI4, dst, sport, dport, SYN), v4(dst, ENI4, dport, sport, SYNACK)];
}

const FRAMES: Uint8Array[] = [
  ...conn('52.216.10.5', 40001), // S3 in us-east-1 (AMAZON and S3 entries), through the S3 gateway endpoint
  ...conn('3.248.0.10', 40002), // EC2 in eu-west-1, through the internet gateway
  ...conn('10.1.0.5', 40003, 5432), // the peered VPC
  ...conn('198.51.100.7', 40004), // the internet
  ...conn('2600:1f18:4000::1', 40005), // EC2 over IPv6
  ...conn('10.0.2.20', 40006, 22), // another instance of the VPC
  // Of no configured session (VNI 99): the direction comes from the VPC CIDRs.
  v4('10.0.3.3', '198.51.100.8', 40007, 80, SYN, 99),
  // What VPC Flow Logs never records: the Amazon DNS resolver (VPC base + 2) and IMDS.
  udp4(ENI4, '10.0.0.2', 50000, 53),
  udp4('10.0.0.2', ENI4, 53, 50000),
  v4(ENI4, '169.254.169.254', 40008, 80, SYN),
];

const FORMAT = '${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}';

function writeFixtures(omit: boolean): { pcap: string; config: string; ranges: string } {
  const dir = mkdtempSync(path.join(tmp, 'case-'));
  const pcap = path.join(dir, 'aws.pcap');
  writeFileSync(pcap, pcapFile(FRAMES.map((data, i) => ({ tsSec: T0 + i, tsFrac: 0, data }))));
  const ranges = path.join(dir, 'ip-ranges.json');
  writeFileSync(
    ranges,
    ipRangesDocument(
      [
        ['52.216.0.0/15', 'us-east-1', 'AMAZON'],
        ['52.216.0.0/15', 'us-east-1', 'S3'],
        ['3.248.0.0/13', 'eu-west-1', 'EC2'],
        ['3.248.0.0/13', 'eu-west-1', 'AMAZON'],
      ],
      [
        ['2600:1f18::/33', 'us-east-1', 'AMAZON'],
        ['2600:1f18::/33', 'us-east-1', 'EC2'],
      ],
    ),
  );
  const config = path.join(dir, 'mirrorsink.yaml');
  writeFileSync(
    config,
    [
      'unknown_vni: process',
      'sessions:',
      '  - name: eni-a',
      '    vni: 7',
      '    eni: eni-0a1b2c3d4e5f60101',
      `    addresses: [${ENI4}, "${ENI6}"]`,
      '    direction_mode: addresses',
      '    account_id: "123456789012"',
      '    region: us-east-1',
      'aws:',
      '  vpc_cidrs: [10.0.0.0/16, "2001:db8:1::/56"]',
      '  traffic_paths:',
      '    internet_gateway: [0.0.0.0/0, "::/0"]',
      '    gateway_endpoint: [52.216.0.0/15]',
      '    intra_region_peering: [10.1.0.0/16]',
      `  omit_unlogged_traffic: ${omit}`,
      '',
    ].join('\n'),
  );
  return { pcap, config, ranges };
}

interface Row {
  srcAddr: string;
  dstAddr: string;
  pktSrcAwsService: string | null;
  pktDstAwsService: string | null;
  flowDirection: string | null;
  trafficPath: number | null;
  b: number;
}

async function replayAndQuery(omit: boolean): Promise<{ rows: Map<string, Row>; summary: Record<string, unknown> }> {
  const f = writeFixtures(omit);
  const flows = path.join(path.dirname(f.pcap), 'flows');
  const r = await captureStdout(() => replayRun([f.pcap, '--config', f.config, '--aws-ip-ranges', f.ranges, '--flows-dir', flows, '--aggregation', '60', '--log-format', FORMAT, '--no-rules', '--json', '--quiet']));
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.out) as Record<string, unknown>;
  const q = await captureStdout(() =>
    flowsRun(['query', 'filter logStatus = "OK" | stats sum(bytes) as b by srcAddr, dstAddr, pktSrcAwsService, pktDstAwsService, flowDirection, trafficPath', flows, '--json']),
  );
  expect(q.code).toBe(0);
  const rows = new Map<string, Row>();
  for (const line of q.out.trim().split('\n')) {
    const row = JSON.parse(line) as Row;
    rows.set(`${row.srcAddr} ${row.dstAddr}`, row);
  }
  return { rows, summary };
}

/** [service of src, service of dst, flow-direction, traffic-path] of a record, '-' as null. */
function fields(rows: Map<string, Row>, src: string, dst: string): unknown[] {
  const r = rows.get(`${src} ${dst}`);
  expect(r, `${src} -> ${dst}`).toBeDefined();
  const n = (v: unknown) => (v === '-' || v === undefined ? null : v);
  return [n(r!.pktSrcAwsService), n(r!.pktDstAwsService), n(r!.flowDirection), n(r!.trafficPath)];
}

describe('AWS service names and traffic-path in flow logs (replay → flows query)', () => {
  it('names the AWS service of either end and the path of egress records', async () => {
    const { rows, summary } = await replayAndQuery(true);
    // S3 through the gateway endpoint (Nitro: 7); the answer is ingress: no path, as AWS.
    expect(fields(rows, ENI4, '52.216.10.5')).toEqual([null, 'S3', 'egress', 7]);
    expect(fields(rows, '52.216.10.5', ENI4)).toEqual(['S3', null, 'ingress', null]);
    // EC2 in eu-west-1 through the internet gateway (Nitro: 8).
    expect(fields(rows, ENI4, '3.248.0.10')).toEqual([null, 'EC2', 'egress', 8]);
    expect(fields(rows, '3.248.0.10', ENI4)).toEqual(['EC2', null, 'ingress', null]);
    // The peered VPC: intra-region peering (4), no AWS service.
    expect(fields(rows, ENI4, '10.1.0.5')).toEqual([null, null, 'egress', 4]);
    // The internet: internet gateway, no AWS service.
    expect(fields(rows, ENI4, '198.51.100.7')).toEqual([null, null, 'egress', 8]);
    // IPv6: EC2 through the internet gateway.
    expect(fields(rows, ENI6, '2600:1f18:4000::1')).toEqual([null, 'EC2', 'egress', 8]);
    // Within the VPC: another resource of the same VPC (1).
    expect(fields(rows, ENI4, '10.0.2.20')).toEqual([null, null, 'egress', 1]);
    // No session: flow-direction from the VPC CIDRs instead of '-'.
    expect(fields(rows, '10.0.3.3', '198.51.100.8')).toEqual([null, null, 'egress', 8]);
    // The resolver and IMDS are left out (and counted); detection saw them all the same.
    expect(rows.has(`${ENI4} 10.0.0.2`)).toBe(false);
    expect(rows.has(`10.0.0.2 ${ENI4}`)).toBe(false);
    expect(rows.has(`${ENI4} 169.254.169.254`)).toBe(false);
    const flowsSummary = summary.flows as Record<string, number>;
    expect(flowsSummary.flow_log_records_omitted).toBe(3);
    expect(flowsSummary.total).toBe(9);
  });

  it('keeps the resolver and IMDS traffic unless omit_unlogged_traffic is on', async () => {
    const { rows, summary } = await replayAndQuery(false);
    expect(fields(rows, ENI4, '10.0.0.2')).toEqual([null, null, 'egress', 1]);
    expect(rows.has(`${ENI4} 169.254.169.254`)).toBe(true);
    expect((summary.flows as Record<string, number>).flow_log_records_omitted).toBeUndefined();
  });

  it('adds the services to EVE flow events as an aws object', async () => {
    const f = writeFixtures(true);
    const eve = path.join(path.dirname(f.pcap), 'eve.json');
    const r = await captureStdout(() => replayRun([f.pcap, '--config', f.config, '--aws-ip-ranges', f.ranges, '--eve', eve, '--no-rules', '--json', '--quiet']));
    expect(r.code).toBe(0);
    const flows = readFileSync(eve, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event_type":"flow"'))
      .map((l) => JSON.parse(l) as { dest_ip: string; aws?: Record<string, string> });
    const byDest = new Map(flows.map((e) => [e.dest_ip, e.aws]));
    expect(byDest.get('52.216.10.5')).toEqual({ dest_service: 'S3' });
    expect(byDest.get('3.248.0.10')).toEqual({ dest_service: 'EC2' });
    expect(byDest.get('2600:1f18:4000:0000:0000:0000:0000:0001')).toEqual({ dest_service: 'EC2' });
    expect(byDest.has('198.51.100.7')).toBe(true);
    expect(byDest.get('198.51.100.7')).toBeUndefined();
    // EVE is not a flow log: the resolver's flow is there.
    expect(byDest.has('10.0.0.2')).toBe(true);
  });

  it('answers the operator guide query: bytes to each AWS service per hour', async () => {
    const f = writeFixtures(true);
    const flows = path.join(path.dirname(f.pcap), 'flows');
    await captureStdout(() => replayRun([f.pcap, '--config', f.config, '--aws-ip-ranges', f.ranges, '--flows-dir', flows, '--log-format', FORMAT, '--no-rules', '--json', '--quiet']));
    const q = await captureStdout(() =>
      flowsRun(['query', 'filter flowDirection = "egress" and ispresent(pktDstAwsService) | stats sum(bytes) as bytes by bin(1h), pktDstAwsService | sort bytes desc', flows, '--json']),
    );
    expect(q.code).toBe(0);
    const rows = q.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.pktDstAwsService, r.bytes])).toEqual([
      ['EC2', 40 + 60],
      ['S3', 40],
    ]);
  });
});
