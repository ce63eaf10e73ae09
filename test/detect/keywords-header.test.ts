import { describe, expect, it } from 'vitest';
import { A, C, E, F, P, R, S, U, sidsFor, type Pkt } from './helpers.js';

const rule = (opts: string, sid = 1, header = 'alert ip any any -> any any') => `${header} (${opts} sid:${sid};)`;
const tcp = (o: Partial<Pkt> = {}): Pkt => ({ proto: 'tcp', flags: A, ...o });
const hits = (opts: string, pkt: Pkt, header?: string) => sidsFor(rule(opts, 1, header), pkt).length === 1;

describe('ttl / tos / id', () => {
  it.each([
    ['ttl:64;', 64, true],
    ['ttl:64;', 63, false],
    ['ttl:<64;', 63, true],
    ['ttl:<=64;', 64, true],
    ['ttl:>64;', 65, true],
    ['ttl:>=64;', 63, false],
    ['ttl:10<>20;', 15, true],
    ['ttl:10<>20;', 10, false],
    ['ttl:10-20;', 20, false],
    ['ttl:!64;', 63, true],
  ])('%s with ttl %d → %s', (opts, ttl, want) => {
    expect(hits(opts, tcp({ ttl }))).toBe(want);
  });

  it('tos and id', () => {
    expect(hits('tos:8;', tcp({ tos: 8 }))).toBe(true);
    expect(hits('tos:!8;', tcp({ tos: 8 }))).toBe(false);
    expect(hits('tos:x10;', tcp({ tos: 16 }))).toBe(true);
    expect(hits('id:31337;', tcp({ id: 31337 }))).toBe(true);
    expect(hits('id:31337;', tcp({ id: 1 }))).toBe(false);
  });
});

describe('dsize', () => {
  it('compares the payload length', () => {
    expect(hits('dsize:3;', tcp({ payload: 'abc' }))).toBe(true);
    expect(hits('dsize:<3;', tcp({ payload: 'ab' }))).toBe(true);
    expect(hits('dsize:>3;', tcp({ payload: 'abcd' }))).toBe(true);
    expect(hits('dsize:2<>5;', tcp({ payload: 'abcde' }))).toBe(false);
  });

  it("excludes empty payloads for forms that cannot be about them (Suricata's signature mask)", () => {
    const empty = tcp();
    expect(hits('dsize:<10;', empty)).toBe(true);
    expect(hits('dsize:<=10;', empty)).toBe(true);
    expect(hits('dsize:0;', empty)).toBe(true);
    expect(hits('dsize:!9;', empty)).toBe(false);
    expect(hits('dsize:!9;', tcp({ payload: 'x' }))).toBe(true);
    expect(hits('dsize:0;', tcp({ payload: 'x' }))).toBe(false);
  });
});

describe('TCP header: window, seq, ack, flags', () => {
  it('window, seq, ack', () => {
    expect(hits('window:1024;', tcp({ win: 1024 }))).toBe(true);
    expect(hits('window:!1024;', tcp({ win: 1024 }))).toBe(false);
    expect(hits('seq:4294967295;', tcp({ seq: 0xffffffff }))).toBe(true);
    expect(hits('ack:77;', tcp({ ack: 77 }))).toBe(true);
    expect(hits('ack:77;', tcp({ ack: 78 }))).toBe(false);
    // Not TCP: no window.
    expect(hits('window:0;', { proto: 'udp' })).toBe(false);
  });

  it.each([
    ['flags:S;', S, true],
    ['flags:S;', S | A, false],
    ['flags:SA;', S | A, true],
    ['flags:S+;', S | A, true],
    ['flags:+S;', S | A | P, true],
    ['flags:*SF;', F | A, true],
    ['flags:*SF;', A, false],
    ['flags:!S;', A, true],
    ['flags:!S;', S | A, false],
    ['flags:0;', 0, true],
    ['flags:0;', A, false],
    ['flags:FPU;', F | P | U, true],
    ['flags:FPU;', F | P | U | A, false],
    ['flags:F;', F, true],
    ['flags:F;', F | A, false],
    ['flags:S,12;', S | C | E, true],
    ['flags:S,CE;', S | E, true],
    ['flags:S;', S | C | E, false],
    ['flags:R;', R, true],
  ])('%s on flags 0x%s', (opts, flags, want) => {
    expect(hits(opts, tcp({ flags }))).toBe(want);
  });

  it('flags never match non-TCP packets', () => {
    expect(hits('flags:0;', { proto: 'udp' })).toBe(false);
  });
});

