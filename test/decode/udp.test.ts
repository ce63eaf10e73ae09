import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { bytes, concat, decode, eth, ipv4, ipv6, udp } from './builders.js';

describe('udp', () => {
  it('fills ports, length and payload', () => {
    const { p, c } = decode(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ sport: 5353, dport: 53 }, bytes(1, 2, 3)))));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.sport).toBe(5353);
    expect(p.dport).toBe(53);
    expect(p.udpLen).toBe(11);
    expect(p.l4Offset).toBe(34);
    expect(p.payloadOffset).toBe(42);
    expect(p.payloadLen).toBe(3);
    expect(c.layers[Layer.Udp]).toBe(1);
  });

  it('clips the payload to the UDP length', () => {
    const { p } = decode(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ len: 10 }, bytes(1, 2, 3, 4)))));
    expect(p.payloadLen).toBe(2);
  });

  it('flags a length below 8 (udp.hlen_invalid)', () => {
    const { p, c } = decode(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ len: 7 }, bytes(1)))));
    expect(p.error).toBe(DecodeEvent.UdpHlenInvalid);
    expect(c.events[DecodeEvent.UdpHlenInvalid]).toBe(1);
  });

  it('flags fewer than 8 bytes (udp.pkt_too_small)', () => {
    expect(decode(eth({ type: 0x0800 }, ipv4({ proto: 17 }, bytes(0, 53, 0, 53, 0, 8)))).p.error).toBe(DecodeEvent.UdpPktTooSmall);
  });

  it('takes a length of 0 (BIG TCP / GSO) as the IP payload length', () => {
    const v4 = decode(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ len: 0 }, new Uint8Array(100))))).p;
    expect(v4.error).toBe(DecodeEvent.None);
    expect(v4.udpLen).toBe(108);
    expect(v4.payloadLen).toBe(100);
    const v6 = decode(eth({ type: 0x86dd }, ipv6({ nh: 17 }, udp({ len: 0 }, new Uint8Array(50))))).p;
    expect(v6.udpLen).toBe(58);
    expect(v6.payloadLen).toBe(50);
  });

  it('does not count Ethernet padding as payload', () => {
    const { p } = decode(concat(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({}, bytes(7)))), new Uint8Array(17)));
    expect(p.payloadLen).toBe(1);
  });
});
