import { describe, expect, it } from 'vitest';
import { PacketView } from '../../src/decode/packet-view.js';
import { compileFilter, RULE_AMAZON_DNS, RULE_NONE } from '../../src/filter/compile.js';
import { SessionFilterStage } from '../../src/filter/stage.js';
import { IN, OUT, UNKNOWN, icmp, ipPacket, tcp, udp, yamlFilter } from './helpers.js';

function verdict(yaml: string, p: PacketView, dir = IN, opts = {}): [number, number] {
  const c = compileFilter(yamlFilter(yaml), opts);
  c.evaluate(p, dir);
  return [p.filterVerdict, p.filterRule];
}

describe('first match in ascending rule number', () => {
  it('a lower-numbered reject beats a later accept, whatever the file order', () => {
    const y = `ingress:
  - {rule: 200, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 100, action: reject, protocol: tcp, dst_port: 22, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(y, tcp('1.2.3.4', 5000, '10.0.0.1', 22))).toEqual([0, 100]);
    expect(verdict(y, tcp('1.2.3.4', 5000, '10.0.0.1', 23))).toEqual([1, 200]);
  });
  it('a lower-numbered accept beats a later reject', () => {
    const y = `ingress:
  - {rule: 1, action: accept, protocol: udp, src: 10.0.0.0/8, dst: 0.0.0.0/0}
  - {rule: 2, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(y, udp('10.1.1.1', 53, '8.8.8.8', 53))).toEqual([1, 1]);
    expect(verdict(y, udp('11.1.1.1', 53, '8.8.8.8', 53))).toEqual([0, 2]);
  });
});

describe('protocol', () => {
  const all = `ingress:\n  - {rule: 10, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
  it('absent protocol matches every protocol (tcp, udp, icmp, gre, unknown)', () => {
    expect(verdict(all, tcp('1.1.1.1', 1, '2.2.2.2', 2))).toEqual([1, 10]);
    expect(verdict(all, udp('1.1.1.1', 1, '2.2.2.2', 2))).toEqual([1, 10]);
    expect(verdict(all, icmp('1.1.1.1', '2.2.2.2'))).toEqual([1, 10]);
    expect(verdict(all, ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 47 }))).toEqual([1, 10]);
    expect(verdict(all, ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: -1 }))).toEqual([1, 10]);
  });
  it('a numbered protocol matches only that protocol', () => {
    const y = `ingress:\n  - {rule: 10, action: accept, protocol: 47, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(y, ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 47 }))).toEqual([1, 10]);
    expect(verdict(y, ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 50 }))).toEqual([0, RULE_NONE]);
    expect(verdict(y, tcp('1.1.1.1', 1, '2.2.2.2', 2))).toEqual([0, RULE_NONE]);
  });
  it('protocol 0 and "all" both mean all protocols', () => {
    for (const p of ['0', 'all', '-1']) {
      const y = `ingress:\n  - {rule: 10, action: accept, protocol: ${p}, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
      expect(yamlFilter(y).ingress[0]!.protocol).toBeNull();
      expect(verdict(y, icmp('1.1.1.1', '2.2.2.2'))).toEqual([1, 10]);
    }
  });
});

describe('port ranges (TCP and UDP only, inclusive)', () => {
  const y = `ingress:
  - {rule: 10, action: accept, protocol: tcp, dst_port: "80-443", src_port: 1024-65535, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
  it('both ends are inclusive', () => {
    expect(verdict(y, tcp('1.1.1.1', 1024, '2.2.2.2', 80))).toEqual([1, 10]);
    expect(verdict(y, tcp('1.1.1.1', 65535, '2.2.2.2', 443))).toEqual([1, 10]);
    expect(verdict(y, tcp('1.1.1.1', 1023, '2.2.2.2', 80))[0]).toBe(0);
    expect(verdict(y, tcp('1.1.1.1', 2000, '2.2.2.2', 79))[0]).toBe(0);
    expect(verdict(y, tcp('1.1.1.1', 2000, '2.2.2.2', 444))[0]).toBe(0);
  });
  it('a TCP packet without ports (non-first fragment) never matches a port rule, but matches a portless TCP rule', () => {
    const frag = ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 6 });
    expect(verdict(y, frag)).toEqual([0, RULE_NONE]);
    const y2 = `${y}\n  - {rule: 20, action: accept, protocol: tcp, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(y2, ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 6 }))).toEqual([1, 20]);
  });
  it('a port rule of protocol "all" applies to TCP and UDP packets only (AWS would refuse it: warning)', () => {
    const text = `ingress:\n  - {rule: 10, action: accept, dst_port: 53, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(text, udp('1.1.1.1', 999, '2.2.2.2', 53))).toEqual([1, 10]);
    expect(verdict(text, tcp('1.1.1.1', 999, '2.2.2.2', 53))).toEqual([1, 10]);
    expect(verdict(text, udp('1.1.1.1', 999, '2.2.2.2', 54))).toEqual([0, RULE_NONE]);
    expect(verdict(text, icmp('1.1.1.1', '2.2.2.2'))).toEqual([0, RULE_NONE]);
    // SCTP has ports on the wire, but AWS port ranges are for TCP/UDP only
    expect(verdict(text, ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 132, sport: 999, dport: 53 }))).toEqual([0, RULE_NONE]);
  });
  it('an ICMP rule with a port range never matches (not even ICMP)', () => {
    const text = `ingress:\n  - {rule: 10, action: accept, protocol: icmp, dst_port: 0-65535, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(text, icmp('1.1.1.1', '2.2.2.2'))).toEqual([0, RULE_NONE]);
    expect(verdict(text, tcp('1.1.1.1', 1, '2.2.2.2', 2))).toEqual([0, RULE_NONE]);
  });
  it('an ICMP packet never matches a TCP port rule, and falls through to later rules', () => {
    const text = `ingress:
  - {rule: 10, action: reject, protocol: tcp, dst_port: 0-65535, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 20, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(text, icmp('1.1.1.1', '2.2.2.2'))).toEqual([1, 20]);
  });
});

