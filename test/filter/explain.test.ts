import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/compile.js';
import { explainPacket, formatExplanation, packetSpecText, parsePacketSpec } from '../../src/filter/explain.js';
import { yamlFilter } from './helpers.js';

const FILTER = yamlFilter(`filter: demo
network_services: [amazon-dns]
ingress:
  - {rule: 10, action: reject, protocol: udp, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 20, action: accept, protocol: tcp, dst_port: 80, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 30, action: accept, protocol: tcp, src: 192.168.0.0/16, dst: 0.0.0.0/0}
  - {rule: 40, action: accept, src: "2001:db8::/32", dst: "::/0"}
  - {rule: 50, action: accept, protocol: tcp, src_port: 443, src: 10.0.0.0/8, dst: 10.0.1.0/24}
  - {rule: 60, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}
egress:
  - {rule: 5, action: accept, protocol: icmp, src: 0.0.0.0/0, dst: 0.0.0.0/0}
`);

function explain(packet: string, opts = {}) {
  return explainPacket(compileFilter(FILTER, opts), parsePacketSpec(packet));
}

describe('parsePacketSpec', () => {
  it('reads protocols, IPv4 and bracketed IPv6 endpoints and the direction', () => {
    expect(parsePacketSpec('tcp 10.0.0.5:443 -> 10.0.1.9:51000 ingress')).toMatchObject({ family: 4, protocol: 6, sport: 443, dport: 51000, direction: 'ingress' });
    expect(parsePacketSpec('udp [2001:db8::1]:53 -> [2001:db8::2]:5353 egress')).toMatchObject({ family: 6, protocol: 17, sport: 53, dport: 5353 });
    expect(parsePacketSpec('icmp 10.0.0.1 -> 10.0.0.2')).toMatchObject({ protocol: 1, sport: -1, direction: 'unknown' });
    expect(parsePacketSpec('icmpv6 fe80::1 -> [ff02::1]')).toMatchObject({ family: 6, protocol: 58 });
    expect(parsePacketSpec('proto 47 10.0.0.1 -> 10.0.0.2 egress')).toMatchObject({ protocol: 47, direction: 'egress' });
    expect(parsePacketSpec('tcp 1.1.1.1 -> 2.2.2.2', 'egress')).toMatchObject({ protocol: 6, sport: -1, dport: -1, direction: 'egress' });
    expect(packetSpecText(parsePacketSpec('udp [2001:DB8:0::1]:53 -> [2001:db8::2]:5353 egress'))).toBe('udp [2001:db8::1]:53 -> [2001:db8::2]:5353 egress');
  });
  it('rejects malformed packets with a usage error', () => {
    for (const bad of [
      '',
      'tcpx 1.1.1.1:1 -> 2.2.2.2:2',
      'tcp 1.1.1.1:1 2.2.2.2:2',
      'tcp 1.1.1.1:1 -> 2001:db8::1',
      'icmp 1.1.1.1:5 -> 2.2.2.2',
      'tcp 1.1.1.1:1 -> 2.2.2.2',
      'tcp 1.1.1.1:70000 -> 2.2.2.2:1',
      'tcp 1.1.1.1:1 -> 2.2.2.2:2 sideways',
      'tcp [2001:db8::1:1 -> [::1]:2',
      'proto 300 1.1.1.1 -> 2.2.2.2',
      'tcp 1.1.1.1:1 -> 2.2.2.2:2 ingress extra',
    ]) {
      expect(() => parsePacketSpec(bad), bad).toThrow(/filter explain: --packet/);
    }
  });
});

