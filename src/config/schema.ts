/**
 * The validated configuration of `mirrorsink serve`: what one YAML file (plus `MIRRORSINK_*`
 * environment variables and command-line flags) defines. Keys in the file are snake_case; this
 * is the camelCase form the program uses after validation (src/config/validate.ts).
 *
 * Precedence: command-line flag > environment variable > file > default.
 */
import type { ParsedCidr } from '../net/cidr.js';
import type { StreamConfig } from '../stream/stream-config.js';
import type { DefragConfig } from '../defrag/defrag-config.js';
import type { AwsConfig } from '../aws/aws-config.js';

export type DirectionMode = 'auto' | 'vni' | 'addresses' | 'mac';
export const DIRECTION_MODES: readonly DirectionMode[] = ['auto', 'vni', 'addresses', 'mac'];

export type FixedDirection = 'ingress' | 'egress';

export type UnknownVniPolicy = 'process' | 'drop';
export const UNKNOWN_VNI_POLICIES: readonly UnknownVniPolicy[] = ['process', 'drop'];

/**
 * How the UDP sockets are read: `recvmmsg` = the native batch receiver (native/udp_batch.c),
 * `dgram` = Node's dgram, `auto` = recvmmsg where it is built, else dgram.
 */
export type ReceiverMethod = 'auto' | 'recvmmsg' | 'dgram';
export const RECEIVER_METHODS: readonly ReceiverMethod[] = ['auto', 'recvmmsg', 'dgram'];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Defaults, also used by the docs and the "assumed" log lines of a config-free start. */
export const DEFAULTS = {
  bind: ['0.0.0.0'] as string[],
  vxlanPort: 4789,
  genevePort: 6081,
  /** 32 MiB: about 20 000 jumbo datagrams or 200 000 small ones of burst. */
  receiveBufferBytes: 32 * 1024 * 1024,
  receiver: 'auto' as ReceiverMethod,
  httpBind: '0.0.0.0',
  /** Not in Prometheus' default-port list collisions we know of; documented in examples/. */
  httpPort: 9109,
  logLevel: 'info' as LogLevel,
  unknownVni: 'process' as UnknownVniPolicy,
  captureFilter: 'udp dst port 4789 or udp dst port 6081',
  captureBufferBytes: 32 * 1024 * 1024,
  maxEventLoopLagSeconds: 1,
  maxKernelDropsPerSecond: 1000,
  /** /healthz averages the kernel drop rate over this window (s): drops come in bursts. */
  kernelDropsWindowSeconds: 30,
  workerStallSeconds: 10,
  drainMs: 250,
  /** serve's pipeline threads (`workers: auto` = the cores Node sees). */
  workers: 1,
} as const;

/** The most worker threads serve and replay start. */
export const MAX_WORKERS = 64;

/** A mirror filter applied to one session's packets (src/filter/). */
export interface SessionFilterConfig {
  /** Absolute path of the filter file (JSON from describe-traffic-mirror-filters, YAML, Terraform). */
  path: string;
  /** Which filter of a file holding several (TrafficMirrorFilterId or name). */
  filterId: string | null;
  /** Reject filter files with warnings too. */
  strict: boolean;
  /** Amazon DNS resolver address (VPC base + 2) for the `amazon-dns` network service. */
  amazonDnsAddress: string | null;
  /** Packets whose direction is unknown: reject | ingress | egress | either (null = the filter's default). */
  directionUnknown: 'reject' | 'ingress' | 'egress' | 'either' | null;
}

/** Flow-log record fields that the packets cannot tell (VPC Flow Logs v3-v5). */
export interface SessionFlowLogFields {
  accountId: string | null;
  vpcId: string | null;
  subnetId: string | null;
  instanceId: string | null;
  region: string | null;
  azId: string | null;
}

export interface SessionConfig {
  /** Unique name, used as the `session` metric label. */
  name: string;
  /** VirtualNetworkId of the mirror session (24 bits). */
  vni: number;
  /** Source ENI id (eni-...), null when not given. */
  eni: string | null;
  /** The ENI's addresses: primary, secondary, IPv6 and delegated prefixes (CIDR, host = /32 /128). */
  addresses: ParsedCidr[];
  /** The ENI's primary private IP (= outer source IP of its mirrored packets). */
  primaryAddress: ParsedCidr | null;
  /** ENI MAC as 12 lower-case hex digits (no separators), null when not given. */
  mac: string | null;
  directionMode: DirectionMode;
  /** For directionMode 'vni': the only direction this session carries. */
  direction: FixedDirection | null;
  filter: SessionFilterConfig | null;
  flowLog: SessionFlowLogFields;
}

