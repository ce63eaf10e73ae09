/**
 * Builds a replay's stages from its command-line options on top of the same `buildStages` that
 * `serve` uses: options become configuration overrides (rules, EVE, flows, pcaps), so replay and
 * serve run one pipeline. Replay-only differences: packet time drives flow-log intervals, EVE
 * alerts carry pcap_cnt, the default ruleset applies when no rules are named, and `--filter` /
 * `--direction` / `--eni-address` apply one filter and one direction rule to every packet.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { OptionSpec } from '../cli/args.js';
import { Direction } from '../decode/packet-view.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { compileFilter, loadFilterFile, SessionFilterStage } from '../filter/index.js';
import { loadConfig } from '../config/load.js';
import type { Override } from '../config/overrides.js';
import { buildStages, pipelineStagesOf, retireStages, type ServiceStages } from '../service/stages.js';
import { DEFAULT_RULES_DIR } from '../detect/rule-loader.js';
import { FLOW_PROTO_LABELS, FlowCounter } from '../flow/flow-counters.js';
import { EniAddressDirection } from '../session/eni-address-direction.js';
import { parseCidr } from '../net/cidr.js';
import type { Pipeline, PipelineStages } from './pipeline.js';

export const REPLAY_OPTIONS: OptionSpec = {
  config: { type: 'string', short: 'c' },
  rules: { type: 'string', multiple: true },
  'no-rules': { type: 'boolean' },
  var: { type: 'string', multiple: true },
  eve: { type: 'string' },
  'fast-log': { type: 'string' },
  filter: { type: 'string' },
  'filter-id': { type: 'string' },
  strict: { type: 'boolean' },
  direction: { type: 'string' },
  'eni-address': { type: 'string', multiple: true },
  'amazon-dns': { type: 'string' },
  'keep-rejected': { type: 'boolean' },
  'flows-dir': { type: 'string' },
  aggregation: { type: 'string' },
  'log-format': { type: 'string' },
  'pcap-out': { type: 'string' },
  'pcap-dir': { type: 'string' },
  'pcap-outer': { type: 'boolean' },
  'alert-pcap-dir': { type: 'string' },
  midstream: { type: 'boolean' },
};

export const REPLAY_OPTIONS_HELP = `  -c, --config FILE       sessions (VNI, ENI, addresses, direction, filters), rules and
                          outputs from a mirrorsink YAML configuration (as for serve)
  --rules FILE            Suricata-language rules (repeatable); default: the bundled
                          ruleset in rules/ unless the configuration names rules
  --no-rules              run without IDS rules
  --var NAME=VALUE        rule variable, e.g. HOME_NET=[10.0.0.0/8] (repeatable)
  --eve FILE              EVE JSON alerts and flow events ('-' for stdout)
  --fast-log FILE         alerts also as Suricata fast.log lines ('-' for stdout)
  --filter FILE           apply an AWS Traffic Mirror filter (aws-cli JSON, Terraform,
                          CloudFormation or mirrorsink YAML) to every packet
  --filter-id ID          which filter, when FILE holds several
  --strict                AWS limits (10 rules, ...) are errors, not warnings
  --direction DIR         ingress|egress: assume this direction for every packet
  --eni-address CIDR      an address of the source ENI (repeatable): inner source in the
                          set = egress, inner destination = ingress
  --amazon-dns ADDR       the VPC resolver address for the amazon-dns network service
  --keep-rejected         still track and inspect packets the filter rejects
  --flows-dir DIR         write VPC Flow Logs files (S3 layout, gzip) under DIR
  --aggregation SEC       flow-log aggregation interval: 60 or 600 (default 600)
  --log-format FMT        flow-log custom format, e.g. '\${version} \${interface-id} \${srcaddr} ...'
  --pcap-out FILE         write every delivered packet (decapsulated) to one pcap
  --pcap-dir DIR          write delivered packets to pcap files rotated by size and time
  --pcap-outer            pcap outputs keep the outer (VXLAN) packet instead
  --alert-pcap-dir DIR    per alert, the packets of its flow as DIR/<flow_id>.pcap
  --midstream             pick up TCP flows without a seen handshake (Suricata's midstream)`;

export interface AssembledStages {
  stages: PipelineStages;
  keepFilterRejected: boolean;
  warnings: string[];
  /** Sections added to the replay summary (sessions, filter, alerts, flows...). */
  summarySections(): Record<string, unknown>;
  /** Flush and close every output. */
  close(): Promise<void>;
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