describe('explainPacket', () => {
  it('names the deciding rule and why each earlier rule did not match', () => {
    const e = explain('tcp 10.0.0.5:443 -> 10.0.1.9:51000 ingress');
    expect(e.verdict).toBe('accepted');
    expect(e.rule).toBe(50);
    expect(e.summary).toBe('accepted (mirrored) by ingress rule 50 (accept)');
    const steps = e.lists[0]!.steps;
    expect(steps.map((s) => s.outcome)).toEqual(['no-match', 'no-match', 'no-match', 'no-match', 'match', 'not-evaluated']);
    expect(steps[0]!.reasons).toEqual(['protocol 6 ≠ 17']);
    expect(steps[1]!.reasons).toEqual(['destination port 51000 not in 80-80']);
    expect(steps[2]!.reasons).toEqual(['source 10.0.0.5 not in 192.168.0.0/16']);
    expect(steps[3]!.reasons).toEqual(['IPv4 packet vs IPv6 rule']);
  });
  it('lists every reason of a rule', () => {
    const e = explain('udp 10.0.0.5:53 -> 10.0.2.9:51000 ingress');
    expect(e.rule).toBe(10);
    const e2 = explain('tcp 172.16.0.5:444 -> 10.0.2.9:81 ingress');
    expect(e2.lists[0]!.steps[4]!.reasons).toEqual(['source port 444 not in 443-443', 'source 172.16.0.5 not in 10.0.0.0/8', 'destination 10.0.2.9 not in 10.0.1.0/24']);
    expect(e2.rule).toBe(60);
    expect(e2.verdict).toBe('rejected');
  });
  it('explains packets without ports and ICMP against port rules', () => {
    const e = explain('icmp 10.0.0.5 -> 10.0.1.9 ingress');
    expect(e.lists[0]!.steps[1]!.reasons).toEqual(['protocol 1 ≠ 6']);
    const frag = explain('tcp 10.0.0.5 -> 10.0.1.9 ingress');
    expect(frag.lists[0]!.steps[1]!.reasons).toEqual(['packet carries no ports (e.g. a non-first fragment); rule has destination port range 80']);
  });
  it('IPv6 packets vs IPv4 rules', () => {
    const e = explain('tcp [2001:db8::1]:1 -> [2001:db8::2]:80 ingress');
    expect(e.lists[0]!.steps[1]!.reasons).toEqual(['IPv6 packet vs IPv4 rule']);
    expect(e.rule).toBe(40);
  });
  it('no rule matched / no rules', () => {
    const e = explain('udp 10.0.0.5:1 -> 10.0.1.9:2 egress');
    expect(e.rule).toBe(-1);
    expect(e.summary).toBe('rejected (not mirrored): no egress rule matched');
    const empty = explainPacket(compileFilter(yamlFilter('filter: x')), parsePacketSpec('udp 10.0.0.5:1 -> 10.0.1.9:2 egress'));
    expect(empty.summary).toBe('rejected (not mirrored): no egress rule matched (egress has no rules)');
  });
  it('amazon-dns, and the note when no resolver address is configured', () => {
    const e = explain('udp 10.0.0.5:5353 -> 10.0.0.2:53 ingress', { amazonDnsAddress: '10.0.0.2' });
    expect(e.rule).toBe(-2);
    expect(e.summary).toMatch(/amazon-dns: destination 10.0.0.2 is the Amazon DNS resolver/);
    const n = explain('udp 10.0.0.5:5353 -> 10.0.0.2:53 ingress');
    expect(n.rule).toBe(10);
    expect(n.notes.join()).toMatch(/no Amazon DNS resolver address is configured/);
  });
  it('unknown direction: both lists under "either", one under "ingress", none under "reject"', () => {
    const e = explain('icmp 10.0.0.5 -> 10.0.1.9 unknown');
    expect(e.lists.map((l) => l.direction)).toEqual(['ingress', 'egress']);
    expect(e.summary).toBe('accepted (mirrored) by egress rule 5 (accept)');
    expect(explain('icmp 10.0.0.5 -> 10.0.1.9', { directionUnknown: 'ingress' }).lists.map((l) => l.direction)).toEqual(['ingress']);
    const r = explain('icmp 10.0.0.5 -> 10.0.1.9', { directionUnknown: 'reject' });
    expect(r.lists).toEqual([]);
    expect(r.summary).toMatch(/policy for unknown directions is 'reject'/);
  });
  it('formats text output', () => {
    const text = formatExplanation(explain('tcp 10.0.0.5:443 -> 10.0.1.9:51000 ingress'), 'demo');
    expect(text).toContain('packet:    tcp 10.0.0.5:443 -> 10.0.1.9:51000 ingress');
    expect(text).toContain('  rule    20 accept tcp 0.0.0.0/0 port any -> 0.0.0.0/0 port 80\n      no match: destination port 51000 not in 80-80');
    expect(text).toContain('      MATCH → accept');
    expect(text).toContain('  rule    60 reject all 0.0.0.0/0 port any -> 0.0.0.0/0 port any\n      not evaluated');
    expect(text).toMatch(/verdict: {3}accepted \(mirrored\) by ingress rule 50 \(accept\)$/);
  });
});
