/**
 * The `aws:` section: validation with file, line and key; the context it builds (traffic-path
 * codes, direction, what VPC Flow Logs leaves out); and the ip-ranges file read again when the
 * stages are rebuilt (reload).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { AwsFlowContext, DIR_EGRESS, DIR_INGRESS, DIR_UNKNOWN, loadAwsFlowContext } from '../../src/aws/aws-context.js';
import { AWS_DEFAULTS, type AwsConfig } from '../../src/aws/aws-config.js';
import { parseCidr, type ParsedCidr } from '../../src/net/cidr.js';
import { buildStages, retireStages, StageBuildError } from '../../src/pipeline/build.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { tmpDir, writeConfig } from '../server/harness.js';
import { ipRangesDocument } from './ip-ranges-fixture.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const cidrs = (...t: string[]) => t.map((x) => parseCidr(x) as ParsedCidr);

/** keyAddr-like words of two addresses: src at 0, dst at 4. */
function pair(src: string, dst: string): { ver: number; words: Uint32Array } {
  const s = parseCidr(src) as ParsedCidr;
  const d = parseCidr(dst) as ParsedCidr;
  return { ver: s.family, words: Uint32Array.from([...s.words, ...d.words]) };
}

describe('aws: configuration', () => {
  it('validates every key, naming file, line and key', () => {
    const dir = tmpDir();
    const file = writeConfig(
      dir,
      `aws:
  ip_ranges: 7
  vpc_cidrs: [10.0.0.1/16, nonsense]
  nitro: maybe
  traffic_paths:
    internet_gatway: [0.0.0.0/0]
    inter_region_peering: 10.2.0.0/33
  omit_unlogged: true
`,
    );
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    const want = [
      /:2: aws\.ip_ranges: must be the path of an ip-ranges\.json file, got 7/,
      /:3: aws\.vpc_cidrs\[0\]: '10\.0\.0\.1\/16' has bits set beyond the \/16 prefix \(did you mean 10\.0\.0\.0\/16\?\)/,
      /:3: aws\.vpc_cidrs\[1\]: 'nonsense' is not a valid IPv4 or IPv6 CIDR block/,
      /:4: aws\.nitro: must be true or false, got 'maybe'/,
      /:6: aws\.traffic_paths\.internet_gatway: unknown route target \(known: internet_gateway, /,
      /:7: aws\.traffic_paths\.inter_region_peering: '10\.2\.0\.0\/33': prefix length must be an integer from 0 to 32/,
      /:8: aws\.omit_unlogged: unknown key/,
    ];
    for (const re of want) expect(problems.some((p) => re.test(p)), `${re} in:\n${problems.join('\n')}`).toBe(true);
    expect(problems.length).toBe(want.length);
  });

  it('resolves ip_ranges against the configuration file and keeps the lists', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, 'aws:\n  ip_ranges: ranges/ip-ranges.json\n  vpc_cidrs: 10.0.0.0/16\n  nitro: false\n  traffic_paths:\n    virtual_private_gateway: [192.168.0.0/16]\n');
    const { config } = loadConfig({ file, env: {} });
    expect(config.aws.ipRanges).toBe(path.join(dir, 'ranges', 'ip-ranges.json'));
    expect(config.aws.vpcCidrs.map((c) => c.text)).toEqual(['10.0.0.0/16']);
    expect(config.aws.nitro).toBe(false);
    expect(config.aws.trafficPaths.virtual_private_gateway!.map((c) => c.text)).toEqual(['192.168.0.0/16']);
    expect(loadConfig({ file: null, env: {} }).config.aws).toEqual(AWS_DEFAULTS);
  });
});

