/**
 * Builds the pipeline stages from one fully typed, validated configuration (config/validate.ts
 * has checked every section, flows included): the session directory (built once, handed to
 * every stage and output), session table (with the allow-list and counters), mirror filters per
 * session, flow table (+ VPC Flow Logs files, EVE flow records, pcaps), IDS rules (+ EVE alerts).
 * serve, serve --check and replay all build through here. Used at start and on every reload:
 * everything new is built first, and a problem anywhere (a filter file, a rules file, an output
 * that cannot be opened) fails the whole build with every problem listed, so a bad reload
 * leaves the running set untouched.
 *
 * Stateful parts whose configuration did not change are carried over from the previous build
 * instead of being rebuilt: the flow bundle (flow table, flow-log aggregator and files, EVE
 * flow writer) while flows options, sessions' flow-log fields and the EVE path stay the same,
 * and the EVE writer while its path stays the same. A reload then neither loses flows nor
 * reopens files. What a new build replaces is retired (flows ended and written, files closed)
 * after the swap.
 */
import { ErrorCode, MirrorsinkError } from '../errors.js';
import type { FlowsConfig, MirrorsinkConfig, PcapOutputConfig } from '../config/schema.js';
import { SessionResolver } from '../session/session-stage.js';
import { SessionDirectory } from '../session/session-directory.js';
import { loadFilterFile } from '../filter/load.js';
import { compileFilter, type CompiledFilter } from '../filter/compile.js';
import { SessionFilterStage } from '../filter/stage.js';
import { PacketDedup } from '../dedup/packet-dedup.js';
import type { SessionFilter } from '../metrics/filter-metrics.js';
import type { PacketOutput } from './stages.js';
import type { PipelineStages } from './pipeline.js';
import { FlowTable, type FlowTableOptions, type FlowTimeouts } from '../flow/flow-table.js';
import { midstreamProbe } from '../applayer/midstream-probe.js';
import { TcpStreamStage } from '../stream/stream-stage.js';
import { AppLayer } from '../applayer/app-layer.js';
import { AppProto } from '../applayer/app-proto.js';
import type { HttpParser } from '../applayer/http/http-parser.js';
import { TxDone } from '../applayer/http/http-tx.js';
import type { DnsParser } from '../applayer/dns/dns-parser.js';
import type { TlsParser } from '../applayer/tls/tls-parser.js';
import { EveAppLogger } from '../output/eve-app.js';
import { isFingerprintBuffer, isHasshBuffer } from '../detect/keywords/app-buffers.js';
import { EveHttpLogger } from '../output/eve-http.js';
import { loadRuleFiles } from '../detect/rule-loader.js';
import { stageNeedWarnings } from '../detect/rule-needs.js';
import { outputPathProblem } from '../output/output-path-check.js';
import { createDetectStage, type DetectEngine } from '../detect/engine.js';
import { EveWriter } from '../output/eve-writer.js';
import { FastLogSink } from '../output/fast-log.js';
import { AlertPcapSink } from '../output/alert-pcap-sink.js';
import { EveAlertSink } from '../output/eve-alert.js';
import { EveAnomalySink } from '../output/eve-anomaly.js';
import type { FlowLogFileWriter } from '../output/flow-log-files.js';
import type { FlowLogRecord } from '../output/flow-log-record.js';
import { createFlowOutputs, type FlowOutputs, type ForwardedPcapOutput } from '../output/flow-log-outputs.js';
import { loadAwsFlowContext, type AwsFlowContext } from '../aws/aws-context.js';
import { AWS_DEFAULTS } from '../aws/aws-config.js';
import type { PcapMode } from '../output/pcap-frame-bytes.js';
import type { RotatingPcapOptions } from '../output/pcap-rotating.js';

type PcapRotation = Omit<RotatingPcapOptions, 'dir' | 'mode'>;
import type { AlertSink } from '../detect/alert-sink.js';
import type { CrossFlowShared } from '../detect/cross-flow-shared.js';
import { Defragmenter } from '../defrag/defragmenter.js';

