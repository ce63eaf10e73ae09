/**
 * One call that builds every flow-related output from options, for replay and serve:
 *
 *   const fo = createFlowOutputs({ table, sessions, flowsDir, aggregationSec, logFormat, ... });
 *   pipeline.setStages({ flow: table, outputs: [...others, ...fo.outputs] });
 *   ... input ...
 *   pipeline.finish();      // table.flush(): every flow ends → records, EVE flow events
 *   await fo.close();       // closes the interval, the gzip files, the pcaps
 *
 * serve: call fo.tick() every few seconds so idle intervals close and 5-minute files rotate
 * on wall time.
 */
import type { FlowTable } from '../flow/flow-table.js';
import { FlowCounter } from '../flow/flow-counters.js';
import type { PacketOutput } from '../pipeline/stages.js';
import { FlowLogAggregator } from './flow-log-aggregator.js';
import { FlowLogFileWriter } from './flow-log-files.js';
import { DEFAULT_LOG_FORMAT, parseLogFormat, type FlowLogFormat, type FlowLogRecord } from './flow-log-record.js';
import { FlowLogFieldCode } from '../config/flow-log-format.js';
import type { SessionDirectory, SessionInfo } from '../session/session-directory.js';
import { EveFlowWriter } from './eve-flow.js';
import { BufferedLineWriter } from './line-writer.js';
import { FlowPacketRing } from './pcap-flow-ring.js';
import { RotatingPcapOutput, type RotatingPcapOptions } from './pcap-rotating.js';
import { SinglePcapOutput } from './pcap-single.js';
import type { PcapMode } from './pcap-frame-bytes.js';
import type { AwsFlowContext } from '../aws/aws-context.js';
import type { FlowLogFileFormat } from '../config/schema.js';

export interface FlowOutputsOptions {
  table: FlowTable;
  /** The sink's session directory (or its sessions, tests). */
  sessions?: SessionDirectory | readonly SessionInfo[];
  /** --flows-dir: write VPC Flow Logs files there (S3 layout). */
  flowsDir?: string;
  /** --aggregation: 60 or 600 (default). */
  aggregationSec?: number;
  /** --log-format: AWS `${field}` format (default: the version 2 default format). */
  logFormat?: string;
  flowLogId?: string;
  /** Seconds per delivered file (AWS: 300). */
  rotateSec?: number;
  /** flows.log.file_format: plain-text (gzip, default) or parquet. */
  fileFormat?: FlowLogFileFormat;
  hiveCompatiblePartitions?: boolean;
  perHourPartition?: boolean;
  /** NODATA records for idle sessions (default true). */
  noData?: boolean;
  accountId?: string;
  region?: string;
  /** Clock for file windows and tick(): 'packet' (replay, default) or 'wall' (serve). */
  clock?: 'packet' | 'wall' | (() => number);
  /**
   * Instead of files: every record with the clock (seconds) it was made at (a worker thread of
   * replay --workers; the main thread owns the files).
   */
  recordSink?: (rec: FlowLogRecord, clockSec: number) => void;
  /** Also hand every record here (tests, the HTTP API). */
  onRecord?: (rec: FlowLogRecord) => void;
  /** EVE flow events: a line sink (the shared EVE writer) or a file path. */
  eveFlow?: ((line: string) => void) | string;
  eveUtc?: boolean;
  /** community_id in EVE flow events (eve.community_id; default false here). */
  eveCommunityId?: boolean;
  /**
   * Seed of Community IDs (eve.community_id_seed, default 0): EVE flow events and the flow logs'
   * `${community-id}` (filled only when the log format has it).
   */
  communityIdSeed?: number;
  /** Write the EVE flow file (eveFlow as a path) synchronously (replay). */
  syncWrites?: boolean;
  /** Cumulative packets lost by the source (socket/kernel drops) for SKIPDATA. */
  getDrops?: () => number;
  /** AWS context for flow-log records (aws: in the configuration). */
  aws?: AwsFlowContext | null;
  /** --pcap-out FILE */
  pcapOut?: string;
  /** --pcap-dir DIR (rotated) */
  pcapDir?: string;
  pcapMode?: PcapMode;
  pcapRotate?: Omit<RotatingPcapOptions, 'dir' | 'mode'>;
  /**
   * A pipeline thread: the pcap outputs (pcapDir, pcapOut) are the outputs this returns, which
   * hand their frames to the main thread's writer, instead of files this thread opens.
   */
  pcapForward?: (target: 'dir' | 'out', mode: PcapMode) => ForwardedPcapOutput;
  /** Per-flow packet ring for alert pcaps; its dumpFlow writes into `dir`. */
  flowRing?: { dir: string; flows?: number; packetsPerFlow?: number; maxPacketBytes?: number };
}

/** What a pipeline thread has in place of a pcap output (pipeline/pcap-forward.ts). */
export interface ForwardedPcapOutput extends PacketOutput {
  readonly packets: number;
  /** Nothing storable (counted as the file outputs count it). */
  readonly skipped: number;
}

export interface FlowOutputs {
  /** Add these to the pipeline's outputs (they must run after the flow stage). */
  outputs: PacketOutput[];
  format: FlowLogFormat;
  aggregator: FlowLogAggregator | null;
  files: FlowLogFileWriter | null;
  eve: EveFlowWriter | null;
  ring: FlowPacketRing | null;
  pcapDir: RotatingPcapOutput | null;
  pcapOut: SinglePcapOutput | null;
  /** Flow-log records written so far (for mirrorsink_flow_records_written_total). */
  recordsWritten(): number;
  /** Advance the clock without packets (serve timer). */
  tick(): void;
  /** The AWS context for flow-log records and EVE flow events (start and every reload). */
  setAwsContext(aws: AwsFlowContext | null): void;
  summary(): Record<string, unknown>;
  close(): Promise<void>;
}

