import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv6 } from '../../src/filter/cidr.js';
import { cidrContains, parseCidr } from '../../src/net/cidr.js';
import { formatIpv6, parseAddress } from '../../src/net/ip-address.js';

describe('addresses', () => {
  it('IPv4: strict dotted quad', () => {
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('10.0.0.5')).toBe(0x0a000005);
    for (const bad of ['256.0.0.0', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', 'a.b.c.d', '']) expect(parseIpv4(bad), bad).toBe(-1);
  });
  it('IPv6: forms with ::, IPv4 tails, case', () => {
    expect(parseIpv6('::')).toEqual([0, 0, 0, 0]);
    expect(parseIpv6('::1')).toEqual([0, 0, 0, 1]);
    expect(parseIpv6('2001:DB8::')).toEqual([0x20010db8, 0, 0, 0]);
    expect(parseIpv6('fd00:ec2::253')).toEqual([0xfd000ec2, 0, 0, 0x253]);
    expect(parseIpv6('::ffff:10.0.0.1')).toEqual([0, 0, 0xffff, 0x0a000001]);
    expect(parseIpv6('::10.0.0.1')).toEqual([0, 0, 0, 0x0a000001]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([0x10002, 0x30004, 0x50006, 0x70008]);
    expect(parseIpv6('1:2:3:4:5:6:1.2.3.4')).toEqual([0x10002, 0x30004, 0x50006, 0x01020304]);
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'fe80::1%eth0', ':::', '1:2:3:4:5:6:7::8', 'g::1', '::1.2.3']) {
      expect(parseIpv6(bad), bad).toBeNull();
    }
  });
  it('IPv6 text is RFC 5952 and round-trips (fast-check)', () => {
    expect(formatIpv6([0x20010db8, 0, 0, 1])).toBe('2001:db8::1');
    expect(formatIpv6([0x20010db8, 0, 1, 0])).toBe('2001:db8::1:0:0');
    expect(formatIpv6([0x20010000, 0x00010000, 0, 1])).toBe('2001:0:1::1');
    expect(formatIpv6([0x20010db8, 0x00000001, 0x00010001, 0x00010001])).toBe('2001:db8:0:1:1:1:1:1');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (g) => {
        const words = [0, 1, 2, 3].map((i) => (g[2 * i]! * 65536 + g[2 * i + 1]!) >>> 0);
        const text = formatIpv6(words);
        expect(parseIpv6(text)).toEqual(words);
        expect(parseIpv6(g.map((x) => x.toString(16)).join(':'))).toEqual(words);
      }),
      { numRuns: 500 },
    );
  });
});

describe('CIDR blocks', () => {
  it('normalises host bits and reports them', () => {
    expect(parseCidr('10.1.2.3/16')).toMatchObject({ text: '10.1.0.0/16', hostBitsSet: true, prefix: 16 });
    expect(parseCidr('10.1.0.0/16')).toMatchObject({ text: '10.1.0.0/16', hostBitsSet: false });
    expect(parseCidr('2001:db8::1/32')).toMatchObject({ text: '2001:db8::/32', hostBitsSet: true });
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ text: '0.0.0.0/0', family: 4 });
    expect(parseCidr('::/0')).toMatchObject({ text: '::/0', family: 6 });
    expect(parseCidr('1.2.3.4')).toMatchObject({ text: '1.2.3.4/32' });
    expect(parseCidr('1.2.3.4', false)).toMatch(/no prefix length/);
    expect(parseCidr('1.2.3.4/33')).toMatch(/0 to 32/);
    expect(parseCidr('1.2.3.4/08')).toMatch(/0 to 32/);
    expect(parseCidr('::/129')).toMatch(/0 to 128/);
    expect(parseCidr('x/8')).toMatch(/not a valid/);
  });
  it('containment, prefix edges', () => {
    const c = parseCidr('192.168.0.0/23') as Exclude<ReturnType<typeof parseCidr>, string>;
    expect(cidrContains(c, parseAddress('192.168.1.255')!)).toBe(true);
    expect(cidrContains(c, parseAddress('192.168.2.0')!)).toBe(false);
    expect(cidrContains(c, parseAddress('::')!)).toBe(false);
    const d = parseCidr('2001:db8:0:0:8000::/65') as Exclude<ReturnType<typeof parseCidr>, string>;
    expect(cidrContains(d, parseAddress('2001:db8::8000:0:0:1')!)).toBe(true);
    expect(cidrContains(d, parseAddress('2001:db8::7fff:0:0:1')!)).toBe(false);
  });
});
