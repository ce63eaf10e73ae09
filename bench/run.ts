/**
 * `npm run bench`: packets/s and peak RSS per pipeline stage, always beside baselines measured
 * in the same run (these machines are noisy; only ratios within one run mean much).
 *
 *   bare header walk      the capture's record headers walked in memory (upper bound)
 *   read only             readCaptureFile with a no-op sink
 *   decode only           read + decode into the packet view
 *   replay (no rules)     `mirrorsink replay --no-rules --no-stream` child process: the whole
 *                         pipeline without TCP reassembly (the pipeline before issue 12)
 *   replay, stream on     `mirrorsink replay --no-rules`: the same with TCP stream reassembly
 *   replay (N rules)      the same with N generated content rules (2, 100, 1 000 by default),
 *                         native (Hyperscan) prefilter and JavaScript prefilter
 *                         (MIRRORSINK_NO_NATIVE_PREFILTER=1) side by side when the native part
 *                         is built
 *   replay, ET Open       the same with every ET Open rule that loads (--et-open DIR, default
 *                         ../shared/corpus/rules/et-open when present; failures allowed)
 *   tcpdump -w /dev/null  the C reference reader
 *   1 M flows             replay --no-rules of a generated capture of 1 M single-packet flows,
 *                         without and with --flows-dir (VPC Flow Logs files): the flow-log cost
 *
 * Options: --packets N (default 1 000 000), --rules 2,100,1000 (or none), --et-open DIR (or none),
 * --repeat N (replay rows: best of N runs, default 1; the machine is shared), --flows N (single-
 * packet flows for the flow-log rows, default 1 000 000, 0 skips them), --live (adds the UDP
 * receive benchmark: highest loss-free send rate, full pipeline vs a bare dgram loop).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readCaptureFile } from '../src/source/capture-file.js';
import { PacketView } from '../src/decode/packet-view.js';
import { DecodeCounters } from '../src/decode/decode-events.js';
import { decodeFrame } from '../src/decode/decoder.js';
import type { FrameSink } from '../src/pipeline/stages.js';
import type { BenchRow } from './bench-row.js';
import { benchBareWalk, benchReadCaptureFile, benchTcpdump, formatBenchRows } from './capture-read.js';
import { buildLargeCapture, defaultLargeCapturePath, repoRoot } from './large-capture.js';
import { collectPayloads, generateContentRules } from './detect-rules.js';
import { buildFlowCapture, defaultFlowCapturePath } from './flow-capture.js';
import { NO_NATIVE_ENV, prefilterEngine } from '../src/detect/prefilter-native.js';

const CLI = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

class DecodeOnly implements FrameSink {
  readonly p = new PacketView();
  readonly c = new DecodeCounters();
  onFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    const p = this.p;
    p.setFrame(buf, offset, caplen, wirelen, linktype);
    p.tsSec = tsSec;
    p.tsNsec = tsNsec;
    decodeFrame(p, this.c);
  }
}

function benchDecodeOnly(file: string): BenchRow {
  const sink = new DecodeOnly();
  const t0 = process.hrtime.bigint();
  const r = readCaptureFile(file, sink);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name: 'decode only (in process)', packets: r.frames, seconds, pps: r.frames / seconds, peakRssMiB: process.memoryUsage.rss() / 2 ** 20 };
}

let repeat = 1;

/** benchReplay, best (highest packets/s) of `repeat` runs. */
function benchReplay(name: string, file: string, extra: string[], env: NodeJS.ProcessEnv = process.env): BenchRow {
  let best: BenchRow | null = null;
  for (let k = 0; k < repeat; k++) {
    const row = replayOnce(name, file, extra, env);
    if (best === null || row.pps > best.pps) best = row;
  }
  return best!;
}

