import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { bytes, decode, eth, icmp, ipv4, ipv6 } from './builders.js';

const v4 = (msg: Uint8Array) => decode(eth({ type: 0x0800 }, ipv4({ proto: 1 }, msg)));
const v6 = (msg: Uint8Array) => decode(eth({ type: 0x86dd }, ipv6({ nh: 58 }, msg)));

describe('icmp', () => {
  it('reads id and seq of ICMPv4 echo-like messages', () => {
    for (const type of [0, 8, 13, 14, 15, 16, 17, 18]) {
      const { p, c } = v4(icmp({ type, id: 0x1234, seq: 99 }, bytes(1, 2)));
      expect(p.error).toBe(DecodeEvent.None);
      expect(p.icmpType).toBe(type);
      expect(p.icmpCode).toBe(0);
      expect(p.icmpId).toBe(0x1234);
      expect(p.icmpSeq).toBe(99);
      expect(p.payloadLen).toBe(2);
      expect(p.sport).toBe(-1);
      expect(c.layers[Layer.Icmpv4]).toBe(1);
    }
  });

  it('leaves id/seq at -1 for other ICMPv4 types', () => {
    const { p } = v4(icmp({ type: 3, code: 3 }, new Uint8Array(28)));
    expect(p.icmpType).toBe(3);
    expect(p.icmpCode).toBe(3);
    expect(p.icmpId).toBe(-1);
    expect(p.icmpSeq).toBe(-1);
    expect(v4(icmp({ type: 11, code: 0 })).p.icmpId).toBe(-1);
  });

  it('reads ICMPv6 echo id/seq only for 128/129', () => {
    const echo = v6(icmp({ type: 129, id: 7, seq: 8 })).p;
    expect(echo.icmpType).toBe(129);
    expect(echo.icmpId).toBe(7);
    expect(echo.icmpSeq).toBe(8);
    const ns = v6(icmp({ type: 135 }, new Uint8Array(16)));
    expect(ns.p.icmpType).toBe(135);
    expect(ns.p.icmpId).toBe(-1);
    expect(ns.c.layers[Layer.Icmpv6]).toBe(1);
  });

  it('flags messages shorter than 8 bytes', () => {
    expect(v4(bytes(8, 0, 0, 0)).p.error).toBe(DecodeEvent.Icmpv4PktTooSmall);
    expect(v6(bytes(128, 0, 0, 0, 0, 0, 0)).p.error).toBe(DecodeEvent.Icmpv6PktTooSmall);
  });
});
