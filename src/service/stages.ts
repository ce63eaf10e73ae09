/**
 * Builds the pipeline stages of a running sink from its configuration: session table (with the
 * allow-list and counters), mirror filters per session, flow table (+ VPC Flow Logs files and
 * EVE flow records), IDS rules (+ EVE alerts). Used at start and on every reload: everything
 * new is built first, and a problem anywhere (a filter file, a rules file, a flows option)
 * fails the whole build with every problem listed, so a bad reload leaves the running set
 * untouched.
 *
 * Stateful parts whose configuration did not change are carried over from the previous build
 * instead of being rebuilt: the flow bundle (flow table, flow-log aggregator and files, EVE
 * flow writer) while flows options, sessions' flow-log fields and the EVE path stay the same,
 * and the EVE writer while its path stays the same. A reload then neither loses flows nor
 * reopens files. What a new build replaces is retired (flows ended and written, files closed)
 * after the swap.
 */
import path from 'node:path';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import type { MirrorsinkConfig } from '../config/schema.js';
import { SessionResolver } from '../session/session-stage.js';
import { loadFilterFile } from '../filter/load.js';
import { compileFilter, type CompiledFilter } from '../filter/compile.js';
import { SessionFilterStage } from '../filter/stage.js';
import type { SessionFilter } from '../metrics/filter-metrics.js';
import type { PacketOutput } from '../pipeline/stages.js';
import type { PipelineStages } from '../pipeline/pipeline.js';
import { FlowTable, type FlowTableOptions, type FlowTimeouts } from '../flow/flow-table.js';
import { loadRuleFiles } from '../detect/rule-loader.js';
import { createDetectStage, type DetectEngine } from '../detect/engine.js';
import { EveWriter } from '../output/eve-writer.js';
import { FastLogSink } from '../output/fast-log.js';
import { AlertPcapSink } from '../output/alert-pcap-sink.js';
import { EveAlertSink } from '../output/eve-alert.js';
import type { FlowLogFileWriter } from '../output/flow-log-files.js';
import { DEFAULT_LOG_FORMAT, parseLogFormat, type FlowLogFormat } from '../output/flow-log-record.js';
import type { SessionInfo } from '../output/flow-log-sessions.js';
import { createFlowOutputs, type FlowOutputs } from '../output/flow-log-outputs.js';
import type { PcapMode } from '../output/pcap-frame-bytes.js';
import type { AlertSink } from '../detect/alert-sink.js';
import { Defragmenter } from '../defrag/defragmenter.js';

/** Flow table and what hangs off its flow-end events (flow logs, EVE flows, pcaps); replaced as one. */
export interface FlowBundle {
  key: string;
  table: FlowTable;
  outputs: FlowOutputs;
  files: FlowLogFileWriter | null;
}

export interface ServiceStages {
  session: SessionResolver;
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
  /** Non-fatal findings (filter warnings, rules that failed to parse...), logged. */
  warnings: string[];
  summary: { sessions: number; filters: number; rules_loaded: number; rules_failed: number; flows: boolean; flow_logs: string | null; eve: string | null };
  /** The configuration these stages were built from. */
  config: MirrorsinkConfig;
}