/** Flow table and what hangs off its flow-end events (flow logs, EVE flows, pcaps); replaced as one. */
export interface FlowBundle {
  key: string;
  table: FlowTable;
  /** TCP stream reassembly over the table's slots (null when `stream.enabled: false`). */
  stream: TcpStreamStage | null;
  /** The app layer fed by the stream stage (null without stream reassembly). */
  app: AppLayer | null;
  /** EVE http records (eve.http, on by default), null when off or without EVE. */
  http: EveHttpLogger | null;
  /** EVE dns / tls / ssh records (eve.dns, eve.tls, eve.ssh, on by default), null when all off or without EVE. */
  appLog: EveAppLogger | null;
  outputs: FlowOutputs;
  files: FlowLogFileWriter | null;
}

export interface ServiceStages {
  /** Who a packet belongs to (by p.sessionIndex), shared by every stage and output. */
  sessions: SessionDirectory;
  session: SessionResolver;
  /** Second mirror copies dropped (dedup.enabled), null when off. */
  dedup: PacketDedup | null;
  filter: SessionFilterStage | null;
  /** One entry per session that has a filter (for metrics). */
  filters: SessionFilter[];
  flows: FlowBundle | null;
  detect: DetectEngine | null;
  eve: EveWriter | null;
  /** fast.log (eve.fast_log): one line per alert. */
  fastLog: EveWriter | null;
  outputs: PacketOutput[];
  /** IP defragmentation (null when defrag.enabled is no); kept across reloads while its settings stay. */
  defrag: Defragmenter | null;
  /** EVE anomaly records (eve.anomaly), null without eve.path or when disabled. */
  anomaly: EveAnomalySink | null;
  /** Non-fatal findings (filter warnings, rules that failed to parse...), logged. */
  warnings: string[];
  summary: { sessions: number; filters: number; rules_loaded: number; rules_failed: number; flows: boolean; flow_logs: string | null; eve: string | null };
  /** The configuration these stages were built from. */
  config: MirrorsinkConfig;
}

export function pipelineStagesOf(s: ServiceStages): PipelineStages {
  return { session: s.session, dedup: s.dedup, filter: s.filter, flow: s.flows?.table ?? null, stream: s.flows?.stream ?? null, detect: s.detect, outputs: s.outputs, defrag: s.defrag, events: s.anomaly };
}

