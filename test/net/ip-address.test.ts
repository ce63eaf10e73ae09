/**
 * The differences the merged address module keeps on purpose: each was the behaviour of one of
 * the three former copies, and outputs depend on it textually.
 */
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { formatAddress, formatIpv6, parseAddress, parseIpv4, parseIpv6 } from '../../src/net/ip-address.js';

const mapped = Uint32Array.from([0, 0, 0xffff, 0xc0000280]);
const compat = Uint32Array.from([0, 0, 0, 0xc0000280]);

describe('IPv6 styles', () => {
  it('compressed (inet_ntop, tshark) ends mapped/compatible addresses in a dotted quad', () => {
    expect(formatIpv6(mapped)).toBe('::ffff:192.0.2.128');
    expect(formatIpv6(compat)).toBe('::192.0.2.128');
  });
  it('compressed-hex (filter CIDR text) never does', () => {
    expect(formatIpv6(mapped, 0, 'compressed-hex')).toBe('::ffff:c000:280');
    expect(formatIpv6(compat, 0, 'compressed-hex')).toBe('::c000:280');
    expect(formatAddress({ family: 6, words: [0, 0, 0xffff, 0xc0000280] })).toBe('::ffff:c000:280');
    expect((parseCidr('::ffff:0:0/96') as { text: string }).text).toBe('::ffff:0:0/96');
  });
  it('full (EVE) is eight zero-padded groups, from words or bytes', () => {
    expect(formatIpv6(mapped, 0, 'full')).toBe('0000:0000:0000:0000:0000:ffff:c000:0280');
    const bytes = Uint8Array.from([0xff, 0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]);
    expect(formatIpv6(bytes, 1, 'full')).toBe('2001:0db8:0000:0000:0000:0000:0000:0001');
  });
});

describe('parse modes', () => {
  it('strict (mirror filters) refuses leading zeros and zone ids; lenient reads them', () => {
    expect(parseIpv4('010.0.0.1')).toBeNull();
    expect(parseIpv4('010.0.0.1', 'lenient')).toBe(0x0a000001);
    expect(parseIpv6('fe80::1%eth0')).toBeNull();
    expect(parseIpv6('fe80::1%eth0', 'lenient')).toEqual(Uint32Array.from([0xfe800000, 0, 0, 1]));
    expect(parseIpv6('::ffff:010.0.0.1')).toBeNull();
    expect(parseIpv6('::ffff:010.0.0.1', 'lenient')).toEqual(Uint32Array.from([0, 0, 0xffff, 0x0a000001]));
  });
  it('parseAddress is strict and trims', () => {
    expect(parseAddress(' 10.0.0.1 ')).toEqual({ family: 4, words: [0x0a000001, 0, 0, 0] });
    expect(parseAddress('2001:db8::1')).toEqual({ family: 6, words: [0x20010db8, 0, 0, 1] });
    expect(parseAddress('010.0.0.1')).toBeNull();
  });
});
