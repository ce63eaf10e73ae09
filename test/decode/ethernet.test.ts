import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { bytes, concat, decode, eth, ipv4, tcp, udp } from './builders.js';

const ipTcp = () => ipv4({ proto: 6 }, tcp());

describe('ethernet', () => {
  it('decodes an untagged IPv4 frame', () => {
    const { p, c } = decode(eth({ type: 0x0800 }, ipTcp()));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.l2Offset).toBe(0);
    expect(p.etherType).toBe(0x0800);
    expect(p.vlanCount).toBe(0);
    expect(p.ipVersion).toBe(4);
    expect(p.l3Offset).toBe(14);
    expect(c.layers[Layer.Ethernet]).toBe(1);
  });

  it('leaves ARP as a non-IP frame without error', () => {
    const { p, c } = decode(eth({ type: 0x0806 }, new Uint8Array(28)));
    expect(p.etherType).toBe(0x0806);
    expect(p.ipVersion).toBe(0);
    expect(p.error).toBe(DecodeEvent.None);
    expect(c.layers[Layer.Invalid]).toBe(0);
  });

  it('treats an 802.3 length field (LLC) as no IP, not an error', () => {
    const { p } = decode(eth({ type: 0x0026 }, bytes(0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0, ...new Array(30).fill(0))));
    expect(p.etherType).toBe(0);
    expect(p.ipVersion).toBe(0);
    expect(p.error).toBe(DecodeEvent.None);
  });

  it('reads one 802.1Q tag (and VLAN 0 priority tags)', () => {
    const { p, c } = decode(eth({ type: 0x0800, vlans: [{ id: 100, pcp: 5 }] }, ipTcp()));
    expect(p.vlanCount).toBe(1);
    expect(p.vlanIds[0]).toBe(100);
    expect(p.l3Offset).toBe(18);
    expect(p.dport).toBe(80);
    expect(c.layers[Layer.Vlan]).toBe(1);
    expect(c.layers[Layer.VlanQinq]).toBe(0);
    const zero = decode(eth({ type: 0x0800, vlans: [{ id: 0 }] }, ipTcp())).p;
    expect(zero.vlanCount).toBe(1);
    expect(zero.vlanIds[0]).toBe(0);
  });

  it('reads QinQ: 802.1ad outer and 802.1Q inner tag', () => {
    const { p, c } = decode(eth({ type: 0x0800, vlans: [{ tpid: 0x88a8, id: 10 }, { id: 20 }] }, ipTcp()));
    expect(Array.from(p.vlanIds.subarray(0, p.vlanCount))).toEqual([10, 20]);
    expect(p.l3Offset).toBe(22);
    expect(p.ipProto).toBe(6);
    expect(c.layers[Layer.Vlan]).toBe(1);
    expect(c.layers[Layer.VlanQinq]).toBe(1);
  });

  it('reads 0x9100 tags and up to three tags', () => {
    const { p } = decode(eth({ type: 0x0800, vlans: [{ tpid: 0x9100, id: 1 }, { tpid: 0x88a8, id: 2 }, { id: 4095 }] }, ipTcp()));
    expect(p.error).toBe(DecodeEvent.None);
    expect(Array.from(p.vlanIds.subarray(0, p.vlanCount))).toEqual([1, 2, 4095]);
    expect(p.ipVersion).toBe(4);
  });

  it('rejects a fourth VLAN tag (vlan.too_many_layers)', () => {
    const { p, c } = decode(eth({ type: 0x0800, vlans: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] }, ipTcp()));
    expect(p.error).toBe(DecodeEvent.VlanTooManyLayers);
    expect(p.ipVersion).toBe(0);
    expect(c.events[DecodeEvent.VlanTooManyLayers]).toBe(1);
    expect(c.layers[Layer.Invalid]).toBe(1);
  });

  it('flags a frame shorter than 14 bytes (ethernet.pkt_too_small)', () => {
    const { p, c } = decode(new Uint8Array(13));
    expect(p.error).toBe(DecodeEvent.EthernetPktTooSmall);
    expect(c.events[DecodeEvent.EthernetPktTooSmall]).toBe(1);
    expect(c.layers[Layer.Invalid]).toBe(1);
  });

  it('flags a cut VLAN tag (vlan.header_too_small)', () => {
    const frame = eth({ type: 0x0800, vlans: [{ id: 5 }] }, ipTcp()).subarray(0, 16);
    const { p } = decode(frame);
    expect(p.error).toBe(DecodeEvent.VlanHeaderTooSmall);
  });

  it('ignores Ethernet padding after a short IP datagram', () => {
    const frame = concat(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ dport: 53 }, bytes(1, 2)))), new Uint8Array(16));
    const { p } = decode(frame);
    expect(p.ipLen).toBe(30);
    expect(p.payloadLen).toBe(2);
    expect(p.truncated).toBe(false);
  });
});
