import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { Ipv6Ext } from '../../src/decode/ipv6.js';
import { ah, bytes, decode, destOpts, eth, fragmentHdr, hopByHop, icmp, ipv6, routing, tcp, udp, type Ipv6Ext as ExtSpec } from './builders.js';

const frame = (ip: Uint8Array) => eth({ type: 0x86dd }, ip);

describe('ipv6', () => {
  it('fills the fixed header fields', () => {
    const { p, c } = decode(frame(ipv6({ nh: 6, src: '2001:db8::10', dst: 'fe80::1', hopLimit: 9 }, tcp({ dport: 443 }))));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.ipVersion).toBe(6);
    expect(p.ipLen).toBe(60);
    expect(p.ipHeaderLen).toBe(40);
    expect(p.ttl).toBe(9);
    expect(p.ipProto).toBe(6);
    expect(Array.from(p.src6)).toEqual([0x20010db8, 0, 0, 0x10]);
    expect(Array.from(p.dst6)).toEqual([0xfe800000, 0, 0, 1]);
    expect(p.srcAddrOffset).toBe(22);
    expect(p.dstAddrOffset).toBe(38);
    expect(p.dport).toBe(443);
    expect(p.ipv6ExtMask).toBe(0);
    expect(c.layers[Layer.Ipv6]).toBe(1);
  });

  it('walks hop-by-hop and routing headers to UDP', () => {
    const { p } = decode(frame(ipv6({ nh: 17, ext: [hopByHop(), routing(1)] }, udp({ dport: 53 }))));
    expect(p.ipProto).toBe(17);
    expect(p.ipHeaderLen).toBe(40 + 8 + 24);
    expect(p.ipv6ExtMask).toBe(Ipv6Ext.HopByHop | Ipv6Ext.Routing);
    expect(p.dport).toBe(53);
  });

  it('walks destination options to ICMPv6', () => {
    const { p } = decode(frame(ipv6({ nh: 58, ext: [destOpts([1, 12, ...new Array(12).fill(0)])] }, icmp({ type: 128, id: 5, seq: 6 }))));
    expect(p.ipProto).toBe(58);
    expect(p.ipv6ExtMask).toBe(Ipv6Ext.DestOpts);
    expect(p.ipHeaderLen).toBe(56);
    expect(p.icmpType).toBe(128);
    expect(p.icmpId).toBe(5);
  });

  it('sizes AH as (len + 2) * 4 bytes', () => {
    const { p } = decode(frame(ipv6({ nh: 6, ext: [ah(6)] }, tcp({ dport: 179 }))));
    expect(p.ipv6ExtMask).toBe(Ipv6Ext.Ah);
    expect(p.ipHeaderLen).toBe(40 + 24);
    expect(p.dport).toBe(179);
  });

  it('stops at ESP and at No Next Header with ipProto set to them', () => {
    const esp = decode(frame(ipv6({ nh: 50 }, new Uint8Array(32)))).p;
    expect(esp.ipProto).toBe(50);
    expect(esp.ipv6ExtMask).toBe(Ipv6Ext.Esp);
    expect(esp.error).toBe(DecodeEvent.None);
    const none = decode(frame(ipv6({ nh: 59, ext: [destOpts()] }))).p;
    expect(none.ipProto).toBe(59);
    expect(none.ipv6ExtMask).toBe(Ipv6Ext.DestOpts | Ipv6Ext.NoNext);
    expect(none.ipLen).toBe(48);
  });

  it('decodes L4 after a first fragment header, not after later ones', () => {
    const first = decode(frame(ipv6({ nh: 17, ext: [fragmentHdr(0, true, 0x01020304)] }, udp({ dport: 53, len: 3000 }, new Uint8Array(100))))).p;
    expect(first.isFragment).toBe(true);
    expect(first.fragOffset).toBe(0);
    expect(first.ipFlags).toBe(1);
    expect(first.ipId).toBe(0x01020304);
    expect(first.ipv6ExtMask).toBe(Ipv6Ext.Fragment);
    expect(first.dport).toBe(53);
    const later = decode(frame(ipv6({ nh: 17, ext: [fragmentHdr(1448, false)] }, new Uint8Array(100))));
    expect(later.p.isFragment).toBe(true);
    expect(later.p.fragOffset).toBe(1448);
    expect(later.p.ipFlags).toBe(0);
    expect(later.p.ipProto).toBe(17);
    expect(later.p.dport).toBe(-1);
    expect(later.c.layers[Layer.Udp]).toBe(0);
    expect(later.c.layers[Layer.Fragment]).toBe(1);
  });

  it('flags a header shorter than 40 bytes (ipv6.pkt_too_small)', () => {
    expect(decode(frame(ipv6({ nh: 59 }).subarray(0, 39))).p.error).toBe(DecodeEvent.Ipv6PktTooSmall);
  });

  it('flags a wrong version (ipv6.wrong_ip_version)', () => {
    expect(decode(frame(ipv6({ nh: 6, version: 4 }, tcp()))).p.error).toBe(DecodeEvent.Ipv6WrongIpVersion);
  });

  it('flags an extension header past the datagram (ipv6.trunc_exthdr)', () => {
    // Hop-by-hop claims 16 bytes, only 8 are in the datagram.
    const ip = ipv6({ nh: 59, ext: [{ type: 0, body: [1, 4, 0, 0, 0, 0] }] });
    ip[41] = 1;
    expect(decode(frame(ip)).p.error).toBe(DecodeEvent.Ipv6TruncExthdr);
    // A next-header byte with nothing after it.
    const bare = ipv6({ nh: 0, plen: 1 }, bytes(59));
    expect(decode(frame(bare)).p.error).toBe(DecodeEvent.Ipv6TruncExthdr);
  });

  it('bounds the extension-header walk (too_many_layers)', () => {
    const many: ExtSpec[] = Array.from({ length: 9 }, () => destOpts());
    const { p, c } = decode(frame(ipv6({ nh: 17, ext: many }, udp())));
    expect(p.error).toBe(DecodeEvent.TooManyLayers);
    expect(c.events[DecodeEvent.TooManyLayers]).toBe(1);
    const eight = decode(frame(ipv6({ nh: 17, ext: many.slice(0, 8) }, udp()))).p;
    expect(eight.error).toBe(DecodeEvent.None);
    expect(eight.dport).toBe(53);
  });

  it('marks a payload length beyond the captured bytes as truncated', () => {
    const { p, c } = decode(frame(ipv6({ nh: 6, plen: 1460 }, tcp({ dport: 22 }))));
    expect(p.truncated).toBe(true);
    expect(p.ipLen).toBe(1500);
    expect(p.dport).toBe(22);
    expect(c.layers[Layer.Truncated]).toBe(1);
  });

  it('takes payload length 0 (jumbogram / BIG TCP) as the captured length', () => {
    const jumbo = decode(frame(ipv6({ nh: 6, plen: 0, ext: [hopByHop([0xc2, 4, 0, 1, 0x38, 0x80])] }, tcp({ dport: 5201 }, new Uint8Array(500))))).p;
    expect(jumbo.error).toBe(DecodeEvent.None);
    expect(jumbo.ipLen).toBe(40 + 8 + 20 + 500);
    expect(jumbo.payloadLen).toBe(500);
    expect(jumbo.truncated).toBe(false);
    const bigTcp = decode(frame(ipv6({ nh: 6, plen: 0 }, tcp({ dport: 5201 }, new Uint8Array(500))))).p;
    expect(bigTcp.ipLen).toBe(560);
    expect(bigTcp.payloadLen).toBe(500);
  });
});
