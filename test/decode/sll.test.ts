import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { bytes, concat, decode, ipv4, ipv6, sll, sll2, tcp, udp } from './builders.js';

describe('linux cooked capture (SLL / SLL2)', () => {
  it('decodes SLL (linktype 113) carrying IPv4/TCP', () => {
    const { p, c } = decode(sll(0x0800, ipv4({ proto: 6 }, tcp({ dport: 22 }))), 113);
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.l2Offset).toBe(-1);
    expect(p.etherType).toBe(0x0800);
    expect(p.l3Offset).toBe(16);
    expect(p.dport).toBe(22);
    expect(c.layers[Layer.Sll]).toBe(1);
    expect(c.layers[Layer.Ethernet]).toBe(0);
  });

  it('decodes SLL2 (linktype 276) carrying IPv6/UDP', () => {
    const { p, c } = decode(sll2(0x86dd, ipv6({ nh: 17 }, udp({ dport: 53 }))), 276);
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.l3Offset).toBe(20);
    expect(p.ipVersion).toBe(6);
    expect(p.dport).toBe(53);
    expect(c.layers[Layer.Sll]).toBe(1);
  });

  it('reads a VLAN tag re-inserted after the SLL header', () => {
    const { p } = decode(sll(0x8100, concat(bytes(0, 42, 0x08, 0x00), ipv4({ proto: 6 }, tcp()))), 113);
    expect(p.vlanCount).toBe(1);
    expect(p.vlanIds[0]).toBe(42);
    expect(p.ipVersion).toBe(4);
  });

  it('treats Linux pseudo-protocols (802.2 = 4) as no IP', () => {
    const { p } = decode(sll(0x0004, new Uint8Array(20)), 113);
    expect(p.etherType).toBe(0);
    expect(p.ipVersion).toBe(0);
    expect(p.error).toBe(DecodeEvent.None);
  });

  it('flags short SLL and SLL2 headers (sll.pkt_too_small)', () => {
    expect(decode(new Uint8Array(15), 113).p.error).toBe(DecodeEvent.SllPktTooSmall);
    expect(decode(new Uint8Array(19), 276).p.error).toBe(DecodeEvent.SllPktTooSmall);
  });
});
