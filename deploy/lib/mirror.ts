/**
 * Traffic Mirror filter and sessions, generated from mirrorsink's filter definition. Shared by
 * the NLB and ENI target stacks: only the mirror target differs between them.
 */
import { Annotations, Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type Direction, type FilterDefinition, DIRECTIONS, onlyDirection } from './filter.js';

/** A mirror source ENI and the VNI(s) its traffic is tagged with. */
export interface SessionSpec {
  sourceEniId: string;
  /** One session, both directions, this VNI (mirrorsink then tells direction by addresses or MAC). */
  vni?: number;
  /** One session per direction: ingress traffic under ingressVni, egress under egressVni. */
  ingressVni?: number;
  egressVni?: number;
  /** First session number on this ENI (1-32766; lower is evaluated first). Default 1. */
  sessionNumber?: number;
  /** Bytes to keep after the VXLAN header (1-8500); default: whole packet up to the target MTU. */
  packetLength?: number;
}

export class MirrorFilter extends Construct {
  readonly filter: ec2.CfnTrafficMirrorFilter;

  constructor(scope: Construct, id: string, def: FilterDefinition) {
    super(scope, id);
    this.filter = new ec2.CfnTrafficMirrorFilter(this, 'Filter', {
      description: def.description ?? `mirrorsink filter ${def.name}`,
      networkServices: def.networkServices.length > 0 ? def.networkServices : undefined,
      tags: [{ key: 'Name', value: def.name }],
    });
    for (const direction of DIRECTIONS) {
      for (const rule of def[direction]) {
        new ec2.CfnTrafficMirrorFilterRule(this, `${direction}${rule.number}`, {
          trafficMirrorFilterId: this.filter.ref,
          trafficDirection: direction,
          ruleNumber: rule.number,
          ruleAction: rule.action,
          protocol: rule.protocol,
          sourceCidrBlock: rule.sourceCidr,
          destinationCidrBlock: rule.destinationCidr,
          sourcePortRange: rule.sourcePorts && { fromPort: rule.sourcePorts.from, toPort: rule.sourcePorts.to },
          destinationPortRange: rule.destinationPorts && { fromPort: rule.destinationPorts.from, toPort: rule.destinationPorts.to },
          description: rule.description,
        });
      }
    }
  }
}

export interface MirrorSessionsProps {
  definition: FilterDefinition;
  /** TrafficMirrorTargetId (Ref of AWS::EC2::TrafficMirrorTarget). */
  targetId: string;
  sessions: SessionSpec[];
}

export class MirrorSessions extends Construct {
  readonly sessions: ec2.CfnTrafficMirrorSession[] = [];
  private readonly filters = new Map<string, MirrorFilter>();

  constructor(scope: Construct, id: string, private readonly props: MirrorSessionsProps) {
    super(scope, id);
    if (props.sessions.length === 0) throw new Error('mirrorsink: at least one mirror session (source ENI and VNI) is required');
    validateSessions(props.sessions);

    props.sessions.forEach((spec, i) => {
      const first = spec.sessionNumber ?? 1;
      if (spec.vni !== undefined) {
        this.addSession(`Session${i}`, spec, first, spec.vni, this.filterFor('both'));
        return;
      }
      this.addSession(`Session${i}Ingress`, spec, first, spec.ingressVni!, this.filterFor('ingress'));
      // Higher number: evaluated after the ingress session, whose filter has no egress rules.
      this.addSession(`Session${i}Egress`, spec, first + 1, spec.egressVni!, this.filterFor('egress'));
    });
  }

  private addSession(id: string, spec: SessionSpec, sessionNumber: number, vni: number, filter: MirrorFilter) {
    const session = new ec2.CfnTrafficMirrorSession(this, id, {
      networkInterfaceId: spec.sourceEniId,
      trafficMirrorTargetId: this.props.targetId,
      trafficMirrorFilterId: filter.filter.ref,
      sessionNumber,
      virtualNetworkId: vni,
      packetLength: spec.packetLength,
      description: `mirrorsink ${id}`,
    });
    this.sessions.push(session);
  }

  /** One filter per kind, created on first use so that unused variants are not deployed. */
  private filterFor(kind: 'both' | Direction): MirrorFilter {
    let filter = this.filters.get(kind);
    if (!filter) {
      const def = this.props.definition;
      if (kind === 'both') {
        filter = new MirrorFilter(this, 'Filter', def);
      } else {
        if (def.networkServices.length > 0) {
          Annotations.of(this).addWarningV2(
            'mirrorsink:split-network-services',
            `network_services (${def.networkServices.join(', ')}) left out of the per-direction filters: AWS mirrors such traffic in both directions, which would put replies under the wrong direction's VNI`,
          );
        }
        if (def[kind].length === 0) {
          Annotations.of(this).addWarningV2(`mirrorsink:empty-${kind}`, `filter '${def.name}' has no ${kind} rules: the ${kind} sessions will mirror nothing`);
        }
        filter = new MirrorFilter(this, kind === 'ingress' ? 'IngressFilter' : 'EgressFilter', onlyDirection(def, kind));
      }
      this.filters.set(kind, filter);
    }
    return filter;
  }
}

/** Checks that would otherwise fail only at deploy time (or, for VNIs, confuse the sink). */
export function validateSessions(sessions: SessionSpec[]): void {
  const vnis = new Map<number, string>();
  const numbers = new Set<string>();
  sessions.forEach((s, i) => {
    const where = `mirror session ${i} (${s.sourceEniId})`;
    if (!Token.isUnresolved(s.sourceEniId) && !/^eni-[0-9a-f]{8,17}$/.test(s.sourceEniId)) {
      throw new Error(`${where}: '${s.sourceEniId}' is not an ENI id like eni-0123456789abcdef0`);
    }
    const split = s.ingressVni !== undefined || s.egressVni !== undefined;
    if (split === (s.vni !== undefined) || (split && (s.ingressVni === undefined || s.egressVni === undefined))) {
      throw new Error(`${where}: give either vni, or both ingressVni and egressVni`);
    }
    const first = s.sessionNumber ?? 1;
    checkInt(first, 1, split ? 32765 : 32766, `${where}: sessionNumber`);
    if (s.packetLength !== undefined) checkInt(s.packetLength, 1, 8500, `${where}: packetLength`);
    const used = split ? [s.ingressVni!, s.egressVni!] : [s.vni!];
    for (const vni of used) {
      checkInt(vni, 0, 0xffffff, `${where}: VNI`);
      if (Token.isUnresolved(vni)) continue;
      // mirrorsink maps each VNI to one session (and direction): a VNI used twice is ambiguous.
      const other = vnis.get(vni);
      if (other !== undefined) throw new Error(`${where}: VNI ${vni} is already used by ${other}`);
      vnis.set(vni, where);
    }
    for (let n = first; n < first + (split ? 2 : 1); n++) {
      const key = `${s.sourceEniId}#${n}`;
      if (!Token.isUnresolved(s.sourceEniId) && numbers.has(key)) {
        throw new Error(`${where}: session number ${n} is already used on ${s.sourceEniId}`);
      }
      numbers.add(key);
    }
  });
}

function checkInt(n: number, min: number, max: number, what: string) {
  if (Token.isUnresolved(n)) return;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be an integer from ${min} to ${max}, got ${n}`);
}
