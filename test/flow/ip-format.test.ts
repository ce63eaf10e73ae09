import { describe, expect, it } from 'vitest';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../src/net/ip-address.js';

describe('ip-format', () => {
  it('formats and parses IPv4', () => {
    expect(formatIpv4(0xc0a80101)).toBe('192.168.1.1');
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpv4('256.0.0.1')).toBeNull();
    expect(parseIpv4('10.0.0')).toBeNull();
  });

  it('formats IPv6 compressed (RFC 5952) and in Suricata full form', () => {
    const cases: Array<[string, string]> = [
      ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001'],
      ['::', '0000:0000:0000:0000:0000:0000:0000:0000'],
      ['::1', '0000:0000:0000:0000:0000:0000:0000:0001'],
      ['fe80::202:b3ff:fe1e:8329', 'fe80:0000:0000:0000:0202:b3ff:fe1e:8329'],
      ['2001:db8:0:1:1:1:1:1', '2001:0db8:0000:0001:0001:0001:0001:0001'],
      ['2001:0:0:1::1', '2001:0000:0000:0001:0000:0000:0000:0001'],
    ];
    for (const [c, full] of cases) {
      const w = parseIpv6(c)!;
      expect(formatIpv6(w)).toBe(c);
      expect(formatIpv6(w, 0, 'full')).toBe(full);
      expect(parseIpv6(full)).toEqual(w);
    }
    expect(formatIpv6(parseIpv6('::ffff:10.0.0.1')!)).toBe('::ffff:10.0.0.1');
    expect(parseIpv6('1::2::3')).toBeNull();
    expect(parseIpv6('12345::')).toBeNull();
  });
});
