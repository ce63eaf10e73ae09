/**
 * Packet events: several per packet, in the order raised, duplicates kept, Suricata's names;
 * fatal ones stop decoding (p.error), non-fatal ones do not; decoder.invalid once per packet.
 */
import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer, MAX_PACKET_EVENTS, addPacketEvent, decodeEventNames } from '../../src/decode/decode-events.js';
import { eventFullName, eventIdOf } from '../../src/decode/event-names.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { bytes, decode, destOpts, eth, fragmentHdr, hopByHop, icmp, ipv4, ipv6, routing, tcp, udp } from './builders.js';

const names = (p: PacketView) => Array.from(p.events.subarray(0, p.eventCount), (e) => decodeEventNames[e]);
const v4 = (o: Parameters<typeof ipv4>[0], payload?: Uint8Array) => eth({ type: 0x0800 }, ipv4(o, payload));
const v6 = (o: Parameters<typeof ipv6>[0], payload?: Uint8Array) => eth({ type: 0x86dd }, ipv6(o, payload));

describe('IPv4 options', () => {
  it('the options of suricata-verify bug-7414: pad required, then two bad lengths (the second fatal)', () => {
    // SEC (0x82) with length 2 (must be 11), then a length running past the options.
    const { p, c } = decode(v4({ proto: 17, options: [0x82, 0x02, 0xf1, 0x35, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0xaa, 0x00] }, udp({}, bytes(1, 2, 3))));
    expect(names(p)).toEqual(['ipv4.opt_pad_required', 'ipv4.opt_invalid_len', 'ipv4.opt_invalid_len']);
    expect(p.error).toBe(DecodeEvent.Ipv4OptInvalidLen);
    // Decoded as far as the IP header: addresses and protocol are there, ports are not.
    expect(p.ipVersion).toBe(4);
    expect(p.ipProto).toBe(17);
    expect(p.sport).toBe(-1);
    expect(c.layers[Layer.Invalid]).toBe(1);
    expect(c.events[DecodeEvent.Ipv4OptInvalidLen]).toBe(2);
  });

  it('well-formed options raise nothing; an unknown kind is opt_invalid and decoding goes on', () => {
    const rr = decode(v4({ proto: 6, options: [7, 7, 4, 0, 0, 0, 0, 0] }, tcp({ sport: 1, dport: 2 })));
    expect(names(rr.p)).toEqual([]);
    const unknown = decode(v4({ proto: 6, options: [0x9e, 4, 0, 0, 0, 0, 0, 0] }, tcp({ sport: 1, dport: 2 })));
    expect(names(unknown.p)).toEqual(['ipv4.opt_invalid']);
    expect(unknown.p.error).toBe(0);
    expect(unknown.p.dport).toBe(2);
    expect(unknown.c.layers[Layer.Invalid]).toBe(0);
  });

  it('duplicate option, and an option list ending mid-option', () => {
    const dup = decode(v4({ proto: 6, options: [0x94, 4, 0, 0, 0x94, 4, 0, 0] }, tcp()));
    expect(names(dup.p)).toEqual(['ipv4.opt_duplicate']);
    const eol = decode(v4({ proto: 6, options: [1, 1, 1, 0x94] }, tcp()));
    expect(names(eol.p)).toEqual(['ipv4.opt_pad_required', 'ipv4.opt_eol_required']);
  });

  it('an unassigned protocol number is ipv4.unknown_protocol, not an invalid packet', () => {
    const { p, c } = decode(v4({ proto: 253 }, bytes(1, 2, 3)));
    expect(names(p)).toEqual(['ipv4.unknown_protocol']);
    expect(p.error).toBe(0);
    expect(c.layers[Layer.Invalid]).toBe(0);
    expect(names(decode(v4({ proto: 47 }, bytes(1, 2, 3))).p)).toEqual([]);
  });

  it('ICMPv6 inside IPv4 is invalid (ipv4.icmpv6)', () => {
    const { p } = decode(v4({ proto: 58 }, icmp({ type: 128, code: 0 })));
    expect(p.error).toBe(DecodeEvent.Ipv4WithIcmpv6);
  });
});

