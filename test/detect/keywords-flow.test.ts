import { describe, expect, it } from 'vitest';
import { A, F, P, S, run, tcpSession, type Pkt } from './helpers.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';

const C = { src: '192.168.1.10', sport: 40000 };
const SV = { src: '10.0.0.1', sport: 80 };
const toServer = (flags: number, payload?: string, ts?: number): Pkt => ({ proto: 'tcp', src: C.src, dst: SV.src, sport: C.sport, dport: SV.sport, flags, payload, ts });
const toClient = (flags: number, payload?: string, ts?: number): Pkt => ({ proto: 'tcp', src: SV.src, dst: C.src, sport: SV.sport, dport: C.sport, flags, payload, ts });

describe('flow keyword', () => {
  it('to_server / to_client follow the flow, not the ports', () => {
    const pkts = [toServer(S), toClient(S | A), toServer(A), toServer(P | A, 'x'), toClient(P | A, 'y')];
    const r = run('alert tcp any any -> any any (flow:to_server; sid:1;)\nalert tcp any any -> any any (flow:from_server; sid:2;)', pkts);
    expect(r.alerts.filter((a) => a.sid === 1).map((a) => a.pkt)).toEqual([1, 3, 4]);
    expect(r.alerts.filter((a) => a.sid === 2).map((a) => a.pkt)).toEqual([2, 5]);
  });

  it('TCP established starts after the handshake: the final ACK is not established yet (Suricata)', () => {
    const pkts = [toServer(S), toClient(S | A), toServer(A), toServer(P | A, 'x'), toServer(F | A), toClient(A)];
    const r = run('alert tcp any any -> any any (flow:established; sid:1;)\nalert tcp any any -> any any (flow:not_established; sid:2;)', pkts);
    expect(r.alerts.filter((a) => a.sid === 1).map((a) => a.pkt)).toEqual([4, 5, 6]);
    expect(r.alerts.filter((a) => a.sid === 2).map((a) => a.pkt)).toEqual([1, 2, 3]);
  });

  it('UDP is established from the first reply on', () => {
    const q: Pkt = { proto: 'udp', src: '192.168.1.10', dst: '10.0.0.2', sport: 5555, dport: 53, payload: 'q' };
    const a: Pkt = { proto: 'udp', src: '10.0.0.2', dst: '192.168.1.10', sport: 53, dport: 5555, payload: 'a' };
    const r = run('alert udp any any -> any any (flow:established; sid:1;)', [q, a, q]);
    expect(r.alerts.map((x) => x.pkt)).toEqual([2, 3]);
  });

  it('stateless matches everything; without a flow table only not_established/stateless match', () => {
    const pkts = tcpSession(80, [{ toServer: true, payload: 'hi' }]);
    expect(run('alert tcp any any -> any any (flow:stateless; sid:1;)', pkts).alerts).toHaveLength(4);
    const noFlow = run('alert tcp any any -> any any (flow:to_server; sid:1;)\nalert tcp any any -> any any (flow:not_established; sid:2;)\nalert tcp any any -> any any (flow:established; sid:3;)', pkts, { flow: false });
    expect(noFlow.sids.filter((s) => s === 1)).toHaveLength(0);
    expect(noFlow.sids.filter((s) => s === 2)).toHaveLength(4);
    expect(noFlow.sids.filter((s) => s === 3)).toHaveLength(0);
  });

  it('only_stream / no_stream: without a stream stage only the packet rule (no_stream) matches', () => {
    // Since issue 12 these decide stream vs packet inspection (Suricata's SIG_FLAG_REQUIRE_*):
    // only_stream inspects the reassembled stream only, which this pipeline (no stream stage)
    // never produces. test/stream/stream-detect.test.ts covers both with the stream stage.
    const pkts = tcpSession(80, [{ toServer: true, payload: 'hello' }]);
    const r = run('alert tcp any any -> any any (flow:to_server,established,no_stream; content:"hello"; sid:1;)\nalert tcp any any -> any any (flow:to_server,only_stream; content:"hello"; sid:2;)', pkts);
    expect(r.sids.sort()).toEqual([1]);
  });
});

