/**
 * `mirrorsink replay FILE...`: the whole pipeline over capture files, as fast as possible, then a
 * summary (text or --json). Same stages as `serve`, fed from files instead of a socket.
 */
import { statSync } from 'node:fs';
import { parseCommandArgs, type OptionSpec } from '../args.js';
import { readCaptureFile } from '../../source/capture-file.js';
import { CorruptCaptureError } from '../../source/capture-errors.js';
import { Pipeline, dropCauseNames } from '../../pipeline/pipeline.js';
import { DefragCounter } from '../../defrag/defrag-counters.js';
import { ProgressSink } from '../progress.js';
import { assembleReplayStages, type AssembledStages, type ReplayOptions } from '../../pipeline/assemble.js';
import { ErrorCode, MirrorsinkError } from '../../errors.js';
import { guardStdout, stdoutClosed } from '../../output/line-writer.js';
import { outputErrors } from '../../output/output-errors.js';
import { replayConfig, replayPcapOut } from '../../pipeline/assemble.js';
import { ReplayWorkers } from '../../pipeline/replay-workers.js';
import { MAX_WORKERS } from '../../config/schema.js';

/** Most worker threads replay starts. */

/** --workers: a whole number from 1 to MAX_WORKERS (default 1). */
export function workerCount(raw: unknown): number {
  if (raw === undefined) return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new MirrorsinkError(ErrorCode.Usage, `replay: --workers takes a whole number from 1 to ${MAX_WORKERS}, got '${String(raw)}'`);
  return n;
}

const REPLAY_OPTIONS: OptionSpec = {
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
  'flows-file-format': { type: 'string' },
  'hive-compatible-partitions': { type: 'boolean' },
  'per-hour-partition': { type: 'boolean' },
  'aws-ip-ranges': { type: 'string' },
  'pcap-out': { type: 'string' },
  'pcap-dir': { type: 'string' },
  'pcap-outer': { type: 'boolean' },
  'alert-pcap-dir': { type: 'string' },
  midstream: { type: 'boolean' },
  'no-stream': { type: 'boolean' },
  dedup: { type: 'boolean' },
  'dedup-window': { type: 'string' },
  workers: { type: 'string' },
};

const REPLAY_OPTIONS_HELP = `  -c, --config FILE       sessions (VNI, ENI, addresses, direction, filters), rules and
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
  --flows-file-format F   plain-text (gzip, default) or parquet (*.log.parquet), as AWS
  --hive-compatible-partitions
                          AWSLogs/aws-account-id=.../year=.../ prefixes (AWS's option)
  --per-hour-partition    an hour level under the day (AWS's option)
  --aws-ip-ranges FILE    AWS's ip-ranges.json: fills pkt-src-aws-service and
                          pkt-dst-aws-service (as aws.ip_ranges in the configuration)
  --pcap-out FILE         write every delivered packet (decapsulated) to one pcap
  --pcap-dir DIR          write delivered packets to pcap files rotated by size and time
  --pcap-outer            pcap outputs keep the outer (VXLAN) packet instead
  --alert-pcap-dir DIR    per alert, the packets of its flow as DIR/<flow_id>.pcap
  --midstream             pick up TCP flows without a seen handshake (Suricata's midstream)
  --no-stream             no TCP reassembly: rules inspect each packet on its own
  --dedup                 drop the second copy of packets mirrored twice (both ends of a
                          conversation are mirror sources), see dedup: in the configuration
  --dedup-window MS       copies further apart than this are distinct (default 100)
  --workers N             run the pipeline in N worker threads, flows spread over them by a
                          symmetric hash of the inner flow (default 1: one thread, records
                          in input order). Same records as one worker, in another order;
                          not with --pcap-out / --pcap-dir`;

