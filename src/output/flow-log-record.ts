/**
 * VPC Flow Logs records: the text of one record in a log format. The aggregator decides what
 * goes into records; this file only knows the format. The field catalogue and the `${field}`
 * syntax are in config/flow-log-format.ts (re-exported here).
 */
import type { FlowLogFieldDef, FlowLogFormat } from '../config/flow-log-format.js';

export {
  FLOW_LOG_FIELDS,
  DEFAULT_LOG_FORMAT,
  camelCaseFieldName,
  flowLogField,
  parseLogFormat,
  type FlowLogFieldDef,
  type FlowLogFormat,
} from '../config/flow-log-format.js';

export type LogStatus = 'OK' | 'NODATA' | 'SKIPDATA';

/**
 * One record: one flow, one direction, one ENI (session), one aggregation interval. null
 * prints as '-' (AWS's "does not apply / unknown").
 */
export interface FlowLogRecord {
  accountId: string | null;
  interfaceId: string | null;
  /** Addresses of the direction's packets (AWS for non-NAT traffic: the packet addresses). */
  srcaddr: string | null;
  dstaddr: string | null;
  srcport: number | null;
  dstport: number | null;
  protocol: number | null;
  packets: number | null;
  /** IP lengths, IP header included. */
  bytes: number | null;
  /** Unix seconds of the first and last packet of the direction in the interval. */
  start: number;
  end: number;
  action: 'ACCEPT' | 'REJECT' | null;
  logStatus: LogStatus;
  vpcId: string | null;
  subnetId: string | null;
  instanceId: string | null;
  /** AWS OR semantics: FIN 1, SYN 2, RST 4, SYN+ACK 18. */
  tcpFlags: number | null;
  type: 'IPv4' | 'IPv6' | null;
  pktSrcaddr: string | null;
  pktDstaddr: string | null;
  region: string | null;
  azId: string | null;
  flowDirection: 'ingress' | 'egress' | null;
  /** Session name (not a flow-log field; lets writers and tests tell records apart). */
  session: string | null;
}

/** The TCP-flags contribution of one packet in AWS's encoding. */
export function awsTcpFlags(flags: number): number {
  // FIN, SYN and RST keep their bits; ACK is only logged as part of SYN+ACK (18).
  let v = flags & 0x07;
  if ((flags & 0x12) === 0x12) v |= 0x10;
  return v;
}

function val(v: string | number | null): string {
  return v === null ? '-' : String(v);
}

/** The text of one field of a record. */
export function fieldText(rec: FlowLogRecord, def: FlowLogFieldDef, version: number): string {
  switch (def.name) {
    case 'version':
      return String(version);
    case 'account-id':
      return val(rec.accountId);
    case 'interface-id':
      return val(rec.interfaceId);
    case 'srcaddr':
      return val(rec.srcaddr);
    case 'dstaddr':
      return val(rec.dstaddr);
    case 'srcport':
      return val(rec.srcport);
    case 'dstport':
      return val(rec.dstport);
    case 'protocol':
      return val(rec.protocol);
    case 'packets':
      return val(rec.packets);
    case 'bytes':
      return val(rec.bytes);
    case 'start':
      return String(rec.start);
    case 'end':
      return String(rec.end);
    case 'action':
      return val(rec.action);
    case 'log-status':
      return rec.logStatus;
    case 'vpc-id':
      return val(rec.vpcId);
    case 'subnet-id':
      return val(rec.subnetId);
    case 'instance-id':
      return val(rec.instanceId);
    case 'tcp-flags':
      return val(rec.tcpFlags);
    case 'type':
      return val(rec.type);
    case 'pkt-srcaddr':
      return val(rec.pktSrcaddr);
    case 'pkt-dstaddr':
      return val(rec.pktDstaddr);
    case 'region':
      return val(rec.region);
    case 'az-id':
      return val(rec.azId);
    case 'flow-direction':
      return val(rec.flowDirection);
    default:
      // sublocation, AWS-service, traffic-path, ECS and reject-reason: nothing a mirror
      // target can know (traffic-path needs the route taken; REJECT records never occur).
      return '-';
  }
}

/** One line of a flow-log file (no newline). */
export function formatFlowLogRecord(rec: FlowLogRecord, format: FlowLogFormat): string {
  let out = '';
  const fs = format.fields;
  for (let i = 0; i < fs.length; i++) {
    if (i > 0) out += ' ';
    out += fieldText(rec, fs[i]!, format.version);
  }
  return out;
}
