/**
 * Builds a replay's stages from its command-line options on top of the same `buildStages` that
 * `serve` uses: options become configuration overrides (rules, EVE, flows, pcaps), so replay and
 * serve run one pipeline. Replay-only differences: packet time drives flow-log intervals, EVE
 * alerts carry pcap_cnt, the default ruleset applies when no rules are named, and `--filter` /
 * `--direction` / `--eni-address` apply one filter and one direction rule to every packet.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Direction } from '../decode/packet-view.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { compileFilter, loadFilterFile, SessionFilterStage } from '../filter/index.js';
import { loadConfig } from '../config/load.js';
import type { Override } from '../config/overrides.js';
import { buildStages, pipelineStagesOf, retireStages, type ServiceStages, type StageContext } from './build.js';
import type { MirrorsinkConfig } from '../config/schema.js';
import type { PcapMode } from '../output/pcap-frame-bytes.js';
import { DEFAULT_RULES_DIR } from '../detect/rule-loader.js';
import { FLOW_PROTO_LABELS, FlowCounter } from '../flow/flow-counters.js';
import { EniAddressDirection } from '../session/eni-address-direction.js';
import { parseCidr } from '../net/cidr.js';
import type { Pipeline, PipelineStages } from './pipeline.js';

/** What a replay asks for beyond the configuration file (cli/commands/replay.ts maps its flags here). */
export interface ReplayOptions {
  /** Configuration file (sessions, rules, outputs), as for serve. */
  config?: string;
  rules?: string[];
  noRules?: boolean;
  /** NAME=VALUE rule variables. */
  vars?: string[];
  eve?: string;
  fastLog?: string;
  /** One mirror filter for every packet. */
  filter?: string;
  filterId?: string;
  strict?: boolean;
  /** ingress | egress: the direction the one filter assumes. */
  direction?: string;
  eniAddresses?: string[];
  amazonDns?: string;
  keepRejected?: boolean;
  flowsDir?: string;
  aggregation?: string;
  logFormat?: string;
  /** --flows-file-format plain-text|parquet */
  flowsFileFormat?: string;
  hiveCompatiblePartitions?: boolean;
  perHourPartition?: boolean;
  /** --aws-ip-ranges FILE: AWS's ip-ranges.json for pkt-src/dst-aws-service. */
  awsIpRanges?: string;
  pcapOut?: string;
  pcapDir?: string;
  pcapOuter?: boolean;
  alertPcapDir?: string;
  midstream?: boolean;
  dedup?: boolean;
  dedupWindow?: string;
  /** No TCP reassembly: rules inspect each packet on its own. */
  noStream?: boolean;
}

export interface AssembledStages {
  stages: PipelineStages;
  keepFilterRejected: boolean;
  warnings: string[];
  /** Sections added to the replay summary (sessions, filter, alerts, flows...). */
  summarySections(): Record<string, unknown>;
  /** Flush and close every output. */
  close(): Promise<void>;
  /** First and last flow-log aggregation interval seen (null: none, or no flow logs). */
  flowLogIntervals(): [number, number] | null;
}

function parseDirection(raw: unknown): Direction | null {
  if (raw === undefined) return null;
  if (raw === 'ingress') return Direction.Ingress;
  if (raw === 'egress') return Direction.Egress;
  throw new MirrorsinkError(ErrorCode.Usage, `replay: --direction must be ingress or egress, got '${String(raw)}'`);
}

/** The bundled ruleset: every *.rules file of rules/. */
export function defaultRuleFiles(): string[] {
  try {
    return readdirSync(DEFAULT_RULES_DIR)
      .filter((f) => f.endsWith('.rules'))
      .sort()
      .map((f) => path.join(DEFAULT_RULES_DIR, f));
  } catch {
    return [];
  }
}

function parseVars(raw: unknown): Record<string, string> | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const vars: Record<string, string> = {};
  for (const item of raw as string[]) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new MirrorsinkError(ErrorCode.Usage, `replay: --var takes NAME=VALUE, got '${item}'`);
    vars[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return vars;
}