export interface ListenConfig {
  /** Addresses to bind UDP sockets on: IPv4 → udp4 socket, IPv6 → udp6 (v6-only) socket. */
  bind: string[];
  /** 0 = any free port (tests). */
  vxlanPort: number;
  /** null = no GENEVE listener. */
  genevePort: number | null;
  receiveBufferBytes: number;
  receiver: ReceiverMethod;
}

export interface HttpConfig {
  bind: string;
  port: number;
  /** Bearer token for POST /api/reload; null = the route always answers 401. */
  reloadToken: string | null;
}

export interface RulesConfig {
  /** Absolute paths of Suricata-language rule files. */
  files: string[];
  /** Address/port variables ($HOME_NET...). */
  vars: Record<string, string>;
  /**
   * `rules.allow_failures`: a reload whose rules files have rules that fail to load goes ahead
   * (they are skipped with warnings). Default false: such a reload is refused like a broken
   * configuration, so a typo cannot silently drop a rule.
   */
  allowFailures: boolean;
}

export interface CaptureConfig {
  /** Interface for a live libpcap capture instead of/in addition to the UDP sockets. */
  interface: string | null;
  /** BPF filter; default catches VXLAN and GENEVE. */
  filter: string;
  /** Capture the interface's own (non-tunnelled) traffic: filter defaults to none. */
  plain: boolean;
  bufferBytes: number;
}

export interface HealthConfig {
  /** /healthz fails when the event-loop delay (p99 over the last interval) exceeds this. */
  maxEventLoopLagSeconds: number;
  /** /healthz fails when kernel drops grow faster than this (per second, over kernelDropsWindowSeconds). */
  maxKernelDropsPerSecond: number;
  /** The window the drop rate is averaged over (seconds). */
  kernelDropsWindowSeconds: number;
  /** /healthz fails when a pipeline thread (workers above 1) has not turned its loop for this long. */
  workerStallSeconds: number;
}

/** Idle timeouts of the flow table (seconds); null = the flow table's default. */
export interface FlowTimeoutsConfig {
  tcpNew: number | null;
  tcpEstablished: number | null;
  tcpClosed: number | null;
  udpNew: number | null;
  udpEstablished: number | null;
  otherNew: number | null;
  otherEstablished: number | null;
}

/** VPC Flow Logs files (`flows.log`). */
export interface FlowLogConfig {
  /** Absolute directory the AWSLogs/... files are written under. */
  dir: string;
  /** The custom format text (validated; the default format when not given). */
  format: string;
  /** 60 or 600 (AWS's choices). */
  aggregationSec: number;
  rotateSec: number;
  flowLogId: string;
  /** Write NODATA records for intervals without packets. */
  noData: boolean;
  /** AWS's FileFormat: gzip text files or Apache Parquet (`*.log.parquet`). */
  fileFormat: FlowLogFileFormat;
  /** AWS's HiveCompatiblePartitions: `aws-account-id=.../year=...` prefixes. */
  hiveCompatiblePartitions: boolean;
  /** AWS's PerHourPartition: an hour level under the day. */
  perHourPartition: boolean;
}

/** AWS's DestinationOptions FileFormat values. */
export const FLOW_LOG_FILE_FORMATS = ['plain-text', 'parquet'] as const;
export type FlowLogFileFormat = (typeof FLOW_LOG_FILE_FORMATS)[number];

export type PcapOutputMode = 'inner' | 'outer';

/** Delivered packets to pcap files rotated by size and time (`flows.pcap`). */
export interface PcapOutputConfig {
  /** Absolute directory. */
  dir: string;
  /** inner = decapsulated frames, outer = the tunnel packet as received. */
  mode: PcapOutputMode;
  maxFileBytes: number | null;
  maxFileSeconds: number | null;
  maxFiles: number | null;
  maxTotalBytes: number | null;
}

/**
 * Dropping the second mirror copy of a packet (src/dedup/): for when both ends of a
 * conversation are mirror sources, so AWS sends every packet between them twice.
 */
export interface DedupConfig {
  enabled: boolean;
  /** Copies further apart than this (packet time, ms) are distinct packets. */
  windowMs: number;
  /** Packets remembered at once. */
  tableSize: number;
}