describe('AwsFlowContext', () => {
  const config: AwsConfig = {
    ...AWS_DEFAULTS,
    vpcCidrs: cidrs('10.0.0.0/16', '2001:db8:1::/56'),
    trafficPaths: {
      internet_gateway: cidrs('0.0.0.0/0'),
      gateway_endpoint: cidrs('52.216.0.0/15'),
      virtual_private_gateway: cidrs('192.168.0.0/16'),
      intra_region_peering: cidrs('10.1.0.0/16'),
      inter_region_peering: cidrs('10.2.0.0/16'),
      local_gateway: cidrs('172.16.0.0/12'),
      nat_gateway: cidrs('100.64.0.0/10'),
      transit_gateway: cidrs('10.8.0.0/13'),
    },
  };

  it('maps route targets to AWS traffic-path codes by longest prefix (Nitro: 7 and 8; else 2)', () => {
    const path1 = (ctx: AwsFlowContext, dst: string) => {
      const p = pair('10.0.1.10', dst);
      return ctx.trafficPath(p.ver, p.words, 4);
    };
    const nitro = new AwsFlowContext(config, null);
    const classic = new AwsFlowContext({ ...config, nitro: false }, null);
    const dsts = ['10.0.9.9', '8.8.8.8', '52.217.0.1', '192.168.4.4', '10.1.0.1', '10.2.0.1', '172.20.0.1', '100.64.1.1', '10.9.0.1'];
    expect(dsts.map((d) => path1(nitro, d))).toEqual([1, 8, 7, 3, 4, 5, 6, 1, 1]);
    expect(dsts.map((d) => path1(classic, d))).toEqual([1, 2, 2, 3, 4, 5, 6, 1, 1]);
    // IPv6 with no ::/0 route: the configuration cannot tell.
    const p6 = pair('2001:db8:1::10', '2600::1');
    expect(nitro.trafficPath(p6.ver, p6.words, 4)).toBeNull();
    expect(new AwsFlowContext(AWS_DEFAULTS, null).trafficPath(4, pair('10.0.1.10', '8.8.8.8').words, 4)).toBeNull();
  });

  it('tells direction from the VPC CIDRs only when exactly one end is inside', () => {
    const ctx = new AwsFlowContext(config, null);
    const dir = (s: string, d: string) => {
      const p = pair(s, d);
      return ctx.directionOf(p.ver, p.words, 0, 4);
    };
    expect(dir('10.0.1.10', '8.8.8.8')).toBe(DIR_EGRESS);
    expect(dir('8.8.8.8', '10.0.1.10')).toBe(DIR_INGRESS);
    expect(dir('10.0.1.10', '10.0.2.2')).toBe(DIR_UNKNOWN);
    expect(dir('8.8.8.8', '1.1.1.1')).toBe(DIR_UNKNOWN);
    expect(dir('2001:db8:1:ff::1', '2600::1')).toBe(DIR_EGRESS);
  });

  it('recognises what VPC Flow Logs never records, only when asked', () => {
    const on = new AwsFlowContext({ ...config, omitUnloggedTraffic: true }, null);
    const off = new AwsFlowContext(config, null);
    const un = (ctx: AwsFlowContext, s: string, d: string, proto = 6, sp = 40000, dp = 443) => {
      const p = pair(s, d);
      return ctx.isUnlogged(p.ver, p.words, 0, 4, proto, sp, dp);
    };
    for (const d of ['169.254.169.254', '169.254.169.123', '169.254.169.253', '169.254.169.250', '169.254.169.251', '10.0.0.2', '10.0.0.1']) expect(un(on, '10.0.1.10', d), d).toBe(true);
    expect(un(on, 'fd00:ec2::254', '2001:db8:1::10')).toBe(true);
    expect(un(on, '0.0.0.0', '255.255.255.255', 17, 68, 67)).toBe(true);
    expect(un(on, '10.0.1.10', '10.0.0.3')).toBe(false);
    expect(un(on, '10.0.1.10', '8.8.8.8', 17, 40000, 53)).toBe(false);
    expect(un(off, '10.0.1.10', '169.254.169.254')).toBe(false);
  });
});

describe('aws: context across rebuilds (reload)', () => {
  it('reads the ip-ranges file at every build, and names it when it is bad', async () => {
    const dir = tmpDir();
    const ranges = path.join(dir, 'ip-ranges.json');
    writeFileSync(ranges, ipRangesDocument([['52.216.0.0/15', 'us-east-1', 'S3']], []));
    const file = writeConfig(dir, `aws:\n  ip_ranges: ip-ranges.json\nflows: { max_flows: 64, log: { dir: ${JSON.stringify(path.join(dir, 'flows'))} } }\n`);
    const { config } = loadConfig({ file, env: {} });
    const pipeline = new Pipeline({});
    const first = await buildStages(config, { drops: pipeline.drops, clock: 'packet' }, null);
    const p = pair('10.0.1.10', '52.216.1.1');
    const agg = first.flows!.outputs.aggregator!;
    const ctxOf = () => (agg as unknown as { aws: AwsFlowContext | null }).aws;
    expect(ctxOf()!.serviceOf(4, p.words, 4)).toBe('S3');
    writeFileSync(ranges, ipRangesDocument([['52.216.0.0/15', 'us-east-1', 'AMAZON']], []));
    const second = await buildStages(config, { drops: pipeline.drops, clock: 'packet' }, first);
    // The flow bundle is kept across the rebuild; its aggregator has the new ranges.
    expect(second.flows!.outputs.aggregator).toBe(agg);
    expect(ctxOf()!.serviceOf(4, p.words, 4)).toBe('AMAZON');
    writeFileSync(ranges, '{ not json');
    await expect(buildStages(config, { drops: pipeline.drops, clock: 'packet' }, second)).rejects.toThrow(StageBuildError);
    await expect(buildStages(config, { drops: pipeline.drops, clock: 'packet' }, second)).rejects.toThrow(/aws\.ip_ranges: .*ip-ranges\.json: not JSON/);
    await retireStages(second, null);
    expect(loadAwsFlowContext(AWS_DEFAULTS).context).toBeNull();
  });
});
