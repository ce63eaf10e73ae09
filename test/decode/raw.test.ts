import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { decode, ipv4, ipv6, tcp, udp } from './builders.js';

describe('raw IP link types', () => {
  it('picks IPv4 or IPv6 from the version nibble (101, 12, 14)', () => {
    for (const lt of [101, 12, 14]) {
      const v4 = decode(ipv4({ proto: 6 }, tcp()), lt);
      expect(v4.p.ipVersion).toBe(4);
      expect(v4.p.l3Offset).toBe(0);
      expect(v4.p.l2Offset).toBe(-1);
      expect(v4.c.layers[Layer.Raw]).toBe(1);
      const v6 = decode(ipv6({ nh: 17 }, udp()), lt);
      expect(v6.p.ipVersion).toBe(6);
      expect(v6.p.dport).toBe(53);
    }
  });

  it('decodes LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229)', () => {
    expect(decode(ipv4({ proto: 6 }, tcp()), 228).p.dport).toBe(80);
    expect(decode(ipv6({ nh: 6 }, tcp()), 229).p.dport).toBe(80);
    expect(decode(ipv6({ nh: 6 }, tcp()), 228).p.error).toBe(DecodeEvent.Ipv4WrongIpVersion);
    expect(decode(ipv4({ proto: 6 }, tcp()), 229).p.error).toBe(DecodeEvent.Ipv6WrongIpVersion);
  });

  it('flags a version that is neither 4 nor 6 (ipraw.invalid_ip_version) and an empty packet', () => {
    expect(decode(ipv4({ proto: 6, version: 5 }, tcp()), 101).p.error).toBe(DecodeEvent.RawInvalidIpVersion);
    expect(decode(new Uint8Array(0), 101).p.error).toBe(DecodeEvent.Ipv4PktTooSmall);
  });

  it('flags an unsupported link type', () => {
    const { p, c } = decode(ipv4({ proto: 6 }, tcp()), 147);
    expect(p.error).toBe(DecodeEvent.UnsupportedLinktype);
    expect(c.layers[Layer.Pkts]).toBe(1);
    expect(c.layers[Layer.Invalid]).toBe(1);
  });
});