/** The replay flags as typed options for pipeline/assemble.ts. */
export function replayOptionsOf(v: Record<string, unknown>): ReplayOptions {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const list = (k: string) => (Array.isArray(v[k]) ? (v[k] as string[]) : undefined);
  const flag = (k: string) => v[k] === true;
  const o: ReplayOptions = {
    noRules: flag('no-rules'),
    strict: flag('strict'),
    keepRejected: flag('keep-rejected'),
    pcapOuter: flag('pcap-outer'),
    midstream: flag('midstream'),
    dedup: flag('dedup'),
    noStream: flag('no-stream'),
  };
  if (flag('hive-compatible-partitions')) o.hiveCompatiblePartitions = true;
  if (flag('per-hour-partition')) o.perHourPartition = true;
  const set = <K extends keyof ReplayOptions>(key: K, value: ReplayOptions[K] | undefined) => {
    if (value !== undefined) o[key] = value;
  };
  set('config', str('config'));
  set('dedupWindow', str('dedup-window'));
  set('rules', list('rules'));
  set('vars', list('var'));
  set('eve', str('eve'));
  set('fastLog', str('fast-log'));
  set('filter', str('filter'));
  set('filterId', str('filter-id'));
  set('direction', str('direction'));
  set('eniAddresses', list('eni-address'));
  set('amazonDns', str('amazon-dns'));
  set('flowsDir', str('flows-dir'));
  set('aggregation', str('aggregation'));
  set('logFormat', str('log-format'));
  set('flowsFileFormat', str('flows-file-format'));
  set('awsIpRanges', str('aws-ip-ranges'));
  set('pcapOut', str('pcap-out'));
  set('pcapDir', str('pcap-dir'));
  set('alertPcapDir', str('alert-pcap-dir'));
  return o;
}

const HELP = `Usage: mirrorsink replay FILE... [options]

Runs the whole pipeline (decode, sessions and direction, mirror filter, flows, IDS rules,
outputs) over pcap/pcapng files as fast as possible and prints a summary.

Options:
  --json                  print the summary as one JSON object
  --quiet                 no progress bar
${REPLAY_OPTIONS_HELP}
  -h, --help              this help
`;

export interface ReplaySummary {
  files: { path: string; format: string; frames: number; bytes: number; truncated_tail?: boolean; corrupt?: string }[];
  packets: number;
  bytes: number;
  seconds: number;
  packets_per_second: number;
  decoder: Record<string, number>;
  decode_problems: Record<string, number>;
  /** Every decoder event, including those that do not make a packet invalid. */
  decode_events: Record<string, number>;
  drops: Record<string, number>;
  delivered: number;
  peak_rss_mib: number;
  [section: string]: unknown;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('replay', args, {
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    ...REPLAY_OPTIONS,
  });
  if (help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new MirrorsinkError(ErrorCode.Usage, "replay: no capture file given (see 'mirrorsink replay --help')");

  // `replay ... --eve - | head -1`: the reader leaving is not an error (EPIPE is swallowed,
  // the rest of the output dropped, exit 0).
  guardStdout();
  const workers = workerCount(values.workers);
  if (workers > 1) return runWorkers(values, positionals, workers);
  const pipeline = new Pipeline();
  const assembled: AssembledStages = await assembleReplayStages(replayOptionsOf(values), pipeline);
  for (const w of assembled.warnings) process.stderr.write(`mirrorsink: warning: ${w}\n`);
  pipeline.setStages(assembled.stages);
  pipeline.keepFilterRejected = assembled.keepFilterRejected;

  const totalBytes = positionals.reduce((sum, f) => sum + safeSize(f), 0);
  const showProgress = values.quiet !== true && process.stderr.isTTY === true && totalBytes > 64 * 1024 * 1024;
  const sink = showProgress ? new ProgressSink(pipeline, totalBytes, process.stderr) : pipeline;

  const files: ReplaySummary['files'] = [];
  const started = process.hrtime.bigint();
  let corrupt = 0;
  for (const path of positionals) {
    const framesBefore = pipeline.frames;
    let r: ReturnType<typeof readCaptureFile>;
    try {
      r = readCaptureFile(path, sink);
    } catch (err) {
      if (!(err instanceof CorruptCaptureError)) throw err;
      // The records before the damage went through the pipeline: keep their results, say where
      // reading stopped, and fail the exit status (tcpdump and Suricata stop there too).
      corrupt++;
      files.push({ path, format: err.format, frames: pipeline.frames - framesBefore, bytes: 0, corrupt: err.message });
      process.stderr.write(`mirrorsink: error: ${err.message}; the ${pipeline.frames - framesBefore} records before it were replayed\n`);
      continue;
    }
    files.push({ path, format: r.format, frames: r.frames, bytes: r.bytes, ...(r.truncatedTail ? { truncated_tail: true } : {}) });
    // As tcpdump does: a file cut inside its last record is read up to that record, and said so.
    if (r.truncatedTail) process.stderr.write(`mirrorsink: warning: ${path}: truncated dump file (last record incomplete, not read)\n`);
  }
  pipeline.finish();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink instanceof ProgressSink) sink.done();
  await assembled.close();