/**
 * `stream:` (Suricata's key names: midstream, async-oneside, memcap, reassembly.depth, ...);
 * `enabled` is ours: `stream: false` turns TCP reassembly off (rules then see single packets).
 */
export interface StreamSection extends StreamConfig {
  enabled: boolean;
}

/** The flow table and what hangs off its flows (`flows:`); null in MirrorsinkConfig = flows off. */
export interface FlowsConfig {
  /** null = the flow table's default. */
  maxFlows: number | null;
  /** Pick up TCP flows without a seen handshake. */
  midstream: boolean;
  timeouts: FlowTimeoutsConfig;
  /** null = the flow table's default. */
  unansweredHistory: number | null;
  /** EVE flow records (event_type "flow") when flows end; needs eve.path. */
  eve: boolean;
  log: FlowLogConfig | null;
  pcap: PcapOutputConfig | null;
  /** Per alert, the packets of the alert's flow as DIR/<flow_id>.pcap (absolute), or null. */
  alertPcapDir: string | null;
}

export interface MirrorsinkConfig {
  /** Absolute path of the config file, null for a config-free start. */
  file: string | null;
  listen: ListenConfig;
  http: HttpConfig;
  logLevel: LogLevel;
  unknownVni: UnknownVniPolicy;
  /** Outer source CIDRs allowed to send; empty = everyone. */
  allowedSenders: ParsedCidr[];
  sessions: SessionConfig[];
  /** Packets the mirror filter rejects still reach flows and rules (counted as dropped all the same). */
  keepFilterRejected: boolean;
  dedup: DedupConfig;
  rules: RulesConfig;
  /** EVE JSON (alerts, flow events, anomalies) and, on request, Suricata's fast.log line format. */
  eve: {
    path: string | null;
    fastLog: string | null;
    anomaly: EveAnomalyConfig;
    alert: EveAlertConfig;
    /** community_id in EVE alert and flow records (Suricata's eve-log `community-id`; default on). */
    communityId: boolean;
    /** Suricata's `community-id-seed` (0-65535, default 0): every tool joining records must use the same. */
    communityIdSeed: number;
    /** EVE http records (Suricata's eve-log http type): on unless `eve.http: false`. */
    http?: boolean;
    /** EVE dns / tls / ssh records (Suricata's default eve-log types): on unless false. */
    dns?: boolean;
    tls?: boolean;
    ssh?: boolean;
  };
  /** Flow table, flow logs, EVE flow records and pcap outputs (null = flows off). */
  flows: FlowsConfig | null;
  /** `stream:` TCP reassembly with Suricata's names and defaults (on whenever flows are). */
  stream: StreamSection;
  /** IP defragmentation (`defrag:`, Suricata's names and defaults; see src/defrag/defrag-config.ts). */
  defrag: DefragConfig;
  /** `aws:` context for flow-log fields (service names, traffic-path), see src/aws/aws-config.ts. */
  aws: AwsConfig;
  capture: CaptureConfig;
  health: HealthConfig;
  /** How long shutdown keeps reading already-queued datagrams (ms). */
  drainMs: number;
  /**
   * serve's pipeline threads (`workers:`, --workers, MIRRORSINK_WORKERS; `auto` resolved to the
   * cores Node sees). 1 runs everything on the main thread; see src/pipeline/worker-path.ts.
   */
  workers: number;
}

/**
 * EVE anomaly records (event_type "anomaly"), as Suricata's eve-log `anomaly` type: enabled,
 * with only app-layer anomalies by default (`types: {decode: no, stream: no, applayer: yes}`).
 */
export interface EveAnomalyConfig {
  enabled: boolean;
  types: { decode: boolean; stream: boolean; applayer: boolean };
}

/**
 * `eve.alert:` the optional fields of alert records, as Suricata's eve-log alert type
 * (`payload`, `payload-printable`, `payload-length`, `packet`, `payload-buffer-size`): all off
 * by default, as in Suricata's suricata.yaml. See src/output/eve-payload.ts.
 */
export interface EveAlertConfig {
  payload: boolean;
  payloadPrintable: boolean;
  payloadLength: boolean;
  packet: boolean;
  /** Most stream bytes logged as an alert's payload. */
  payloadBufferSize: number;
}

export const EVE_ALERT_DEFAULTS: EveAlertConfig = { payload: false, payloadPrintable: false, payloadLength: false, packet: false, payloadBufferSize: 4096 };

export const EVE_ANOMALY_DEFAULTS: EveAnomalyConfig = { enabled: true, types: { decode: false, stream: false, applayer: true } };
