/**
 * Detect's per-flow state lives in the flow table's storage: alerted (read by EVE flow
 * records), passed; cleared when the flow ends; handed to the next engine on a rule reload.
 */
import { describe, expect, it } from 'vitest';
import { DetectEngine } from '../../src/detect/engine.js';
import { DetectFlowState, findFlowAlerts } from '../../src/detect/flow-state.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveFlowWriter } from '../../src/output/eve-flow.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { frame, tcpSession, type Pkt } from './helpers.js';

function feeder(pl: Pipeline) {
  return (pk: Pkt) => {
    const f = frame(pk);
    pl.onFrame(f, 0, f.length, f.length, 1, Math.floor(pk.ts!), Math.round((pk.ts! - Math.floor(pk.ts!)) * 1e9));
  };
}

describe('detect flow state in the flow storage', () => {
  it('alerted reaches the EVE flow record, then is cleared with the slot', () => {
    const ft = new FlowTable({ hashSeed: 1 });
    const lines: string[] = [];
    new EveFlowWriter(ft, (l) => lines.push(l), { utc: true });
    const eng = new DetectEngine(loadRulesText('alert tcp any any -> any any (content:"boom"; sid:1;)'), ft, []);
    expect(findFlowAlerts(ft.storage)).toBe(eng.flowState);
    const pl = new Pipeline({ flow: ft, detect: eng });
    const feed = feeder(pl);
    tcpSession(80, [{ toServer: true, payload: 'boom' }]).forEach(feed);
    tcpSession(81, [{ toServer: true, payload: 'calm' }]).forEach(feed);
    const slots = ft.activeSlots();
    expect(slots.map((s) => eng.flowState!.alerted[s])).toEqual([1, 0]);
    pl.finish();
    const alerted = lines.map((l) => (JSON.parse(l) as { dest_port: number; flow: { alerted: boolean } })).map((e) => [e.dest_port, e.flow.alerted]);
    expect(alerted.sort()).toEqual([
      [80, true],
      [81, false],
    ]);
    for (const s of slots) expect(eng.flowState!.alerted[s]).toBe(0);
  });

  it('a reloaded engine takes over the same state: passed flows stay passed, alerted stays', () => {
    const ft = new FlowTable({ hashSeed: 1 });
    const sids: number[] = [];
    const sink = { alert: (_p: unknown, r: { sid: number }) => void sids.push(r.sid) };
    const a = new DetectEngine(loadRulesText('pass tcp any any -> any any (content:"ok"; sid:1;)\nalert tcp any any -> any any (content:"x"; sid:2;)'), ft, [sink]);
    const pl = new Pipeline({ flow: ft, detect: a });
    const feed = feeder(pl);
    const passed = tcpSession(80, [{ toServer: true, payload: 'ok' }, { toServer: true, payload: 'x' }]);
    const alerting = tcpSession(81, [{ toServer: true, payload: 'x' }, { toServer: true, payload: 'x' }], 1001);
    passed.slice(0, 4).forEach(feed);
    alerting.slice(0, 4).forEach(feed);
    expect(sids).toEqual([2]);
    const b = new DetectEngine(loadRulesText('alert tcp any any -> any any (content:"x"; sid:3;)'), ft, [sink], { previous: a });
    expect(b.flowState).toBe(a.flowState);
    expect(ft.storage.find('detect')).toBe(b.flowState);
    pl.setStages({ flow: ft, detect: b });
    feed(passed[4]!);
    feed(alerting[4]!);
    expect(sids).toEqual([2, 3]);
    expect(b.passedPackets).toBe(1);
    // An engine over another table (or none) starts with its own state.
    const other = new DetectEngine(loadRulesText('alert tcp any any -> any any (sid:9;)'), new FlowTable({ hashSeed: 1 }), [], { previous: b });
    expect(other.flowState).not.toBe(b.flowState);
    expect(other.flowState).toBeInstanceOf(DetectFlowState);
    expect(new DetectEngine(loadRulesText('alert tcp any any -> any any (sid:9;)'), null, []).flowState).toBeNull();
  });
});
