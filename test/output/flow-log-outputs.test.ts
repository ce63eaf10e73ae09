import { describe, expect, it } from 'vitest';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PacketView, TCP_ACK, TCP_SYN } from '../../src/decode/packet-view.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { createFlowOutputs } from '../../src/output/flow-log-outputs.js';
import type { FlowLogRecord } from '../../src/output/flow-log-record.js';
import { fill, reply, type PktSpec } from '../flow/make-packet.js';

describe('createFlowOutputs', () => {
  it('wires aggregator, EVE flow file and SKIPDATA from refused flows', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fo-'));
    const table = new FlowTable({ maxFlows: 1, evictWhenFull: false });
    const recs: FlowLogRecord[] = [];
    const fo = createFlowOutputs({
      table,
      aggregationSec: 60,
      onRecord: (r) => recs.push(r),
      eveFlow: path.join(dir, 'eve.json'),
      eveUtc: true,
      sessions: [{ name: 'web', vni: 100, eniId: 'eni-1' }],
    });
    const p = new PacketView();
    const C: PktSpec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 80, ts: 120, session: 0 };
    for (const s of [{ ...C, flags: TCP_SYN }, reply(C, { flags: TCP_SYN | TCP_ACK }), { ...C, sport: 2, flags: TCP_SYN }]) {
      fill(p, s);
      table.update(p);
      for (const o of fo.outputs) o.write(p);
    }
    table.flush();
    await fo.close();
    expect(recs.map((r) => `${r.srcport} ${r.logStatus}`)).toEqual(['1 OK', '80 OK', 'null SKIPDATA']);
    const eve = readFileSync(path.join(dir, 'eve.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(eve.length).toBe(1);
    expect(eve[0]).toMatchObject({ event_type: 'flow', src_port: 1, dest_port: 80, flow: { reason: 'shutdown' } });
    expect(fo.recordsWritten()).toBe(3);
    expect(fo.summary()).toMatchObject({ flow_log_records: 3, eve_flow_events: 1 });
  });

  it('adds nothing per packet: flow table, aggregator and flow ring over 1e6 packets', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fo-'));
    const table = new FlowTable({ maxFlows: 4096 });
    let records = 0;
    const fo = createFlowOutputs({ table, aggregationSec: 600, onRecord: () => records++, flowRing: { dir, flows: 256 } });
    const frame = new Uint8Array(200);
    const views: PacketView[] = [];
    for (let i = 0; i < 64; i++) {
      const v = fill(new PacketView(), { src: '10.0.0.1', dst: '10.0.0.2', sport: 1000 + i, dport: 443, flags: TCP_ACK, ts: 1_700_000_400, len: 200 });
      v.buf = frame;
      v.caplen = 200;
      v.wirelen = 200;
      views.push(v);
    }
    const step = (i: number) => {
      const v = views[i & 63]!;
      v.frameNo = i + 1;
      v.tsNsec = i & 0xfffff;
      table.update(v);
      const outs = fo.outputs;
      for (let k = 0; k < outs.length; k++) outs[k]!.write(v);
    };
    for (let i = 0; i < 200_000; i++) step(i);
    let minorGcs = 0;
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    for (let i = 200_000; i < 1_200_000; i++) step(i);
    await new Promise((r) => setTimeout(r, 50));
    obs.disconnect();
    expect(minorGcs).toBeLessThanOrEqual(1);
    // All in one 600 s interval: no record yet.
    expect(records).toBe(0);
    expect(fo.ring!.packetsHeld(views[0]!.flowIndex)).toBe(16);
    table.flush();
    await fo.close();
    expect(records).toBe(64);
  });
});
