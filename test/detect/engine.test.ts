import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { DetectEngine, createDetectStage } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { A, P, S, decoded, run, tcpSession, type Pkt } from './helpers.js';

describe('alert order and limits', () => {
  it('within a packet: drop, reject, alert; by priority inside each', () => {
    const rules = [
      'alert tcp any any -> any any (msg:"a3"; priority:3; sid:1;)',
      'alert tcp any any -> any any (msg:"a1"; priority:1; sid:2;)',
      'reject tcp any any -> any any (msg:"r"; sid:3;)',
      'drop tcp any any -> any any (msg:"d"; priority:4; sid:4;)',
      'alert tcp any any -> any any (msg:"a2"; priority:2; sid:5;)',
    ].join('\n');
    expect(run(rules, [{ proto: 'tcp', flags: S }]).sids).toEqual([4, 3, 2, 5, 1]);
  });

  it(`at most 15 alerts per packet (Suricata's packet-alert-max); the rest are counted`, () => {
    const rules = Array.from({ length: 20 }, (_, i) => `alert tcp any any -> any any (sid:${i + 1};)`).join('\n');
    const r = run(rules, [{ proto: 'tcp', flags: S }]);
    expect(r.sids).toHaveLength(15);
    expect(r.engine.alertOverflow).toBe(5);
  });

  it('noalert rules match silently', () => {
    const r = run('alert tcp any any -> any any (noalert; sid:1;)\nalert tcp any any -> any any (sid:2;)', [{ proto: 'tcp', flags: S }]);
    expect(r.sids).toEqual([2]);
  });
});

describe('counters and flow marks', () => {
  it('counts by severity and by rule, marks the flow alerted', () => {
    const r = run('alert tcp any any -> any any (content:"x"; classtype:trojan-activity; sid:1;)\nalert tcp any any -> any any (content:"y"; sid:2;)', tcpSession(80, [{ toServer: true, payload: 'x' }, { toServer: true, payload: 'xy' }]));
    expect(r.engine.alerts).toBe(3);
    expect(r.engine.alertsBySeverity[1]).toBe(2);
    expect(r.engine.alertsBySeverity[3]).toBe(1);
    expect(r.engine.alertsByRule[r.engine.ruleSet.bySid(1)!.id]).toBe(2);
    expect(r.engine.flowState!.alerted[0]).toBe(1);
    expect(r.engine.packets).toBe(5);
  });

  it('port groups: dport rules, sport rules and any-port rules all get their packets', () => {
    const rules = ['alert tcp any any -> any 80 (content:"a"; sid:1;)', 'alert tcp any 80 -> any any (content:"a"; sid:2;)', 'alert tcp any any -> any !80 (content:"a"; sid:3;)', 'alert tcp any any <> any 80 (content:"a"; sid:4;)', 'alert udp any any -> any 80 (content:"a"; sid:5;)'].join('\n');
    const to80: Pkt = { proto: 'tcp', sport: 1234, dport: 80, flags: P | A, payload: 'a' };
    const from80: Pkt = { proto: 'tcp', sport: 80, dport: 1234, flags: P | A, payload: 'a' };
    expect(run(rules, [to80], { flow: false }).sids.sort()).toEqual([1, 4]);
    expect(run(rules, [from80], { flow: false }).sids.sort()).toEqual([2, 3, 4]);
  });

  it('createDetectStage is the engine', () => {
    const rs = loadRulesText('alert tcp any any -> any any (sid:1;)');
    expect(createDetectStage(rs, null, [])).toBeInstanceOf(DetectEngine);
  });
});

describe('per-packet allocation', () => {
  it('inspecting packets allocates nothing (no young-generation GCs over 300k packets)', async () => {
    const rules = [
      'alert tcp any any -> any 80 (msg:"c"; flow:to_server,established; content:"GET "; depth:4; content:"/admin"; distance:0; nocase; sid:1;)',
      'alert tcp any any -> any any (msg:"b"; content:"|00 01|"; byte_test:1,>,5,0,relative; byte_jump:1,0,relative; isdataat:1,relative; sid:2;)',
      'alert tcp any any -> any any (msg:"f"; flags:S,12; threshold:type limit, track by_src, count 1, seconds 60; sid:3;)',
      'alert tcp any any -> any any (msg:"fb"; content:"login"; flowbits:set,li; flowbits:noalert; sid:4;)',
      'alert tcp any any -> any any (msg:"fb2"; content:"cmd"; flowbits:isset,li; ttl:<200; sid:5;)',
      'alert udp any any -> any 53 (msg:"d"; byte_extract:1,2,q; byte_test:1,&,q,3; sid:6;)',
      'alert icmp any any -> any any (msg:"i"; itype:8; dsize:>4; sid:7;)',
    ].join('\n');
    const rs = loadRulesText(rules);
    expect(rs.failures).toEqual([]);
    const ft = new FlowTable({ maxFlows: 1024, hashSeed: 5 });
    let alerts = 0;
    const eng = new DetectEngine(rs, ft, [{ alert: () => void alerts++ }]);
    const pkts = [
      ...tcpSession(80, [{ toServer: true, payload: 'GET /Admin HTTP/1.1' }, { toServer: true, payload: 'login cmd' }, { toServer: false, payload: [0, 1, 9, 0, 7, 7] }]),
      { proto: 'udp' as const, dport: 53, payload: [0, 0, 2, 3, 0] },
      { proto: 'icmp' as const, type: 8, payload: 'abcdefgh' },
    ].map((pk, i) => decoded(pk, 1000 + i));
    const round = (n: number, base: number) => {
      for (let i = 0; i < n; i++) {
        const p = pkts[i % pkts.length]!;
        p.tsSec = base + (i >> 10);
        ft.update(p);
        eng.inspect(p);
      }
    };
    round(100_000, 2000);
    let minor = 0;
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) minor++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const before = process.memoryUsage().heapUsed;
    round(300_000, 3000);
    const after = process.memoryUsage().heapUsed;
    await new Promise((r) => setTimeout(r, 50));
    obs.disconnect();
    expect(alerts).toBeGreaterThan(0);
    expect(minor).toBeLessThanOrEqual(1);
    expect(after - before).toBeLessThan(4 * 1024 * 1024);
  });
});