function replayOverrides(values: ReplayOptions, configHasRules: boolean, configHasMaxFlows: boolean): Override[] {
  const out: Override[] = [];
  const add = (p: (string | number)[], value: unknown, origin: string) => out.push({ path: p, value, origin });
  const rules = values.rules;
  if (values.noRules === true) {
    if (rules !== undefined) throw new MirrorsinkError(ErrorCode.Usage, 'replay: --rules and --no-rules exclude each other');
    add(['rules', 'files'], [], '--no-rules');
  } else if (rules !== undefined) add(['rules', 'files'], rules, '--rules');
  else if (!configHasRules) add(['rules', 'files'], defaultRuleFiles(), 'the bundled ruleset');
  const vars = parseVars(values.vars);
  if (vars !== undefined) for (const [k, v] of Object.entries(vars)) add(['rules', 'vars', k], v, `--var ${k}`);
  if (typeof values.eve === 'string') {
    add(['eve', 'path'], values.eve, '--eve');
    add(['flows', 'eve'], true, '--eve');
  }
  if (typeof values.fastLog === 'string') add(['eve', 'fast_log'], values.fastLog, '--fast-log');
  if (values.midstream === true) add(['flows', 'midstream'], true, '--midstream');
  if (values.dedup === true) add(['dedup', 'enabled'], true, '--dedup');
  if (values.dedupWindow !== undefined) {
    if (values.dedup !== true) throw new MirrorsinkError(ErrorCode.Usage, 'replay: --dedup-window needs --dedup');
    add(['dedup', 'window_ms'], Number(values.dedupWindow), '--dedup-window');
  }
  if (values.noStream === true) add(['stream', 'enabled'], false, '--no-stream');
  if (typeof values.flowsDir === 'string') {
    add(['flows', 'log', 'dir'], path.resolve(values.flowsDir), '--flows-dir');
    if (values.aggregation !== undefined) add(['flows', 'log', 'aggregation_sec'], Number(values.aggregation), '--aggregation');
    if (values.logFormat !== undefined) add(['flows', 'log', 'format'], values.logFormat, '--log-format');
    if (values.flowsFileFormat !== undefined) add(['flows', 'log', 'file_format'], values.flowsFileFormat, '--flows-file-format');
    if (values.hiveCompatiblePartitions === true) add(['flows', 'log', 'hive_compatible_partitions'], true, '--hive-compatible-partitions');
    if (values.perHourPartition === true) add(['flows', 'log', 'per_hour_partition'], true, '--per-hour-partition');
  } else if (
    values.aggregation !== undefined ||
    values.logFormat !== undefined ||
    values.flowsFileFormat !== undefined ||
    values.hiveCompatiblePartitions === true ||
    values.perHourPartition === true
  ) {
    throw new MirrorsinkError(
      ErrorCode.Usage,
      'replay: --aggregation, --log-format, --flows-file-format, --hive-compatible-partitions and --per-hour-partition need --flows-dir',
    );
  }
  if (typeof values.awsIpRanges === 'string') add(['aws', 'ip_ranges'], path.resolve(values.awsIpRanges), '--aws-ip-ranges');
  const mode = values.pcapOuter === true ? 'outer' : 'inner';
  if (typeof values.pcapDir === 'string') {
    add(['flows', 'pcap', 'dir'], path.resolve(values.pcapDir), '--pcap-dir');
    add(['flows', 'pcap', 'mode'], mode, '--pcap-outer');
  }
  if (typeof values.alertPcapDir === 'string') add(['flows', 'alert_pcap_dir'], path.resolve(values.alertPcapDir), '--alert-pcap-dir');
  // Replay always tracks flows: flow keywords in rules and the summary need them. A table of
  // 2^20 flows unless the configuration sizes it (small replays, e.g. test harnesses, do).
  if (!configHasMaxFlows) add(['flows', 'max_flows'], 1 << 20, 'replay');
  return out;
}

/** The configuration a replay runs with: the file (if any) with the replay's flags applied. */
export function replayConfig(values: ReplayOptions): MirrorsinkConfig {
  const configFile = typeof values.config === 'string' ? values.config : null;
  // A first load tells whether the configuration names rules (then the bundled set is not added)
  // and sizes the flow table.
  const base = configFile !== null ? loadConfig({ file: configFile, env: {}, cli: [] }).config : null;
  return loadConfig({ file: configFile, env: {}, cli: replayOverrides(values, (base?.rules.files.length ?? 0) > 0, (base?.flows?.maxFlows ?? null) !== null) }).config;
}

/** replay --pcap-out FILE [--pcap-outer]: the single pcap of every delivered packet, or null. */
export function replayPcapOut(values: ReplayOptions): { path: string; mode: PcapMode } | null {
  return typeof values.pcapOut === 'string' ? { path: values.pcapOut, mode: values.pcapOuter === true ? 'outer' : 'inner' } : null;
}