describe('flowbits', () => {
  it('set then isset on later packets of the same flow, and not on another flow', () => {
    const rules = [
      'alert tcp any any -> any any (content:"LOGIN"; flowbits:set,logged_in; flowbits:noalert; sid:1;)',
      'alert tcp any any -> any any (content:"CMD"; flowbits:isset,logged_in; sid:2;)',
      'alert tcp any any -> any any (content:"CMD"; flowbits:isnotset,logged_in; sid:3;)',
    ].join('\n');
    const a = tcpSession(21, [{ toServer: true, payload: 'CMD ls' }, { toServer: true, payload: 'LOGIN x' }, { toServer: true, payload: 'CMD ls' }]);
    const r = run(rules, a);
    // noalert: sid 1 matched (it set the bit) but logged nothing.
    expect(r.alerts.map((x) => [x.sid, x.pkt])).toEqual([
      [3, 4],
      [2, 6],
    ]);
  });

  it('unset, toggle, and | / & groups', () => {
    const rules = [
      'alert tcp any any -> any any (content:"A"; flowbits:set,a; flowbits:noalert; sid:1;)',
      'alert tcp any any -> any any (content:"B"; flowbits:set,b; flowbits:noalert; sid:2;)',
      'alert tcp any any -> any any (content:"U"; flowbits:unset,a; flowbits:noalert; sid:3;)',
      'alert tcp any any -> any any (content:"T"; flowbits:toggle,b; flowbits:noalert; sid:4;)',
      'alert tcp any any -> any any (content:"?"; flowbits:isset,a|b; sid:10;)',
      'alert tcp any any -> any any (content:"?"; flowbits:isset,a&b; sid:11;)',
      'alert tcp any any -> any any (content:"?"; flowbits:isnotset,a&b; sid:12;)',
    ].join('\n');
    const r = run(rules, tcpSession(80, [{ toServer: true, payload: '?' }, { toServer: true, payload: 'A?' }, { toServer: true, payload: 'B?' }, { toServer: true, payload: 'U?' }, { toServer: true, payload: 'T?' }]));
    const at = (pkt: number) => r.alerts.filter((x) => x.pkt === pkt).map((x) => x.sid).sort();
    expect(at(4)).toEqual([12]); // none set
    expect(at(5)).toEqual([10]); // a set (set-rules run before readers in the same packet)
    expect(at(6)).toEqual([10, 11]); // a and b
    expect(at(7)).toEqual([10]); // a unset → b only
    expect(at(8)).toEqual([12]); // b toggled off
  });

  it('packets without a flow match neither isset nor isnotset (as Suricata)', () => {
    const rules = ['alert tcp any any -> any any (flowbits:isset,x; sid:1;)', 'alert tcp any any -> any any (flowbits:isnotset,x; sid:2;)'].join('\n');
    expect(run(rules, [{ proto: 'tcp', flags: S }], { flow: false }).sids).toEqual([]);
    expect(run(rules, [{ proto: 'tcp', flags: S }]).sids).toEqual([2]);
  });

  it('a reused flow slot does not inherit the old flow\'s bits (generation)', () => {
    const rules = ['alert udp any any -> any any (content:"SET"; flowbits:set,x; flowbits:noalert; sid:1;)', 'alert udp any any -> any any (content:"CHK"; flowbits:isset,x; sid:2;)'].join('\n');
    const u = (payload: string, ts: number): Pkt => ({ proto: 'udp', src: '192.168.1.10', dst: '10.0.0.1', sport: 7000, dport: 7000, payload, ts });
    // The UDP "new" timeout is 30 s: the third packet starts a new flow in the same slot.
    const r = run(rules, [u('SET', 1000), u('CHK', 1001), u('CHK', 1100)]);
    expect(r.alerts.map((x) => x.pkt)).toEqual([2]);
  });
});

describe('pass', () => {
  it('a pass match stops alerts for the packet and passes the rest of the flow', () => {
    const rules = ['pass tcp any any -> any 443 (content:"ok"; sid:1;)', 'alert tcp any any -> any 443 (content:"o"; sid:2;)', 'alert tcp any any -> any 443 (sid:3;)'].join('\n');
    const pkts = tcpSession(443, [{ toServer: true, payload: 'no' }, { toServer: true, payload: 'ok' }, { toServer: true, payload: 'o' }]);
    const r = run(rules, pkts);
    // Packets 1-4 alert sid 3 (and 4: sid 2); from packet 5 (pass) on nothing.
    expect(r.alerts.map((x) => [x.pkt, x.sid])).toEqual([
      [1, 3],
      [3, 3],
      [4, 2],
      [4, 3],
    ]);
    expect(r.engine.passMatches).toBe(1);
    expect(r.engine.passedPackets).toBe(1);
  });
});