  // Outputs count write failures instead of throwing: say so (stdout's reader leaving is not one).
  for (const e of outputErrors.takeReport()) {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || (e.count === 0 && stdoutClosed())) continue;
    process.stderr.write(`mirrorsink: warning: output ${e.output}: ${e.count} failed write${e.count === 1 ? '' : 's'} (${e.code}), ${e.dropped} dropped; last: ${e.message}\n`);
  }
  const summary = buildSummary(pipeline, files, seconds, assembled);
  if (stdoutClosed()) return 0;
  process.stdout.write(values.json === true ? JSON.stringify(summary) + '\n' : formatSummary(summary));
  return corrupt > 0 ? 1 : 0;
}

/** replay --workers N (N > 1): the reading side of pipeline/replay-workers.ts. */
async function runWorkers(values: Record<string, unknown>, positionals: string[], n: number): Promise<number> {
  const options = replayOptionsOf(values);
  const config = replayConfig(options);
  const pool = new ReplayWorkers(new URL('../replay-worker.js', import.meta.url), n, options, config, replayPcapOut(options));
  const totalBytes = positionals.reduce((sum, f) => sum + safeSize(f), 0);
  const showProgress = values.quiet !== true && process.stderr.isTTY === true && totalBytes > 64 * 1024 * 1024;
  const sink = showProgress ? new ProgressSink(pool, totalBytes, process.stderr) : pool;
  const files: ReplaySummary['files'] = [];
  let corrupt = 0;
  let started = process.hrtime.bigint();
  try {
    for (const w of await pool.start()) process.stderr.write(`mirrorsink: warning: ${w}\n`);
    // As with one worker, the time counts from stages built (every worker's) to the end.
    started = process.hrtime.bigint();
    for (const path of positionals) {
      const framesBefore = pool.frames;
      let r: ReturnType<typeof readCaptureFile>;
      try {
        r = readCaptureFile(path, sink);
      } catch (err) {
        if (!(err instanceof CorruptCaptureError)) throw err;
        corrupt++;
        files.push({ path, format: err.format, frames: pool.frames - framesBefore, bytes: 0, corrupt: err.message });
        process.stderr.write(`mirrorsink: error: ${err.message}; the ${pool.frames - framesBefore} records before it were replayed\n`);
        continue;
      }
      files.push({ path, format: r.format, frames: r.frames, bytes: r.bytes, ...(r.truncatedTail ? { truncated_tail: true } : {}) });
      if (r.truncatedTail) process.stderr.write(`mirrorsink: warning: ${path}: truncated dump file (last record incomplete, not read)\n`);
    }
  } catch (err) {
    await pool.abort();
    throw err;
  }
  const parts = (await pool.finish()) as ReplaySummary[];
  if (sink instanceof ProgressSink) sink.done();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();
  for (const e of outputErrors.takeReport()) {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || (e.count === 0 && stdoutClosed())) continue;
    process.stderr.write(`mirrorsink: warning: output ${e.output}: ${e.count} failed write${e.count === 1 ? '' : 's'} (${e.code}), ${e.dropped} dropped; last: ${e.message}\n`);
  }
  const summary = mergeSummaries(parts, files, seconds);
  const flowFiles = pool.flowLogFiles;
  const flows = summary.flows as Record<string, unknown> | undefined;
  if (flows !== undefined && flowFiles !== null) {
    flows.flow_log_files = flowFiles;
    flows.flow_log_records = pool.flowLogRecords;
  }
  if (flows !== undefined) {
    // The workers counted what they forwarded; the main thread's writers made the files.
    const outSkipped = Number((flows.pcap_out as { skipped?: number } | undefined)?.skipped ?? 0);
    delete flows.pcap_dir;
    delete flows.pcap_out;
    Object.assign(flows, pool.pcapSummary(outSkipped));
  }
  summary.workers = { count: n, ...pool.stats };
  if (stdoutClosed()) return 0;
  process.stdout.write(values.json === true ? JSON.stringify(summary) + '\n' : formatSummary(summary));
  return corrupt > 0 ? 1 : 0;
}

/** Values that describe the configuration, not counts: the same in every worker, not summed. */
const NOT_SUMMED = new Set(['vni', 'rules']);

function mergeValue(a: unknown, b: unknown, key: string): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (NOT_SUMMED.has(key)) return a;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (key === 'by_signature') {
      const bySid = new Map<number, { sid: number; signature: string; count: number }>();
      for (const r of [...a, ...b] as { sid: number; signature: string; count: number }[]) {
        const seen = bySid.get(r.sid);
        if (seen === undefined) bySid.set(r.sid, { ...r });
        else seen.count += r.count;
      }
      return [...bySid.values()].sort((x, y) => y.count - x.count || x.sid - y.sid);
    }
    return a.map((x, i) => mergeValue(x, b[i], key));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out[k] = mergeValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], k);
    return out;
  }
  return a;
}