describe('ICMP: itype, icode, icmp_id, icmp_seq', () => {
  const echo: Pkt = { proto: 'icmp', type: 8, code: 0, icmpId: 512, icmpSeq: 7, payload: 'abcdefgh' };
  it('match on ICMP fields', () => {
    expect(hits('itype:8;', echo)).toBe(true);
    expect(hits('itype:>7;', echo)).toBe(true);
    expect(hits('itype:<8;', echo)).toBe(false);
    expect(hits('itype:7<>20;', echo)).toBe(true);
    expect(hits('icode:0;', echo)).toBe(true);
    expect(hits('icode:>0;', echo)).toBe(false);
    expect(hits('icmp_id:512;', echo)).toBe(true);
    expect(hits('icmp_seq:7;', echo)).toBe(true);
    expect(hits('icmp_seq:8;', echo)).toBe(false);
  });

  it('ICMP keywords never match other protocols', () => {
    expect(hits('itype:<255;', tcp())).toBe(false);
    expect(hits('icode:<255;', { proto: 'udp' })).toBe(false);
  });

  it('`icmp` covers ICMPv4 and ICMPv6; icmpv4/icmpv6 one each', () => {
    const v6: Pkt = { proto: 'icmp', src: '2001:db8::1', dst: '2001:db8::2', type: 128, code: 0 };
    expect(hits('itype:128;', v6, 'alert icmp any any -> any any')).toBe(true);
    expect(hits('itype:128;', v6, 'alert icmpv6 any any -> any any')).toBe(true);
    expect(hits('itype:128;', v6, 'alert icmpv4 any any -> any any')).toBe(false);
    expect(hits('itype:8;', echo, 'alert icmp any any -> any any')).toBe(true);
  });
});

