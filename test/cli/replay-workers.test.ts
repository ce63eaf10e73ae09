/**
 * `replay --workers N` through the built CLI: the same EVE records, flow-log records and
 * summary counts as one worker, apart from order, over the bundled captures and a slice of the
 * suricata-verify pool. Two things legitimately differ and are left out of the comparison:
 *  - the `timestamp` of an EVE flow record ended by a timeout: when a flow times out follows
 *    its worker's packet time (its content does not);
 *  - rules with `threshold:` / `detection_filter:` count across flows (by source...), and each
 *    worker counts its own flows: they are removed from the rules compared here.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, corpusPath, describeWithCorpus } from '../helpers/corpus.js';
import { runCli } from '../helpers/tools.js';
import { readDefinition, readPoolIndex, replayOptionsFor } from '../detect/suricata-verify-runner.js';

const CAPTURES = readdirSync(path.join(REPO_ROOT, 'captures'))
  .filter((f) => f.endsWith('.pcap'))
  .sort()
  .map((f) => path.join(REPO_ROOT, 'captures', f));
const CONFIG = path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml');
const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-workers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const COUNTS_ACROSS_FLOWS = /\b(threshold|detection_filter)\s*:/;

/** The bundled rules without the ones that count across flows. */
function perFlowRules(): string {
  const dir = path.join(REPO_ROOT, 'rules');
  const lines: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.rules')).sort()) {
    for (const l of readFileSync(path.join(dir, f), 'utf8').split('\n')) if (!COUNTS_ACROSS_FLOWS.test(l)) lines.push(l);
  }
  const out = path.join(tmp, 'per-flow.rules');
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}

/**
 * EVE records as sorted canonical text (keys sorted), a timed-out flow's `timestamp` left out;
 * `withoutReason`: also flow.reason (captures replayed one after the other go back in time,
 * and when a worker's flows time out then depends on which packets it had).
 */
function eveRecords(file: string, withoutReason = false): string[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      if (r.event_type === 'flow') {
        delete r.timestamp;
        if (withoutReason) delete (r.flow as Record<string, unknown>).reason;
      }
      return JSON.stringify(sortKeys(r));
    })
    .sort();
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

/** Every flow-log line (headers dropped) of every .log.gz under dir, sorted. */
function flowLogLines(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.log.gz')) out.push(...gunzipSync(readFileSync(p)).toString('utf8').split('\n').slice(1).filter((l) => l !== ''));
    }
  };
  walk(dir);
  return out.sort();
}

interface Summary {
  packets: number;
  delivered: number;
  drops: Record<string, number>;
  decoder: Record<string, number>;
  alerts?: { total: number; by_signature: { sid: number; count: number }[] };
  flows?: { total: number; by_proto: Record<string, number>; flow_log_records?: number };
  sessions?: unknown;
  stream?: Record<string, number>;
  workers?: { count: number; frames: number[] };
}

function replay(name: string, workers: number, extra: string[], withoutReason = false): { summary: Summary; eve: string[]; flowLogs: string[] } {
  const eve = path.join(tmp, `${name}-${workers}.json`);
  const flows = path.join(tmp, `${name}-${workers}-flows`);
  const r = runCli(['replay', '--json', '--quiet', '--eve', eve, '--flows-dir', flows, '--workers', String(workers), ...extra]);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.status, r.stderr).toBe(0);
  let flowLogs: string[] = [];
  try {
    flowLogs = flowLogLines(flows);
  } catch {
    flowLogs = [];
  }
  return { summary: JSON.parse(r.stdout) as Summary, eve: eveRecords(eve, withoutReason), flowLogs };
}

