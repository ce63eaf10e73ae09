/**
 * replay --workers 1 vs --workers 2 on the bench capture (issue 15): the same replay in a child
 * process, no rules and with N generated content rules, and the 2-worker / 1-worker packet
 * rate ratio; beside them, as a control, two independent one-thread replays run at once. The machine's 1-minute load average is printed beside it: other processes on
 * the same cores change what a second worker can get.
 *
 * Called from run.ts; also on its own: node dist/bench/workers.js [--file F] [--packets N] [--rules 100]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchRow } from './bench-row.js';
import { formatBenchRows } from './capture-read.js';
import { buildLargeCapture, defaultLargeCapturePath, repoRoot } from './large-capture.js';
import { collectPayloads, generateContentRules } from './detect-rules.js';
import { readCaptureFile } from '../src/source/capture-file.js';
import { innerFlowHash } from '../src/decode/inner-flow-hash.js';
import { FrameRing } from '../src/pipeline/frame-ring.js';
import type { FrameSink } from '../src/pipeline/stages.js';

/**
 * The reading thread's ceiling: read + inner-flow hash + copy into a ring, with the ring emptied
 * in the same thread (no worker). --workers N cannot hand out frames faster than this.
 */
function benchReaderAlone(file: string): BenchRow {
  const ring = FrameRing.create(8 << 20);
  const consumer = new FrameRing(ring.shared);
  let x = 0;
  const sink: FrameSink = {
    onFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec) {
      x ^= innerFlowHash(buf, offset, caplen, linktype, true);
      if (ring.pushFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec, 1)) return;
      ring.publish();
      for (let pos = consumer.peek(); pos >= 0; pos = consumer.peek()) consumer.release(pos);
      ring.pushFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec, 1);
    },
  };
  const t0 = process.hrtime.bigint();
  const r = readCaptureFile(file, sink);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (x === 0.5) process.stdout.write(''); // keep the hash live
  return { name: 'reader alone: read + hash + copy into a ring', packets: r.frames, seconds, pps: r.frames / seconds, peakRssMiB: process.memoryUsage.rss() / 2 ** 20 };
}

const CLI = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

function replayRow(name: string, file: string, extra: string[]): BenchRow {
  const r = spawnSync(process.execPath, [CLI, 'replay', file, '--json', '--quiet', ...extra], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${name}: replay failed: ${r.stderr}`);
  const s = JSON.parse(r.stdout) as { packets: number; seconds: number; peak_rss_mib: number; alerts?: { total?: number } };
  const alerts = s.alerts?.total;
  return { name: alerts === undefined ? name : `${name} (${alerts} alerts)`, packets: s.packets, seconds: s.seconds, pps: s.packets / s.seconds, peakRssMiB: s.peak_rss_mib };
}

/**
 * The control: two independent one-thread replays at the same time, each its own process. What
 * two cores give two unrelated pipelines here bounds what two workers can show.
 */
async function benchTwoProcesses(label: string, file: string, extra: string[]): Promise<BenchRow> {
  const one = () =>
    new Promise<{ packets: number; seconds: number; peak_rss_mib: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'replay', file, '--json', '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { packets: number; seconds: number; peak_rss_mib: number }) : reject(new Error(`replay exited ${code}`))));
    });
  const [a, b] = await Promise.all([one(), one()]);
  const seconds = Math.max(a.seconds, b.seconds);
  return { name: `two --workers 1 replays at once (control), ${label}`, packets: a.packets + b.packets, seconds, pps: (a.packets + b.packets) / seconds, peakRssMiB: a.peak_rss_mib + b.peak_rss_mib };
}

/** Rows for --workers 1 and 2 (and the two-process control), without rules and with `contentRules` rules; prints the ratios. */
export async function benchWorkers(file: string, contentRules = 100): Promise<BenchRow[]> {
  const rows: BenchRow[] = [benchReaderAlone(file)];
  const sets: [string, string[]][] = [['no rules', ['--no-rules']]];
  if (contentRules > 0) {
    const dir = path.join(repoRoot(), 'bench', 'out');
    mkdirSync(dir, { recursive: true });
    const rulesPath = path.join(dir, `workers-content-${contentRules}.rules`);
    writeFileSync(rulesPath, generateContentRules(contentRules, collectPayloads(file)));
    sets.push([`${contentRules} content rules`, ['--rules', rulesPath]]);
  }
  // Snort 3's minimal configuration has no stream or service inspectors: the like-for-like
  // mirrorsink run turns stream reassembly (and with it the app layer) off.
  const streamOff = path.join(repoRoot(), 'bench', 'out', 'stream-off.yaml');
  mkdirSync(path.dirname(streamOff), { recursive: true });
  writeFileSync(streamOff, '# bench/workers.ts: no TCP reassembly, no app layer (Snort 3 minimal has neither)\nstream: false\n');
  const ratios: string[] = [];
  for (const [label, args] of sets) {
    const load = loadavg()[0]!;
    rows.push(replayRow(`replay --workers 1, ${label}, stream: false`, file, [...args, '--config', streamOff, '--workers', '1']));
    const one = replayRow(`replay --workers 1, ${label}`, file, [...args, '--workers', '1']);
    const two = replayRow(`replay --workers 2, ${label}`, file, [...args, '--workers', '2']);
    const pair = await benchTwoProcesses(label, file, args);
    rows.push(one, two, pair);
    ratios.push(
      `--workers 2 / --workers 1 packet rate, ${label}: ${(two.pps / one.pps).toFixed(2)}; two processes at once / one: ${(pair.pps / one.pps).toFixed(2)} (load average ${load.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, ${availableParallelism()} cores)`,
    );
  }
  process.stdout.write(ratios.join('\n') + '\n');
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { file: { type: 'string' }, packets: { type: 'string' }, rules: { type: 'string' } } });
  const file = values.file ?? buildLargeCapture(defaultLargeCapturePath(), Number(values.packets ?? 1_000_000));
  const rows = await benchWorkers(file, Number(values.rules ?? 100));
  process.stdout.write('\n' + formatBenchRows(rows) + '\n');
}
