import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { bytes, decode, eth, ipv4, tcp, udp } from './builders.js';

const frame = (ip: Uint8Array) => eth({ type: 0x0800 }, ip);

describe('ipv4', () => {
  it('fills the header fields', () => {
    const { p, c } = decode(frame(ipv4({ proto: 17, src: '192.0.2.1', dst: '203.0.113.250', ttl: 33, tos: 0xb8, id: 0xbeef, flags: 2 }, udp())));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.ipVersion).toBe(4);
    expect(p.ipHeaderLen).toBe(20);
    expect(p.ipLen).toBe(28);
    expect(p.ttl).toBe(33);
    expect(p.tos).toBe(0xb8);
    expect(p.ipId).toBe(0xbeef);
    expect(p.ipFlags).toBe(2);
    expect(p.isFragment).toBe(false);
    expect(p.ipProto).toBe(17);
    expect(p.src4).toBe(0xc0000201);
    expect(p.dst4).toBe(0xcb0071fa);
    expect(p.srcAddrOffset).toBe(26);
    expect(p.dstAddrOffset).toBe(30);
    expect(p.ipOptionsLen).toBe(0);
    expect(p.l4Offset).toBe(34);
    expect(c.layers[Layer.Ipv4]).toBe(1);
  });

  it('skips options (IHL > 5)', () => {
    const { p } = decode(frame(ipv4({ proto: 6, options: [0x94, 4, 0, 0] }, tcp({ dport: 8080 }))));
    expect(p.ipHeaderLen).toBe(24);
    expect(p.ipOptionsLen).toBe(4);
    expect(p.l4Offset).toBe(38);
    expect(p.dport).toBe(8080);
  });

  it('flags a header shorter than 20 bytes (ipv4.pkt_too_small)', () => {
    expect(decode(frame(ipv4({ proto: 6 }).subarray(0, 19))).p.error).toBe(DecodeEvent.Ipv4PktTooSmall);
  });

  it('flags options that run past the captured bytes (ipv4.pkt_too_small)', () => {
    const ip = ipv4({ proto: 6, ihl: 15, totalLen: 100 }, new Uint8Array(10));
    expect(decode(frame(ip)).p.error).toBe(DecodeEvent.Ipv4PktTooSmall);
  });

  it('flags a wrong version (ipv4.wrong_ip_version)', () => {
    expect(decode(frame(ipv4({ proto: 6, version: 6 }, tcp()))).p.error).toBe(DecodeEvent.Ipv4WrongIpVersion);
  });

  it('flags IHL < 5 (ipv4.hlen_too_small)', () => {
    const { p, c } = decode(frame(ipv4({ proto: 6, ihl: 4 }, tcp())));
    expect(p.error).toBe(DecodeEvent.Ipv4HlenTooSmall);
    expect(c.events[DecodeEvent.Ipv4HlenTooSmall]).toBe(1);
  });

  it('flags a total length below the header length (ipv4.iplen_smaller_than_hlen)', () => {
    expect(decode(frame(ipv4({ proto: 6, totalLen: 19 }, tcp()))).p.error).toBe(DecodeEvent.Ipv4IplenSmallerThanHlen);
  });

  it('marks a total length beyond the captured bytes as truncated, not invalid', () => {
    const { p, c } = decode(frame(ipv4({ proto: 6, totalLen: 1500 }, tcp({ dport: 443 }, bytes(1, 2, 3)))));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.truncated).toBe(true);
    expect(p.ipLen).toBe(1500);
    expect(p.dport).toBe(443);
    expect(p.payloadLen).toBe(3);
    expect(c.layers[Layer.Truncated]).toBe(1);
    expect(c.layers[Layer.Invalid]).toBe(0);
  });

  it('takes a total length of 0 (TSO / BIG TCP) as the captured length', () => {
    const { p } = decode(frame(ipv4({ proto: 17, totalLen: 0 }, udp({}, new Uint8Array(100)))));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.ipLen).toBe(128);
    expect(p.truncated).toBe(false);
    expect(p.payloadLen).toBe(100);
  });

  it('decodes L4 of a first fragment (MF, offset 0)', () => {
    const { p, c } = decode(frame(ipv4({ proto: 17, flags: 1, id: 7 }, udp({ dport: 2049, len: 3000 }, new Uint8Array(1472)))));
    expect(p.isFragment).toBe(true);
    expect(p.fragOffset).toBe(0);
    expect(p.ipFlags & 1).toBe(1);
    expect(p.dport).toBe(2049);
    expect(p.udpLen).toBe(3000);
    expect(p.payloadLen).toBe(1472);
    expect(c.layers[Layer.Fragment]).toBe(1);
    expect(p.error).toBe(DecodeEvent.None);
  });

  it('does not decode L4 of later fragments', () => {
    const { p, c } = decode(frame(ipv4({ proto: 6, fragOffset: 1480 }, tcp({ dport: 80 }))));
    expect(p.isFragment).toBe(true);
    expect(p.fragOffset).toBe(1480);
    expect(p.ipProto).toBe(6);
    expect(p.sport).toBe(-1);
    expect(p.dport).toBe(-1);
    expect(c.layers[Layer.Tcp]).toBe(0);
    expect(c.layers[Layer.Fragment]).toBe(1);
  });

  it('leaves unknown protocols (GRE) at the IP layer', () => {
    const { p } = decode(frame(ipv4({ proto: 47 }, new Uint8Array(8))));
    expect(p.ipProto).toBe(47);
    expect(p.sport).toBe(-1);
    expect(p.error).toBe(DecodeEvent.None);
  });
});
