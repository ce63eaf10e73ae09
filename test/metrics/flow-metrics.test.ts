import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { PacketView, TCP_SYN, TCP_ACK } from '../../src/decode/packet-view.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { registerFlowMetrics } from '../../src/metrics/flow-metrics.js';
import { fill, reply, type PktSpec } from '../flow/make-packet.js';
import { haveTool, runTool } from '../helpers/tools.js';

describe('flow metrics', () => {
  it('publishes the flow table counters at scrape time', async () => {
    const registry = new Registry();
    const table = new FlowTable({ maxFlows: 2, sessionCount: 1, sessionNames: ['web'] });
    let records = 7;
    registerFlowMetrics(registry, () => table, { recordsWritten: () => records, recordsOmitted: () => 3 });
    const p = new PacketView();
    const C: PktSpec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 1000, dport: 80, ts: 100, session: 0, dir: 1 };
    table.update(fill(p, { ...C, flags: TCP_SYN }));
    table.update(fill(p, reply(C, { flags: TCP_SYN | TCP_ACK, dir: 2 })));
    table.update(fill(p, { ...C, sport: 1001, flags: TCP_SYN }));
    table.update(fill(p, { ...C, proto: 'udp', sport: 5000, dport: 53, dir: 2 })); // evicts one
    let text = await registry.metrics();
    expect(text).toContain('mirrorsink_flow_active 2');
    expect(text).toContain('mirrorsink_flows_total{proto="tcp"} 2');
    expect(text).toContain('mirrorsink_flows_total{proto="udp"} 1');
    expect(text).toContain('mirrorsink_flows_total{proto="icmp"} 0');
    expect(text).toContain('mirrorsink_flow_evictions_total 1');
    expect(text).toContain('mirrorsink_flow_records_written_total 7');
    expect(text).toContain('# TYPE mirrorsink_flow_records_omitted_total counter');
    expect(text).toContain('mirrorsink_flow_records_omitted_total 3');
    table.flush();
    records = 9;
    text = await registry.metrics();
    // The unanswered SYN to port 80 (ingress) and the unanswered UDP query (egress); the
    // answered flow was the one evicted.
    expect(text).toContain('mirrorsink_flow_unanswered_total{session="web",direction="ingress"} 1');
    expect(text).toContain('mirrorsink_flow_unanswered_total{session="web",direction="egress"} 1');
    expect(text).toContain('mirrorsink_flow_active 0');
    expect(text).toContain('mirrorsink_flow_records_written_total 9');
    if (haveTool('promtool')) {
      const r = runTool('promtool', ['check', 'metrics'], text);
      expect(r.status).toBe(0);
    }
  });

  it('publishes zeros without a table', async () => {
    const registry = new Registry();
    registerFlowMetrics(registry, () => null);
    const text = await registry.metrics();
    expect(text).toContain('mirrorsink_flow_active 0');
    expect(text).toContain('mirrorsink_flow_evictions_total 0');
    expect(text).toContain('mirrorsink_flow_records_omitted_total 0');
  });
});
