/**
 * The mirror-filter model, identical to AWS's Traffic Mirror filter:
 *
 * - two rule lists, ingress (traffic received by the source ENI) and egress (sent by it);
 * - within the packet's direction, rules are evaluated in ascending RuleNumber and the first
 *   rule that matches decides: `accept` = mirrored, `reject` = not mirrored;
 * - no matching rule, or no rules at all for that direction = not mirrored;
 * - Protocol is an IANA number; absent = all protocols. Protocol 0 is read as "all" in every
 *   input format (the Terraform provider sends 0 as "unset", and IANA 0 = HOPOPT is an IPv6
 *   extension header that never is a packet's upper-layer protocol);
 * - source/destination port ranges are inclusive and apply only to TCP (6) and UDP (17): a rule
 *   with a port range matches only packets that carry ports (a TCP/UDP packet whose L4 header
 *   was decoded). ICMP, other protocols and non-first fragments never match such a rule;
 * - source and destination CIDR blocks are both IPv4 or both IPv6; an IPv4 packet never matches
 *   an IPv6 rule and vice versa (0.0.0.0/0 matches every IPv4 packet and no IPv6 packet);
 * - the protocol compared is the packet's upper-layer protocol (PacketView.ipProto, i.e. after
 *   IPv6 extension headers);
 * - NetworkServices `amazon-dns`: every packet to or from the Amazon DNS resolver address is
 *   mirrored whatever the rules say (evaluated before the rules, in both directions, reported as
 *   rule -2). The address is configuration (`amazonDnsAddress`, normally VPC base + 2).
 */

export type RuleAction = 'accept' | 'reject';
export type TrafficDirection = 'ingress' | 'egress';
export const TRAFFIC_DIRECTIONS: readonly TrafficDirection[] = ['ingress', 'egress'];

export interface PortRange {
  from: number;
  to: number;
}

export interface MirrorFilterRule {
  direction: TrafficDirection;
  ruleNumber: number;
  action: RuleAction;
  /** IANA protocol number 1-255, null = all protocols. */
  protocol: number | null;
  srcPorts: PortRange | null;
  dstPorts: PortRange | null;
  /** Normalised CIDR text (host bits cleared, IPv6 in RFC 5952 form). */
  srcCidr: string;
  dstCidr: string;
  description?: string;
  /** TrafficMirrorFilterRuleId when the source had one. */
  ruleId?: string;
}

export const NETWORK_SERVICES = ['amazon-dns'] as const;
export type NetworkService = (typeof NETWORK_SERVICES)[number];

export interface MirrorFilter {
  /** TrafficMirrorFilterId (tmf-...) when the source had one. */
  id?: string;
  /** Human name: own YAML `filter`, the Name tag, or the Terraform resource name. */
  name?: string;
  description?: string;
  networkServices: NetworkService[];
  /** Sorted by ascending rule number. */
  ingress: MirrorFilterRule[];
  /** Sorted by ascending rule number. */
  egress: MirrorFilterRule[];
}

/** AWS limits (violations are errors with `strict`, warnings otherwise). */
export const AWS_MAX_RULES_PER_FILTER = 10;
export const AWS_MIN_RULE_NUMBER = 1;
export const AWS_MAX_RULE_NUMBER = 32766;

export const PROTOCOL_NAMES: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  ipip: 4,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  'ipv6-icmp': 58,
  sctp: 132,
};

const NAME_BY_NUMBER: Record<number, string> = {
  1: 'icmp',
  2: 'igmp',
  4: 'ipip',
  6: 'tcp',
  17: 'udp',
  41: 'ipv6',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'icmpv6',
  132: 'sctp',
};

export function protocolName(p: number | null): string {
  if (p === null) return 'all';
  return NAME_BY_NUMBER[p] ?? `proto ${p}`;
}

export function portRangeText(r: PortRange | null): string {
  if (r === null) return 'any';
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}

/** Does a rule's protocol allow packets that carry ports (TCP/UDP)? */
export function protocolHasPorts(p: number | null): boolean {
  return p === null || p === 6 || p === 17;
}

/** One line describing a rule, as `filter check` prints it. */
export function ruleText(r: MirrorFilterRule): string {
  const parts = [
    String(r.ruleNumber).padStart(5),
    r.action.padEnd(6),
    protocolName(r.protocol).padEnd(9),
    `${r.srcCidr} port ${portRangeText(r.srcPorts)} -> ${r.dstCidr} port ${portRangeText(r.dstPorts)}`,
  ];
  if (r.description) parts.push(`(${r.description})`);
  return parts.join('  ');
}

export function rulesOf(f: MirrorFilter, d: TrafficDirection): MirrorFilterRule[] {
  return d === 'ingress' ? f.ingress : f.egress;
}

/** Sort both lists by rule number (stable, in place) and return the filter. */
export function sortRules(f: MirrorFilter): MirrorFilter {
  f.ingress.sort((a, b) => a.ruleNumber - b.ruleNumber);
  f.egress.sort((a, b) => a.ruleNumber - b.ruleNumber);
  return f;
}

/** The model without source-specific identifiers, for comparisons (round trips, reloads). */
export function comparableFilter(f: MirrorFilter): object {
  const rule = (r: MirrorFilterRule) => ({
    direction: r.direction,
    ruleNumber: r.ruleNumber,
    action: r.action,
    protocol: r.protocol,
    srcPorts: r.srcPorts,
    dstPorts: r.dstPorts,
    srcCidr: r.srcCidr,
    dstCidr: r.dstCidr,
    description: r.description ?? '',
  });
  return {
    name: f.name ?? '',
    description: f.description ?? '',
    networkServices: [...f.networkServices].sort(),
    ingress: f.ingress.map(rule),
    egress: f.egress.map(rule),
  };
}