describe('replay --workers', () => {
  it('writes the same EVE records with 2 workers as with 1, capture by capture', () => {
    const rules = perFlowRules();
    let records = 0;
    for (const f of CAPTURES) {
      const args = [f, '--config', CONFIG, '--rules', rules];
      const name = path.basename(f, '.pcap');
      const one = replay(name, 1, args);
      const two = replay(name, 2, args);
      expect(two.eve, name).toEqual(one.eve);
      expect(two.flowLogs, name).toEqual(one.flowLogs);
      records += one.eve.length;
    }
    expect(records).toBeGreaterThan(1000);
  }, 600_000);

  it('writes the same EVE records, flow-log records and counts with 2 workers as with 1 (all bundled captures in one replay)', () => {
    const args = [...CAPTURES, '--config', CONFIG, '--rules', perFlowRules()];
    const one = replay('bundled', 1, args, true);
    const two = replay('bundled', 2, args, true);
    expect(one.summary.alerts!.total).toBeGreaterThan(0);
    expect(one.eve.some((l) => l.includes('"event_type":"http"'))).toBe(true);
    expect(two.eve).toEqual(one.eve);
    expect(one.flowLogs.length).toBeGreaterThan(100);
    expect(two.flowLogs).toEqual(one.flowLogs);
    for (const k of ['packets', 'delivered', 'drops', 'decoder', 'alerts', 'flows', 'sessions', 'stream'] as const) {
      const a = { ...(one.summary[k] as object) } as Record<string, unknown>;
      const b = { ...(two.summary[k] as object) } as Record<string, unknown>;
      if (k === 'flows') {
        // Which 5-minute file a record lands in may differ (the files' clock is the workers').
        delete a.flow_log_files;
        delete b.flow_log_files;
      }
      expect(b, k).toEqual(a);
    }
    // Both workers had flows to do.
    expect(two.summary.workers!.count).toBe(2);
    expect(Math.min(...two.summary.workers!.frames)).toBeGreaterThan(0);
  }, 300_000);

  it('keeps both mirror copies of a packet on one worker with --dedup (two ENIs, one conversation)', () => {
    const args = [path.join(REPO_ROOT, 'captures', 'two-enis.pcap'), '--config', CONFIG, '--rules', perFlowRules(), '--dedup'];
    const one = replay('dedup', 1, args);
    const two = replay('dedup', 3, args);
    expect(one.summary.drops.duplicate).toBeGreaterThan(0);
    expect(two.summary.drops).toEqual(one.summary.drops);
    expect(two.eve).toEqual(one.eve);
  });

  it('refuses a worker count out of range', () => {
    expect(runCli(['replay', CAPTURES[0]!, '--workers', '0']).status).toBe(2);
    expect(runCli(['replay', CAPTURES[0]!, '--workers', 'x']).status).toBe(2);
  });

  for (const outer of [false, true]) {
    it(`writes --pcap-out, --pcap-dir and --alert-pcap-dir files byte for byte as one worker does${outer ? ' (--pcap-outer)' : ''}`, () => {
      // Every bundled capture in one replay: frames of many flows interleave across 3 workers.
      const files = (workers: number) => {
        const base = path.join(tmp, `pcaps-${outer}-${workers}`);
        const r = runCli(['replay', ...CAPTURES, '--config', CONFIG, '--rules', perFlowRules(), '--json', '--quiet', '--workers', String(workers), '--pcap-out', `${base}.pcap`, '--pcap-dir', `${base}-dir`, '--alert-pcap-dir', `${base}-alerts`, ...(outer ? ['--pcap-outer'] : [])]);
        expect(r.status, r.stderr).toBe(0);
        const summary = JSON.parse(r.stdout) as { flows: { pcap_out: { packets: number }; pcap_dir: { packets: number; files: number } } };
        const read = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f)).toString('base64')]));
        return { summary: summary.flows, out: readFileSync(`${base}.pcap`), dir: read(`${base}-dir`), alerts: read(`${base}-alerts`) };
      };
      const one = files(1);
      const three = files(3);
      expect(one.summary.pcap_out.packets).toBeGreaterThan(1000);
      expect(three.summary.pcap_out).toEqual(one.summary.pcap_out);
      expect(three.summary.pcap_dir).toEqual(one.summary.pcap_dir);
      expect(three.out.equals(one.out)).toBe(true);
      expect(Object.keys(one.dir).length).toBeGreaterThan(0);
      expect(three.dir).toEqual(one.dir);
      expect(Object.keys(one.alerts).length).toBeGreaterThan(5);
      expect(three.alerts).toEqual(one.alerts);
    }, 120_000);
  }

  it('reports a bad rules file from the workers with its usual error', () => {
    const bad = path.join(tmp, 'missing.rules');
    const r = runCli(['replay', CAPTURES[0]!, '--workers', '2', '--rules', bad]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/missing\.rules/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});

// A slice of the suricata-verify pool: alerts (pcap_cnt included) the same with 2 workers.
const SLICE = 30;
describeWithCorpus('replay --workers over a suricata-verify pool slice', () => {
  it(`gives the same sorted alert records with 2 workers as with 1 (${SLICE} tests)`, () => {
    const root = corpusPath('suricata-verify-pool');
    let compared = 0;
    let alerts = 0;
    for (const t of readPoolIndex(root)) {
      if (compared >= SLICE) break;
      let def;
      try {
        def = readDefinition(t.dir);
      } catch {
        continue;
      }
      const ruleFiles = [...def.ruleFiles];
      if (def.ruleText !== null) {
        ruleFiles.push(path.join(tmp, `sv-${compared}.rules`));
        writeFileSync(ruleFiles[ruleFiles.length - 1]!, def.ruleText);
      }
      if (ruleFiles.length === 0) continue;
      if (ruleFiles.some((f) => COUNTS_ACROSS_FLOWS.test(readFileSync(f, 'utf8')))) continue;
      const { values, config } = replayOptionsFor(def.settings);
      const argv: string[] = [];
      if (Object.keys(config).length > 0) {
        const file = path.join(tmp, `sv-${compared}.yaml`);
        writeFileSync(file, JSON.stringify(config));
        argv.push('--config', file);
      }
      for (const [k, v] of Object.entries(values)) {
        if (k === 'rules') continue;
        if (v === true) argv.push(`--${k}`);
        else if (Array.isArray(v)) for (const x of v) argv.push(`--${k}`, String(x));
        else if (typeof v === 'string' || typeof v === 'number') argv.push(`--${k}`, String(v));
      }
      for (const f of ruleFiles) argv.push('--rules', f);
      const pcap = path.join(root, t.pcap);
      const run = (n: number): string[] => {
        const eve = path.join(tmp, `sv-${compared}-${n}.json`);
        const r = runCli(['replay', '--json', '--quiet', pcap, '--eve', eve, '--workers', String(n), ...argv]);
        expect(r.stderr).not.toMatch(/internal error/);
        return eveRecords(eve).filter((l) => l.includes('"event_type":"alert"'));
      };
      const one = run(1);
      const two = run(2);
      expect(two, t.name).toEqual(one);
      alerts += one.length;
      compared++;
    }
    expect(compared).toBe(SLICE);
    expect(alerts).toBeGreaterThan(0);
  }, 600_000);
});
