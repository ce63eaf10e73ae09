/**
 * Header sticky buffers (ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr, icmpv6.hdr) and small
 * packet keywords: tcp.flags, tcp.mss, vlan.id, prefilter, pcre without quotes.
 */
import { describe, expect, it } from 'vitest';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { A, S, decodeBytes, frame, run, sidsFor } from './helpers.js';
import type { PacketView } from '../../src/decode/packet-view.js';

function matches(rule: string, p: PacketView): boolean {
  const rs = loadRulesText(rule);
  expect(rs.failures.map((f) => f.reason)).toEqual([]);
  const e = new DetectEngine(rs, null, []);
  return e.matchRule(rs.rules[0]!, p, false, -1, 0);
}
function reason(rule: string): string {
  const rs = loadRulesText(rule);
  expect(rs.rules).toHaveLength(0);
  return rs.failures[0]!.reason;
}

/** A TCP SYN whose 4 option bytes are an MSS option (data offset 6). */
function synWithMss(mss: number): PacketView {
  const f = frame({ proto: 'tcp', sport: 1234, dport: 80, flags: S, payload: [2, 4, mss >> 8, mss & 0xff] });
  f[14 + 20 + 12] = 0x60;
  return decodeBytes(f);
}

describe('header sticky buffers', () => {
  it('ipv4.hdr / tcp.hdr / udp.hdr / icmpv4.hdr see the header bytes, not the payload', () => {
    const tcp = { proto: 'tcp' as const, sport: 1234, dport: 80, flags: A, payload: 'hello', ttl: 0x7b };
    expect(sidsFor('alert ip any any -> any any (ipv4.hdr; content:"|7b 06|"; offset:8; depth:2; sid:1;)', tcp)).toEqual([1]);
    expect(sidsFor('alert ip any any -> any any (ipv4.hdr; content:"hello"; sid:1;)', tcp)).toEqual([]);
    expect(sidsFor('alert tcp any any -> any any (tcp.hdr; content:"|04 d2 00 50|"; startswith; sid:1;)', tcp)).toEqual([1]);
    expect(sidsFor('alert tcp any any -> any any (tcp.hdr; content:"|10|"; offset:13; depth:1; content:"hello"; pkt_data; sid:1;)', tcp)).toEqual([]);
    expect(sidsFor('alert udp any any -> any any (udp.hdr; content:"|00 35|"; offset:2; depth:2; sid:1;)', { proto: 'udp', sport: 999, dport: 53, payload: 'x' })).toEqual([1]);
    expect(sidsFor('alert icmp any any -> any any (icmpv4.hdr; content:"|08 00|"; startswith; sid:1;)', { proto: 'icmp', type: 8, code: 0, payload: 'ping' })).toEqual([1]);
    // A packet without that header never matches.
    expect(sidsFor('alert ip any any -> any any (ipv6.hdr; content:"|60|"; sid:1;)', tcp)).toEqual([]);
    expect(sidsFor('alert ip any any -> any any (tcp.hdr; content:"|00|"; sid:1;)', { proto: 'udp', sport: 1, dport: 2 })).toEqual([]);
  });

  it('ipv6.hdr includes extension headers', () => {
    const p = { proto: 'udp' as const, src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: 2, payload: 'x', ext6: [{ nh: 44, bytes: [0, 0, 0, 0, 0, 0, 0, 0] }] };
    expect(sidsFor('alert ip any any -> any any (ipv6.hdr; content:"|11 00 00 00 00 00 00 00|"; offset:40; endswith; sid:1;)', p)).toEqual([1]);
  });

  it('a header buffer with nothing in it is refused', () => {
    expect(reason('alert ip any any -> any any (ipv4.hdr; sid:1;)')).toMatch(/header buffer with nothing/);
    expect(reason('alert ip any any -> any any (tcp.hdr; to_lowercase; content:"a"; sid:1;)')).toMatch(/transform needs a sticky buffer/);
  });
});