/**
 * @param worker a worker thread of replay --workers: where its EVE lines and flow-log records
 *   go (the main thread owns the files).
 */
export async function assembleReplayStages(values: ReplayOptions, pipeline: Pipeline, worker: Pick<StageContext, 'lineSink' | 'flowLogSink' | 'crossFlow' | 'pcapForward'> = {}): Promise<AssembledStages> {
  const config = replayConfig(values);

  const pcapOut = replayPcapOut(values) ?? undefined;
  const built: ServiceStages = await buildStages(config, { drops: pipeline.drops, clock: 'packet', syncWrites: true, pcapCnt: true, alertsShownElsewhere: true, ...(pcapOut ? { pcapOut } : {}), ...worker }, null);
  const warnings = [...built.warnings];
  const stages = pipelineStagesOf(built);
  const sections: (() => [string, unknown])[] = [];

  if (config.sessions.length > 0) {
    sections.push(() => ['sessions', built.session.counters.snapshot().map((s) => ({ name: s.name, vni: s.vni, packets: s.packets, bytes: s.bytes }))]);
  }

  const addresses = values.eniAddresses;
  if (addresses !== undefined) {
    const cidrs = addresses.map((a) => {
      const c = parseCidr(a);
      if (typeof c === 'string') throw new MirrorsinkError(ErrorCode.Usage, `replay: --eni-address: ${c}`);
      return c;
    });
    stages.session = new EniAddressDirection(built.session, cidrs);
  }

  const direction = parseDirection(values.direction);
  if (typeof values.filter === 'string') {
    const loaded = loadFilterFile(values.filter, { filterId: values.filterId, strict: values.strict === true });
    warnings.push(...loaded.warnings);
    const filter = compileFilter(loaded.filter, { amazonDnsAddress: values.amazonDns ?? null });
    // The same filter for every session and for packets of no configured session (slot 0).
    stages.filter = new SessionFilterStage(new Array<typeof filter>(config.sessions.length + 1).fill(filter), direction);
    sections.push(() => ['filter', filter.summary()]);
  } else {
    if (direction !== null) warnings.push('--direction has no effect without --filter');
    if (built.filters.length > 0) {
      sections.push(() => ['filter', Object.fromEntries(built.filters.map((f) => [f.session, f.filter.summary()]))]);
    }
  }

  const stream = built.flows?.stream ?? null;
  if (stream !== null) sections.push(() => ['stream', stream.counterSnapshot()]);
  const detect = built.detect;
  sections.push(() => ['rules', { loaded: built.summary.rules_loaded, failed: built.summary.rules_failed, files: config.rules.files.map((f) => path.relative(process.cwd(), f) || f) }]);
  if (detect !== null) {
    sections.push(() => {
      const bySeverity: Record<string, number> = {};
      let total = 0;
      for (let s = 0; s < detect.alertsBySeverity.length; s++) {
        const n = detect.alertsBySeverity[s]!;
        if (n > 0) bySeverity[String(s)] = n;
        total += n;
      }
      const bySignature = detect.rules
        .map((r, i) => ({ sid: r.sid, signature: r.msg, count: detect.alertsByRule[i]! }))
        .filter((r) => r.count > 0)
        .sort((a, b) => b.count - a.count || a.sid - b.sid);
      return ['alerts', { total, by_severity: bySeverity, by_signature: bySignature }];
    });
  }

  const flows = built.flows;
  if (flows !== null) {
    sections.push(() => {
      const c = flows.table.counters;
      const byProto: Record<string, number> = {};
      let total = 0;
      FLOW_PROTO_LABELS.forEach((label, i) => {
        byProto[label] = c[FlowCounter.TotalTcp + i]!;
        total += c[FlowCounter.TotalTcp + i]!;
      });
      const unanswered = flows.table.report.listUnanswered(1 << 20).length;
      return ['flows', { total, by_proto: byProto, tcp_established: c[FlowCounter.TcpSessions]!, evictions: c[FlowCounter.Evictions]!, unanswered, ...flows.outputs.summary() }];
    });
  }

  return {
    stages,
    keepFilterRejected: values.keepRejected === true,
    warnings,
    summarySections: () => Object.fromEntries(sections.map((s) => s())),
    close: () => retireStages(built, null),
    flowLogIntervals: () => {
      const a = built.flows?.outputs.aggregator ?? null;
      return a !== null && a.firstInterval >= 0 ? [a.firstInterval, a.currentInterval] : null;
    },
  };
}