export function createFlowOutputs(o: FlowOutputsOptions): FlowOutputs {
  const table = o.table;
  const format = parseLogFormat(o.logFormat ?? DEFAULT_LOG_FORMAT);
  const clock = typeof o.clock === 'function' ? o.clock : o.clock === 'wall' ? () => Date.now() / 1000 : () => table.now;
  const outputs: PacketOutput[] = [];
  let awsContext: AwsFlowContext | null = o.aws ?? null;

  let files: FlowLogFileWriter | null = null;
  let aggregator: FlowLogAggregator | null = null;
  if (o.flowsDir !== undefined || o.onRecord !== undefined || o.recordSink !== undefined) {
    if (o.flowsDir !== undefined) {
      files = new FlowLogFileWriter({ dir: o.flowsDir, format, clock, flowLogId: o.flowLogId, accountId: o.accountId, region: o.region, rotateSec: o.rotateSec,
        fileFormat: o.fileFormat, hiveCompatiblePartitions: o.hiveCompatiblePartitions, perHourPartition: o.perHourPartition });
    }
    const f = files;
    const extra = o.onRecord;
    const forward = o.recordSink;
    aggregator = new FlowLogAggregator({
      table,
      sessions: o.sessions,
      aggregationSec: o.aggregationSec,
      noData: o.noData,
      communityIdSeed: format.fields.some((d) => d.code === FlowLogFieldCode.CommunityId) ? (o.communityIdSeed ?? 0) : null,
      accountId: o.accountId,
      region: o.region,
      aws: o.aws ?? null,
      // Flows the table refused are records we could not write: SKIPDATA too.
      getDrops: () => (o.getDrops ? o.getDrops() : 0) + table.counters[FlowCounter.Refused]!,
      onRecord: (rec) => {
        if (f !== null) f.write(rec);
        if (extra !== undefined) extra(rec);
        if (forward !== undefined) forward(rec, clock());
      },
    });
    outputs.push(aggregator);
  }

  let eveFile: BufferedLineWriter | null = null;
  let eve: EveFlowWriter | null = null;
  if (o.eveFlow !== undefined) {
    let sink: (line: string) => void;
    if (typeof o.eveFlow === 'string') {
      const lf = new BufferedLineWriter(o.eveFlow, { output: 'eve_flow', sync: o.syncWrites === true, bufferBytes: 256 * 1024 });
      eveFile = lf;
      sink = (line) => lf.write(line);
    } else {
      sink = o.eveFlow;
    }
    eve = new EveFlowWriter(table, sink, { utc: o.eveUtc, aws: () => awsContext, communityIdSeed: o.eveCommunityId === true ? (o.communityIdSeed ?? 0) : null });
  }

  const ring = o.flowRing
    ? new FlowPacketRing({ table, dir: o.flowRing.dir, flows: o.flowRing.flows, packetsPerFlow: o.flowRing.packetsPerFlow, maxPacketBytes: o.flowRing.maxPacketBytes, mode: o.pcapMode })
    : null;
  if (ring) outputs.push(ring);
  const forward = o.pcapForward;
  const pcapDir = o.pcapDir !== undefined && forward === undefined ? new RotatingPcapOutput({ ...o.pcapRotate, dir: o.pcapDir, mode: o.pcapMode }) : null;
  if (pcapDir) outputs.push(pcapDir);
  const pcapOut = o.pcapOut !== undefined && forward === undefined ? new SinglePcapOutput({ path: o.pcapOut, mode: o.pcapMode }) : null;
  if (pcapOut) outputs.push(pcapOut);
  const forwardedDir = forward !== undefined && o.pcapDir !== undefined ? forward('dir', o.pcapMode ?? 'inner') : null;
  if (forwardedDir) outputs.push(forwardedDir);
  const forwardedOut = forward !== undefined && o.pcapOut !== undefined ? forward('out', o.pcapMode ?? 'inner') : null;
  if (forwardedOut) outputs.push(forwardedOut);

  let closed = false;
  return {
    outputs,
    format,
    aggregator,
    files,
    eve,
    ring,
    pcapDir,
    pcapOut,
    recordsWritten: () => (aggregator ? aggregator.recordsEmitted : 0),
    setAwsContext(aws) {
      awsContext = aws;
      if (aggregator) aggregator.setAwsContext(aws);
    },
    tick() {
      if (aggregator) aggregator.tick(clock());
      if (files) files.tick();
      if (eveFile) void eveFile.flush();
    },
    summary() {
      const s: Record<string, unknown> = {};
      if (aggregator) s.flow_log_records = aggregator.recordsEmitted;
      if (aggregator && aggregator.omittedRecords > 0) s.flow_log_records_omitted = aggregator.omittedRecords;
      if (files) s.flow_log_files = files.files.length;
      if (eve) s.eve_flow_events = eve.events;
      if (pcapDir) s.pcap_dir = { packets: pcapDir.packets, files: pcapDir.filesOpened, deleted: pcapDir.filesDeleted };
      if (pcapOut) s.pcap_out = { packets: pcapOut.packets, skipped: pcapOut.skipped };
      // A pipeline thread's share; the main thread's writer fills in files and its own skips.
      if (forwardedDir) s.pcap_dir = { packets: forwardedDir.packets, skipped: forwardedDir.skipped };
      if (forwardedOut) s.pcap_out = { packets: forwardedOut.packets, skipped: forwardedOut.skipped };
      return s;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (aggregator) aggregator.close();
      if (eveFile) await eveFile.close();
      if (pcapDir) pcapDir.close();
      if (pcapOut) pcapOut.close();
      if (files) await files.close();
    },
  };
}
