import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { TunnelKind } from '../../src/decode/packet-view.js';
import { decode, eth, geneve, innerTcpFrame, ipv4, ipv6, tcp, udp, vxlan } from './builders.js';

const outer = (payload: Uint8Array) => eth({ type: 0x0800 }, ipv4({ proto: 17, src: '10.9.0.1', dst: '10.9.0.2' }, udp({ sport: 30000, dport: 6081 }, payload)));
/** AWS GWLB endpoint option TLVs: class 0x0108 types 1, 2 (8-byte values) and 3 (4-byte value). */
const gwlbOptions = [
  ...[1, 8, 1, 2, ...new Array(8).fill(0xaa)],
  ...[1, 8, 2, 2, ...new Array(8).fill(0xbb)],
  ...[1, 8, 3, 1, 0xde, 0xad, 0xbe, 0xef],
];

describe('geneve', () => {
  it('decodes an inner IPv4 packet (protocol 0x0800), skipping options', () => {
    const { p, c } = decode(outer(geneve({ vni: 0x123456, proto: 0x0800, options: gwlbOptions }, ipv4({ proto: 6, src: '172.16.0.1' }, tcp({ dport: 22 })))));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.tunnel).toBe(TunnelKind.Geneve);
    expect(p.tunnelDepth).toBe(1);
    expect(p.vni).toBe(0x123456);
    expect(p.tunnelPayloadOffset).toBe(42 + 8 + gwlbOptions.length);
    expect(p.l2Offset).toBe(-1);
    expect(p.src4).toBe(0xac100001);
    expect(p.dport).toBe(22);
    expect(p.outerDport).toBe(6081);
    expect(p.outerSrc4).toBe(0x0a090001);
    expect(c.layers[Layer.Geneve]).toBe(1);
  });

  it('decodes an inner IPv6 packet (0x86DD) and an inner Ethernet frame (0x6558)', () => {
    expect(decode(outer(geneve({ vni: 1, proto: 0x86dd }, ipv6({ nh: 6 }, tcp({ dport: 8443 }))))).p.dport).toBe(8443);
    const e = decode(outer(geneve({ vni: 2, proto: 0x6558 }, innerTcpFrame()))).p;
    expect(e.l2Offset).toBe(50);
    expect(e.dport).toBe(443);
  });

  it('flags options longer than the packet (geneve.options_too_long)', () => {
    expect(decode(outer(geneve({ vni: 1, proto: 0x0800, optLenWords: 63 }, ipv4({ proto: 6 }, tcp())))).p.error).toBe(DecodeEvent.GeneveOptionsTooLong);
  });

  it('flags an unknown protocol type (geneve.unknown_payload_type)', () => {
    const { p, c } = decode(outer(geneve({ vni: 1, proto: 0x8847 }, new Uint8Array(40))));
    expect(p.error).toBe(DecodeEvent.GeneveUnknownPayloadType);
    expect(p.tunnel).toBe(TunnelKind.None);
    expect(c.events[DecodeEvent.GeneveUnknownPayloadType]).toBe(1);
  });

  it('flags a version other than 0 (geneve.unknown_version)', () => {
    expect(decode(outer(geneve({ vni: 1, proto: 0x0800, version: 1 }, ipv4({ proto: 6 }, tcp())))).p.error).toBe(DecodeEvent.GeneveUnknownVersion);
  });

  it('flags a header shorter than 8 bytes (geneve.pkt_too_small)', () => {
    expect(decode(outer(Uint8Array.from([0, 0, 8, 0]))).p.error).toBe(DecodeEvent.GenevePktTooSmall);
  });

  it('opens the AWS GWLB form GENEVE → IP → UDP 4789 → VXLAN → Ethernet', () => {
    const mirror = ipv4({ proto: 17, src: '172.31.0.238', dst: '172.31.17.188' }, udp({ sport: 65474, dport: 4789 }, vxlan({ vni: 4242 }, innerTcpFrame())));
    const { p, c } = decode(outer(geneve({ vni: 77, proto: 0x0800, options: gwlbOptions }, mirror)));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.tunnel).toBe(TunnelKind.GeneveVxlan);
    expect(p.tunnelDepth).toBe(2);
    expect(p.vni).toBe(4242);
    // outer = the mirror source's packet that carried the VXLAN header
    expect(p.outerSrc4).toBe(0xac1f00ee);
    expect(p.outerSport).toBe(65474);
    expect(p.outerDport).toBe(4789);
    expect(p.tunnelPayloadOffset).toBe(42 + 8 + gwlbOptions.length + 28 + 8);
    expect(p.src4).toBe(0xc0a80101);
    expect(p.dport).toBe(443);
    expect(c.layers[Layer.Geneve]).toBe(1);
    expect(c.layers[Layer.Vxlan]).toBe(1);
    expect(c.layers[Layer.Ipv4]).toBe(3);
  });

  it('does not open GENEVE inside VXLAN, nor a second GENEVE', () => {
    const inGeneve = outer(geneve({ vni: 1, proto: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 6081 }, geneve({ vni: 2, proto: 0x0800 }, ipv4({ proto: 6 }, tcp()))))));
    const a = decode(inGeneve).p;
    expect(a.vni).toBe(1);
    expect(a.dport).toBe(6081);
    const inVxlan = eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 4789 }, vxlan({ vni: 3 }, eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 6081 }, geneve({ vni: 4, proto: 0x0800 }, ipv4({ proto: 6 }, tcp())))))))));
    const b = decode(inVxlan).p;
    expect(b.vni).toBe(3);
    expect(b.tunnel).toBe(TunnelKind.Vxlan);
    expect(b.dport).toBe(6081);
  });
});