describe('IPv6 extension headers', () => {
  it('an atomic fragment header is exthdr_useless_fh, a second one exthdr_dupl_fh; the packet decodes on', () => {
    const { p } = decode(v6({ nh: 17, ext: [fragmentHdr(0, false), fragmentHdr(0, false)] }, udp({ sport: 5, dport: 53 })));
    expect(names(p)).toEqual(['ipv6.exthdr_useless_fh', 'ipv6.exthdr_dupl_fh']);
    expect(p.error).toBe(0);
    expect(p.dport).toBe(53);
  });

  it('nothing after an atomic fragment header: useless_fh then trunc_exthdr (fatal)', () => {
    const { p } = decode(v6({ nh: 6, ext: [fragmentHdr(0, false)] }));
    expect(names(p)).toEqual(['ipv6.exthdr_useless_fh', 'ipv6.trunc_exthdr']);
    expect(p.error).toBe(DecodeEvent.Ipv6TruncExthdr);
  });

  it('a first fragment whose length is not a multiple of 8 is frag_invalid_length', () => {
    const { p } = decode(v6({ nh: 17, ext: [fragmentHdr(0, true)] }, udp({ sport: 5, dport: 53 }, bytes(1, 2, 3))));
    expect(names(p)).toEqual(['ipv6.frag_invalid_length']);
  });

  it('destination options: unknown option, only padding, zero-length PadN, bad option length', () => {
    expect(names(decode(v6({ nh: 58, ext: [destOpts([0x1e, 4, 0, 0, 0, 0])] }, icmp({ type: 128, code: 0 }))).p)).toEqual(['ipv6.dstopts_unknown_opt']);
    expect(names(decode(v6({ nh: 58, ext: [destOpts()] }, icmp({ type: 128, code: 0 }))).p)).toEqual(['ipv6.dstopts_only_padding']);
    expect(names(decode(v6({ nh: 58, ext: [hopByHop([1, 0, 1, 2, 0, 0])] }, icmp({ type: 128, code: 0 }))).p)).toEqual([
      'ipv6.zero_len_padn',
      'ipv6.hopopts_only_padding',
    ]);
    const bad = decode(v6({ nh: 58, ext: [destOpts([0x1e, 9, 0, 0, 0, 0])] }, icmp({ type: 128, code: 0 })));
    expect(names(bad.p)).toEqual(['ipv6.exthdr_invalid_optlen']);
    // Invalid, but Suricata goes on after the header: the ICMPv6 header is decoded.
    expect(bad.p.error).toBe(0);
    expect(bad.p.invalid).toBe(true);
    expect(bad.p.icmpType).toBe(128);
    expect(bad.c.layers[Layer.Invalid]).toBe(1);
  });

  it('routing header type 0 and a duplicate routing header', () => {
    expect(names(decode(v6({ nh: 58, ext: [routing(1), routing(1)] }, icmp({ type: 128, code: 0 }))).p)).toEqual([
      'ipv6.rh_type_0',
      'ipv6.exthdr_dupl_rh',
      'ipv6.rh_type_0',
    ]);
  });

  it('IPv4 in IPv6 with the wrong version, and ICMPv4 in IPv6', () => {
    const inner = ipv4({ proto: 6, version: 5 }, tcp());
    const { p, c } = decode(v6({ nh: 4 }, inner));
    expect(names(p)).toEqual(['ipv6.ipv4_in_ipv6_wrong_version']);
    expect(c.layers[Layer.Invalid]).toBe(1);
    expect(decode(v6({ nh: 1 }, icmp({ type: 8, code: 0 }))).p.error).toBe(DecodeEvent.Ipv6WithIcmpv4);
  });
});

describe('SCTP', () => {
  it('shorter than the common header is sctp.pkt_too_small; a full one has ports', () => {
    const short = decode(v4({ proto: 132 }, bytes(0, 1, 0, 2)));
    expect(short.p.error).toBe(DecodeEvent.SctpPktTooSmall);
    const ok = decode(v4({ proto: 132 }, bytes(0x0b, 0x59, 0x0b, 0x59, 0, 0, 0, 1, 0, 0, 0, 0)));
    expect(ok.p.error).toBe(0);
    expect([ok.p.sport, ok.p.dport]).toEqual([2905, 2905]);
  });
});

describe('the event list', () => {
  it('keeps at most 15 events, counts the rest, and is cleared for the next frame', () => {
    const p = new PacketView();
    for (let i = 0; i < 20; i++) addPacketEvent(p, DecodeEvent.Ipv4OptInvalid);
    expect(p.eventCount).toBe(MAX_PACKET_EVENTS);
    expect(p.eventOverflow).toBe(5);
    const frame = v4({ proto: 6 }, tcp());
    p.setFrame(frame, 0, frame.length, frame.length, 1);
    expect(p.eventCount).toBe(0);
    expect(p.eventOverflow).toBe(0);
  });

  it('an outer-layer event stays on the packet when the tunnel is entered', () => {
    // VXLAN inside an IPv4 packet with an unknown option: the inner packet keeps the event.
    const inner = eth({ type: 0x0800 }, ipv4({ proto: 6 }, tcp({ sport: 1, dport: 2 })));
    const vx = bytes(0x08, 0, 0, 0, 0, 0, 7, 0);
    const outer = v4({ proto: 17, options: [0x9e, 4, 0, 0, 1, 1, 1, 0] }, udp({ sport: 40000, dport: 4789 }, new Uint8Array([...vx, ...inner])));
    const { p } = decode(outer);
    expect(p.vni).toBe(7);
    expect(p.dport).toBe(2);
    expect(names(p)).toEqual(['ipv4.opt_invalid']);
  });

  it("names are Suricata's, with the decoder. prefix where logged", () => {
    expect(eventFullName(DecodeEvent.Ipv6ExthdrUselessFh)).toBe('decoder.ipv6.exthdr_useless_fh');
    expect(eventIdOf('decode', 'ltnull.pkt_too_small')).toBe(DecodeEvent.NullPktTooSmall);
    // Known to Suricata, never raised here: a valid id all the same.
    expect(eventIdOf('decode', 'gre.pkt_too_small')).toBeGreaterThanOrEqual(DecodeEvent.Count);
    expect(eventIdOf('decode', 'nope.nope')).toBe(-1);
  });
});
