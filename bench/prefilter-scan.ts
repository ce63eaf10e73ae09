/**
 * Micro-benchmark of the prefilter scan alone: the capture's real payloads (concatenated,
 * scanned one payload per call as the engine does) against N folded patterns, repeated until
 * --mb megabytes were scanned; prints ns/byte and hits per call. Pattern sets come from
 * generatePatterns: "realistic" (1 % verbatim, as the replay bench) or "substr" (all verbatim,
 * the worst case for the output path). --before DIR/prefilter.js times another build of the
 * module (e.g. a copy of the previous dist) in the same process for a before/after ratio.
 *
 *   node dist/bench/prefilter-scan.js --file bench/out/vxlan-1m.pcap --patterns 10,1000
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AhoCorasick } from '../src/detect/prefilter.js';
import { collectPayloads, generatePatterns } from './detect-rules.js';

type Ctor = new (patterns: readonly Uint8Array[]) => { scan(buf: Uint8Array, start: number, end: number): number; stateCount: number };

const fold = (b: number): number => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b);

function timeScan(ac: InstanceType<Ctor>, buf: Uint8Array, offs: Int32Array, totalBytes: number, mb: number): { nsPerByte: number; hitsPerCall: number } {
  const rounds = Math.max(1, Math.ceil((mb * 1e6) / totalBytes));
  // Warm-up so the measured rounds run optimised code.
  for (let k = 0; k + 1 < offs.length; k++) ac.scan(buf, offs[k]!, offs[k + 1]!);
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (let k = 0; k + 1 < offs.length; k++) hits += ac.scan(buf, offs[k]!, offs[k + 1]!);
  const ns = Number(process.hrtime.bigint() - t0);
  return { nsPerByte: ns / (rounds * totalBytes), hitsPerCall: hits / (rounds * (offs.length - 1)) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string', default: 'bench/out/vxlan-1m.pcap' },
      patterns: { type: 'string', default: '1,10,100,1000,10000' },
      mb: { type: 'string', default: '100' },
      style: { type: 'string', default: 'realistic' },
      before: { type: 'string' },
      uint8: { type: 'boolean' },
    },
  });
  const payloads = collectPayloads(values.file, 5000);
  const joined = Buffer.concat(payloads);
  const buf = values.uint8 === true ? new Uint8Array(joined) : joined;
  const offs = new Int32Array(payloads.length + 1);
  payloads.forEach((p, i) => (offs[i + 1] = offs[i]! + p.length));
  const impls: [string, Ctor][] = [['current', AhoCorasick as unknown as Ctor]];
  if (values.before !== undefined) {
    const mod = (await import(pathToFileURL(path.resolve(values.before)).href)) as { AhoCorasick: Ctor };
    impls.unshift(['before', mod.AhoCorasick]);
  }
  process.stdout.write(`${payloads.length} payloads, ${joined.length} bytes, ${values.style} patterns, ${values.uint8 ? 'Uint8Array' : 'Buffer'} text\n`);
  for (const n of values.patterns.split(',').map(Number)) {
    const pats = generatePatterns(n, payloads, values.style === 'substr' ? { hitFraction: 1 } : {}).map((x) => x.pattern.map(fold));
    for (const [name, C] of impls) {
      const t0 = process.hrtime.bigint();
      const ac = new C(pats);
      const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const r = timeScan(ac, buf, offs, joined.length, Number(values.mb));
      process.stdout.write(
        `${String(n).padStart(6)} patterns ${name.padEnd(8)} states ${String(ac.stateCount).padStart(7)}  build ${buildMs.toFixed(0).padStart(5)} ms  ` +
          `${r.nsPerByte.toFixed(2).padStart(6)} ns/byte  ${(1e3 / r.nsPerByte).toFixed(0).padStart(5)} MB/s  ${r.hitsPerCall.toFixed(3)} hits/scan\n`,
      );
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