describe('IP: ip_proto, sameip, fragbits, fragoffset, ipopts', () => {
  it('ip_proto by number or name, with ! < >', () => {
    expect(hits('ip_proto:6;', tcp())).toBe(true);
    expect(hits('ip_proto:tcp;', tcp())).toBe(true);
    expect(hits('ip_proto:!6;', tcp())).toBe(false);
    expect(hits('ip_proto:<7;', tcp())).toBe(true);
    expect(hits('ip_proto:47;', { proto: 47, payload: 'gre' })).toBe(true);
  });

  it('sameip', () => {
    expect(hits('sameip;', tcp({ src: '10.0.0.5', dst: '10.0.0.5' }))).toBe(true);
    expect(hits('sameip;', tcp({ src: '10.0.0.5', dst: '10.0.0.6' }))).toBe(false);
  });

  it('fragbits with its modifiers', () => {
    const df = tcp({ ipFlags: 0x2 });
    const mfdf = { proto: 'udp' as const, ipFlags: 0x3 };
    expect(hits('fragbits:D;', df)).toBe(true);
    expect(hits('fragbits:M;', df)).toBe(false);
    expect(hits('fragbits:*MD;', df)).toBe(true);
    expect(hits('fragbits:!M;', df)).toBe(true);
    expect(hits('fragbits:D;', mfdf)).toBe(false);
    // + : these bits and at least one more (Suricata).
    expect(hits('fragbits:D+;', mfdf)).toBe(true);
    expect(hits('fragbits:D+;', df)).toBe(false);
  });

  it('fragoffset in 8-byte units', () => {
    const frag = { proto: 'udp' as const, fragOffset: 1480, payload: 'x'.repeat(16) };
    expect(hits('fragoffset:185;', frag)).toBe(true);
    expect(hits('fragoffset:>0;', frag)).toBe(true);
    expect(hits('fragoffset:0;', tcp())).toBe(true);
    expect(hits('fragoffset:!0;', tcp())).toBe(false);
  });

  it('ipopts', () => {
    // Record Route (7), length 7, pointer 4, one empty slot, then EOL.
    const rr = tcp({ options: [7, 7, 4, 0, 0, 0, 0, 0] });
    expect(hits('ipopts:rr;', rr)).toBe(true);
    expect(hits('ipopts:any;', rr)).toBe(true);
    expect(hits('ipopts:lsrr;', rr)).toBe(false);
    expect(hits('ipopts:any;', tcp())).toBe(false);
  });

  it('decode-event:ipv6.rh_type_0 walks the extension headers', () => {
    const base = { proto: 'icmp' as const, src: '2001:db8::7', dst: '2001:db8::10', type: 128 };
    // Routing header: nh, len=2 (24 bytes), type 0, segments left 1, reserved, one address.
    const rh0 = { nh: 43, bytes: [0, 2, 0, 1, 0, 0, 0, 0, ...new Array<number>(16).fill(0x20)] };
    const rh2 = { nh: 43, bytes: [0, 2, 2, 1, 0, 0, 0, 0, ...new Array<number>(16).fill(0x20)] };
    const hbh = { nh: 0, bytes: [0, 0, 1, 4, 0, 0, 0, 0] };
    const r = 'decode-event:ipv6.rh_type_0;';
    expect(hits(r, { ...base, ext6: [rh0] })).toBe(true);
    expect(hits(r, { ...base, ext6: [hbh, rh0] })).toBe(true);
    expect(hits(r, { ...base, ext6: [rh2] })).toBe(false);
    expect(hits(r, { ...base, ext6: [hbh] })).toBe(false);
  });
});

describe('addresses, ports, direction', () => {
  it('-> matches one way, <> both', () => {
    const p = tcp({ src: '1.1.1.1', sport: 1234, dst: '2.2.2.2', dport: 80 });
    const back = tcp({ src: '2.2.2.2', sport: 80, dst: '1.1.1.1', dport: 1234 });
    expect(hits('', p, 'alert tcp 1.1.1.1 any -> 2.2.2.2 80')).toBe(true);
    expect(hits('', back, 'alert tcp 1.1.1.1 any -> 2.2.2.2 80')).toBe(false);
    expect(hits('', back, 'alert tcp 1.1.1.1 any <> 2.2.2.2 80')).toBe(true);
  });

  it('IPv6 CIDR and IPv4 sets do not mix', () => {
    const p6 = tcp({ src: '2001:db8:1::10', dst: '2001:db8:ff::7', dport: 80 });
    expect(hits('', p6, 'alert tcp 2001:db8:1::/48 any -> any 80')).toBe(true);
    expect(hits('', p6, 'alert tcp 2001:db8:2::/48 any -> any 80')).toBe(false);
    expect(hits('', p6, 'alert tcp 10.0.0.0/8 any -> any 80')).toBe(false);
    expect(hits('', p6, 'alert tcp !10.0.0.0/8 any -> any 80')).toBe(true);
  });

  it('port rules do not match packets without ports', () => {
    expect(hits('', { proto: 'icmp' }, 'alert ip any 80 -> any any')).toBe(false);
    expect(hits('', { proto: 'icmp' }, 'alert ip any any -> any any')).toBe(true);
  });

  it('ipv4 / ipv6 protocols select the IP version', () => {
    expect(hits('', tcp(), 'alert ipv4 any any -> any any')).toBe(true);
    expect(hits('', tcp(), 'alert ipv6 any any -> any any')).toBe(false);
  });
});
