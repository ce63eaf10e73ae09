/**
 * Worst time of one pcre search over MTU-sized payloads (issue 16): the issue's catastrophic
 * patterns, and with `--rules DIR` every pcre of the rule files that load (ET Open).
 *
 *   node dist/bench/pcre-worst.js [--rules /work/shared/corpus/rules/et-open]
 *
 * Each pattern runs over a few adversarial 1500-byte payloads, warm (after one untimed pass);
 * per payload the best of 20 runs is kept (the rest measure preemption on a shared machine) and
 * the worst payload is reported. Prints the worst per pattern group, the slowest
 * patterns and how many searches ended at the step limit.
 */
import { compilePcre } from '../src/detect/pcre.js';
import { PcreResult, pcreSearch, type PcreProgram } from '../src/detect/pcre-vm.js';
import { loadRuleFiles } from '../src/detect/rule-loader.js';
import { OpType, type PcreOp } from '../src/detect/keywords/payload.js';

const ISSUE = ['/(a|a)+$/', '/(a|aa)+$/', '/(a|a?)+$/', '/(a{1,1000})+$/', '/(a{1,100}){1,100}$/', '/(a+)(?#c)+$/', '/a*a*a*a*a*a*a*a*$/', '/.*.*.*.*.*.*=/', '/(a+)+$/', '/(a*)*$/', '/(x+x+)+y/', '/(.*a){12}/', '/(\\w+\\s?)+$/', '/(a|a)+(\\1)?$/'];

const MTU = 1500;
function payloads(): Uint8Array[] {
  const b = (s: string) => Uint8Array.from(s.slice(0, MTU), (c) => c.charCodeAt(0) & 0xff);
  let seed = 1;
  const rnd = new Uint8Array(MTU).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
  const http = 'GET /index.php?id=' + 'a'.repeat(600) + ' HTTP/1.1\r\nHost: example.com\r\nUser-Agent: ' + 'Mozilla/5.0 '.repeat(60) + '\r\n\r\n';
  return [b('a'.repeat(MTU - 1) + '!'), b('a'.repeat(MTU)), b('='.repeat(MTU)), b('ab'.repeat(MTU)), b(http.padEnd(MTU, 'x')), b(' '.repeat(MTU)), b('%'.repeat(MTU)), rnd];
}

interface Row {
  name: string;
  worstMs: number;
  limits: number;
  /** Why only the step limit bounds it (null: linear-time bitmap). */
  limitOnly: string | null;
}

function measure(name: string, prog: PcreProgram, anchored: boolean, pays: Uint8Array[]): Row {
  let worst = 0;
  let limits = 0;
  for (const p of pays) pcreSearch(prog, p, 0, p.length, 0, anchored);
  for (const p of pays) {
    // Best of 20 runs: on a shared machine the slower runs measure preemption, not the search.
    let best = Infinity;
    for (let rep = 0; rep < 20; rep++) {
      const t = performance.now();
      const r = pcreSearch(prog, p, 0, p.length, 0, anchored);
      const ms = performance.now() - t;
      if (ms < best) best = ms;
      if (rep === 0 && r === PcreResult.Limit) limits++;
    }
    if (best > worst) worst = best;
  }
  return { name, worstMs: worst, limits, limitOnly: prog.limitOnly(MTU) };
}

function report(title: string, rows: Row[]): void {
  rows.sort((a, b) => b.worstMs - a.worstMs);
  const searches = rows.length * payloads().length;
  const limits = rows.reduce((n, r) => n + r.limits, 0);
  const sorted = rows.map((r) => r.worstMs).sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  const hit = rows.filter((r) => r.limits > 0);
  const hitLinear = hit.filter((r) => r.limitOnly === null).length;
  process.stdout.write(
    `${title}: ${rows.length} patterns, worst ${rows[0]?.worstMs.toFixed(3)} ms per search, p99 of per-pattern worst ${p99.toFixed(3)} ms, ${limits} of ${searches} searches ended at the step limit (${hit.length} patterns: ${hit.length - hitLinear} with back references or too large for the bitmap, ${hitLinear} others)\n`,
  );
  for (const r of rows.slice(0, 8)) process.stdout.write(`  ${r.worstMs.toFixed(3).padStart(8)} ms  ${r.limits > 0 ? `(limit ×${r.limits}) ` : ''}${r.name.slice(0, 100)}\n`);
  for (const r of hit.filter((x) => x.limitOnly === null).slice(0, 10)) process.stdout.write(`  limit hit without back references: ${r.name.slice(0, 110)}\n`);
}

const pays = payloads();
report(
  'issue 16 patterns',
  ISSUE.map((p) => {
    const s = compilePcre(p, false);
    return measure(p, s.prog, s.anchored, pays);
  }),
);
const at = process.argv.indexOf('--rules');
if (at > 0 && process.argv[at + 1] !== undefined) {
  const rs = loadRuleFiles([process.argv[at + 1]!]);
  const rows: Row[] = [];
  for (const r of rs.rules) {
    for (const op of r.payload) {
      if (op.type !== OpType.Pcre) continue;
      const p = op as PcreOp;
      rows.push(measure(`sid ${r.sid}: ${p.source}`, p.prog, p.anchored, pays));
    }
  }
  report('rule-file pcres', rows);
}