describe('address families and CIDRs', () => {
  const y = `ingress:
  - {rule: 10, action: accept, src: "::/0", dst: "::/0"}
  - {rule: 20, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 30, action: accept, src: 10.0.0.0/8, dst: 0.0.0.0/0}`;
  it('an IPv4 packet never matches an IPv6 rule; 0.0.0.0/0 matches all IPv4 only', () => {
    expect(verdict(y, tcp('10.1.2.3', 1, '10.3.2.1', 2))).toEqual([0, 20]);
    expect(verdict(y, tcp('2001:db8::1', 1, '2001:db8::2', 2))).toEqual([1, 10]);
    const only4 = `ingress:\n  - {rule: 20, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(only4, tcp('2001:db8::1', 1, '2001:db8::2', 2))).toEqual([0, RULE_NONE]);
    expect(verdict(only4, icmp('255.255.255.255', '0.0.0.0'))).toEqual([1, 20]);
  });
  it('source and destination CIDRs, IPv4 and IPv6, with prefix edges', () => {
    const text = `ingress:
  - {rule: 1, action: accept, src: 192.168.0.0/16, dst: 10.0.0.0/31}
  - {rule: 2, action: accept, src: "2001:db8:8000::/33", dst: "fe80::1/128"}`;
    expect(verdict(text, udp('192.168.255.255', 1, '10.0.0.1', 2))).toEqual([1, 1]);
    expect(verdict(text, udp('192.169.0.0', 1, '10.0.0.1', 2))[0]).toBe(0);
    expect(verdict(text, udp('192.168.0.1', 1, '10.0.0.2', 2))[0]).toBe(0);
    expect(verdict(text, udp('2001:db8:8000::5', 1, 'fe80::1', 2))).toEqual([1, 2]);
    expect(verdict(text, udp('2001:db8:7fff::5', 1, 'fe80::1', 2))[0]).toBe(0);
    expect(verdict(text, udp('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 1, 'fe80::1', 2))).toEqual([1, 2]);
    expect(verdict(text, udp('2001:db8:8000::5', 1, 'fe80::2', 2))[0]).toBe(0);
  });
  it('high-bit IPv4 addresses (unsigned comparisons)', () => {
    const text = `ingress:\n  - {rule: 1, action: accept, src: 200.0.0.0/5, dst: 255.255.255.255/32}`;
    expect(verdict(text, udp('207.255.255.255', 1, '255.255.255.255', 2))).toEqual([1, 1]);
    expect(verdict(text, udp('208.0.0.0', 1, '255.255.255.255', 2))[0]).toBe(0);
  });
});

describe('no rules / no match', () => {
  it('no rules for the direction = not mirrored, rule -1', () => {
    const y = `ingress:\n  - {rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(y, tcp('1.1.1.1', 1, '2.2.2.2', 2), OUT)).toEqual([0, RULE_NONE]);
    expect(verdict('filter: empty', tcp('1.1.1.1', 1, '2.2.2.2', 2), IN)).toEqual([0, RULE_NONE]);
  });
  it('non-IP packets (ARP) are never mirrored: rejected, rule -1, counted as no-match', () => {
    const c = compileFilter(yamlFilter(`ingress:\n  - {rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`));
    const p = new PacketView();
    p.etherType = 0x0806;
    expect(c.evaluate(p, IN)).toBe(false);
    expect([p.filterVerdict, p.filterRule]).toEqual([0, RULE_NONE]);
    expect(c.summary()).toEqual({ accepted: 0, rejected: 1, no_match: 1, by_rule: { 'ingress:1:accept': 0 } });
    expect(c.stats().nonIp).toBe(1);
  });
});

