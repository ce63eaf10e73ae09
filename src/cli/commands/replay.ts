/**
 * `mirrorsink replay FILE...`: the whole pipeline over capture files, as fast as possible, then a
 * summary (text or --json). Same stages as `serve`, fed from files instead of a socket.
 */
import { statSync } from 'node:fs';
import { parseCommandArgs } from '../args.js';
import { readCaptureFile } from '../../source/capture-file.js';
import { Pipeline, dropCauseNames } from '../../pipeline/pipeline.js';
import { DefragCounter } from '../../defrag/defrag-counters.js';
import { ProgressSink } from '../progress.js';
import { assembleReplayStages, REPLAY_OPTIONS, REPLAY_OPTIONS_HELP, type AssembledStages } from '../../pipeline/assemble.js';
import { ErrorCode, MirrorsinkError } from '../../errors.js';

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
  files: { path: string; format: string; frames: number; bytes: number; truncated_tail?: boolean }[];
  packets: number;
  bytes: number;
  seconds: number;
  packets_per_second: number;
  decoder: Record<string, number>;
  decode_problems: Record<string, number>;
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

  const pipeline = new Pipeline();
  const assembled: AssembledStages = await assembleReplayStages(values, pipeline);
  for (const w of assembled.warnings) process.stderr.write(`mirrorsink: warning: ${w}\n`);
  pipeline.setStages(assembled.stages);
  pipeline.keepFilterRejected = assembled.keepFilterRejected;

  const totalBytes = positionals.reduce((sum, f) => sum + safeSize(f), 0);
  const showProgress = values.quiet !== true && process.stderr.isTTY === true && totalBytes > 64 * 1024 * 1024;
  const sink = showProgress ? new ProgressSink(pipeline, totalBytes, process.stderr) : pipeline;

  const files: ReplaySummary['files'] = [];
  const started = process.hrtime.bigint();
  for (const path of positionals) {
    const r = readCaptureFile(path, sink);
    files.push({ path, format: r.format, frames: r.frames, bytes: r.bytes, ...(r.truncatedTail ? { truncated_tail: true } : {}) });
    // As tcpdump does: a file cut inside its last record is read up to that record, and said so.
    if (r.truncatedTail) process.stderr.write(`mirrorsink: warning: ${path}: truncated dump file (last record incomplete, not read)\n`);
  }
  pipeline.finish();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink instanceof ProgressSink) sink.done();
  await assembled.close();

  const summary = buildSummary(pipeline, files, seconds, assembled);
  process.stdout.write(values.json === true ? JSON.stringify(summary) + '\n' : formatSummary(summary));
  return 0;
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
  for (const f of s.files) out.push(`  ${f.path} (${f.format}): ${n(f.frames)} packets`);
  out.push('', 'decoder:');
  for (const [k, v] of Object.entries(s.decoder)) if (v > 0) out.push(`  ${k.padEnd(28)} ${n(v)}`);
  const problems = Object.entries(s.decode_problems);
  out.push('', problems.length === 0 ? 'decode problems: none' : 'decode problems:');
  for (const [k, v] of problems) out.push(`  ${k.padEnd(36)} ${n(v)}`);
  out.push('', `delivered to flow/detect: ${n(s.delivered)}`);
  out.push(`dropped: ${Object.entries(s.drops).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  for (const [name, section] of Object.entries(s)) {
    if (['files', 'packets', 'bytes', 'seconds', 'packets_per_second', 'decoder', 'decode_problems', 'drops', 'delivered', 'peak_rss_mib'].includes(name)) continue;
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