/** Thrown when stages cannot be built: `problems` lists each, naming the key and file. */
export class StageBuildError extends MirrorsinkError {
  constructor(readonly problems: string[]) {
    super(ErrorCode.Config, `cannot build the pipeline (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StageBuildError';
  }
}

function where(config: MirrorsinkConfig, key: string): string {
  return `${config.file ?? 'configuration'}: ${key}`;
}

function buildFilters(config: MirrorsinkConfig, problems: string[], warnings: string[]): { stage: SessionFilterStage | null; filters: SessionFilter[] } {
  // Slot 0 = unknown session (no filter: everything it carries is counted as accepted).
  const bySession: (CompiledFilter | null)[] = [null];
  const filters: SessionFilter[] = [];
  const cache = new Map<string, CompiledFilter>();
  config.sessions.forEach((s, i) => {
    const f = s.filter;
    if (f === null) {
      bySession.push(null);
      return;
    }
    const key = JSON.stringify(f);
    let compiled = cache.get(key);
    if (compiled === undefined) {
      try {
        const loaded = loadFilterFile(f.path, { filterId: f.filterId ?? undefined, strict: f.strict });
        for (const w of loaded.warnings) warnings.push(`${where(config, `sessions[${i}].filter`)}: ${w}`);
        compiled = compileFilter(loaded.filter, {
          amazonDnsAddress: f.amazonDnsAddress,
          ...(f.directionUnknown !== null ? { directionUnknown: f.directionUnknown } : {}),
        });
        cache.set(key, compiled);
      } catch (err) {
        problems.push(`${where(config, `sessions[${i}].filter`)}: ${(err as Error).message}`);
        bySession.push(null);
        return;
      }
    }
    bySession.push(compiled);
    filters.push({ session: s.name, filter: compiled });
  });
  if (filters.length === 0) return { stage: null, filters };
  return { stage: new SessionFilterStage(bySession, null), filters };
}

// ---------------------------------------------------------------- flows options

/** The flow table's options from the validated `flows:` section (config/validate.ts checked it). */
function flowTableOptions(flows: FlowsConfig, directory: SessionDirectory, mergeSessions: boolean): FlowTableOptions {
  const table: FlowTableOptions = {
    sessionCount: directory.size,
    sessionNames: directory.names,
    midstream: flows.midstream,
    // Dedup leaves one copy of each packet, from either ENI: both must land in one flow.
    mergeSessions,
  };
  if (flows.maxFlows !== null) table.maxFlows = flows.maxFlows;
  if (flows.unansweredHistory !== null) table.unansweredHistory = flows.unansweredHistory;
  const t: Partial<FlowTimeouts> = {};
  let any = false;
  for (const [k, v] of Object.entries(flows.timeouts) as [keyof FlowTimeouts, number | null][]) {
    if (v === null) continue;
    t[k] = v;
    any = true;
  }
  if (any) table.timeouts = t;
  return table;
}

/** Size/time limits of rotated pcap files (unset = the writer's default). */
export function pcapRotation(p: PcapOutputConfig): PcapRotation {
  const r: PcapRotation = {};
  if (p.maxFileBytes !== null) r.maxFileBytes = p.maxFileBytes;
  if (p.maxFileSeconds !== null) r.maxFileSeconds = p.maxFileSeconds;
  if (p.maxFiles !== null) r.maxFiles = p.maxFiles;
  if (p.maxTotalBytes !== null) r.maxTotalBytes = p.maxTotalBytes;
  return r;
}

/** What the stages need from the running service. */
export interface StageContext {
  /** The pipeline's drops array (by DropCause): the session stage counts into it. */
  drops: Float64Array;
  /** Packets the sink lost before decoding (kernel drops): SKIPDATA flow-log records. */
  lostPackets?: () => number;
  /** Validate only (serve --check): open no output file. */
  dryRun?: boolean;
  /** Time for flow-log intervals and file windows: 'wall' (serve, default) or 'packet' (replay). */
  clock?: 'wall' | 'packet';
  /** EVE alerts carry pcap_cnt (replaying a file). */
  pcapCnt?: boolean;
  /** Alerts are reported without an output file (replay's summary): no warning for a missing eve.path. */
  alertsShownElsewhere?: boolean;
  /**
   * Write EVE / fast.log / EVE flow lines synchronously (replay: it reads its files without
   * yielding, so async writes would only pile up). serve writes asynchronously, off the
   * receive path.
   */
  syncWrites?: boolean;
  /** A single pcap of every delivered packet (replay --pcap-out). */
  pcapOut?: { path: string; mode: PcapMode };
  /**
   * A worker thread (replay --workers): EVE / fast.log lines go, in chunks of whole lines, to
   * the sink this returns for the target instead of a file the worker opens.
   */
  lineSink?: (target: string, output: string) => (chunk: string, lines: number) => void;
  /** A worker thread: flow-log records go here (with the worker's clock) instead of files. */
  flowLogSink?: (rec: FlowLogRecord, clockSec: number) => void;
  /** A worker thread: the pcap outputs hand their frames to the main thread (pipeline/pcap-forward.ts). */
  pcapForward?: (target: 'dir' | 'out', mode: PcapMode) => ForwardedPcapOutput;
  /** A worker thread: threshold counts and xbits shared with the other workers (one per rule set). */
  crossFlow?: CrossFlowShared;
}

function buildFlowBundle(config: MirrorsinkConfig, opts: FlowsConfig, directory: SessionDirectory, eve: EveWriter | null, ctx: StageContext, previous: FlowBundle | null): FlowBundle {
  const sessions = directory.sessions;
  const tableOptions = flowTableOptions(opts, directory, config.dedup.enabled);
  const key = JSON.stringify({ flows: config.flows, stream: config.stream, eveHttp: config.eve.http !== false ? config.eve.path : null, eveApp: [config.eve.dns, config.eve.tls, config.eve.ssh, config.eve.anomaly], merge: config.dedup.enabled, sessions, names: tableOptions.sessionNames, eve: opts.eve ? config.eve.path : null, cid: [config.eve.communityId, config.eve.communityIdSeed], pcapOut: ctx.pcapOut ?? null });
  if (previous !== null && previous.key === key) return previous;
  // One midstream switch: flows.midstream (replay --midstream) or stream.midstream sets both.
  const midstream = config.stream.midstream;
  // The app-layer's probe turns midstream pick-ups round when the server spoke first.
  const table = new FlowTable({ ...tableOptions, midstream, midstreamProbe });
  // Created before the flow outputs: its flow-end inspection must run before EVE flow records.
  const stream = config.stream.enabled ? new TcpStreamStage(table, config.stream) : null;
  // The app layer rides on reassembly: its per-flow state lives in the flow's storage.
  let app: AppLayer | null = null;
  if (stream !== null) {
    app = new AppLayer(table.capacity);
    table.storage.register(app);
    stream.setApp(app);
  }
  // Before the flow outputs: a flow's http records precede its flow record, as in Suricata.
  const http = app !== null && eve !== null && config.eve.http !== false ? new EveHttpLogger(eve, table, app, { pcapCnt: ctx.pcapCnt === true }) : null;
  const an = config.eve.anomaly;
  const appOn = { dns: config.eve.dns !== false, tls: config.eve.tls !== false, ssh: config.eve.ssh !== false, anomalies: an.enabled && an.types.applayer };
  const appLog = app !== null && eve !== null && (appOn.dns || appOn.tls || appOn.ssh || appOn.anomalies) ? new EveAppLogger(eve, table, app, { ...appOn, pcapCnt: ctx.pcapCnt === true }) : null;
  const l = opts.log;
  const outputs = createFlowOutputs({
    table,
    sessions: directory,
    clock: ctx.clock ?? 'wall',
    ...(l !== null ? { logFormat: l.format, aggregationSec: l.aggregationSec, noData: l.noData } : {}),
    // A worker thread (replay --workers) hands its records to the main thread, which owns the files.
    ...(l !== null && ctx.flowLogSink !== undefined ? { recordSink: ctx.flowLogSink } : {}),
    ...(l !== null && ctx.flowLogSink === undefined ? { flowsDir: l.dir, rotateSec: l.rotateSec, flowLogId: l.flowLogId, fileFormat: l.fileFormat, hiveCompatiblePartitions: l.hiveCompatiblePartitions, perHourPartition: l.perHourPartition } : {}),
    // Packets lost before we could see their session (kernel drops of our sockets): SKIPDATA.
    getDrops: ctx.lostPackets ?? (() => 0),
    ...(opts.eve && eve !== null ? { eveFlow: (line: string) => eve.write(line) } : {}),
    eveCommunityId: config.eve.communityId,
    communityIdSeed: config.eve.communityIdSeed,
    ...(opts.pcap !== null ? { pcapDir: opts.pcap.dir, pcapMode: opts.pcap.mode, pcapRotate: pcapRotation(opts.pcap) } : {}),
    ...(ctx.pcapOut !== undefined ? { pcapOut: ctx.pcapOut.path, pcapMode: ctx.pcapOut.mode } : {}),
    ...(opts.alertPcapDir !== null ? { flowRing: { dir: opts.alertPcapDir } } : {}),
    ...(ctx.pcapForward !== undefined ? { pcapForward: ctx.pcapForward } : {}),
  });
  return { key, table, stream, app, http, appLog, outputs, files: outputs.files };
}

/** The dedup table, kept across a reload that leaves its settings alone (copies in flight still meet). */
function buildDedup(config: MirrorsinkConfig, previous: PacketDedup | null): PacketDedup | null {
  const d = config.dedup;
  if (!d.enabled) return null;
  if (previous !== null && previous.windowMs === d.windowMs && previous.requestedSize === d.tableSize) return previous;
  return new PacketDedup({ windowMs: d.windowMs, tableSize: d.tableSize });
}

/**
 * Build every stage for `config`. Throws StageBuildError listing every problem.
 */
export async function buildStages(config: MirrorsinkConfig, ctx: StageContext, previous: ServiceStages | null): Promise<ServiceStages> {
  const problems: string[] = [];
  const warnings: string[] = [];

  // Session identity is worked out once: every stage and output below reads it from here.
  const sessions = SessionDirectory.fromConfig(config.sessions);
  const session = SessionResolver.fromConfig(config, ctx.drops, previous?.session ?? null, sessions);
  const { stage: filter, filters } = buildFilters(config, problems, warnings);
  const dedup = buildDedup(config, previous?.dedup ?? null);

  const flowOpts = config.flows;

  // stream-event / app-layer-event resolve names through decode/event-names.ts, whose default
  // tables are Suricata's full stream.* and applayer_* lists: the stream stage raises its events
  // under those ids (stream-stage.ts publishStreamEvents), so rules resolve them whatever loads first.
  let ruleSet: ReturnType<typeof loadRuleFiles> | null = null;
  if (config.rules.files.length > 0) {
    try {
      ruleSet = loadRuleFiles(config.rules.files, { vars: config.rules.vars });
      for (const f of ruleSet.failures.slice(0, 20)) warnings.push(`rule skipped: ${f.file}:${f.line}${f.sid !== null ? ` (sid ${f.sid})` : ''}: ${f.reason}`);
      if (ruleSet.failures.length > 20) warnings.push(`... and ${ruleSet.failures.length - 20} more rules skipped`);
      for (const w of ruleSet.warnings) warnings.push(`rules: ${w}`);
      warnings.push(...stageNeedWarnings(ruleSet.rules, { flows: flowOpts !== null, stream: config.stream.enabled }));
      // Issue 16: a reload must not silently run with fewer rules than its files hold.
      const f0 = ruleSet.failures[0];
      if (f0 !== undefined && previous === null && !config.rules.allowFailures) {
        warnings.push('rules failed to load: a reload will be refused while any rule fails (rules.allow_failures: true to allow)');
      }
      if (f0 !== undefined && previous !== null && !config.rules.allowFailures) {
        problems.push(
          `${where(config, 'rules.files')}: ${ruleSet.failures.length} rule(s) failed to load, first ${f0.file}:${f0.line}${f0.sid !== null ? ` (sid ${f0.sid})` : ''}: ${f0.reason} (set rules.allow_failures: true to reload with them skipped)`,
        );
      }
    } catch (err) {
      problems.push(`${where(config, 'rules.files')}: ${(err as Error).message}`);
    }
  }
  // --check opens nothing, but must refuse what serve could not open.
  // A worker thread does not open the files (the main thread does when it hears of them): check
  // them here, so that a path nobody can write fails the build with its key, as it would here.
  if (ctx.dryRun === true || ctx.lineSink !== undefined) {
    for (const [key, target] of [['eve.path', config.eve.path], ['eve.fast_log', config.eve.fastLog]] as const) {
      const why = target === null ? null : outputPathProblem(target);
      if (why !== null) problems.push(`${where(config, key)}: ${why}`);
    }
  }
  // aws: read again on every build (start and reload), so a refreshed ip-ranges.json is picked up.
  let aws: AwsFlowContext | null = null;
  try {
    const loaded = loadAwsFlowContext(config.aws ?? AWS_DEFAULTS);
    aws = loaded.context;
    for (const w of loaded.warnings) warnings.push(`aws.ip_ranges: ${w}`);
  } catch (err) {
    problems.push(`${where(config, 'aws.ip_ranges')}: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new StageBuildError(problems);

  // Only now open files: nothing above failed.
  let eve: EveWriter | null = null;
  if (config.eve.path !== null && ctx.dryRun !== true) {
    if (previous?.eve && previous.eve.target === config.eve.path) eve = previous.eve;
    else {
      try {
        eve = new EveWriter(config.eve.path, { output: 'eve', sync: ctx.syncWrites === true, ...(ctx.lineSink ? { sink: ctx.lineSink(config.eve.path, 'eve') } : {}) });
      } catch (err) {
        throw new StageBuildError([`${where(config, 'eve.path')}: ${(err as Error).message}`]);
      }
    }
  }
  let fastLog: EveWriter | null = null;
  if (config.eve.fastLog !== null && ctx.dryRun !== true) {
    if (previous?.fastLog && previous.fastLog.target === config.eve.fastLog) fastLog = previous.fastLog;
    else {
      try {
        fastLog = new EveWriter(config.eve.fastLog, { output: 'fast_log', sync: ctx.syncWrites === true, ...(ctx.lineSink ? { sink: ctx.lineSink(config.eve.fastLog, 'fast_log') } : {}) });
      } catch (err) {
        if (eve !== null && eve !== previous?.eve) await eve.close();
        throw new StageBuildError([`${where(config, 'eve.fast_log')}: ${(err as Error).message}`]);
      }
    }
  }
  let flows: FlowBundle | null = null;
  if (flowOpts !== null) {
    try {
      flows = buildFlowBundle(config, flowOpts, sessions, eve, ctx, previous?.flows ?? null);
      // A kept bundle (reload without flow changes) takes the new context too.
      flows.outputs.setAwsContext(aws);
    } catch (err) {
      if (eve !== null && eve !== previous?.eve) await eve.close();
      throw new StageBuildError([`${where(config, 'flows')}: ${(err as Error).message}`]);
    }
  }
  const outputs: PacketOutput[] = [];
  if (flows !== null) outputs.push(...flows.outputs.outputs);
  if (flows?.http) outputs.push(flows.http);
  if (flows?.appLog) outputs.push(flows.appLog);
  // JA3/JA4 and hassh go in EVE when a rule uses them (Suricata computes them only then).
  const fingerprints = ruleSet !== null && ruleSet.rules.some((r) => r.txBuffers.some((b) => isFingerprintBuffer(b.buf)));
  const hassh = ruleSet !== null && ruleSet.rules.some((r) => r.txBuffers.some((b) => isHasshBuffer(b.buf)));
  if (flows?.appLog) {
    flows.appLog.opts.fingerprints = fingerprints;
    flows.appLog.opts.hassh = hassh;
  }

  let detect: DetectEngine | null = null;
  if (ruleSet !== null) {
    const sinks: AlertSink[] = eve !== null ? [new EveAlertSink(eve, { ...config.eve.alert, streamStore: flows?.stream?.store ?? null, flow: flows?.table ?? null, appLayer: flows?.app ?? null, app: { fingerprints, hassh }, pcapCnt: ctx.pcapCnt === true, sessionName: (i) => sessions.name(i), communityIdSeed: config.eve.communityId ? config.eve.communityIdSeed : null })] : [];
    const ring = flows?.outputs.ring ?? null;
    if (ring !== null && flowOpts?.alertPcapDir) {
      try {
        const alertPcap = AlertPcapSink.forRing(ring, flowOpts.alertPcapDir);
        sinks.push(alertPcap);
        // It also takes the alerting flows' later packets (after the ring, which it reads).
        outputs.push(alertPcap);
      } catch (err) {
        throw new StageBuildError([`${where(config, 'flows.alert_pcap_dir')}: ${(err as Error).message}`]);
      }
    }
    if (fastLog !== null) sinks.push(new FastLogSink(fastLog));
    // Same flow table as before the reload: flowbits and established state carry over.
    const carry = previous?.detect && previous.flows === flows && flows !== null ? { previous: previous.detect } : {};
    detect = createDetectStage(ruleSet, flows?.table ?? null, sinks, { ...carry, appLayer: flows?.app ?? null, crossFlow: ctx.crossFlow ?? null });
    if (config.eve.path === null && config.eve.fastLog === null && ctx.alertsShownElsewhere !== true) warnings.push('rules loaded but no eve.path: alerts are counted (mirrorsink_detect_alerts_total) but not written');
  }

  // HTTP transactions are freed once every consumer is done with them (detection marks both
  // directions inspected, the EVE http logger marks them logged).
  const tlsParser = (flows?.app?.parser(AppProto.Tls) as TlsParser | undefined) ?? undefined;
  if (tlsParser !== undefined) tlsParser.fingerprints = fingerprints;
  const dnsParser = (flows?.app?.parser(AppProto.Dns) as DnsParser | undefined) ?? undefined;
  if (dnsParser !== undefined) dnsParser.inspectRequired = detect !== null;
  const httpParser = (flows?.app?.parser(AppProto.Http) as HttpParser | undefined) ?? undefined;
  if (httpParser !== undefined) {
    httpParser.releaseMask = (detect !== null ? TxDone.InspectedToServer | TxDone.InspectedToClient : 0) | (flows?.http ? TxDone.Logged : 0);
  }

  // Same settings as before a reload: the datagrams being reassembled carry over.
  let defrag: Defragmenter | null = null;
  if (config.defrag.enabled) {
    const prev = previous?.defrag ?? null;
    defrag = prev !== null && JSON.stringify(prev.config) === JSON.stringify(config.defrag) ? prev : new Defragmenter(config.defrag);
    // Counters stay cumulative (Prometheus counters never go back) when the defragmenter is replaced.
    if (prev !== null && defrag !== prev) defrag.counters.values.set(prev.counters.values);
  }
  // Suricata's eve-log anomaly type; a type none of its events can have costs nothing.
  const an = config.eve.anomaly;
  const anomaly = eve !== null && an.enabled && (an.types.decode || an.types.stream || an.types.applayer)
    ? new EveAnomalySink(eve, { types: an.types, flow: flows?.table ?? null, pcapCnt: ctx.pcapCnt === true })
    : null;

  return {
    sessions,
    session,
    dedup,
    filter,
    filters,
    flows,
    detect,
    eve,
    fastLog,
    outputs,
    defrag,
    anomaly,
    warnings,
    summary: {
      sessions: config.sessions.length,
      filters: filters.length,
      rules_loaded: ruleSet?.rules.length ?? 0,
      rules_failed: ruleSet?.failures.length ?? 0,
      flows: flows !== null,
      flow_logs: flowOpts?.log?.dir ?? null,
      eve: config.eve.path,
    },
    config,
  };
}

/** Wall-clock housekeeping (serve: about once a second): expire idle flows, close intervals, rotate files. */
export function tickStages(s: ServiceStages, nowSec: number): void {
  const f = s.flows;
  if (f === null) return;
  f.table.expire(Math.floor(nowSec));
  f.outputs.tick();
}

/**
 * Flush and close what `old` owns and `current` does not (current null = shutdown): flows are
 * ended (their records written), the flow-log interval closed, files finished, EVE flushed.
 */
export async function retireStages(old: ServiceStages, current: ServiceStages | null): Promise<void> {
  const f = old.flows;
  if (f !== null && f !== current?.flows) {
    f.table.flush();
    await f.outputs.close();
  }
  for (const [was, now] of [
    [old.eve, current?.eve],
    [old.fastLog, current?.fastLog],
  ] as const) {
    if (was === null) continue;
    if (was !== now) await was.close();
    else await was.flush();
  }
}
