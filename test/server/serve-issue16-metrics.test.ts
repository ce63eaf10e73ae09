/**
 * Issue 16: two counters that existed but were not exported, scraped from the real /metrics of
 * the in-process service: pcre step-limit hits, and flow-log records omitted because VPC Flow
 * Logs never records such traffic (aws.omit_unlogged_traffic). Datagrams are re-sent until the
 * sink has seen one (loopback may drop on a loaded machine); nothing depends on timing.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceStages } from '../../src/pipeline/build.js';
import { haveTool, runTool } from '../helpers/tools.js';
import { httpGet, innerFrame, metric, parseMetrics, sendUdp, startInProcess, tmpDir, vxlan, waitFor, writeConfig, type InProcess } from './harness.js';

async function scrape(s: InProcess): Promise<{ text: string; m: Map<string, number> }> {
  const r = await httpGet(s.base, '/metrics');
  expect(r.status).toBe(200);
  return { text: r.text, m: parseMetrics(r.text) };
}

describe('serve /metrics: pcre limit hits and omitted flow-log records (issue 16)', () => {
  let s: InProcess;
  let dir: string;
  let configFile: string;
  beforeAll(async () => {
    dir = tmpDir();
    const rules = path.join(dir, 'local.rules');
    // A back reference keeps this pattern off the linear path: on 1459 'a's and a '!' it runs
    // into the step limit (see test/detect/pcre-vm.test.ts).
    writeFileSync(rules, 'alert udp any any -> any 7777 (msg:"pcre limit"; pcre:"/(a|a)+(\\1)?$/"; sid:1;)\n');
    const file = (configFile = writeConfig(
      dir,
      [
        'sessions:',
        '  - {name: eni-a, vni: 7, addresses: [10.0.1.10]}',
        'rules:',
        `  files: [${rules}]`,
        'flows:',
        '  log:',
        `    dir: ${path.join(dir, 'flows')}`,
        '    aggregation_sec: 60',
        'aws:',
        '  vpc_cidrs: [10.0.0.0/16]',
        '  omit_unlogged_traffic: true',
        'eve:',
        '  path: false',
        '',
      ].join('\n'),
    ));
    s = await startInProcess({ file, flags: { noGeneve: true } });
  });
  afterAll(async () => {
    await s?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('both counters are exported at 0 before anything happened', async () => {
    const { m } = await scrape(s);
    expect(metric(m, 'mirrorsink_detect_pcre_limit_hits_total')).toBe(0);
    expect(metric(m, 'mirrorsink_flow_records_omitted_total')).toBe(0);
  });

  it('mirrorsink_detect_pcre_limit_hits_total counts a pcre that gave up on a payload', async () => {
    const payload = 'a'.repeat(1459) + '!';
    const d = vxlan(7, innerFrame({ src: '10.0.1.10', dst: '10.0.9.9', sport: 5000, dport: 7777, payload, frameLen: 14 + 20 + 8 + payload.length }));
    const hits = await waitFor(
      async () => {
        await sendUdp(s.vxlanPort, [d]);
        const v = metric((await scrape(s)).m, 'mirrorsink_detect_pcre_limit_hits_total') ?? 0;
        return v > 0 ? v : false;
      },
      20_000,
      'a pcre limit hit',
    );
    expect(hits).toBeGreaterThanOrEqual(1);
  });

  it('mirrorsink_flow_records_omitted_total counts the records of traffic VPC Flow Logs never records', async () => {
    // Instance metadata: left out of the flow logs with omit_unlogged_traffic.
    const d = vxlan(7, innerFrame({ src: '10.0.1.10', dst: '169.254.169.254', sport: 40008, dport: 80 }));
    await waitFor(
      async () => {
        await sendUdp(s.vxlanPort, [d]);
        return (metric((await scrape(s)).m, 'mirrorsink_flows_total', { proto: 'udp' }) ?? 0) >= 2;
      },
      20_000,
      'the IMDS flow',
    );
    // Close the open aggregation interval now instead of waiting for the wall clock.
    const stages = (s.svc as unknown as { stages: ServiceStages }).stages;
    stages.flows!.outputs.aggregator!.tick(Math.floor(Date.now() / 1000) + 3600);
    const { text, m } = await scrape(s);
    expect(metric(m, 'mirrorsink_flow_records_omitted_total')).toBe(1);
    if (haveTool('promtool')) expect(runTool('promtool', ['check', 'metrics'], text).status).toBe(0);

    // A reload that replaces the flow bundle (another aggregation interval) keeps both counters.
    const before = metric(m, 'mirrorsink_detect_pcre_limit_hits_total')!;
    writeConfig(dir, readFileSync(configFile, 'utf8').replace('aggregation_sec: 60', 'aggregation_sec: 600'));
    const r = await s.svc.reload('test');
    expect(r.ok).toBe(true);
    expect((s.svc as unknown as { stages: ServiceStages }).stages.flows).not.toBe(stages.flows);
    const after = (await scrape(s)).m;
    expect(metric(after, 'mirrorsink_flow_records_omitted_total')).toBe(1);
    expect(metric(after, 'mirrorsink_detect_pcre_limit_hits_total')).toBe(before);
  });
});