describe('small packet keywords', () => {
  it('tcp.flags is flags', () => {
    const syn = { proto: 'tcp' as const, sport: 1, dport: 2, flags: S };
    expect(sidsFor('alert tcp any any -> any any (tcp.flags:S; sid:1;)', syn)).toEqual([1]);
    expect(sidsFor('alert tcp any any -> any any (tcp.flags:A; sid:1;)', syn)).toEqual([]);
  });

  it('tcp.mss reads the MSS option', () => {
    expect(matches('alert tcp any any -> any any (tcp.mss:<536; sid:1;)', synWithMss(500))).toBe(true);
    expect(matches('alert tcp any any -> any any (tcp.mss:<536; sid:1;)', synWithMss(1460))).toBe(false);
    expect(matches('alert tcp any any -> any any (tcp.mss:1460; sid:1;)', synWithMss(1460))).toBe(true);
    // No option: no match.
    expect(sidsFor('alert tcp any any -> any any (tcp.mss:>0; sid:1;)', { proto: 'tcp', sport: 1, dport: 2, flags: S })).toEqual([]);
  });

  it('vlan.id: any layer by default, an index, from the end, all', () => {
    const f = frame({ proto: 'udp', sport: 1, dport: 2 });
    // Ethernet + two 802.1Q tags (200 outer, 300 inner).
    const tagged = Uint8Array.from([...f.subarray(0, 12), 0x81, 0x00, 0x00, 200, 0x81, 0x00, 0x01, 0x2c, ...f.subarray(12)]);
    const p = decodeBytes(tagged);
    expect(p.vlanCount).toBe(2);
    const m = (v: string) => matches(`alert ip any any -> any any (vlan.id:${v}; sid:1;)`, p);
    expect(m('300')).toBe(true);
    expect(m('200,0')).toBe(true);
    expect(m('200,1')).toBe(false);
    expect(m('0x12C,1')).toBe(true);
    expect(m('300,-1')).toBe(true);
    expect(m('!500,all')).toBe(true);
    expect(m('>250,all')).toBe(false);
    expect(m('100-600,2')).toBe(false);
    expect(m('200,0; prefilter')).toBe(true);
    expect(sidsFor('alert ip any any -> any any (vlan.id:1; sid:1;)', { proto: 'udp', sport: 1, dport: 2 })).toEqual([]);
    expect(reason('alert ip any any -> any any (vlan.id:1,top; sid:1;)')).toMatch(/invalid 'vlan.id'/);
    expect(reason('alert ip any any -> any any (vlan.id:5000; sid:1;)')).toMatch(/invalid 'vlan.id'/);
  });

  it('pcre without quotes, as Suricata accepts it', () => {
    expect(sidsFor('alert tcp any any -> any any (pcre:/hel+o/; sid:1;)', { proto: 'tcp', sport: 1, dport: 2, flags: A, payload: 'hello' })).toEqual([1]);
    expect(reason('alert tcp any any -> any any (pcre:hello; sid:1;)')).toMatch(/invalid 'pcre'/);
  });
});

describe('requires', () => {
  it('met requirements load; unmet ones skip the rule silently, whatever else it holds', () => {
    const rs = loadRulesText(
      [
        'alert tcp any any -> any any (requires: version >= 8; content:"a"; sid:1;)',
        'alert tcp any any -> any any (requires: version >= 7.0.3 < 8 | >= 8.0.0; content:"a"; sid:2;)',
        'alert tcp any any -> any any (requires: version >= 8.0.5; content:"a"; sid:3;)',
        'alert tcp any any -> any any (requires: feature ja4; ja4.hash; content:"x"; sid:4;)',
        'alert tcp any any -> any any (requires: keyword email.body_md5; email.body_md5; content:"x"; sid:5;)',
        'alert tcp any any -> any any (requires: keyword content; content:"a"; sid:6;)',
        'alert tcp any any -> any any (requires: version >= 9.0.0; future.keyword; sid:7;)',
        'alert tcp any any -> any any (requires: colour blue; content:"a"; sid:8;)',
      ].join('\n'),
    );
    expect(rs.rules.map((r) => r.sid).sort()).toEqual([1, 2, 6]);
    expect(rs.skipped.map((f) => f.sid)).toEqual([3, 4, 5, 7]);
    expect(rs.skipped[0]!.reason).toMatch(/requires version >= 8.0.5 \(this is 8.0.0\)/);
    expect(rs.failures.map((f) => [f.sid, f.category])).toEqual([[8, "invalid 'requires'"]]);
  });
});

describe('flow counters', () => {
  const c = { src: '192.168.1.10', dst: '10.0.0.1', sport: 5000, dport: 53 };
  const s = { src: '10.0.0.1', dst: '192.168.1.10', sport: 53, dport: 5000 };
  const pkts = [
    { proto: 'udp' as const, ...c, payload: 'a', ts: 1000 },
    { proto: 'udp' as const, ...s, payload: 'bb', ts: 1001 },
    { proto: 'udp' as const, ...c, payload: 'c', ts: 1010 },
    { proto: 'udp' as const, ...c, payload: 'd', ts: 1030 },
  ];

  it('flow.pkts / flow.bytes by direction (the packet itself counted), either, old forms', () => {
    const r = run(
      [
        'alert udp any any -> any any (flow.pkts:toserver,=2; sid:1;)',
        'alert udp any any -> any any (flow.pkts_toclient:1; sid:2;)',
        'alert udp any any -> any any (flow.pkts:either,>=3; sid:3;)',
        // 20 IP + 8 UDP + payload: the client sent 29 + 29 + 29 bytes.
        'alert udp any any -> any any (flow.bytes:toserver,>58; sid:4;)',
        'alert udp any any -> any any (flow.bytes_toclient:30; flow.pkts:toserver,1; sid:5;)',
      ].join('\n'),
      pkts,
    );
    const got = r.alerts.map((a) => [a.pkt, a.sid]).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
    expect(got).toEqual([[2, 2], [2, 5], [3, 1], [3, 2], [4, 2], [4, 3], [4, 4]]);
  });

  it('flow.age in whole seconds; no flow, no match; parse errors named', () => {
    const r = run('alert udp any any -> any any (flow.age:>20; sid:1;)\nalert udp any any -> any any (flow.age:10; sid:2;)', pkts);
    expect(r.alerts.map((a) => [a.sid, a.pkt])).toEqual([[2, 3], [1, 4]]);
    expect(run('alert udp any any -> any any (flow.pkts:either,>0; sid:1;)', pkts, { flow: false }).sids).toEqual([]);
    expect(reason('alert ip any any -> any any (flow.pkts:10; sid:1;)')).toMatch(/invalid 'flow.pkts': needs a direction/);
    expect(reason('alert ip any any -> any any (flow.bytes:up,10; sid:1;)')).toMatch(/invalid 'flow.bytes': unknown direction/);
  });
});

