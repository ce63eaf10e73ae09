/**
 * suricata-verify, the passive-sensor pool (../shared/corpus/suricata-verify-pool, 738 tests):
 * each test's rules, configuration and pcap through the replay pipeline, its alert checks
 * evaluated as suricata-verify's runner does (see suricata-verify-runner.ts), and the result
 * held against suricata-verify-pool.expected.tsv:
 *   - a test expected to pass that does not is a failure here (a regression), with its reason;
 *   - a test expected to fail that now passes is listed in a notice: update the file;
 *   - MIRRORSINK_UPDATE_SV_EXPECTED=1 rewrites the file from this run's results (tests left out
 *     with -t keep their line); MIRRORSINK_SV_VERBOSE=1 lists every test that does not pass.
 * The expectations hold test names and our own reasons only (no corpus content).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { corpusPath, describeWithCorpus } from '../helpers/corpus.js';
import { cleanupTemp, readPoolIndex, runTest, type PoolTest, type TestResult } from './suricata-verify-runner.js';

const EXPECTED_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'suricata-verify-pool.expected.tsv');
const UPDATE = process.env.MIRRORSINK_UPDATE_SV_EXPECTED === '1';
/** MIRRORSINK_SV_VERBOSE=1: every test that does not pass, with its failing checks' matches. */
const VERBOSE = process.env.MIRRORSINK_SV_VERBOSE === '1';
const POOL_SIZE = 738;
const ROOT = corpusPath('suricata-verify-pool');

interface Expectation {
  status: 'pass' | 'fail' | 'not-applicable';
  category: string;
  reason: string;
}

function readExpected(): Map<string, Expectation> {
  const m = new Map<string, Expectation>();
  if (!existsSync(EXPECTED_FILE)) return m;
  for (const line of readFileSync(EXPECTED_FILE, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, status, category, reason] = line.split('\t');
    m.set(name!, { status: status as Expectation['status'], category: category ?? '', reason: reason ?? '' });
  }
  return m;
}

/** The category of a failure: INDEX.tsv's when it names one, else from our reason. */
function categoryOf(t: PoolTest, r: TestResult): string {
  if (t.needs !== '-' && t.needs !== '') return t.needs;
  if (r.reason.startsWith('rules failed to load')) return 'rule parse differences';
  if (r.reason.startsWith('replay failed')) return 'pcap read error';
  if (r.reason.includes('checks:')) return 'ALERT COUNT DIFF on loaded rules';
  return 'other';
}

const clean = (s: string) => s.replace(/[\t\n\r]+/g, ' ');

/** Rewrites the file from this run; tests not run (vitest -t) keep their line. */
function writeExpected(index: PoolTest[], results: Map<string, TestResult>, previous: Map<string, Expectation>): void {
  const lines = [
    '# suricata-verify-pool expectations: test<TAB>pass | test<TAB>fail<TAB>category<TAB>reason | test<TAB>not-applicable<TAB>-<TAB>reason',
    '# Rewrite: MIRRORSINK_UPDATE_SV_EXPECTED=1 npx vitest run test/detect/suricata-verify-pool.test.ts',
  ];
  for (const t of index) {
    const r = results.get(t.name);
    if (r === undefined) {
      const e = previous.get(t.name);
      if (e !== undefined) lines.push(e.status === 'pass' ? `${t.name}\tpass` : `${t.name}\t${e.status}\t${e.category}\t${e.reason}`);
      continue;
    }
    if (r.status === 'pass') lines.push(`${t.name}\tpass`);
    else if (r.status === 'fail') lines.push(`${t.name}\tfail\t${clean(categoryOf(t, r))}\t${clean(r.reason)}`);
    else lines.push(`${t.name}\tnot-applicable\t-\t${clean(r.reason)}`);
  }
  writeFileSync(EXPECTED_FILE, lines.join('\n') + '\n');
}

describeWithCorpus('suricata-verify-pool', () => {
  const index = existsSync(path.join(ROOT, 'INDEX.tsv')) ? readPoolIndex(ROOT) : [];
  const expected = readExpected();
  const results = new Map<string, TestResult>();

  it(`has the ${POOL_SIZE} tests, each in the expectations file`, () => {
    expect(index).toHaveLength(POOL_SIZE);
    if (!UPDATE) expect(index.filter((t) => !expected.has(t.name)).map((t) => t.name)).toEqual([]);
  });

  for (const t of index) {
    it(
      t.name,
      async () => {
        const r = await runTest(ROOT, t);
        results.set(t.name, r);
        if (UPDATE) return;
        const e = expected.get(t.name);
        if (e?.status === 'pass' && r.status !== 'pass') {
          expect.fail(`${t.name} is expected to pass but is ${r.status}: ${r.detail}`);
        }
      },
      60_000,
    );
  }

  afterAll(() => {
    cleanupTemp();
    if (results.size === 0) return;
    const pass = [...results.values()].filter((r) => r.status === 'pass').length;
    const na = [...results.values()].filter((r) => r.status === 'not-applicable').length;
    const partial = results.size < index.length ? `; only ${results.size} run` : '';
    // Passes whose checks held although some of the test's rules did not load (e.g. count 0).
    const withSkipped = [...results.values()].filter((r) => r.status === 'pass' && r.rulesFailed > 0).length;
    const lines = [
      `suricata-verify-pool: ${pass} pass / ${index.length} (${na} not applicable, ${results.size - pass - na} fail${partial})`,
      `suricata-verify-pool: ${withSkipped} of the passes had rules mirrorsink could not load`,
    ];
    if (UPDATE) {
      writeExpected(index, results, expected);
      lines.push(`suricata-verify-pool: rewrote ${path.relative(process.cwd(), EXPECTED_FILE)}`);
    } else {
      const regressed = index.filter((t) => expected.get(t.name)?.status === 'pass' && results.has(t.name) && results.get(t.name)?.status !== 'pass');
      if (regressed.length > 0) {
        lines.push(`REGRESSION: ${regressed.length} suricata-verify-pool test(s) expected to pass do not:`, ...regressed.map((t) => `  ${t.name}: ${results.get(t.name)?.detail}`));
      }
      const nowPass = index.filter((t) => results.get(t.name)?.status === 'pass' && expected.get(t.name)?.status !== 'pass');
      if (nowPass.length > 0) {
        lines.push(
          `NOTICE: ${nowPass.length} suricata-verify-pool test(s) now pass but are expected to fail: update the expectations`,
          `  (MIRRORSINK_UPDATE_SV_EXPECTED=1 npx vitest run test/detect/suricata-verify-pool.test.ts):`,
          ...nowPass.map((t) => `  ${t.name} (was: ${expected.get(t.name)?.reason ?? 'not listed'})`),
        );
      }
    }
    if (VERBOSE) {
      for (const t of index) {
        const r = results.get(t.name);
        if (r !== undefined && r.status !== 'pass') lines.push(`  ${t.name}: ${r.status}: ${r.detail}`);
      }
    }
    const slow = [...results.values()].sort((a, b) => b.ms - a.ms).slice(0, 3);
    lines.push(`suricata-verify-pool: slowest ${slow.map((r) => `${r.name} ${r.ms} ms`).join(', ')}`);
    process.stderr.write(`\n${lines.join('\n')}\n\n`);
  });
});
