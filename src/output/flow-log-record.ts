/**
 * VPC Flow Logs records: the text (and bytes) of one record in a log format. The aggregator
 * decides what goes into records; this file only knows the format. The field catalogue and the
 * `${field}` syntax are in config/flow-log-format.ts (re-exported here).
 */
import { FlowLogFieldCode as Field, type FlowLogFieldDef, type FlowLogFormat } from '../config/flow-log-format.js';

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
  /**
   * AWS service codes of pkt-srcaddr / pkt-dstaddr (S3, EC2, AMAZON...) and the traffic-path
   * code (1-8) of egress records, from the `aws:` context (src/aws/). The aggregator always
   * sets them; absent (records built elsewhere) prints '-' like null.
   */
  pktSrcAwsService?: string | null;
  pktDstAwsService?: string | null;
  trafficPath?: number | null;
  /** Community ID v1 of the flow (mirrorsink's `${community-id}`, not an AWS field); absent = '-'. */
  communityId?: string | null;
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

/**
 * The value of one field of a record; null prints as '-'. The one mapping from fields to
 * record values: fieldText() renders it as a string, encodeFlowLogRecord() as bytes.
 */
export function fieldValue(rec: FlowLogRecord, def: FlowLogFieldDef, version: number): string | number | null {
  switch (def.code) {
    case Field.Version:
      return version;
    case Field.AccountId:
      return rec.accountId;
    case Field.InterfaceId:
      return rec.interfaceId;
    case Field.Srcaddr:
      return rec.srcaddr;
    case Field.Dstaddr:
      return rec.dstaddr;
    case Field.Srcport:
      return rec.srcport;
    case Field.Dstport:
      return rec.dstport;
    case Field.Protocol:
      return rec.protocol;
    case Field.Packets:
      return rec.packets;
    case Field.Bytes:
      return rec.bytes;
    case Field.Start:
      return rec.start;
    case Field.End:
      return rec.end;
    case Field.Action:
      return rec.action;
    case Field.LogStatus:
      return rec.logStatus;
    case Field.VpcId:
      return rec.vpcId;
    case Field.SubnetId:
      return rec.subnetId;
    case Field.InstanceId:
      return rec.instanceId;
    case Field.TcpFlags:
      return rec.tcpFlags;
    case Field.Type:
      return rec.type;
    case Field.PktSrcaddr:
      return rec.pktSrcaddr;
    case Field.PktDstaddr:
      return rec.pktDstaddr;
    case Field.Region:
      return rec.region;
    case Field.AzId:
      return rec.azId;
    case Field.FlowDirection:
      return rec.flowDirection;
    case Field.PktSrcAwsService:
      return rec.pktSrcAwsService ?? null;
    case Field.PktDstAwsService:
      return rec.pktDstAwsService ?? null;
    case Field.TrafficPath:
      return rec.trafficPath ?? null;
    case Field.CommunityId:
      return rec.communityId ?? null;
    default:
      // sublocation, ECS and reject-reason: nothing a mirror target can know (REJECT records
      // never occur).
      return null;
  }
}


/** The text of one field of a record. */
export function fieldText(rec: FlowLogRecord, def: FlowLogFieldDef, version: number): string {
  return val(fieldValue(rec, def, version));
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

const DASH = 0x2d;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const utf8 = new TextEncoder();

/**
 * Write one line of a flow-log file, newline included, as UTF-8 into `out` from 0; returns its
 * length, or -1 when it does not fit (then use formatFlowLogRecord). The files' path: no string
 * is built per field or line. Text is the same as formatFlowLogRecord(rec, format) + '\n'.
 */
export function encodeFlowLogRecord(rec: FlowLogRecord, format: FlowLogFormat, out: Uint8Array): number {
  const fs = format.fields;
  let pos = 0;
  for (let i = 0; i < fs.length; i++) {
    if (i > 0) {
      if (pos >= out.length) return -1;
      out[pos++] = SPACE;
    }
    const v = fieldValue(rec, fs[i]!, format.version);
    if (v === null) {
      if (pos >= out.length) return -1;
      out[pos++] = DASH;
    } else if (typeof v === 'number') {
      pos = encodeNumber(v, out, pos);
    } else {
      pos = encodeString(v, out, pos);
    }
    if (pos < 0) return -1;
  }
  if (pos >= out.length) return -1;
  out[pos++] = NEWLINE;
  return pos;
}

/** Digits of a safe non-negative integer (what the fields hold), else String(v)'s text. */
function encodeNumber(v: number, out: Uint8Array, pos: number): number {
  if (!(v >= 0 && v <= 0x7fffffff && (v | 0) === v)) {
    // Beyond int32 (byte counts of long flows), fractions, negatives: rare.
    return Number.isSafeInteger(v) && v >= 0 ? encodeWideInteger(v, out, pos) : encodeString(String(v), out, pos);
  }
  const digits = decimalDigits(v);
  if (pos + digits > out.length) return -1;
  let x = v;
  for (let k = pos + digits - 1; k > pos; k--) {
    const q = (x / 10) | 0;
    out[k] = 0x30 + x - q * 10;
    x = q;
  }
  out[pos] = 0x30 + x;
  return pos + digits;
}

function decimalDigits(v: number): number {
  if (v < 100000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 10000000 ? (v < 1000000 ? 6 : 7) : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

function encodeWideInteger(v: number, out: Uint8Array, pos: number): number {
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  if (pos + digits > out.length) return -1;
  let x = v;
  for (let k = pos + digits - 1; k >= pos; k--) {
    out[k] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return pos + digits;
}

function encodeString(s: string, out: Uint8Array, pos: number): number {
  const n = s.length;
  if (pos + n > out.length) return -1;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x80) {
      // Not ASCII (a name from the config): let the encoder do UTF-8 from here.
      const r = utf8.encodeInto(s.slice(k), out.subarray(pos + k));
      if (r.read! < n - k) return -1;
      return pos + k + r.written!;
    }
    out[pos + k] = c;
  }
  return pos + n;
}
