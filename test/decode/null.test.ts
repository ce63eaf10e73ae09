import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { decode, ipv4, ipv6, nullHdr, tcp, udp } from './builders.js';

describe('BSD NULL / LOOP', () => {
  it('accepts AF_INET in either byte order (NULL 0 and LOOP 108)', () => {
    for (const le of [true, false]) {
      for (const lt of [0, 108]) {
        const { p, c } = decode(nullHdr(2, le, ipv4({ proto: 6 }, tcp({ dport: 25 }))), lt);
        expect(p.error).toBe(DecodeEvent.None);
        expect(p.etherType).toBe(0x0800);
        expect(p.l3Offset).toBe(4);
        expect(p.dport).toBe(25);
        expect(c.layers[Layer.Null]).toBe(1);
      }
    }
  });

  it('accepts every AF_INET6 value (24, 28, 30) in either byte order', () => {
    for (const family of [24, 28, 30]) {
      for (const le of [true, false]) {
        const { p } = decode(nullHdr(family, le, ipv6({ nh: 17 }, udp())), 0);
        expect(p.ipVersion).toBe(6);
        expect(p.dport).toBe(53);
      }
    }
  });

  it('leaves other families undecoded without error', () => {
    const { p } = decode(nullHdr(7, true, new Uint8Array(20)), 0);
    expect(p.ipVersion).toBe(0);
    expect(p.etherType).toBe(0);
    expect(p.error).toBe(DecodeEvent.None);
  });

  it('flags a header shorter than 4 bytes (null.pkt_too_small)', () => {
    expect(decode(new Uint8Array(3), 0).p.error).toBe(DecodeEvent.NullPktTooSmall);
  });
});
