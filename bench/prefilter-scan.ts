/**
 * Micro-benchmark of the prefilter scan alone: the capture's real payloads (concatenated,
 * scanned one payload per call as the engine does) against N folded patterns, repeated until
 * --mb megabytes were scanned; prints ns/byte and hits per call. Pattern sets come from
 * generatePatterns: "realistic" (1 % verbatim, as the replay bench) or "substr" (all verbatim,
 * the worst case for the output path). --before DIR/prefilter.js times another build of the
 * module (e.g. a copy of the previous dist) in the same process for a before/after ratio.
 * --native adds the Hyperscan engine (prefilter-native.ts, every payload native), the bare
 * N-API call (no scan) and, per payload-length class, JavaScript vs native ns per call: the
 * measurement behind NATIVE_MIN_BYTES.
 *
 *   node dist/bench/prefilter-scan.js --file bench/out/vxlan-1m.pcap --patterns 10,1000
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AhoCorasick } from '../src/detect/prefilter.js';
import { NativeScanner, nativePrefilterModule } from '../src/detect/prefilter-native.js';
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
      native: { type: 'boolean' },
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
  const mod = values.native === true ? nativePrefilterModule() : null;
  if (values.native === true && mod === null) process.stdout.write('native prefilter not available: JavaScript only\n');
  for (const n of values.patterns.split(',').map(Number)) {
    const pats = generatePatterns(n, payloads, values.style === 'substr' ? { hitFraction: 1 } : {}).map((x) => x.pattern.map(fold));
    if (mod !== null) nativeRows(mod, pats, buf, offs, joined.length, Number(values.mb));
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

/** Native vs JavaScript: whole-set rate, call overhead, and ns per call by payload length. */
function nativeRows(mod: NonNullable<ReturnType<typeof nativePrefilterModule>>, pats: Uint8Array[], buf: Uint8Array, offs: Int32Array, total: number, mb: number): void {
  const js = new AhoCorasick(pats);
  const nat = new NativeScanner(mod, pats, new AhoCorasick(pats), 0);
  const r = timeScan(Object.assign(nat, { stateCount: 0 }), buf, offs, total, mb);
  const calls = offs.length - 1;
  const nsCall = (r.nsPerByte * total) / calls;
  process.stdout.write(`${String(pats.length).padStart(6)} patterns native    ${r.nsPerByte.toFixed(2).padStart(6)} ns/byte  ${(1e3 / r.nsPerByte).toFixed(0).padStart(5)} MB/s  ${nsCall.toFixed(0)} ns/call  ${r.hitsPerCall.toFixed(3)} hits/scan\n`);
  // The N-API call alone (same arguments, no scan).
  const db = mod.compile(new Uint8Array([0x61]), Uint32Array.of(1), Uint32Array.of(1), new Int32Array(1));
  const t0 = process.hrtime.bigint();
  let x = 0;
  for (let k = 0; k < 2_000_000; k++) x += mod.noop(db, buf, 0, 100);
  process.stdout.write(`        N-API call overhead ${(Number(process.hrtime.bigint() - t0) / 2e6).toFixed(0)} ns/call${x === 0 ? '' : '!'}\n`);
  // ns per call by payload length: where the JavaScript DFA still wins.
  const classes = [16, 32, 64, 128, 256, 512, 1500];
  const line: string[] = [];
  for (const len of classes) {
    const starts: number[] = [];
    for (let k = 0; k + 1 < offs.length && starts.length < 2000; k++) if (offs[k + 1]! - offs[k]! >= len) starts.push(offs[k]!);
    if (starts.length === 0) continue;
    const time = (s: { scan(b: Uint8Array, a: number, e: number): number }): number => {
      for (const a of starts) s.scan(buf, a, a + len);
      const reps = Math.max(1, Math.ceil(2e6 / starts.length));
      const t = process.hrtime.bigint();
      for (let r2 = 0; r2 < reps; r2++) for (const a of starts) s.scan(buf, a, a + len);
      return Number(process.hrtime.bigint() - t) / (reps * starts.length);
    };
    line.push(`${len} B: js ${time(js).toFixed(0)} / native ${time(nat).toFixed(0)}`);
  }
  process.stdout.write(`        ns per call by length: ${line.join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
