import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeCounters, DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { decodeFrame, decodeTunnelPayload } from '../../src/decode/decoder.js';
import { PacketView, TunnelKind } from '../../src/decode/packet-view.js';
import { awsVxlan, bytes, concat, decode, eth, geneve, icmp, innerTcpFrame, ipv4, ipv6, tcp, udp, vxlan, fragmentHdr, hopByHop } from './builders.js';

describe('decodeFrame', () => {
  it('counts packets and bytes for every frame, decoded or not', () => {
    const p = new PacketView();
    const c = new DecodeCounters();
    const frames = [awsVxlan(innerTcpFrame()), new Uint8Array(5), eth({ type: 0x0806 }, new Uint8Array(28))];
    for (const f of frames) {
      p.setFrame(f, 0, f.length, f.length, 1);
      decodeFrame(p, c);
    }
    expect(c.layers[Layer.Pkts]).toBe(3);
    expect(c.layers[Layer.Bytes]).toBe(frames.reduce((n, f) => n + f.length, 0));
    expect(c.layers[Layer.Invalid]).toBe(1);
  });

  it('decodes a frame at an offset inside a larger (reused) buffer', () => {
    const f = awsVxlan(innerTcpFrame(bytes(1, 2, 3)), 99);
    const chunk = concat(new Uint8Array(100), f, new Uint8Array(50).fill(0xff));
    const p = new PacketView();
    p.setFrame(chunk, 100, f.length, f.length, 1);
    decodeFrame(p, new DecodeCounters());
    expect(p.vni).toBe(99);
    expect(p.l3Offset).toBe(164);
    expect(p.dport).toBe(443);
    expect(p.payloadLen).toBe(3);
    expect(p.truncated).toBe(false);
  });

  it('clears everything from the previous packet when reused', () => {
    const p = new PacketView();
    const c = new DecodeCounters();
    const a = awsVxlan(eth({ type: 0x0800, vlans: [{ id: 5 }] }, ipv4({ proto: 6, totalLen: 900 }, tcp())));
    p.setFrame(a, 0, a.length, a.length, 1);
    decodeFrame(p, c);
    expect(p.truncated).toBe(true);
    const b = eth({ type: 0x86dd }, ipv6({ nh: 58 }, icmp({ type: 128 })));
    p.setFrame(b, 0, b.length, b.length, 1);
    decodeFrame(p, c);
    expect(p.tunnel).toBe(TunnelKind.None);
    expect(p.vni).toBe(-1);
    expect(p.vlanCount).toBe(0);
    expect(p.truncated).toBe(false);
    expect(p.outerIpVersion).toBe(0);
    expect(p.tcpFlags).toBe(0);
    expect(p.icmpType).toBe(128);
  });

  it('never throws on a VXLAN+TCP frame cut at every byte boundary; error or truncated is set', () => {
    const full = awsVxlan(innerTcpFrame(bytes(...'GET / HTTP/1.1\r\n'.split('').map((ch) => ch.charCodeAt(0))), { options: [2, 4, 5, 0xb4] }));
    const p = new PacketView();
    const c = new DecodeCounters();
    for (let n = 0; n <= full.length; n++) {
      const cut = full.slice(0, n);
      p.setFrame(cut, 0, n, full.length, 1);
      expect(() => decodeFrame(p, c)).not.toThrow();
      if (n < full.length) expect(p.error !== DecodeEvent.None || p.truncated, `cut at ${n}`).toBe(true);
      else {
        expect(p.error).toBe(DecodeEvent.None);
        expect(p.truncated).toBe(false);
      }
      // Once past the VXLAN header the VNI is known even when the inner frame is cut.
      if (n >= 50) expect(p.vni).toBe(7);
    }
  });

  it('keeps a truncated outer datagram marked truncated inside, counted once', () => {
    const full = awsVxlan(innerTcpFrame(new Uint8Array(200)));
    const cut = full.slice(0, 120);
    const { p, c } = decode(cut);
    expect(p.vni).toBe(7);
    expect(p.truncated).toBe(true);
    expect(p.dport).toBe(443);
    expect(p.payloadLen).toBe(120 - 104);
    expect(c.layers[Layer.Truncated]).toBe(1);
  });

  it('bounds the inner IP by its total length, not the outer datagram', () => {
    const inner = concat(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 53 }, bytes(1, 2, 3)))), new Uint8Array(18));
    const { p } = decode(awsVxlan(inner));
    expect(p.ipLen).toBe(31);
    expect(p.payloadLen).toBe(3);
  });

  it('never throws on random bytes or mutated tunnel frames, for any link type', () => {
    const base = awsVxlan(eth({ type: 0x86dd }, ipv6({ nh: 17, ext: [hopByHop(), fragmentHdr(0, true)] }, udp({ dport: 4789 }, vxlan({ vni: 1 }, innerTcpFrame())))));
    const gen = geneve({ vni: 5, proto: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 4789 }, vxlan({ vni: 6 }, innerTcpFrame()))));
    const p = new PacketView();
    const c = new DecodeCounters();
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(base.length),
        (linktype, random, mutations, cutAt) => {
          p.setFrame(random, 0, random.length, random.length, linktype);
          decodeFrame(p, c);
          const m = base.slice(0, cutAt);
          for (const [i, v] of mutations) if (i < m.length) m[i] = v;
          p.setFrame(m, 0, m.length, base.length, 1);
          decodeFrame(p, c);
          const g = gen.slice(0, Math.min(cutAt, gen.length));
          for (const [i, v] of mutations) if (i < g.length) g[i] = v;
          p.setFrame(g, 0, g.length, gen.length, 1);
          decodeTunnelPayload(p, c, TunnelKind.Geneve, 0, g.length);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('decodeTunnelPayload (UDP socket path)', () => {
  it('starts at the VXLAN header and keeps the caller-set outer fields', () => {
    const dgram = vxlan({ vni: 5569041 }, innerTcpFrame(bytes(1, 2)));
    const p = new PacketView();
    const c = new DecodeCounters();
    p.setFrame(dgram, 0, dgram.length, dgram.length, 1);
    p.outerIpVersion = 4;
    p.outerSrc4 = 0xac1f00ee;
    p.outerSport = 65474;
    p.outerDport = 4789;
    decodeTunnelPayload(p, c, TunnelKind.Vxlan, 0, dgram.length);
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.tunnel).toBe(TunnelKind.Vxlan);
    expect(p.tunnelDepth).toBe(1);
    expect(p.vni).toBe(5569041);
    expect(p.tunnelPayloadOffset).toBe(8);
    expect(p.outerSrc4).toBe(0xac1f00ee);
    expect(p.outerSrcAddrOffset).toBe(-1);
    expect(p.l2Offset).toBe(8);
    expect(p.dport).toBe(443);
    expect(p.payloadLen).toBe(2);
    expect(c.layers[Layer.Pkts]).toBe(1);
    expect(c.layers[Layer.Bytes]).toBe(dgram.length);
    expect(c.layers[Layer.Vxlan]).toBe(1);
    expect(c.layers[Layer.Ethernet]).toBe(1);
  });

  it('starts at the GENEVE header and opens the VXLAN inside (GWLB)', () => {
    const dgram = geneve({ vni: 1, proto: 0x0800 }, ipv4({ proto: 17, src: '172.31.0.238' }, udp({ sport: 65000, dport: 4789 }, vxlan({ vni: 31 }, innerTcpFrame()))));
    const p = new PacketView();
    const c = new DecodeCounters();
    p.setFrame(dgram, 0, dgram.length, dgram.length, 1);
    p.outerIpVersion = 4;
    p.outerSrc4 = 0x0a000001;
    decodeTunnelPayload(p, c, TunnelKind.Geneve, 0, dgram.length);
    expect(p.tunnel).toBe(TunnelKind.GeneveVxlan);
    expect(p.tunnelDepth).toBe(2);
    expect(p.vni).toBe(31);
    expect(p.outerSrc4).toBe(0xac1f00ee);
    expect(p.outerSport).toBe(65000);
    expect(p.dport).toBe(443);
    const plain = geneve({ vni: 8, proto: 0x86dd }, ipv6({ nh: 6 }, tcp({ dport: 22 })));
    p.setFrame(plain, 0, plain.length, plain.length, 1);
    decodeTunnelPayload(p, c, TunnelKind.Geneve, 0, plain.length);
    expect(p.tunnel).toBe(TunnelKind.Geneve);
    expect(p.vni).toBe(8);
    expect(p.dport).toBe(22);
  });

  it('reports a bad VXLAN header on the socket path', () => {
    const dgram = vxlan({ vni: 1, flags: 0 }, innerTcpFrame());
    const p = new PacketView();
    p.setFrame(dgram, 0, dgram.length, dgram.length, 1);
    decodeTunnelPayload(p, new DecodeCounters(), TunnelKind.Vxlan, 0, dgram.length);
    expect(p.error).toBe(DecodeEvent.VxlanNoIFlag);
    const short = bytes(8, 0, 0);
    p.setFrame(short, 0, 3, 3, 1);
    decodeTunnelPayload(p, new DecodeCounters(), TunnelKind.Vxlan, 0, 3);
    expect(p.error).toBe(DecodeEvent.VxlanPktTooSmall);
  });
});