describe('amazon-dns network service', () => {
  const y = `network_services: [amazon-dns]
ingress:
  - {rule: 1, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}
egress: []`;
  it('accepts traffic to and from the resolver before the rules, in both directions (rule -2)', () => {
    const opts = { amazonDnsAddress: '10.0.0.2' };
    expect(verdict(y, udp('10.0.5.5', 40000, '10.0.0.2', 53), IN, opts)).toEqual([1, RULE_AMAZON_DNS]);
    expect(verdict(y, udp('10.0.0.2', 53, '10.0.5.5', 40000), OUT, opts)).toEqual([1, RULE_AMAZON_DNS]);
    expect(verdict(y, tcp('10.0.0.2', 53, '10.0.5.5', 40000), UNKNOWN, { ...opts, directionUnknown: 'reject' })).toEqual([1, RULE_AMAZON_DNS]);
    expect(verdict(y, udp('10.0.5.5', 40000, '10.0.0.3', 53), IN, opts)).toEqual([0, 1]);
    expect(verdict(y, udp('10.0.5.5', 40000, '10.0.0.3', 53), OUT, opts)).toEqual([0, RULE_NONE]);
  });
  it('IPv6 resolver address', () => {
    const opts = { amazonDnsAddress: ['10.0.0.2', 'fd00:ec2::253'] };
    expect(verdict(y, udp('2001:db8::5', 40000, 'fd00:ec2::253', 53), IN, opts)).toEqual([1, RULE_AMAZON_DNS]);
    expect(verdict(y, udp('2001:db8::5', 40000, 'fd00:ec2::252', 53), IN, opts)).toEqual([0, RULE_NONE]);
  });
  it('without a configured address only the rules decide, and notes() says so', () => {
    const c = compileFilter(yamlFilter(y));
    const p = udp('10.0.5.5', 40000, '10.0.0.2', 53);
    expect(c.evaluate(p, IN)).toBe(false);
    expect(p.filterRule).toBe(1);
    expect(c.amazonDnsActive).toBe(false);
    expect(c.notes().join('\n')).toMatch(/amazon-dns is listed but no Amazon DNS resolver address is configured/);
  });
  it('an address without the network service has no effect', () => {
    const text = `ingress:\n  - {rule: 1, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
    expect(verdict(text, udp('10.0.5.5', 1, '10.0.0.2', 53), IN, { amazonDnsAddress: '10.0.0.2' })).toEqual([0, 1]);
  });
  it('counts per direction in summary().by_rule', () => {
    const c = compileFilter(yamlFilter(y), { amazonDnsAddress: '10.0.0.2' });
    c.evaluate(udp('10.0.5.5', 40000, '10.0.0.2', 53), IN);
    c.evaluate(udp('10.0.0.2', 53, '10.0.5.5', 40000), OUT);
    c.evaluate(udp('10.0.0.2', 53, '10.0.5.5', 40000), OUT);
    c.evaluate(udp('10.0.0.9', 53, '10.0.5.5', 40000), IN);
    expect(c.summary()).toEqual({
      accepted: 3,
      rejected: 1,
      no_match: 0,
      by_rule: { 'ingress:1:reject': 1, 'ingress:amazon-dns:accept': 1, 'egress:amazon-dns:accept': 2 },
    });
  });
});

describe('unknown direction policy', () => {
  const y = `ingress:
  - {rule: 10, action: reject, protocol: tcp, dst_port: 22, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 20, action: accept, protocol: tcp, src: 0.0.0.0/0, dst: 10.0.0.0/8}
egress:
  - {rule: 10, action: accept, protocol: udp, src: 10.0.0.0/8, dst: 0.0.0.0/0}
  - {rule: 30, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}`;
  const inOnly = () => tcp('1.1.1.1', 5000, '10.0.0.1', 80);
  const outOnly = () => udp('10.0.0.1', 5000, '1.1.1.1', 53);
  const ssh = () => tcp('1.1.1.1', 5000, '10.0.0.1', 22);
  it("'either' (default): accepted when either list accepts", () => {
    expect(verdict(y, inOnly(), UNKNOWN)).toEqual([1, 20]);
    expect(verdict(y, outOnly(), UNKNOWN)).toEqual([1, 10]);
    // ingress rejects with rule 10, egress rejects with rule 30: the ingress rule is reported
    expect(verdict(y, ssh(), UNKNOWN)).toEqual([0, 10]);
    expect(verdict(y, icmp('1.1.1.1', '2.2.2.2'), UNKNOWN)).toEqual([0, 30]);
  });
  it("'ingress' / 'egress' use that list; 'reject' mirrors nothing", () => {
    expect(verdict(y, outOnly(), UNKNOWN, { directionUnknown: 'ingress' })).toEqual([0, RULE_NONE]);
    expect(verdict(y, inOnly(), UNKNOWN, { directionUnknown: 'ingress' })).toEqual([1, 20]);
    expect(verdict(y, outOnly(), UNKNOWN, { directionUnknown: 'egress' })).toEqual([1, 10]);
    expect(verdict(y, inOnly(), UNKNOWN, { directionUnknown: 'egress' })).toEqual([0, 30]);
    expect(verdict(y, inOnly(), UNKNOWN, { directionUnknown: 'reject' })).toEqual([0, RULE_NONE]);
  });
  it('rejects an unknown policy name', () => {
    expect(() => compileFilter(yamlFilter(y), { directionUnknown: 'both' as never })).toThrow(/directionUnknown/);
  });
  it('counts unknown-direction decisions in the list whose rule decided', () => {
    const c = compileFilter(yamlFilter(y));
    c.evaluate(inOnly(), UNKNOWN);
    c.evaluate(outOnly(), UNKNOWN);
    c.evaluate(ssh(), UNKNOWN);
    expect(c.summary()).toEqual({
      accepted: 2,
      rejected: 1,
      no_match: 0,
      by_rule: { 'ingress:10:reject': 1, 'ingress:20:accept': 1, 'egress:10:accept': 1, 'egress:30:reject': 0 },
    });
  });
});

describe('counters and summary()', () => {
  it('counts hits per rule per direction, accepted/rejected and no-match', () => {
    const c = compileFilter(yamlFilter(`ingress:
  - {rule: 5, action: accept, protocol: tcp, src: 0.0.0.0/0, dst: 0.0.0.0/0}
egress:
  - {rule: 5, action: reject, protocol: tcp, src: 0.0.0.0/0, dst: 0.0.0.0/0}`));
    const p = new PacketView();
    for (let i = 0; i < 3; i++) c.evaluate(ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 6, sport: 1, dport: 2 }, p), IN);
    c.evaluate(ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 6, sport: 1, dport: 2 }, p), OUT);
    c.evaluate(ipPacket({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, sport: 1, dport: 2 }, p), OUT);
    expect(c.summary()).toEqual({ accepted: 3, rejected: 2, no_match: 1, by_rule: { 'ingress:5:accept': 3, 'egress:5:reject': 1 } });
    const s = c.stats();
    expect(s.noMatch).toEqual({ unknown: 0, ingress: 0, egress: 1 });
    c.resetCounters();
    expect(c.summary().accepted).toBe(0);
  });
});

describe('SessionFilterStage', () => {
  const a = () => compileFilter(yamlFilter(`ingress:\n  - {rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`));
  const r = () => compileFilter(yamlFilter(`egress:\n  - {rule: 7, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`));
  it('uses sessionIndex + 1 (slot 0 = unknown session) and p.direction', () => {
    const fa = a();
    const fr = r();
    const stage = new SessionFilterStage([fa, null, fr], null);
    const p = tcp('1.1.1.1', 1, '2.2.2.2', 2);
    p.sessionIndex = -1;
    p.direction = IN;
    expect(stage.evaluate(p)).toBe(true);
    expect(p.filterRule).toBe(1);
    p.filterVerdict = -1;
    p.sessionIndex = 0; // slot 1: no filter → accept, verdict untouched
    expect(stage.evaluate(p)).toBe(true);
    expect(p.filterVerdict).toBe(-1);
    p.sessionIndex = 1; // slot 2
    expect(stage.evaluate(p)).toBe(false);
    p.direction = OUT;
    expect(stage.evaluate(p)).toBe(true);
    expect(p.filterRule).toBe(7);
    p.filterVerdict = -1;
    p.sessionIndex = 5; // beyond the table: accept, untouched
    expect(stage.evaluate(p)).toBe(true);
    expect(p.filterVerdict).toBe(-1);
    expect(stage.compiled()).toEqual([fa, fr]);
  });
  it('fixedDirection overrides p.direction', () => {
    const stage = new SessionFilterStage([r()], OUT);
    const p = tcp('1.1.1.1', 1, '2.2.2.2', 2);
    p.direction = IN;
    expect(stage.evaluate(p)).toBe(true);
    expect(p.filterRule).toBe(7);
  });
});