/** One summary from the workers' (counts summed, alerts by signature merged) and the reader's files and time. */
export function mergeSummaries(parts: ReplaySummary[], files: ReplaySummary['files'], seconds: number): ReplaySummary {
  let merged: Record<string, unknown> = {};
  for (const p of parts) merged = mergeValue(merged, p, '') as Record<string, unknown>;
  const s = merged as ReplaySummary;
  s.files = files;
  s.seconds = Math.round(seconds * 1e6) / 1e6;
  s.packets_per_second = seconds > 0 ? Math.round(s.packets / seconds) : 0;
  s.peak_rss_mib = Math.round(process.resourceUsage().maxRSS / 1024);
  return s;
}

function safeSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function buildSummary(pipeline: Pipeline, files: ReplaySummary['files'], seconds: number, assembled: AssembledStages): ReplaySummary {
  const c = pipeline.decodeCounters;
  const layers = c.layerSnapshot();
  const drops: Record<string, number> = {};
  for (let i = 0; i < dropCauseNames.length; i++) drops[dropCauseNames[i]!] = pipeline.drops[i]!;
  const packets = layers['decoder.pkts'] ?? 0;
  const summary: ReplaySummary = {
    files,
    packets,
    bytes: layers['decoder.bytes'] ?? 0,
    seconds: Math.round(seconds * 1e6) / 1e6,
    packets_per_second: seconds > 0 ? Math.round(packets / seconds) : 0,
    decoder: layers,
    decode_problems: c.eventSnapshot(),
    decode_events: c.allEventSnapshot(),
    drops,
    delivered: pipeline.delivered,
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  for (const [name, section] of Object.entries(assembled.summarySections())) summary[name] = section;
  // Defrag counters under Suricata's names, when the captures held fragments.
  const d = pipeline.defrag;
  if (d !== null && d.counters.values[DefragCounter.Ipv4Fragments]! + d.counters.values[DefragCounter.Ipv6Fragments]! > 0) summary.defrag = d.counters.snapshot();
  return summary;
}

export function formatSummary(s: ReplaySummary): string {
  const out: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  out.push(
    `replayed ${s.files.length} file${s.files.length === 1 ? '' : 's'}: ${n(s.packets)} packets, ${n(s.bytes)} bytes in ${s.seconds.toFixed(3)} s (${n(s.packets_per_second)} packets/s)`,
  );
  for (const f of s.files) out.push(`  ${f.path} (${f.format}): ${n(f.frames)} packets${f.corrupt !== undefined ? ' (reading stopped at a corrupt record)' : ''}`);
  out.push('', 'decoder:');
  for (const [k, v] of Object.entries(s.decoder)) if (v > 0) out.push(`  ${k.padEnd(28)} ${n(v)}`);
  const problems = Object.entries(s.decode_problems);
  out.push('', problems.length === 0 ? 'decode problems: none' : 'decode problems:');
  for (const [k, v] of problems) out.push(`  ${k.padEnd(36)} ${n(v)}`);
  const events = Object.entries(s.decode_events);
  if (events.some(([k, v]) => s.decode_problems[k] !== v)) {
    out.push('', 'decoder events (invalid or not):');
    for (const [k, v] of events) out.push(`  ${k.padEnd(36)} ${n(v)}`);
  }
  out.push('', `delivered to flow/detect: ${n(s.delivered)}`);
  out.push(`dropped: ${Object.entries(s.drops).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  for (const [name, section] of Object.entries(s)) {
    if (['files', 'packets', 'bytes', 'seconds', 'packets_per_second', 'decoder', 'decode_problems', 'decode_events', 'drops', 'delivered', 'peak_rss_mib'].includes(name)) continue;
    out.push('', `${name}:`);
    out.push(...formatSection(section, '  '));
  }
  return out.join('\n') + '\n';
}

function formatSection(value: unknown, indent: string): string[] {
  if (value === null || typeof value !== 'object') return [`${indent}${String(value)}`];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'object' && v !== null ? [`${indent}- ${flat(v)}`] : [`${indent}- ${String(v)}`]));
  const lines: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      lines.push(`${indent}${k}:`);
      lines.push(...formatSection(v, indent + '  '));
    } else if (Array.isArray(v)) {
      lines.push(`${indent}${k}:`);
      lines.push(...formatSection(v, indent + '  '));
    } else {
      lines.push(`${indent}${k.padEnd(34 - indent.length)} ${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`);
    }
  }
  return lines;
}

function flat(v: object): string {
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}=${typeof x === 'object' ? JSON.stringify(x) : String(x)}`)
    .join(' ');
}
