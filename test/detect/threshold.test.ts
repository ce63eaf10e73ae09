import { describe, expect, it } from 'vitest';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { ThresholdTable, createThresholdShared } from '../../src/detect/threshold.js';
import { XbitStore, createXbitShared } from '../../src/detect/xbits.js';
import { XbitTrack } from '../../src/detect/keywords/xbits.js';
import { run, type Pkt } from './helpers.js';

/** ICMP echo requests from `src`, one per `step` seconds from t=1000. */
function pings(n: number, step: number, src = '192.168.1.10', dst = '10.0.0.1'): Pkt[] {
  return Array.from({ length: n }, (_, i) => ({ proto: 'icmp' as const, src, dst, type: 8, icmpSeq: i, ts: 1000 + i * step }));
}
const alertsAt = (rule: string, pkts: Pkt[]) => run(`alert icmp any any -> any any (itype:8; ${rule} sid:1;)`, pkts).alerts.map((a) => a.pkt);

describe('threshold', () => {
  it('limit: the first `count` per window', () => {
    expect(alertsAt('threshold:type limit, track by_src, count 2, seconds 10;', pings(6, 1))).toEqual([1, 2]);
    // A new window starts with the first match after the old one ended.
    expect(alertsAt('threshold:type limit, track by_src, count 1, seconds 10;', pings(6, 4))).toEqual([1, 4]);
  });

  it('threshold: every `count`-th match in a window', () => {
    expect(alertsAt('threshold:type threshold, track by_src, count 3, seconds 60;', pings(10, 1))).toEqual([3, 6, 9]);
    expect(alertsAt('threshold:type threshold, track by_src, count 1, seconds 60;', pings(3, 1))).toEqual([1, 2, 3]);
  });

  it('both: once per window, on the `count`-th match', () => {
    expect(alertsAt('threshold:type both, track by_src, count 3, seconds 60;', pings(10, 1))).toEqual([3]);
    // Window 1000-1060 holds packets 1..7 (step 10: 1000..1060); packet 8 (1070) opens a new one.
    expect(alertsAt('threshold:type both, track by_src, count 3, seconds 60;', pings(12, 10))).toEqual([3, 10]);
  });

  it('detection_filter: every match after the first `count` in the window', () => {
    expect(alertsAt('detection_filter:track by_src, count 2, seconds 60;', pings(5, 1))).toEqual([3, 4, 5]);
    expect(alertsAt('detection_filter:track by_src, count 2, seconds 2;', pings(6, 1))).toEqual([3, 6]);
  });

  it('track by_src, by_dst, by_rule, by_both keep separate counters', () => {
    const mixed = [...pings(2, 1, '192.168.1.10', '10.0.0.1'), ...pings(2, 1, '192.168.1.11', '10.0.0.1'), ...pings(2, 1, '192.168.1.10', '10.0.0.2')].map((p, i) => ({ ...p, ts: 1000 + i }));
    expect(alertsAt('threshold:type limit, track by_src, count 1, seconds 60;', mixed)).toEqual([1, 3]);
    expect(alertsAt('threshold:type limit, track by_dst, count 1, seconds 60;', mixed)).toEqual([1, 5]);
    expect(alertsAt('threshold:type limit, track by_rule, count 1, seconds 60;', mixed)).toEqual([1]);
    expect(alertsAt('threshold:type limit, track by_both, count 1, seconds 60;', mixed)).toEqual([1, 3, 5]);
  });

  it('track by_flow counts per flow', () => {
    const a = pings(3, 1, '192.168.1.10', '10.0.0.1').map((p) => ({ ...p, icmpId: 1 }));
    const b = pings(3, 1, '192.168.1.10', '10.0.0.1').map((p) => ({ ...p, icmpId: 2, ts: p.ts! + 0.5 }));
    const all = [...a, ...b].sort((x, y) => x.ts! - y.ts!);
    expect(alertsAt('threshold:type limit, track by_flow, count 1, seconds 60;', all)).toEqual([1, 2]);
  });

  it('IPv6 sources are tracked by the full address', () => {
    const v6 = [...pings(2, 1, '2001:db8::1', '2001:db8::ff'), ...pings(2, 1, '2001:db8::2', '2001:db8::ff')].map((p, i) => ({ ...p, ts: 1000 + i }));
    expect(alertsAt('threshold:type limit, track by_src, count 1, seconds 60;', v6)).toEqual([1, 3]);
  });

  it('the table is bounded: a full window evicts instead of growing', () => {
    const t = new ThresholdTable(16);
    const rs = loadRulesText('alert icmp any any -> any any (threshold:type limit, track by_src, count 1, seconds 600; sid:1;)');
    const spec = rs.rules[0]!.threshold!;
    // 100 distinct sources in a 16-entry table: every one is "new", nothing throws.
    let alerts = 0;
    for (let i = 0; i < 100; i++) {
      const p = { ipVersion: 4, src4: 0x0a000000 + i, dst4: 1, flowIndex: -1 } as unknown as Parameters<ThresholdTable['check']>[2];
      if (t.check(spec, 0, p, 1000 + i, 0)) alerts++;
    }
    expect(alerts).toBe(100);
    expect(t.evictions).toBeGreaterThan(0);
  });

  it('tables of several pipeline threads share counts by address, not by flow', () => {
    // Two threads' tables over one shared storage, as serve / replay --workers build them.
    const shared = createThresholdShared(64);
    const a = new ThresholdTable(64, shared);
    const b = new ThresholdTable(64, shared);
    const rs = loadRulesText('alert icmp any any -> any any (threshold:type limit, track by_src, count 2, seconds 60; sid:1;)\nalert icmp any any -> any any (threshold:type limit, track by_flow, count 1, seconds 60; sid:2;)');
    const bySrc = rs.rules[0]!.threshold!;
    const byFlow = rs.rules[1]!.threshold!;
    const p = (flowIndex: number) => ({ ipVersion: 4, src4: 0x0a000001, dst4: 2, flowIndex }) as unknown as Parameters<ThresholdTable['check']>[2];
    // by_src: 2 alerts per window from one source, wherever its flows are.
    const got = [a.check(bySrc, 0, p(1), 1000, 0), b.check(bySrc, 0, p(1), 1001, 0), b.check(bySrc, 0, p(1), 1002, 0), a.check(bySrc, 0, p(1), 1003, 0)];
    expect(got).toEqual([true, true, false, false]);
    // A table of its own (one thread) would have alerted again.
    expect(new ThresholdTable(64).check(bySrc, 0, p(1), 1004, 0)).toBe(true);
    // by_flow: slot 1 of thread a and slot 1 of thread b are two flows.
    expect(a.check(byFlow, 1, p(1), 1000, 7)).toBe(true);
    expect(b.check(byFlow, 1, p(1), 1000, 7)).toBe(true);
    expect(a.check(byFlow, 1, p(1), 1001, 7)).toBe(false);
  });

  it('xbits stores of several pipeline threads share their table', () => {
    const shared = createXbitShared(64);
    const a = new XbitStore(64, shared);
    const b = new XbitStore(64, shared);
    const p = { ipVersion: 4, src4: 0x0a000001, dst4: 2 } as unknown as Parameters<XbitStore['isSet']>[2];
    a.set(0, XbitTrack.IpSrc, p, 1000, 60);
    expect(b.isSet(0, XbitTrack.IpSrc, p, 1001)).toBe(true);
    b.unset(0, XbitTrack.IpSrc, p);
    expect(a.isSet(0, XbitTrack.IpSrc, p, 1002)).toBe(false);
    expect(new XbitStore(64).isSet(0, XbitTrack.IpSrc, p, 1001)).toBe(false);
  });

  it('rejects malformed specs', () => {
    const rs = loadRulesText(
      ['threshold:type limit, track by_src, count 1;', 'threshold:type sometimes, track by_src, count 1, seconds 1;', 'threshold:track by_src, count 1, seconds 1;', 'detection_filter:type limit, track by_src, count 1, seconds 1;', 'threshold:type limit, track by_src, count 1, seconds 1; detection_filter:track by_src, count 1, seconds 1;']
        .map((o, i) => `alert icmp any any -> any any (${o} sid:${i + 1};)`)
        .join('\n'),
    );
    expect(rs.loaded).toBe(0);
    expect(rs.failed).toBe(5);
  });
});

describe('threshold type backoff', () => {
  it('alerts on the count-th match, then count*multiplier, count*multiplier^2 ... per flow', () => {
    expect(alertsAt('threshold:type backoff, track by_flow, count 1, multiplier 10;', pings(120, 0.01))).toEqual([1, 10, 100]);
    expect(alertsAt('threshold:type backoff, track by_flow, count 2, multiplier 3;', pings(20, 0.01))).toEqual([2, 6, 18]);
  });

  it('needs track by_flow and a multiplier, takes no seconds', () => {
    const bad = (t: string) => loadRulesText(`alert icmp any any -> any any (threshold:${t}; sid:1;)`).failures[0]?.reason ?? '';
    expect(bad('type backoff, track by_src, count 1, multiplier 10')).toMatch(/backoff needs 'track by_flow'/);
    expect(bad('type backoff, track by_flow, count 1')).toMatch(/backoff needs 'multiplier'/);
    expect(bad('type backoff, track by_flow, count 1, multiplier 10, seconds 5')).toMatch(/no 'seconds'/);
    expect(bad('type limit, track by_src, count 1, seconds 5, multiplier 10')).toMatch(/'multiplier' is for type backoff/);
  });
});