describe('xbits / hostbits', () => {
  const a = { src: '192.168.1.10', dst: '10.0.0.1', sport: 5000, dport: 80 };
  const b = { src: '192.168.1.10', dst: '10.0.0.2', sport: 5001, dport: 80 };
  const back = { src: '10.0.0.2', dst: '192.168.1.10', sport: 80, dport: 5001 };
  const other = { src: '192.168.1.99', dst: '10.0.0.1', sport: 5002, dport: 80 };
  const udp = (o: object, payload: string, ts: number) => ({ proto: 'udp' as const, ...o, payload, ts });

  it('track ip_src: a bit set by one flow is seen by another flow of the same source, until it expires', () => {
    const rules = [
      'alert udp any any -> any any (content:"login"; xbits:set,seen,track ip_src,expire 10; xbits:noalert; sid:1;)',
      'alert udp any any -> any any (content:"data"; xbits:isset,seen,track ip_src; sid:2;)',
      'alert udp any any -> any any (content:"data"; xbits:isnotset,seen,track ip_src; sid:3;)',
    ].join('\n');
    const r = run(rules, [udp(a, 'login', 1000), udp(b, 'data', 1001), udp(other, 'data', 1002), udp(b, 'data', 1011)]);
    expect(r.alerts.map((x) => [x.pkt, x.sid])).toEqual([[2, 2], [3, 3], [4, 3]]);
  });

  it('track ip_dst and ip_pair (either direction of the pair); unset and toggle', () => {
    const rules = [
      'alert udp any any -> any any (content:"p"; xbits:set,pair,track ip_pair; noalert; sid:1;)',
      'alert udp any any -> any any (content:"q"; xbits:isset,pair,track ip_pair; sid:2;)',
      'alert udp any any -> any any (content:"d"; xbits:set,dbit,track ip_dst; noalert; sid:3;)',
      'alert udp any any -> any any (content:"e"; xbits:isset,dbit,track ip_dst; sid:4;)',
      'alert udp any any -> any any (content:"u"; xbits:unset,pair,track ip_pair; noalert; sid:5;)',
      'alert udp any any -> any any (content:"t"; xbits:toggle,pair,track ip_pair; noalert; sid:6;)',
    ].join('\n');
    const r = run(rules, [
      udp(b, 'p', 1000),
      udp(back, 'q', 1001), // the same pair, reversed
      udp(a, 'q', 1002), // another pair
      udp(a, 'd', 1003),
      udp(other, 'e', 1004), // same destination 10.0.0.1
      udp(b, 'u', 1005),
      udp(b, 'q', 1006),
      udp(b, 't', 1007),
      udp(back, 'q', 1008),
    ]);
    expect(r.alerts.map((x) => [x.pkt, x.sid])).toEqual([[2, 2], [5, 4], [9, 2]]);
  });

  it('hostbits: src (default), dst, both', () => {
    const rules = [
      'alert udp any any -> any any (content:"s"; hostbits:set,h; noalert; sid:1;)',
      'alert udp any any -> any any (content:"x"; hostbits:isset,h,dst; sid:2;)',
      'alert udp any any -> any any (content:"x"; hostbits:isset,h,both; sid:3;)',
      'alert udp any any -> any any (content:"x"; hostbits:isnotset,h,src; sid:4;)',
    ].join('\n');
    // 192.168.1.10 gets the bit; then 10.0.0.2 -> 192.168.1.10: its destination has it.
    const r = run(rules, [udp(b, 's', 1000), udp(back, 'x', 1001)]);
    expect(r.alerts.map((x) => [x.pkt, x.sid])).toEqual([[2, 2], [2, 3], [2, 4]]);
  });

  it('parse errors are named', () => {
    expect(reason('alert udp any any -> any any (xbits:set,a; sid:1;)')).toMatch(/invalid 'xbits': needs 'track/);
    expect(reason('alert udp any any -> any any (xbits:set,a,track ip_both; sid:1;)')).toMatch(/invalid 'xbits': track/);
    expect(reason('alert udp any any -> any any (xbits:flip,a,track ip_src; sid:1;)')).toMatch(/invalid 'xbits': unknown command/);
    expect(reason('alert udp any any -> any any (hostbits:set,a,up; sid:1;)')).toMatch(/invalid 'hostbits': direction/);
  });
});
