/**
 * The `aws:` configuration section: AWS context that packets cannot tell, used to fill VPC Flow
 * Logs fields (pkt-src/dst-aws-service, traffic-path, flow-direction) and to leave out what VPC
 * Flow Logs never records. Validated here (as defrag-config.ts does for defrag:), called from
 * config/validate.ts; problems name the key, the loader adds file and line.
 *
 *   aws:
 *     ip_ranges: ip-ranges.json          # AWS's published ranges → service names
 *     vpc_cidrs: [10.0.0.0/16]           # the mirrored ENIs' VPC: traffic-path 1, direction
 *     nitro: true                        # internet gateway 8 / gateway endpoint 7 (false: 2)
 *     traffic_paths:                     # destinations of egress flows, by route target
 *       internet_gateway: [0.0.0.0/0, ::/0]
 *       gateway_endpoint: [52.216.0.0/15]   # the S3/DynamoDB prefix list's CIDRs
 *       virtual_private_gateway: [192.168.0.0/16]
 *       intra_region_peering: [10.1.0.0/16]
 *       inter_region_peering: [10.2.0.0/16]
 *       local_gateway: [...]
 *       nat_gateway: [...]               # resources with an ENI in the VPC: code 1
 *       transit_gateway: [...]
 *     omit_unlogged_traffic: false       # drop from flow logs what VPC Flow Logs never logs
 */
import path from 'node:path';
import { parseCidr, type ParsedCidr } from '../net/cidr.js';

export type KeyPathSeg = string | number;
export type AddAwsProblem = (at: readonly KeyPathSeg[], message: string) => void;

/** traffic_paths keys and the traffic-path codes of "Flow log records" (VPC user guide). */
export const TRAFFIC_PATH_TARGETS = [
  'internet_gateway',
  'gateway_endpoint',
  'virtual_private_gateway',
  'intra_region_peering',
  'inter_region_peering',
  'local_gateway',
  'nat_gateway',
  'transit_gateway',
] as const;
export type TrafficPathTarget = (typeof TRAFFIC_PATH_TARGETS)[number];

/**
 * AWS's codes: 1 another resource in the same VPC (NAT and transit gateways have ENIs there),
 * 2 internet gateway or gateway VPC endpoint, 3 virtual private gateway, 4 intra-region
 * peering, 5 inter-region peering, 6 local gateway, 7 gateway VPC endpoint and 8 internet
 * gateway on Nitro instances (AWS reports 7/8 instead of 2 for them; Traffic Mirroring
 * sources are mostly Nitro).
 */
export function trafficPathCode(target: TrafficPathTarget | 'vpc', nitro: boolean): number {
  switch (target) {
    case 'vpc':
    case 'nat_gateway':
    case 'transit_gateway':
      return 1;
    case 'internet_gateway':
      return nitro ? 8 : 2;
    case 'gateway_endpoint':
      return nitro ? 7 : 2;
    case 'virtual_private_gateway':
      return 3;
    case 'intra_region_peering':
      return 4;
    case 'inter_region_peering':
      return 5;
    case 'local_gateway':
      return 6;
  }
}

export interface AwsConfig {
  /** Absolute path of an ip-ranges.json file, or null. */
  ipRanges: string | null;
  vpcCidrs: ParsedCidr[];
  nitro: boolean;
  trafficPaths: Partial<Record<TrafficPathTarget, ParsedCidr[]>>;
  omitUnloggedTraffic: boolean;
}

export const AWS_DEFAULTS: AwsConfig = { ipRanges: null, vpcCidrs: [], nitro: true, trafficPaths: {}, omitUnloggedTraffic: false };

const AWS_KEYS = ['ip_ranges', 'vpc_cidrs', 'nitro', 'traffic_paths', 'omit_unlogged_traffic'];

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cidrList(v: unknown, at: readonly KeyPathSeg[], add: AddAwsProblem): ParsedCidr[] {
  if (v === undefined || v === null) return [];
  const items = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(items)) {
    add(at, `must be a list of CIDR blocks, got ${describe(v)}`);
    return [];
  }
  const out: ParsedCidr[] = [];
  items.forEach((item, i) => {
    const where = typeof v === 'string' ? at : [...at, i];
    if (typeof item !== 'string') {
      add(where, `must be a CIDR block such as 10.0.0.0/16, got ${describe(item)}`);
      return;
    }
    const c = parseCidr(item, false);
    if (typeof c === 'string') add(where, c);
    else if (c.hostBitsSet) add(where, `'${item}' has bits set beyond the /${c.prefix} prefix (did you mean ${c.text}?)`);
    else out.push(c);
  });
  return out;
}

function bool(v: unknown, at: readonly KeyPathSeg[], add: AddAwsProblem, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  add(at, `must be true or false, got ${describe(v)}`);
  return fallback;
}

/**
 * Validate `aws:`. `baseDirOf(at)` is the directory relative paths at that key resolve against
 * (the configuration file's, or the working directory for flags).
 */
export function validateAwsSection(raw: unknown, add: AddAwsProblem, baseDirOf: (at: readonly KeyPathSeg[]) => string): AwsConfig {
  const at = ['aws'];
  if (raw === undefined || raw === null) return AWS_DEFAULTS;
  if (!isMapping(raw)) {
    add(at, `must be a mapping (ip_ranges, vpc_cidrs, traffic_paths...), got ${describe(raw)}`);
    return AWS_DEFAULTS;
  }
  for (const k of Object.keys(raw)) if (!AWS_KEYS.includes(k)) add([...at, k], `unknown key (known: ${AWS_KEYS.join(', ')})`);
  let ipRanges: string | null = null;
  if (raw.ip_ranges !== undefined && raw.ip_ranges !== null) {
    if (typeof raw.ip_ranges !== 'string' || raw.ip_ranges.trim() === '') add([...at, 'ip_ranges'], `must be the path of an ip-ranges.json file, got ${describe(raw.ip_ranges)}`);
    else ipRanges = path.resolve(baseDirOf([...at, 'ip_ranges']), raw.ip_ranges.trim());
  }
  const vpcCidrs = cidrList(raw.vpc_cidrs, [...at, 'vpc_cidrs'], add);
  const trafficPaths: AwsConfig['trafficPaths'] = {};
  const tp = raw.traffic_paths;
  if (tp !== undefined && tp !== null) {
    const tat = [...at, 'traffic_paths'];
    if (!isMapping(tp)) add(tat, `must be a mapping of route targets (${TRAFFIC_PATH_TARGETS.join(', ')}) to CIDR lists, got ${describe(tp)}`);
    else {
      for (const k of Object.keys(tp)) {
        if (!(TRAFFIC_PATH_TARGETS as readonly string[]).includes(k)) {
          add([...tat, k], `unknown route target (known: ${TRAFFIC_PATH_TARGETS.join(', ')})`);
          continue;
        }
        trafficPaths[k as TrafficPathTarget] = cidrList(tp[k], [...tat, k], add);
      }
    }
  }
  return {
    ipRanges,
    vpcCidrs,
    nitro: bool(raw.nitro, [...at, 'nitro'], add, true),
    trafficPaths,
    omitUnloggedTraffic: bool(raw.omit_unlogged_traffic, [...at, 'omit_unlogged_traffic'], add, false),
  };
}
