/**
 * The link-layer fields of the PacketView (linkPayloadOffset, linkProto, linkSrcMacOffset) and
 * decodeFrame with tunnels left closed: what the AWS emulator (src/emulator/) reads frames by.
 */
import { describe, expect, it } from 'vitest';
import { DecodeCounters, Layer } from '../../src/decode/decode-events.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { PacketView, TunnelKind } from '../../src/decode/packet-view.js';
import { awsVxlan, bytes, concat, decode, eth, innerTcpFrame, ipv4, ipv6, nullHdr, sll, sll2, tcp, udp } from './builders.js';

describe('link-layer fields', () => {
  it('Ethernet: payload after the 14-byte header (tags start there), type before the tags, source MAC', () => {
    const { p } = decode(eth({ type: 0x0800, vlans: [{ id: 5 }], src: [6, 1, 2, 3, 4, 5] }, ipv4({ proto: 6 }, tcp())));
    expect(p.linkPayloadOffset).toBe(14);
    expect(p.linkProto).toBe(0x8100);
    expect(p.etherType).toBe(0x0800);
    expect(p.linkSrcMacOffset).toBe(6);
  });

  it('Ethernet 802.3 length field: kept as written in linkProto, etherType 0', () => {
    const { p } = decode(eth({ type: 46 }, new Uint8Array(46)));
    expect(p.linkProto).toBe(46);
    expect(p.etherType).toBe(0);
  });

  it('SLL / SLL2: payload after the cooked header, protocol field, the 6-byte address as source MAC', () => {
    const a = decode(sll(0x8100, concat(bytes(0, 42, 0x08, 0x00), ipv4({ proto: 6 }, tcp()))), 113).p;
    expect([a.linkPayloadOffset, a.linkProto, a.linkSrcMacOffset, a.etherType]).toEqual([16, 0x8100, 6, 0x0800]);
    const b = decode(sll2(0x86dd, ipv6({ nh: 17 }, udp())), 276).p;
    expect([b.linkPayloadOffset, b.linkProto, b.linkSrcMacOffset]).toEqual([20, 0x86dd, 12]);
    const noMac = sll(0x0800, ipv4({ proto: 6 }, tcp()));
    noMac[5] = 0; // halen 0
    expect(decode(noMac, 113).p.linkSrcMacOffset).toBe(-1);
  });

  it('NULL and raw IP: the EtherType of the family / version, no source MAC', () => {
    const n = decode(nullHdr(2, true, ipv4({ proto: 6 }, tcp())), 0).p;
    expect([n.linkPayloadOffset, n.linkProto, n.linkSrcMacOffset]).toEqual([4, 0x0800, -1]);
    const r = decode(ipv6({ nh: 17 }, udp()), 101).p;
    expect([r.linkPayloadOffset, r.linkProto, r.linkSrcMacOffset]).toEqual([0, 0x86dd, -1]);
    const v4 = decode(ipv4({ proto: 6 }, tcp()), 228).p;
    expect([v4.linkPayloadOffset, v4.linkProto]).toEqual([0, 0x0800]);
  });

  it('are cleared when the view is reused', () => {
    const p = new PacketView();
    const c = new DecodeCounters();
    const f = eth({ type: 0x0800 }, ipv4({ proto: 6 }, tcp()));
    p.setFrame(f, 0, f.length, f.length, 1);
    decodeFrame(p, c);
    p.setFrame(f, 0, 3, 3, 1);
    decodeFrame(p, c);
    expect([p.linkPayloadOffset, p.linkProto, p.linkSrcMacOffset]).toEqual([-1, 0, -1]);
  });
});

describe('decodeFrame with openTunnels = false', () => {
  it('leaves a VXLAN datagram the outer UDP packet (no decapsulation, no VXLAN counted)', () => {
    const f = awsVxlan(innerTcpFrame());
    const p = new PacketView();
    const c = new DecodeCounters();
    p.setFrame(f, 0, f.length, f.length, 1);
    decodeFrame(p, c, false);
    expect(p.tunnel).toBe(TunnelKind.None);
    expect(p.vni).toBe(-1);
    expect([p.ipProto, p.sport, p.dport]).toEqual([17, 65500, 4789]);
    expect(p.payloadOffset).toBe(14 + 20 + 8);
    expect(c.layers[Layer.Vxlan]).toBe(0);
    p.setFrame(f, 0, f.length, f.length, 1);
    decodeFrame(p, c);
    expect(p.tunnel).toBe(TunnelKind.Vxlan);
    expect(p.dport).toBe(443);
  });
});