export function pipelineStagesOf(s: ServiceStages): PipelineStages {
  return { session: s.session, filter: s.filter, flow: s.flows?.table ?? null, detect: s.detect, outputs: s.outputs, defrag: s.defrag };
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

export interface FlowOptions {
  table: FlowTableOptions;
  /** EVE flow records (event_type "flow") when flows end; needs eve.path. */
  eve: boolean;
  log: {
    dir: string;
    format: FlowLogFormat;
    aggregationSec: number;
    rotateSec: number;
    flowLogId: string;
    noData: boolean;
  } | null;
  /** Decapsulated (or outer) packets to rotated pcap files. */
  pcap: { dir: string; mode: PcapMode; maxFileBytes?: number; maxFileSeconds?: number; maxFiles?: number; maxTotalBytes?: number } | null;
  /** Per alert, the packets of the alert's flow, as DIR/<flow_id>.pcap. */
  alertPcapDir: string | null;
}

const TIMEOUT_KEYS: Record<string, keyof FlowTimeouts> = {
  tcp_new: 'tcpNew',
  tcp_established: 'tcpEstablished',
  tcp_closed: 'tcpClosed',
  udp_new: 'udpNew',
  udp_established: 'udpEstablished',
  other_new: 'otherNew',
  other_established: 'otherEstablished',
};

/**
 * The `flows:` mapping (passed through by the config schema) → flow table / flow-log options.
 * Keys: max_flows, midstream, timeouts{tcp_new...}, unanswered_history, eve, log{dir, format,
 * aggregation_sec, rotate_sec, flow_log_id, no_data}.
 */
export function parseFlowOptions(raw: Record<string, unknown>, config: MirrorsinkConfig, problems: string[]): FlowOptions {
  const bad = (key: string, msg: string) => problems.push(`${where(config, `flows.${key}`)}: ${msg}`);
  const known = ['max_flows', 'midstream', 'timeouts', 'unanswered_history', 'eve', 'log', 'pcap', 'alert_pcap_dir'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) bad(k, `unknown key (known: ${known.join(', ')})`);
  const int = (v: unknown, key: string, min: number, max: number): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      bad(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  };
  const bool = (v: unknown, key: string, fallback: boolean): boolean => {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      bad(key, `must be true or false, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const table: FlowTableOptions = {
    sessionCount: config.sessions.length,
    sessionNames: config.sessions.map((s) => s.name),
  };
  const maxFlows = int(raw.max_flows, 'max_flows', 16, 1 << 24);
  if (maxFlows !== undefined) table.maxFlows = maxFlows;
  table.midstream = bool(raw.midstream, 'midstream', false);
  const hist = int(raw.unanswered_history, 'unanswered_history', 0, 1 << 16);
  if (hist !== undefined) table.unansweredHistory = hist;
  if (raw.timeouts !== undefined && raw.timeouts !== null) {
    if (typeof raw.timeouts !== 'object' || Array.isArray(raw.timeouts)) bad('timeouts', 'must be a mapping of seconds (tcp_new, tcp_established...)');
    else {
      const t: Partial<FlowTimeouts> = {};
      for (const [k, v] of Object.entries(raw.timeouts as Record<string, unknown>)) {
        const field = TIMEOUT_KEYS[k];
        if (field === undefined) bad(`timeouts.${k}`, `unknown timeout (known: ${Object.keys(TIMEOUT_KEYS).join(', ')})`);
        else {
          const n = int(v, `timeouts.${k}`, 1, 86_400);
          if (n !== undefined) t[field] = n;
        }
      }
      table.timeouts = t;
    }
  }
  const eve = bool(raw.eve, 'eve', false);
  if (eve && config.eve.path === null) bad('eve', 'EVE flow records need eve.path (or --eve)');
  let log: FlowOptions['log'] = null;
  if (raw.log !== undefined && raw.log !== null && raw.log !== false) {
    const l = raw.log as Record<string, unknown>;
    if (typeof l !== 'object' || Array.isArray(l)) bad('log', 'must be a mapping with at least dir');
    else {
      for (const k of Object.keys(l)) {
        if (!['dir', 'format', 'aggregation_sec', 'rotate_sec', 'flow_log_id', 'no_data'].includes(k)) bad(`log.${k}`, 'unknown key (known: dir, format, aggregation_sec, rotate_sec, flow_log_id, no_data)');
      }
      let format: FlowLogFormat | null = null;
      try {
        format = parseLogFormat(typeof l.format === 'string' ? l.format : DEFAULT_LOG_FORMAT);
      } catch (err) {
        bad('log.format', (err as Error).message);
      }
      const agg = int(l.aggregation_sec, 'log.aggregation_sec', 1, 86_400) ?? 600;
      if (l.aggregation_sec !== undefined && agg !== 60 && agg !== 600) bad('log.aggregation_sec', `AWS offers 60 or 600 seconds, got ${agg}`);
      const dir = typeof l.dir === 'string' && l.dir.trim() !== '' ? l.dir : null;
      if (dir === null) bad('log.dir', 'is required (the directory AWSLogs/... files are written under)');
      if (dir !== null && format !== null) {
        log = {
          dir: path.resolve(config.file !== null ? path.dirname(config.file) : process.cwd(), dir),
          format,
          aggregationSec: agg,
          rotateSec: int(l.rotate_sec, 'log.rotate_sec', 1, 86_400) ?? 300,
          flowLogId: typeof l.flow_log_id === 'string' ? l.flow_log_id : 'fl-mirrorsink',
          noData: bool(l.no_data, 'log.no_data', true),
        };
      }
    }
  }
  const relative = (dir: string) => path.resolve(config.file !== null ? path.dirname(config.file) : process.cwd(), dir);
  let pcap: FlowOptions['pcap'] = null;
  if (raw.pcap !== undefined && raw.pcap !== null && raw.pcap !== false) {
    const c = raw.pcap as Record<string, unknown>;
    if (typeof c !== 'object' || Array.isArray(c)) bad('pcap', 'must be a mapping with at least dir');
    else {
      const knownPcap = ['dir', 'mode', 'max_file_bytes', 'max_file_seconds', 'max_files', 'max_total_bytes'];
      for (const k of Object.keys(c)) if (!knownPcap.includes(k)) bad(`pcap.${k}`, `unknown key (known: ${knownPcap.join(', ')})`);
      const mode = c.mode ?? 'inner';
      if (mode !== 'inner' && mode !== 'outer') bad('pcap.mode', `must be inner (decapsulated frames) or outer, got ${JSON.stringify(mode)}`);
      if (typeof c.dir !== 'string' || c.dir.trim() === '') bad('pcap.dir', 'is required');
      else {
        pcap = { dir: relative(c.dir), mode: mode === 'outer' ? 'outer' : 'inner' };
        const n = (k: string, min: number) => int(c[k], `pcap.${k}`, min, Number.MAX_SAFE_INTEGER);
        const maxFileBytes = n('max_file_bytes', 4096);
        if (maxFileBytes !== undefined) pcap.maxFileBytes = maxFileBytes;
        const maxFileSeconds = n('max_file_seconds', 1);
        if (maxFileSeconds !== undefined) pcap.maxFileSeconds = maxFileSeconds;
        const maxFiles = n('max_files', 0);
        if (maxFiles !== undefined) pcap.maxFiles = maxFiles;
        const maxTotalBytes = n('max_total_bytes', 0);
        if (maxTotalBytes !== undefined) pcap.maxTotalBytes = maxTotalBytes;
      }
    }
  }
  let alertPcapDir: string | null = null;
  if (raw.alert_pcap_dir !== undefined && raw.alert_pcap_dir !== null) {
    if (typeof raw.alert_pcap_dir !== 'string' || raw.alert_pcap_dir.trim() === '') bad('alert_pcap_dir', 'must be a directory path');
    else alertPcapDir = relative(raw.alert_pcap_dir);
  }
  return { table, eve, log, pcap, alertPcapDir };
}

function sessionInfos(config: MirrorsinkConfig): SessionInfo[] {
  return config.sessions.map((s) => ({
    name: s.name,
    vni: s.vni,
    eniId: s.eni ?? '-',
    ...(s.flowLog.accountId ? { accountId: s.flowLog.accountId } : {}),
    ...(s.flowLog.vpcId ? { vpcId: s.flowLog.vpcId } : {}),
    ...(s.flowLog.subnetId ? { subnetId: s.flowLog.subnetId } : {}),
    ...(s.flowLog.instanceId ? { instanceId: s.flowLog.instanceId } : {}),
    ...(s.flowLog.region ? { region: s.flowLog.region } : {}),
    ...(s.flowLog.azId ? { azId: s.flowLog.azId } : {}),
  }));
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
  /** A single pcap of every delivered packet (replay --pcap-out). */
  pcapOut?: { path: string; mode: PcapMode };
}

function buildFlowBundle(config: MirrorsinkConfig, opts: FlowOptions, eve: EveWriter | null, ctx: StageContext, previous: FlowBundle | null): FlowBundle {
  const sessions = sessionInfos(config);
  const key = JSON.stringify({ flows: config.flows, sessions, names: opts.table.sessionNames, eve: opts.eve ? config.eve.path : null, pcapOut: ctx.pcapOut ?? null });
  if (previous !== null && previous.key === key) return previous;
  const table = new FlowTable(opts.table);
  const l = opts.log;
  const outputs = createFlowOutputs({
    table,
    sessions,
    clock: ctx.clock ?? 'wall',
    ...(l !== null ? { flowsDir: l.dir, logFormat: l.format.text, aggregationSec: l.aggregationSec, rotateSec: l.rotateSec, flowLogId: l.flowLogId, noData: l.noData } : {}),
    // Packets lost before we could see their session (kernel drops of our sockets): SKIPDATA.
    getDrops: ctx.lostPackets ?? (() => 0),
    ...(opts.eve && eve !== null ? { eveFlow: (line: string) => eve.write(line) } : {}),
    ...(opts.pcap !== null ? { pcapDir: opts.pcap.dir, pcapMode: opts.pcap.mode, pcapRotate: opts.pcap } : {}),
    ...(ctx.pcapOut !== undefined ? { pcapOut: ctx.pcapOut.path, pcapMode: ctx.pcapOut.mode } : {}),
    ...(opts.alertPcapDir !== null ? { flowRing: { dir: opts.alertPcapDir } } : {}),
  });
  return { key, table, outputs, files: outputs.files };
}

/**
 * Build every stage for `config`. Throws StageBuildError listing every problem.
 */
export async function buildStages(config: MirrorsinkConfig, ctx: StageContext, previous: ServiceStages | null): Promise<ServiceStages> {
  const problems: string[] = [];
  const warnings: string[] = [];

  const session = SessionResolver.fromConfig(config, ctx.drops, previous?.session ?? null);
  const { stage: filter, filters } = buildFilters(config, problems, warnings);

  const flowOpts = config.flows !== null ? parseFlowOptions(config.flows, config, problems) : null;

  let ruleSet: ReturnType<typeof loadRuleFiles> | null = null;
  if (config.rules.files.length > 0) {
    try {
      ruleSet = loadRuleFiles(config.rules.files, { vars: config.rules.vars });
      for (const f of ruleSet.failures.slice(0, 20)) warnings.push(`rule skipped: ${f.file}:${f.line}${f.sid !== null ? ` (sid ${f.sid})` : ''}: ${f.reason}`);
      if (ruleSet.failures.length > 20) warnings.push(`... and ${ruleSet.failures.length - 20} more rules skipped`);
      for (const w of ruleSet.warnings) warnings.push(`rules: ${w}`);
    } catch (err) {
      problems.push(`${where(config, 'rules.files')}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new StageBuildError(problems);

  // Only now open files: nothing above failed.
  let eve: EveWriter | null = null;
  if (config.eve.path !== null && ctx.dryRun !== true) {
    if (previous?.eve && previous.eve.target === config.eve.path) eve = previous.eve;
    else {
      try {
        eve = new EveWriter(config.eve.path);
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
        fastLog = new EveWriter(config.eve.fastLog);
      } catch (err) {
        if (eve !== null && eve !== previous?.eve) await eve.close();
        throw new StageBuildError([`${where(config, 'eve.fast_log')}: ${(err as Error).message}`]);
      }
    }
  }
  let flows: FlowBundle | null = null;
  if (flowOpts !== null) {
    try {
      flows = buildFlowBundle(config, flowOpts, eve, ctx, previous?.flows ?? null);
    } catch (err) {
      if (eve !== null && eve !== previous?.eve) await eve.close();
      throw new StageBuildError([`${where(config, 'flows')}: ${(err as Error).message}`]);
    }
  }
  const outputs: PacketOutput[] = [];
  if (flows !== null) outputs.push(...flows.outputs.outputs);

  let detect: DetectEngine | null = null;
  if (ruleSet !== null) {
    const sinks: AlertSink[] = eve !== null ? [new EveAlertSink(eve, { flow: flows?.table ?? null, pcapCnt: ctx.pcapCnt === true, sessionName: (i) => config.sessions[i]?.name })] : [];
    const ring = flows?.outputs.ring ?? null;
    if (ring !== null && flowOpts?.alertPcapDir) {
      try {
        sinks.push(new AlertPcapSink(ring, flowOpts.alertPcapDir));
      } catch (err) {
        throw new StageBuildError([`${where(config, 'flows.alert_pcap_dir')}: ${(err as Error).message}`]);
      }
    }
    if (fastLog !== null) sinks.push(new FastLogSink(fastLog));
    // Same flow table as before the reload: flowbits and established state carry over.
    const carry = previous?.detect && previous.flows === flows && flows !== null ? { previous: previous.detect } : {};
    detect = createDetectStage(ruleSet, flows?.table ?? null, sinks, carry);
    if (eve === null && fastLog === null && ctx.alertsShownElsewhere !== true) warnings.push('rules loaded but no eve.path: alerts are counted (mirrorsink_detect_alerts_total) but not written');
  }

  // Same settings as before a reload: the datagrams being reassembled carry over.
  let defrag: Defragmenter | null = null;
  if (config.defrag.enabled) {
    const prev = previous?.defrag ?? null;
    defrag = prev !== null && JSON.stringify(prev.config) === JSON.stringify(config.defrag) ? prev : new Defragmenter(config.defrag);
    // Counters stay cumulative (Prometheus counters never go back) when the defragmenter is replaced.
    if (prev !== null && defrag !== prev) defrag.counters.values.set(prev.counters.values);
  }

  return {
    session,
    filter,
    filters,
    flows,
    detect,
    eve,
    fastLog,
    outputs,
    defrag,
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
