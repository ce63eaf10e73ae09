/**
 * The AWS context flow-log records are filled from (aws: in the configuration): service names
 * from ip-ranges.json, traffic-path and flow-direction from the VPC CIDRs and route-target
 * prefixes, and the traffic VPC Flow Logs never records. Built at start and on every reload (the
 * ranges file is read again then); queried per flow record with the flow table's key words,
 * never per packet, allocating nothing.
 */
import { parseCidr, type ParsedCidr } from '../net/cidr.js';
import { TRAFFIC_PATH_TARGETS, trafficPathCode, type AwsConfig } from './aws-config.js';
import { loadIpRanges, type AwsIpRanges } from './ip-ranges.js';
import { NO_VALUE, PrefixTrie } from './prefix-trie.js';

/** Direction values as PacketView's Direction: 0 unknown, 1 ingress, 2 egress. */
export const DIR_UNKNOWN = 0;
export const DIR_INGRESS = 1;
export const DIR_EGRESS = 2;

const IPPROTO_UDP = 17;

/**
 * Addresses VPC Flow Logs does not log ("Flow log limitations", VPC user guide): instance
 * metadata, Amazon Time Sync, the Amazon DNS resolver's link-local addresses, Windows license
 * activation; plus, per VPC IPv4 CIDR, the router (base+1) and the resolver (base+2).
 */
const UNLOGGED_ADDRESSES = ['169.254.169.254', '169.254.169.123', '169.254.169.253', '169.254.169.250', '169.254.169.251', 'fd00:ec2::254', 'fd00:ec2::123', 'fd00:ec2::253'];

export class AwsFlowContext {
  readonly ranges: AwsIpRanges | null;
  readonly omitUnlogged: boolean;
  private readonly vpc = new PrefixTrie();
  private readonly routes = new PrefixTrie();
  private readonly unlogged = new PrefixTrie();
  private readonly hasVpc: boolean;
  private readonly hasRoutes: boolean;

  constructor(config: AwsConfig, ranges: AwsIpRanges | null) {
    this.ranges = ranges;
    this.omitUnlogged = config.omitUnloggedTraffic;
    const put = (t: PrefixTrie, c: ParsedCidr, v: number) => t.insert(c.family, c.words, c.prefix, v);
    for (const c of config.vpcCidrs) {
      put(this.vpc, c, 1);
      put(this.routes, c, trafficPathCode('vpc', config.nitro));
    }
    for (const target of TRAFFIC_PATH_TARGETS) {
      for (const c of config.trafficPaths[target] ?? []) put(this.routes, c, trafficPathCode(target, config.nitro));
    }
    this.hasVpc = config.vpcCidrs.length > 0;
    this.hasRoutes = this.routes.size > 0;
    for (const a of UNLOGGED_ADDRESSES) put(this.unlogged, parseCidr(a) as ParsedCidr, 1);
    for (const c of config.vpcCidrs) {
      if (c.family !== 4 || c.prefix > 30) continue;
      for (const k of [1, 2]) this.unlogged.insert(4, [(c.words[0] + k) >>> 0, 0, 0, 0], 32, 1);
    }
  }

  /** Service code of the address at words[off..] (flow table keyAddr layout), null when none. */
  serviceOf(version: number, words: ArrayLike<number>, off: number): string | null {
    return this.ranges === null ? null : this.ranges.serviceOf(version, words, off);
  }

  /** traffic-path code of an egress flow to the destination at words[off..], null when the configuration cannot tell. */
  trafficPath(version: number, words: ArrayLike<number>, off: number): number | null {
    if (!this.hasRoutes) return null;
    const v = this.routes.lookupWords(version, words, off);
    return v === NO_VALUE ? null : v;
  }

  /** Direction from the VPC CIDRs: source inside and destination outside = egress, and the reverse ingress. */
  directionOf(version: number, words: ArrayLike<number>, srcOff: number, dstOff: number): number {
    if (!this.hasVpc) return DIR_UNKNOWN;
    const s = this.vpc.lookupWords(version, words, srcOff) !== NO_VALUE;
    const d = this.vpc.lookupWords(version, words, dstOff) !== NO_VALUE;
    return s === d ? DIR_UNKNOWN : s ? DIR_EGRESS : DIR_INGRESS;
  }

  /** Would VPC Flow Logs leave this flow out (only when omit_unlogged_traffic is on)? */
  isUnlogged(version: number, words: ArrayLike<number>, offA: number, offB: number, proto: number, portA: number, portB: number): boolean {
    if (!this.omitUnlogged) return false;
    // DHCP (67/68) and DHCPv6 (546/547).
    if (proto === IPPROTO_UDP && (isDhcpPort(portA) || isDhcpPort(portB))) return true;
    return this.unlogged.lookupWords(version, words, offA) !== NO_VALUE || this.unlogged.lookupWords(version, words, offB) !== NO_VALUE;
  }
}

function isDhcpPort(p: number): boolean {
  return p === 67 || p === 68 || p === 546 || p === 547;
}

/** Is any part of `aws:` set (else no context is built)? */
export function awsConfigured(config: AwsConfig): boolean {
  return config.ipRanges !== null || config.vpcCidrs.length > 0 || Object.keys(config.trafficPaths).length > 0 || config.omitUnloggedTraffic;
}

/**
 * Build the context of a configuration, reading its ip_ranges file. Throws IpRangesError
 * (naming the file) when the file is unreadable or not an ip-ranges.json document; entries
 * skipped inside it come back as warnings.
 */
export function loadAwsFlowContext(config: AwsConfig): { context: AwsFlowContext | null; warnings: string[] } {
  if (!awsConfigured(config)) return { context: null, warnings: [] };
  const warnings: string[] = [];
  let ranges: AwsIpRanges | null = null;
  if (config.ipRanges !== null) {
    const r = loadIpRanges(config.ipRanges);
    ranges = r.ranges;
    const skipped = Object.entries(r.skipped);
    if (skipped.length > 0) warnings.push(`${config.ipRanges}: entries skipped: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  return { context: new AwsFlowContext(config, ranges), warnings };
}
