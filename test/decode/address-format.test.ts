import { describe, expect, it } from 'vitest';
import { formatIp as ipToString, formatIpv4 as ipv4ToString, formatIpv6 as ipv6ToString } from '../../src/net/ip-address.js';
import { ip6 } from './builders.js';

const words = (text: string) => {
  const b = ip6(text);
  return Uint32Array.from([0, 1, 2, 3], (i) => ((b[4 * i]! << 24) | (b[4 * i + 1]! << 16) | (b[4 * i + 2]! << 8) | b[4 * i + 3]!) >>> 0);
};

describe('address formatting', () => {
  it('prints IPv4 from an unsigned 32-bit number', () => {
    expect(ipv4ToString(0)).toBe('0.0.0.0');
    expect(ipv4ToString(0xffffffff)).toBe('255.255.255.255');
    expect(ipv4ToString(0xac1f00ee)).toBe('172.31.0.238');
    expect(ipv4ToString(-1)).toBe('255.255.255.255');
  });

  it('prints IPv6 in RFC 5952 form from words or bytes', () => {
    const cases: Array<[string, string]> = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs wins
      ['FF02:0:0:0:0:0:0:FB', 'ff02::fb'],
      ['0:0:0:0:0:ffff:c000:0280', '::ffff:192.0.2.128'], // IPv4-mapped
      ['0:0:0:0:0:0:c000:0280', '::192.0.2.128'], // IPv4-compatible, as inet_ntop prints it
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ];
    for (const [long, short] of cases) {
      expect(ipv6ToString(words(long))).toBe(short);
      expect(ipv6ToString(Uint8Array.from([9, 9, ...ip6(long)]), 2)).toBe(short);
    }
  });

  it('picks the family', () => {
    expect(ipToString(4, 0x0a000001, new Uint32Array(4))).toBe('10.0.0.1');
    expect(ipToString(6, 0, words('2001:db8::2'))).toBe('2001:db8::2');
    expect(ipToString(0, 0, new Uint32Array(4))).toBeNull();
  });
});
