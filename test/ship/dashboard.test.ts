/**
 * dashboards/mirrorsink.json: well-formed for Grafana (schemaVersion, datasource variable,
 * layout), every query valid PromQL (promtool) over metrics mirrorsink promises, and those
 * metrics really exported by `mirrorsink serve` (scraped from the built CLI on loopback).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { CLI, haveTool } from '../helpers/tools.js';
import { startServeProcess, type ServeProcess } from '../server/harness.js';
import { DECODER_LAYERS, METRICS, TARGET_LABELS, metricNames } from './metrics-spec.js';

const DASHBOARD = path.join(REPO_ROOT, 'dashboards', 'mirrorsink.json');
const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8'));

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}
const allPanels: Panel[] = (dash.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = allPanels.filter((p) => p.type !== 'row');
const queries: { panel: string; expr: string }[] = [
  ...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr }))),
  ...dash.annotations.list.filter((a: any) => a.expr).map((a: any) => ({ panel: `annotation ${a.name}`, expr: a.expr })),
];
const used = [...new Set(queries.flatMap((q) => metricNames(q.expr)))].sort();

/**
 * Promised metrics that `serve` does not export yet, each still checked against the promised
 * list. Empty now that serve wires rules and flows; a metric put here must come out again as
 * soon as serve exports it (the test below fails until then).
 */
const PENDING_IN_SERVE = new Set<string>([]);

describe('Grafana dashboard: structure', () => {
  it('is a current dashboard (schemaVersion >= 38) with a fixed uid and title', () => {
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dash.uid).toBe('mirrorsink');
    expect(dash.title).toBe('mirrorsink');
  });

  it('picks its Prometheus through a datasource variable used by every panel and query', () => {
    const v = dash.templating.list.find((t: any) => t.type === 'datasource');
    expect(v).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets ?? []) expect(t.datasource?.uid, `${p.title} ${t.refId}`).toBe('${datasource}');
    }
    for (const t of dash.templating.list.filter((x: any) => x.type === 'query')) expect(t.datasource.uid).toBe('${datasource}');
  });

  it('has unique panel ids and a layout inside 24 columns without overlaps', () => {
    const ids = allPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const p of allPanels) {
      const g = p.gridPos;
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const other = cells.get(`${x},${y}`);
          expect(other, `${p.title} overlaps ${other}`).toBeUndefined();
          cells.set(`${x},${y}`, p.title);
        }
      }
    }
  });

  it('every query panel has a query and a description', () => {
    for (const p of queryPanels) {
      expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
      expect((p as any).description, p.title).toBeTruthy();
    }
  });
});

describe('Grafana dashboard: queries', () => {
  it('use only metrics mirrorsink promises', () => {
    expect(used.filter((m) => !(m in METRICS))).toEqual([]);
  });

  it('cover ingest, drops by cause, sessions and directions, filter verdicts, alerts, event-loop lag, kernel drops and decoder errors', () => {
    for (const m of [
      'mirrorsink_datagrams_received_total',
      'mirrorsink_dropped_packets_total',
      'mirrorsink_session_packets_total',
      'mirrorsink_session_bytes_total',
      'mirrorsink_filter_verdicts_total',
      'mirrorsink_detect_alerts_total',
      'mirrorsink_event_loop_lag_seconds',
      'mirrorsink_capture_kernel_drops_total',
      'mirrorsink_decoder_invalid_total',
      'mirrorsink_decoder_events_total',
      ...DECODER_LAYERS.map((l) => `mirrorsink_decoder_${l}_packets_total`),
    ]) {
      expect(used, m).toContain(m);
    }
  });

  it('group and match only on labels the metrics have', () => {
    for (const q of queries) {
      const metrics = metricNames(q.expr);
      const known = new Set([...TARGET_LABELS, ...metrics.flatMap((m) => METRICS[m] ?? [])]);
      for (const sel of q.expr.matchAll(/\b(mirrorsink_[a-z0-9_]+)\{([^}]*)\}/g)) {
        const labels = [...sel[2]!.matchAll(/([a-z_]+)\s*(=~|!~|!=|=)/g)].map((m) => m[1]!);
        const own = new Set([...TARGET_LABELS, ...(METRICS[metricNames(sel[1]!)[0]!] ?? [])]);
        for (const l of labels) expect(own.has(l), `${q.panel}: ${sel[1]} has no label '${l}'`).toBe(true);
      }
      for (const by of q.expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
        for (const l of by[1]!.split(',').map((s) => s.trim()).filter(Boolean)) expect(known.has(l), `${q.panel}: by (${l})`).toBe(true);
      }
    }
  });

  it.skipIf(!haveTool('promtool') && !process.env.CI)('are valid PromQL (promtool check rules)', () => {
    // Grafana's variables become what Grafana would put there.
    const promql = (e: string) =>
      e.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replace(/\$\{?[a-z_]+\}?/g, '.*');
    const rules = queries.map((q, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(promql(q.expr))}`).join('\n');
    const dir = mkdtempSync(path.join(tmpdir(), 'mirrorsink-dash-'));
    try {
      const file = path.join(dir, 'rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
      const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Grafana dashboard: metrics exported by mirrorsink serve', () => {
  let p: ServeProcess | undefined;
  let exported: Set<string>;
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm test runs tsc before vitest)`);
    dir = mkdtempSync(path.join(tmpdir(), 'mirrorsink-dash-serve-'));
    // Rules and flows on, so that their metrics are registered once serve wires them.
    writeFileSync(path.join(dir, 'local.rules'), 'alert udp any any -> any 53 (msg:"dns"; sid:1000001; rev:1;)\n');
    writeFileSync(path.join(dir, 'mirrorsink.yaml'), 'rules: [local.rules]\nflows: true\nsessions:\n  - {name: a, vni: 1, addresses: [10.0.0.10]}\n');
    p = await startServeProcess(['--config', path.join(dir, 'mirrorsink.yaml')], {
      MIRRORSINK_BIND: '127.0.0.1',
      MIRRORSINK_VXLAN_PORT: '0',
      MIRRORSINK_GENEVE_PORT: 'off',
      MIRRORSINK_HTTP_PORT: '0',
      MIRRORSINK_HTTP_BIND: '127.0.0.1',
      // Two pipeline threads whatever the machine: the per-worker families are exported too.
      MIRRORSINK_WORKERS: '2',
    });
    const text = await (await fetch(`${p.base}/metrics`)).text();
    // TYPE lines list every registered metric, labelled ones with no samples yet included.
    exported = new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]!));
  });
  afterAll(async () => {
    await p?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every metric the dashboard queries is exported (pending ones listed in PENDING_IN_SERVE)', () => {
    const missing = used.filter((m) => !exported.has(m) && !PENDING_IN_SERVE.has(m));
    expect(missing, 'queried by the dashboard but not in /metrics').toEqual([]);
  });

  it('PENDING_IN_SERVE holds only metrics serve does not export yet (remove them as they land)', () => {
    expect([...PENDING_IN_SERVE].filter((m) => exported.has(m))).toEqual([]);
  });

  it('every promised metric is exported, pending ones aside', () => {
    expect(Object.keys(METRICS).filter((m) => !exported.has(m) && !PENDING_IN_SERVE.has(m))).toEqual([]);
  });
});
