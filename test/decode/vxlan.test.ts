import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { TunnelKind } from '../../src/decode/packet-view.js';
import { awsVxlan, decode, eth, icmp, innerTcpFrame, ipv4, ipv6, udp, vxlan } from './builders.js';

describe('vxlan', () => {
  it('decapsulates an AWS mirror packet and keeps the outer header', () => {
    const { p, c } = decode(awsVxlan(innerTcpFrame(), 7));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.tunnel).toBe(TunnelKind.Vxlan);
    expect(p.tunnelDepth).toBe(1);
    expect(p.vni).toBe(7);
    expect(p.tunnelPayloadOffset).toBe(50);
    expect(p.outerIpVersion).toBe(4);
    expect(p.outerSrc4).toBe(0x0a00010a);
    expect(p.outerDst4).toBe(0x0a000214);
    expect(p.outerSrcAddrOffset).toBe(26);
    expect(p.outerDstAddrOffset).toBe(30);
    expect(p.outerSport).toBe(65500);
    expect(p.outerDport).toBe(4789);
    // inner
    expect(p.l2Offset).toBe(50);
    expect(p.l3Offset).toBe(64);
    expect(p.src4).toBe(0xc0a80101);
    expect(p.ipProto).toBe(6);
    expect(p.sport).toBe(12345);
    expect(p.dport).toBe(443);
    expect(p.tcpFlags).toBe(0x02);
    // outer and inner layers both count
    expect(c.layers[Layer.Ethernet]).toBe(2);
    expect(c.layers[Layer.Ipv4]).toBe(2);
    expect(c.layers[Layer.Udp]).toBe(1);
    expect(c.layers[Layer.Tcp]).toBe(1);
    expect(c.layers[Layer.Vxlan]).toBe(1);
    expect(c.layers[Layer.Pkts]).toBe(1);
  });

  it('reads a 24-bit VNI (3000001)', () => {
    const { p } = decode(awsVxlan(eth({ type: 0x0800 }, ipv4({ proto: 1 }, icmp({ type: 8 }))), 3000001));
    expect(p.vni).toBe(3000001);
    expect(decode(awsVxlan(innerTcpFrame(), 0xffffff)).p.vni).toBe(0xffffff);
  });

  it('ignores the other flag bits and the reserved bytes', () => {
    const frame = eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 4789 }, vxlan({ vni: 11, flags: 0xff, reserved: [0xff, 0xff, 0xff, 0xff] }, innerTcpFrame()))));
    const { p } = decode(frame);
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.vni).toBe(11);
    expect(p.dport).toBe(443);
  });

  it('rejects a header without the I flag (vxlan.no_i_flag)', () => {
    const frame = eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 4789 }, vxlan({ vni: 11, flags: 0xf7 }, innerTcpFrame()))));
    const { p, c } = decode(frame);
    expect(p.error).toBe(DecodeEvent.VxlanNoIFlag);
    expect(p.tunnel).toBe(TunnelKind.None);
    expect(p.vni).toBe(-1);
    expect(p.dport).toBe(4789);
    expect(c.events[DecodeEvent.VxlanNoIFlag]).toBe(1);
  });

  it('flags a header shorter than 8 bytes (vxlan.pkt_too_small)', () => {
    const frame = eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 4789 }, Uint8Array.from([8, 0, 0, 0, 0, 0, 1]))));
    expect(decode(frame).p.error).toBe(DecodeEvent.VxlanPktTooSmall);
  });

  it('decapsulates exactly one level of nested VXLAN', () => {
    const level3 = innerTcpFrame();
    const level2 = eth({ type: 0x0800 }, ipv4({ proto: 17, src: '3.3.3.3', dst: '3.3.3.9' }, udp({ sport: 4789, dport: 4789 }, vxlan({ vni: 3 }, level3))));
    const level1 = eth({ type: 0x0800 }, ipv4({ proto: 17, src: '2.2.2.2', dst: '2.2.2.9' }, udp({ sport: 4789, dport: 4789 }, vxlan({ vni: 2 }, level2))));
    const { p, c } = decode(awsVxlan(level1, 1));
    expect(p.vni).toBe(1);
    expect(p.tunnelDepth).toBe(1);
    expect(p.src4).toBe(0x02020202);
    expect(p.ipProto).toBe(17);
    expect(p.sport).toBe(4789);
    expect(p.dport).toBe(4789);
    expect(p.payloadLen).toBe(8 + level2.length);
    expect(c.layers[Layer.Vxlan]).toBe(1);
  });

  it('only looks at the destination port, and only 4789', () => {
    const src4789 = eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ sport: 4789, dport: 9999 }, vxlan({ vni: 5 }, innerTcpFrame()))));
    expect(decode(src4789).p.tunnel).toBe(TunnelKind.None);
    const linux8472 = eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ sport: 1, dport: 8472 }, vxlan({ vni: 5 }, innerTcpFrame()))));
    const p = decode(linux8472).p;
    expect(p.tunnel).toBe(TunnelKind.None);
    expect(p.dport).toBe(8472);
  });

  it('decapsulates over an IPv6 outer header', () => {
    const frame = eth({ type: 0x86dd }, ipv6({ nh: 17, src: '2001:db8::a', dst: '2001:db8::b' }, udp({ sport: 65000, dport: 4789 }, vxlan({ vni: 9 }, innerTcpFrame()))));
    const { p } = decode(frame);
    expect(p.vni).toBe(9);
    expect(p.outerIpVersion).toBe(6);
    expect(Array.from(p.outerSrc6)).toEqual([0x20010db8, 0, 0, 0xa]);
    expect(Array.from(p.outerDst6)).toEqual([0x20010db8, 0, 0, 0xb]);
    expect(p.outerSrcAddrOffset).toBe(22);
    expect(p.tunnelPayloadOffset).toBe(14 + 40 + 8 + 8);
    expect(p.ipVersion).toBe(4);
    expect(p.dport).toBe(443);
  });

  it('does not open a tunnel in a first IP fragment', () => {
    const frame = eth({ type: 0x0800 }, ipv4({ proto: 17, flags: 1 }, udp({ dport: 4789, len: 3000 }, vxlan({ vni: 5 }, innerTcpFrame()))));
    const { p } = decode(frame);
    expect(p.tunnel).toBe(TunnelKind.None);
    expect(p.isFragment).toBe(true);
    expect(p.dport).toBe(4789);
  });
});