function replayOverrides(values: Record<string, unknown>, configHasRules: boolean): Override[] {
  const out: Override[] = [];
  const add = (p: (string | number)[], value: unknown, origin: string) => out.push({ path: p, value, origin });
  const rules = values.rules as string[] | undefined;
  if (values['no-rules'] === true) {
    if (rules !== undefined) throw new MirrorsinkError(ErrorCode.Usage, 'replay: --rules and --no-rules exclude each other');
    add(['rules', 'files'], [], '--no-rules');
  } else if (rules !== undefined) add(['rules', 'files'], rules, '--rules');
  else if (!configHasRules) add(['rules', 'files'], defaultRuleFiles(), 'the bundled ruleset');
  const vars = parseVars(values.var);
  if (vars !== undefined) for (const [k, v] of Object.entries(vars)) add(['rules', 'vars', k], v, `--var ${k}`);
  if (typeof values.eve === 'string') {
    add(['eve', 'path'], values.eve, '--eve');
    add(['flows', 'eve'], true, '--eve');
  }
  if (typeof values['fast-log'] === 'string') add(['eve', 'fast_log'], values['fast-log'], '--fast-log');
  if (values.midstream === true) add(['flows', 'midstream'], true, '--midstream');
  if (typeof values['flows-dir'] === 'string') {
    add(['flows', 'log', 'dir'], path.resolve(values['flows-dir']), '--flows-dir');
    if (values.aggregation !== undefined) add(['flows', 'log', 'aggregation_sec'], Number(values.aggregation), '--aggregation');
    if (values['log-format'] !== undefined) add(['flows', 'log', 'format'], values['log-format'], '--log-format');
  } else if (values.aggregation !== undefined || values['log-format'] !== undefined) {
    throw new MirrorsinkError(ErrorCode.Usage, 'replay: --aggregation and --log-format need --flows-dir');
  }
  const mode = values['pcap-outer'] === true ? 'outer' : 'inner';
  if (typeof values['pcap-dir'] === 'string') {
    add(['flows', 'pcap', 'dir'], path.resolve(values['pcap-dir']), '--pcap-dir');
    add(['flows', 'pcap', 'mode'], mode, '--pcap-outer');
  }
  if (typeof values['alert-pcap-dir'] === 'string') add(['flows', 'alert_pcap_dir'], path.resolve(values['alert-pcap-dir']), '--alert-pcap-dir');
  // Replay always tracks flows: flow keywords in rules and the summary need them.
  add(['flows', 'max_flows'], 1 << 20, 'replay');
  return out;
}

export async function assembleReplayStages(values: Record<string, unknown>, pipeline: Pipeline): Promise<AssembledStages> {
  const configFile = typeof values.config === 'string' ? values.config : null;
  // A first load tells whether the configuration names rules (then the bundled set is not added).
  const base = configFile !== null ? loadConfig({ file: configFile, env: {}, cli: [] }).config : null;
  const { config } = loadConfig({ file: configFile, env: {}, cli: replayOverrides(values, (base?.rules.files.length ?? 0) > 0) });

  const pcapOut = typeof values['pcap-out'] === 'string' ? { path: values['pcap-out'], mode: values['pcap-outer'] === true ? ('outer' as const) : ('inner' as const) } : undefined;
  const built: ServiceStages = await buildStages(config, { drops: pipeline.drops, clock: 'packet', syncWrites: true, pcapCnt: true, alertsShownElsewhere: true, ...(pcapOut ? { pcapOut } : {}) }, null);
  const warnings = [...built.warnings];
  const stages = pipelineStagesOf(built);
  const sections: (() => [string, unknown])[] = [];

  if (config.sessions.length > 0) {
    sections.push(() => ['sessions', built.session.counters.snapshot().map((s) => ({ name: s.name, vni: s.vni, packets: s.packets, bytes: s.bytes }))]);
  }

  const addresses = values['eni-address'] as string[] | undefined;
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
    const loaded = loadFilterFile(values.filter, { filterId: values['filter-id'] as string | undefined, strict: values.strict === true });
    warnings.push(...loaded.warnings);
    const filter = compileFilter(loaded.filter, { amazonDnsAddress: (values['amazon-dns'] as string | undefined) ?? null });
    // The same filter for every session and for packets of no configured session (slot 0).
    stages.filter = new SessionFilterStage(new Array<typeof filter>(config.sessions.length + 1).fill(filter), direction);
    sections.push(() => ['filter', filter.summary()]);
  } else {
    if (direction !== null) warnings.push('--direction has no effect without --filter');
    if (built.filters.length > 0) {
      sections.push(() => ['filter', Object.fromEntries(built.filters.map((f) => [f.session, f.filter.summary()]))]);
    }
  }

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
      const unanswered = flows.table.listUnanswered(1 << 20).length;
      return ['flows', { total, by_proto: byProto, tcp_established: c[FlowCounter.TcpSessions]!, evictions: c[FlowCounter.Evictions]!, unanswered, ...flows.outputs.summary() }];
    });
  }

  return {
    stages,
    keepFilterRejected: values['keep-rejected'] === true,
    warnings,
    summarySections: () => Object.fromEntries(sections.map((s) => s())),
    close: () => retireStages(built, null),
  };
}
