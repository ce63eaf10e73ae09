/**
 * The VPC Flow Logs format language: the field catalogue (AWS's names, the version that
 * introduced each field and the name CloudWatch Logs Insights gives it) and the `${field}`
 * log-format syntax. It lives with the configuration because `flows.log.format` is validated
 * there (file:line:key problems); the flow-log writer (output/) and reader (query/) use it too.
 */
import { ErrorCode, MirrorsinkError } from '../errors.js';

export interface FlowLogFieldDef {
  /** AWS field name as written in a log format and in the files' header line. */
  name: string;
  /** Flow-log version that introduced the field (the record's version is the highest used). */
  version: number;
  /** The field name Logs Insights uses (camelCase). */
  insights: string;
  /** Numeric in Insights (compared and summed as numbers). */
  numeric: boolean;
  /** Position in FLOW_LOG_FIELDS: fieldText() dispatches on it (a jump, not string compares). */
  code: number;
  /** mirrorsink's own field, not one AWS writes (readers of real AWS logs will not know it). */
  extension?: boolean;
}

let nextCode = 0;

function f(name: string, version: number, insights: string, numeric = false): FlowLogFieldDef {
  return { name, version, insights, numeric, code: nextCode++ };
}

/** Codes of the fields a record can fill (FLOW_LOG_FIELDS order; the rest print '-'): output/ dispatches on them. */
export const enum FlowLogFieldCode {
  Version,
  AccountId,
  InterfaceId,
  Srcaddr,
  Dstaddr,
  Srcport,
  Dstport,
  Protocol,
  Packets,
  Bytes,
  Start,
  End,
  Action,
  LogStatus,
  VpcId,
  SubnetId,
  InstanceId,
  TcpFlags,
  Type,
  PktSrcaddr,
  PktDstaddr,
  Region,
  AzId,
  PktSrcAwsService = 25,
  PktDstAwsService,
  FlowDirection,
  TrafficPath,
  CommunityId = 40,
}

/**
 * Every field AWS documents, in AWS's order, then mirrorsink's extensions: `community-id`, the
 * flow's Community ID v1 (the join key Suricata, Zeek, Arkime and Elastic write), with the
 * seed of eve.community_id_seed. An extension never raises the record's version.
 */
export const FLOW_LOG_FIELDS: readonly FlowLogFieldDef[] = [
  f('version', 2, 'version', true),
  f('account-id', 2, 'accountId'),
  f('interface-id', 2, 'interfaceId'),
  f('srcaddr', 2, 'srcAddr'),
  f('dstaddr', 2, 'dstAddr'),
  f('srcport', 2, 'srcPort', true),
  f('dstport', 2, 'dstPort', true),
  f('protocol', 2, 'protocol', true),
  f('packets', 2, 'packets', true),
  f('bytes', 2, 'bytes', true),
  f('start', 2, 'start', true),
  f('end', 2, 'end', true),
  f('action', 2, 'action'),
  f('log-status', 2, 'logStatus'),
  f('vpc-id', 3, 'vpcId'),
  f('subnet-id', 3, 'subnetId'),
  f('instance-id', 3, 'instanceId'),
  f('tcp-flags', 3, 'tcpFlags', true),
  f('type', 3, 'type'),
  f('pkt-srcaddr', 3, 'pktSrcAddr'),
  f('pkt-dstaddr', 3, 'pktDstAddr'),
  f('region', 4, 'region'),
  f('az-id', 4, 'azId'),
  f('sublocation-type', 4, 'sublocationType'),
  f('sublocation-id', 4, 'sublocationId'),
  f('pkt-src-aws-service', 5, 'pktSrcAwsService'),
  f('pkt-dst-aws-service', 5, 'pktDstAwsService'),
  f('flow-direction', 5, 'flowDirection'),
  f('traffic-path', 5, 'trafficPath', true),
  f('ecs-cluster-arn', 7, 'ecsClusterArn'),
  f('ecs-cluster-name', 7, 'ecsClusterName'),
  f('ecs-container-instance-arn', 7, 'ecsContainerInstanceArn'),
  f('ecs-container-instance-id', 7, 'ecsContainerInstanceId'),
  f('ecs-container-id', 7, 'ecsContainerId'),
  f('ecs-second-container-id', 7, 'ecsSecondContainerId'),
  f('ecs-service-name', 7, 'ecsServiceName'),
  f('ecs-task-definition-arn', 7, 'ecsTaskDefinitionArn'),
  f('ecs-task-arn', 7, 'ecsTaskArn'),
  f('ecs-task-id', 7, 'ecsTaskId'),
  f('reject-reason', 8, 'rejectReason'),
  { ...f('community-id', 2, 'communityId'), extension: true },
];

const BY_NAME = new Map(FLOW_LOG_FIELDS.map((d) => [d.name, d]));

export function flowLogField(name: string): FlowLogFieldDef | undefined {
  return BY_NAME.get(name);
}

/** camelCase of an unknown field name, as Insights would spell it (a-b-c → aBC). */
export function camelCaseFieldName(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export const DEFAULT_LOG_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

export interface FlowLogFormat {
  fields: readonly FlowLogFieldDef[];
  /** Value of the version field: the highest version among the fields. */
  version: number;
  /** The format as AWS writes it (`${a} ${b} ...`). */
  text: string;
  /** The header line of delivered files: the field names separated by spaces. */
  header: string;
}

/**
 * Parse a log format: `${field}` tokens separated by spaces (AWS's syntax). Plain field names
 * (as in a file's header line) are accepted too. Unknown fields are an error that names them.
 */
export function parseLogFormat(text: string): FlowLogFormat {
  const tokens = text.trim().split(/\s+/).filter((t) => t.length > 0);
  if (tokens.length === 0) throw new MirrorsinkError(ErrorCode.Usage, 'log format: empty');
  const fields: FlowLogFieldDef[] = [];
  for (const tok of tokens) {
    const m = /^\$\{([a-z0-9-]+)\}$/.exec(tok);
    const name = m ? m[1]! : tok;
    if (!m && !/^[a-z0-9-]+$/.test(tok)) {
      throw new MirrorsinkError(ErrorCode.Usage, `log format: '${tok}' is not a \${field} reference`);
    }
    const def = BY_NAME.get(name);
    if (!def) {
      throw new MirrorsinkError(ErrorCode.Usage, `log format: unknown field '${name}' (known: ${FLOW_LOG_FIELDS.map((d) => d.name).join(', ')})`);
    }
    if (fields.includes(def)) throw new MirrorsinkError(ErrorCode.Usage, `log format: field '${name}' appears twice`);
    fields.push(def);
  }
  const version = Math.max(2, ...fields.map((d) => d.version));
  return {
    fields,
    version,
    text: fields.map((d) => `\${${d.name}}`).join(' '),
    header: fields.map((d) => d.name).join(' '),
  };
}
