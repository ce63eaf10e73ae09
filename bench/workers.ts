/**
 * replay --workers 1 vs --workers 2 on the bench capture (issue 15): the same replay in a child
 * process, no rules and with N generated content rules, and the 2-worker / 1-worker packet
 * rate ratio. The machine's 1-minute load average is printed beside it: other processes on
 * the same cores change what a second worker can get.
 *
 * Called from run.ts; also on its own: node dist/bench/workers.js [--file F] [--packets N] [--rules 100]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchRow } from './bench-row.js';
import { formatBenchRows } from './capture-read.js';
import { buildLargeCapture, defaultLargeCapturePath, repoRoot } from './large-capture.js';
import { collectPayloads, generateContentRules } from './detect-rules.js';

const CLI = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

function replayRow(name: string, file: string, extra: string[]): BenchRow {
  const r = spawnSync(process.execPath, [CLI, 'replay', file, '--json', '--quiet', ...extra], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${name}: replay failed: ${r.stderr}`);
  const s = JSON.parse(r.stdout) as { packets: number; seconds: number; peak_rss_mib: number; alerts?: { total?: number } };
  const alerts = s.alerts?.total;
  return { name: alerts === undefined ? name : `${name} (${alerts} alerts)`, packets: s.packets, seconds: s.seconds, pps: s.packets / s.seconds, peakRssMiB: s.peak_rss_mib };
}

/** Rows for --workers 1 and 2, without rules and with `contentRules` rules; prints the ratios. */
export function benchWorkers(file: string, contentRules = 100): BenchRow[] {
  const rows: BenchRow[] = [];
  const sets: [string, string[]][] = [['no rules', ['--no-rules']]];
  if (contentRules > 0) {
    const dir = path.join(repoRoot(), 'bench', 'out');
    mkdirSync(dir, { recursive: true });
    const rulesPath = path.join(dir, `workers-content-${contentRules}.rules`);
    writeFileSync(rulesPath, generateContentRules(contentRules, collectPayloads(file)));
    sets.push([`${contentRules} content rules`, ['--rules', rulesPath]]);
  }
  const ratios: string[] = [];
  for (const [label, args] of sets) {
    const load = loadavg()[0]!;
    const one = replayRow(`replay --workers 1, ${label}`, file, [...args, '--workers', '1']);
    const two = replayRow(`replay --workers 2, ${label}`, file, [...args, '--workers', '2']);
    rows.push(one, two);
    ratios.push(`--workers 2 / --workers 1 packet rate, ${label}: ${(two.pps / one.pps).toFixed(2)} (load average ${load.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, ${availableParallelism()} cores)`);
  }
  process.stdout.write(ratios.join('\n') + '\n');
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { file: { type: 'string' }, packets: { type: 'string' }, rules: { type: 'string' } } });
  const file = values.file ?? buildLargeCapture(defaultLargeCapturePath(), Number(values.packets ?? 1_000_000));
  const rows = benchWorkers(file, Number(values.rules ?? 100));
  process.stdout.write('\n' + formatBenchRows(rows) + '\n');
}