/** The real CLI in a child process: its own summary gives packets/s and peak RSS. */
function replayOnce(name: string, file: string, extra: string[], env: NodeJS.ProcessEnv): BenchRow {
  const r = spawnSync(process.execPath, [CLI, 'replay', file, '--json', '--quiet', ...extra], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env });
  if (r.status !== 0) throw new Error(`${name}: replay failed: ${r.stderr}`);
  const s = JSON.parse(r.stdout) as { packets: number; seconds: number; peak_rss_mib: number; alerts?: { total?: number } };
  const alerts = s.alerts?.total;
  return { name: alerts === undefined ? name : `${name} (${alerts} alerts)`, packets: s.packets, seconds: s.seconds, pps: s.packets / s.seconds, peakRssMiB: s.peak_rss_mib };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { packets: { type: 'string' }, rules: { type: 'string' }, 'et-open': { type: 'string' }, repeat: { type: 'string' }, live: { type: 'boolean' }, file: { type: 'string' }, flows: { type: 'string' } },
  });
  const minPackets = Number(values.packets ?? 1_000_000);
  repeat = Math.max(1, Number(values.repeat ?? 1));
  const file = values.file ?? buildLargeCapture(defaultLargeCapturePath(), minPackets);
  const ruleCounts = values.rules === 'none' ? [] : (values.rules ?? '2,100,1000').split(',').map(Number);
  const etDir = values['et-open'] ?? path.join(repoRoot(), '..', 'shared', 'corpus', 'rules', 'et-open');
  const etFiles = values['et-open'] !== 'none' && existsSync(etDir) ? readdirSync(etDir).filter((f) => f.endsWith('.rules')).sort().map((f) => path.join(etDir, f)) : [];
  const pf = prefilterEngine();
  process.stdout.write(`mirrorsink bench on ${file}\nnode ${process.version}, ${process.platform}/${process.arch}\nprefilter: ${pf.description}\n\n`);

  const rows: BenchRow[] = [];
  const push = (row: BenchRow | null) => {
    if (row === null) return;
    rows.push(row);
    process.stdout.write(formatBenchRows([row]).split('\n').slice(-1)[0] + '\n');
  };
  push(benchBareWalk(file));
  push(benchReadCaptureFile(file));
  push(benchDecodeOnly(file));
  push(benchReplay('replay, whole pipeline, no rules', file, ['--no-rules', '--no-stream']));
  push(benchReplay('replay, stream reassembly on, no rules', file, ['--no-rules']));
  push(benchTcpdump(file, rows[0]!.packets));

  // Native and JavaScript prefilter one after the other, so both see the same machine load.
  const jsEnv = { ...process.env, [NO_NATIVE_ENV]: '1' };
  const ruleRows = (name: string, args: string[]): void => {
    if (pf.native) push(benchReplay(`${name}, Hyperscan`, file, args));
    push(benchReplay(`${name}, JS prefilter`, file, args, jsEnv));
  };

  if (ruleCounts.length > 0) {
    const payloads = collectPayloads(file);
    const dir = path.join(repoRoot(), 'bench', 'out');
    mkdirSync(dir, { recursive: true });
    for (const n of ruleCounts) {
      const rulesPath = path.join(dir, `content-${n}.rules`);
      writeFileSync(rulesPath, generateContentRules(n, payloads));
      ruleRows(`replay, ${n} content rules`, ['--rules', rulesPath]);
    }
  }
  if (etFiles.length > 0) ruleRows('replay, ET Open', etFiles.flatMap((f) => ['--rules', f]));

  for (const row of await (await import('./workers.js')).benchWorkers(file)) push(row);
  const flowCount = Number(values.flows ?? 1_000_000);
  let flowRows: [BenchRow, BenchRow] | null = null;
  if (flowCount > 0) {
    const flowFile = buildFlowCapture(defaultFlowCapturePath(flowCount), flowCount);
    const outDir = path.join(repoRoot(), 'bench', 'out', 'flows-dir');
    rmSync(outDir, { recursive: true, force: true });
    const label = `${(flowCount / 1e6).toLocaleString('en-US')} M 1-packet flows`;
    const without = benchReplay(`replay ${label}, no rules`, flowFile, ['--no-rules']);
    push(without);
    const withLogs = benchReplay(`replay ${label}, --flows-dir`, flowFile, ['--no-rules', '--flows-dir', outDir]);
    push(withLogs);
    rmSync(outDir, { recursive: true, force: true });
    flowRows = [without, withLogs];
  }

  if (values.live === true) {
    const { benchLive, benchLiveWorkers } = await import('./live.js');
    for (const row of await benchLive()) push(row);
    for (const row of await benchLiveWorkers()) push(row);
    if (etFiles.length > 0) for (const row of await benchLiveWorkers({ ruleFiles: etFiles, rulesName: 'ET Open' })) push(row);
  }

  process.stdout.write('\n' + formatBenchRows(rows) + '\n');
  const tcpdump = rows.find((r) => r.name.includes('tcpdump'));
  const replay = rows.find((r) => r.name.startsWith('replay, whole pipeline'));
  if (tcpdump && replay) process.stdout.write(`\nreplay / tcpdump packet rate: ${(replay.pps / tcpdump.pps).toFixed(2)}\n`);
  if (flowRows) process.stdout.write(`flow logs on / off packet rate (single-packet flows): ${(flowRows[1].pps / flowRows[0].pps).toFixed(2)}\n`);
  const withStream = rows.find((r) => r.name.startsWith('replay, stream reassembly on'));
  if (replay && withStream) process.stdout.write(`stream on / no-stream replay packet rate: ${(withStream.pps / replay.pps).toFixed(2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