describe('rule reload', () => {
  it('a replacing engine keeps flowbits (by name) and established state of live flows', async () => {
    const { FlowTable } = await import('../../src/flow/flow-table.js');
    const { DetectEngine } = await import('../../src/detect/engine.js');
    const { loadRulesText } = await import('../../src/detect/rule-loader.js');
    const { Pipeline } = await import('../../src/pipeline/pipeline.js');
    const { frame } = await import('./helpers.js');
    const ft = new FlowTable({ hashSeed: 1 });
    const sids: number[] = [];
    const sink = { alert: (_p: unknown, r: { sid: number }) => void sids.push(r.sid) };
    const a = new DetectEngine(loadRulesText('alert tcp any any -> any any (content:"LOGIN"; flowbits:set,auth; flowbits:noalert; sid:1;)'), ft, [sink]);
    // The new set numbers its bits differently (an extra one first).
    const rs2 = loadRulesText(['alert tcp any any -> any any (content:"X"; flowbits:set,other; flowbits:noalert; sid:5;)', 'alert tcp any any -> any any (flow:established; content:"CMD"; flowbits:isset,auth; sid:2;)'].join('\n'));
    const pl = new Pipeline({ flow: ft, detect: a });
    const pkts = tcpSession(21, [{ toServer: true, payload: 'LOGIN' }, { toServer: true, payload: 'CMD' }]);
    const feed = (pk: Pkt) => {
      const f = frame(pk);
      pl.onFrame(f, 0, f.length, f.length, 1, Math.floor(pk.ts!), 0);
    };
    pkts.slice(0, 4).forEach(feed);
    pl.setStages({ flow: ft, detect: new DetectEngine(rs2, ft, [sink], { previous: a }) });
    feed(pkts[4]!);
    expect(sids).toEqual([2]);
  });
});

describe('flowint', () => {
  const c = { src: '192.168.1.10', dst: '10.0.0.1', sport: 5000, dport: 53 };
  const other = { src: '192.168.1.11', dst: '10.0.0.1', sport: 5000, dport: 53 };
  const udp = (o: object, payload: string, ts: number) => ({ proto: 'udp' as const, ...o, payload, ts });

  it('counts per flow; conditions compare with values and other variables; isset/notset', () => {
    const rules = [
      'alert udp any any -> any any (content:"x"; flowint:hits,+,1; noalert; sid:1;)',
      'alert udp any any -> any any (content:"x"; flowint:hits,>=,3; sid:2;)',
      'alert udp any any -> any any (content:"y"; flowint:hits,notset; sid:3;)',
      'alert udp any any -> any any (content:"m"; flowint:max,=,2; noalert; sid:4;)',
      'alert udp any any -> any any (content:"x"; flowint:hits,>,max; sid:5;)',
      'alert udp any any -> any any (content:"r"; flowint:hits,-,10; noalert; sid:6;)',
      'alert udp any any -> any any (content:"r"; flowint:hits,==,4294967289; sid:7;)',
    ].join('\n');
    const r = run(rules, [udp(c, 'x', 1000), udp(c, 'x', 1001), udp(c, 'm', 1002), udp(c, 'x', 1003), udp(other, 'y', 1004), udp(c, 'r', 1005), udp(c, 'r', 1006)]);
    // Rules that modify run before rules that only read (Suricata's ordering), so a packet's
    // conditions see its own modifications; 3 - 10 wraps as an unsigned 32-bit value.
    expect(r.alerts.map((a) => [a.pkt, a.sid])).toEqual([[4, 2], [4, 5], [5, 3], [6, 7]]);
  });

  it('parse errors are named', () => {
    const bad = (o: string) => loadRulesText(`alert udp any any -> any any (${o} sid:1;)`).failures[0]?.reason ?? '';
    expect(bad('flowint:a,*,2;')).toMatch(/invalid 'flowint': unknown operation/);
    expect(bad('flowint:a,+;')).toMatch(/invalid 'flowint': '\+' needs a value/);
    expect(bad('flowint:a,isset,3;')).toMatch(/invalid 'flowint': 'isset' takes no value/);
  });
});
