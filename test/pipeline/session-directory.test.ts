/**
 * One session directory for the whole sink: with a VNI shared by two sessions (told apart by
 * their primary addresses) and a packet whose outer source matches neither, the session stage,
 * flow logs, metrics, EVE and the API all call that packet's session 'unknown', and the other
 * two packets their own sessions. Real stages from pipeline/build.ts over a real configuration.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { TunnelKind } from '../../src/decode/packet-view.js';
import { registerFlowMetrics } from '../../src/metrics/flow-metrics.js';
import { buildStages, pipelineStagesOf, retireStages } from '../../src/pipeline/build.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { SessionDirectory } from '../../src/session/session-directory.js';
import { innerFrame, parseMetrics, metric, vxlan } from '../server/harness.js';

function ip4(s: string): number {
  return s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const ENI_A = 'eni-0a1b2c3d4e5f60101';
const ENI_B = 'eni-0a1b2c3d4e5f60202';

describe('session directory', () => {
  it('answers by the session index only: unknown stays unknown', () => {
    const d = new SessionDirectory([
      { name: 'a', vni: 7, eniId: 'eni-a' },
      { name: 'b', vni: 7, eniId: 'eni-b' },
    ]);
    expect(d.name(1)).toBe('b');
    expect(d.info(0)?.eniId).toBe('eni-a');
    // No fallback by VNI (the flow-log directory used to pick the first session of the VNI).
    expect(d.indexOf(-1)).toBe(-1);
    expect(d.info(-1)).toBeNull();
    expect(d.name(-1)).toBe('unknown');
    expect(d.name(2)).toBe('unknown');
  });

  it('a shared VNI with an outer source of neither session is "unknown" in flow logs, metrics, EVE and the API', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mirrorsink-sessdir-'));
    writeFileSync(path.join(dir, 'local.rules'), 'alert udp any any -> any 53 (msg:"dns query"; sid:1000001; rev:1;)\n');
    const file = path.join(dir, 'mirrorsink.yaml');
    writeFileSync(
      file,
      `sessions:
  - { name: eni-a, vni: 101, eni: ${ENI_A}, addresses: [10.0.1.10], account_id: "123456789012", region: us-east-1 }
  - { name: eni-b, vni: 101, eni: ${ENI_B}, addresses: [10.0.2.20], account_id: "123456789012", region: us-east-1 }
rules: { files: [local.rules] }
eve: { path: eve.json }
flows:
  eve: true
  log: { dir: flowlogs, format: '\${interface-id} \${srcaddr} \${dstaddr} \${dstport} \${packets} \${log-status}' }
`,
    );
    const { config } = loadConfig({ file, env: {} });
    const pipeline = new Pipeline();
    const built = await buildStages(config, { drops: pipeline.drops, clock: 'packet' }, null);
    pipeline.setStages(pipelineStagesOf(built));
    expect(built.session.directory).toBe(built.sessions);

    // One DNS query per outer source: eni-a's primary, eni-b's primary, and a stranger.
    const send = (outerSrc: string, innerSrc: string) => {
      const d = vxlan(101, innerFrame({ src: innerSrc, dst: '10.0.0.2', sport: 40000, dport: 53 }));
      pipeline.onTunnelDatagram(d, 0, d.length, TunnelKind.Vxlan, 4, ip4(outerSrc) | 0, ip4('10.0.100.5') | 0, null, 65500, 4789, 1_700_000_000, 0);
    };
    send('10.0.1.10', '10.0.1.10');
    send('10.0.2.20', '10.0.2.20');
    send('10.0.9.9', '10.0.9.9');

    // Session stage counters (mirrorsink_session_packets_total and GET /api/sessions).
    const counted = Object.fromEntries(built.session.counters.snapshot().map((s) => [s.name, s.packets.total]));
    expect(counted).toEqual({ 'eni-a': 1, 'eni-b': 1, unknown: 1 });

    // GET /api/flows/unanswered and the unanswered metric, after the flows end.
    const table = built.flows!.table;
    const registry = new Registry();
    registerFlowMetrics(registry, () => table);
    await retireStages(built, null);
    const bySrc = Object.fromEntries(table.report.listUnanswered(10).map((f) => [f.src, f.session]));
    expect(bySrc).toEqual({ '10.0.1.10': 'eni-a', '10.0.2.20': 'eni-b', '10.0.9.9': 'unknown' });
    const m = parseMetrics(await registry.metrics());
    for (const session of ['eni-a', 'eni-b', 'unknown']) {
      const total = ['ingress', 'egress', 'unknown'].reduce((a, direction) => a + (metric(m, 'mirrorsink_flow_unanswered_total', { session, direction }) ?? 0), 0);
      expect(total, session).toBe(1);
    }

    // EVE alerts: tunnel.session.
    const eve = readFileSync(path.join(dir, 'eve.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const alerts = eve.filter((e) => e.event_type === 'alert');
    expect(Object.fromEntries(alerts.map((a) => [a.src_ip, a.tunnel.session]))).toEqual({ '10.0.1.10': 'eni-a', '10.0.2.20': 'eni-b', '10.0.9.9': 'unknown' });

    // Flow logs: interface-id is the session's ENI; the stranger's flow has none ('-'),
    // not the first session of VNI 101.
    const logs = filesUnder(path.join(dir, 'flowlogs'));
    const lines = logs.flatMap((l) => gunzipSync(readFileSync(l)).toString().trim().split('\n')).filter((l) => / OK$/.test(l));
    const eniBySrc = Object.fromEntries(lines.map((l) => l.split(' ')).map((f) => [f[1], f[0]]));
    expect(eniBySrc).toEqual({ '10.0.1.10': ENI_A, '10.0.2.20': ENI_B, '10.0.9.9': '-' });
  });
});
