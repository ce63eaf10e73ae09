/**
 * decode-event / stream-event / app-layer-event / engine-event: parsing against the event name
 * tables (Suricata's names, "decoder."/"stream." prefixes optional, case-insensitive), and
 * matching on the events the packet carries, with a real engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { APPLAYER_EVENT_BASE, DecodeEvent, STREAM_EVENT_BASE, addPacketEvent } from '../../src/decode/decode-events.js';
import { SURICATA_APPLAYER_EVENTS, SURICATA_STREAM_EVENTS, registerEventNames } from '../../src/decode/event-names.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { parseEventKeyword, matchEvent } from '../../src/detect/keywords/events.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { Proto } from '../../src/detect/rule.js';

describe('parsing', () => {
  afterEach(() => {
    registerEventNames('stream', SURICATA_STREAM_EVENTS);
    registerEventNames('applayer', SURICATA_APPLAYER_EVENTS);
  });

  it('decode-event: every name, "decoder." prefix optional, any case', () => {
    expect(parseEventKeyword('decode-event', 'ipv6.exthdr_useless_fh')).toBe(DecodeEvent.Ipv6ExthdrUselessFh);
    expect(parseEventKeyword('decode-event', 'decoder.ipv6.exthdr_useless_fh')).toBe(DecodeEvent.Ipv6ExthdrUselessFh);
    expect(parseEventKeyword('decode-event', ' IPV4.OPT_INVALID_LEN ')).toBe(DecodeEvent.Ipv4OptInvalidLen);
    expect(parseEventKeyword('decode-event', 'sctp.pkt_too_small')).toBe(DecodeEvent.SctpPktTooSmall);
    // Suricata names this decoder never raises still load (ppp, gre, mpls, defrag...).
    expect(parseEventKeyword('decode-event', 'ppp.pkt_too_small')).toBeGreaterThan(0);
    expect(parseEventKeyword('decode-event', 'ipv6.frag_overlap')).toBeGreaterThan(0);
    expect(() => parseEventKeyword('decode-event', 'ipv6.no_such_thing')).toThrow(/not an event/);
    expect(() => parseEventKeyword('decode-event', 'ipv6,bad')).toThrow();
  });

  it('stream-event and app-layer-event use the registered tables (Suricata names until then)', () => {
    const ts = parseEventKeyword('stream-event', 'pkt_invalid_timestamp');
    expect(ts).toBe(STREAM_EVENT_BASE + SURICATA_STREAM_EVENTS.indexOf('pkt_invalid_timestamp'));
    expect(parseEventKeyword('stream-event', 'stream.pkt_invalid_timestamp')).toBe(ts);
    expect(parseEventKeyword('stream-event', 'est_synack_resend_with_different_ack')).toBe(parseEventKeyword('stream-event', 'est_synack_resend_with_diff_ack'));
    expect(parseEventKeyword('app-layer-event', 'applayer_mismatch_protocol_both_directions')).toBe(APPLAYER_EVENT_BASE);
    registerEventNames('stream', ['reassembly_depth_reached', 'pkt_invalid_timestamp']);
    expect(parseEventKeyword('stream-event', 'pkt_invalid_timestamp')).toBe(STREAM_EVENT_BASE + 1);
    expect(() => parseEventKeyword('stream-event', 'fin_syn')).toThrow();
    registerEventNames('applayer', ['http.request_field_too_long']);
    expect(parseEventKeyword('app-layer-event', 'http.request_field_too_long')).toBe(APPLAYER_EVENT_BASE);
  });

  it('engine-event takes full names', () => {
    expect(parseEventKeyword('engine-event', 'decoder.ipv4.unknown_protocol')).toBe(DecodeEvent.Ipv4UnknownProtocol);
    expect(parseEventKeyword('engine-event', 'stream.fin_syn')).toBe(parseEventKeyword('stream-event', 'fin_syn'));
    expect(() => parseEventKeyword('engine-event', 'ipv4.unknown_protocol')).toThrow();
  });

  it('rules load with the keywords; pkthdr is its own protocol', () => {
    const rs = loadRulesText(
      [
        'alert pkthdr any any -> any any (decode-event:ipv6.trunc_exthdr; sid:1;)',
        'alert tcp any any -> any any (stream-event:pkt_invalid_timestamp; sid:2;)',
        'alert ip any any -> any any (app-layer-event:applayer_wrong_direction_first_data; sid:3;)',
        'alert ip any any -> any any (decode-event:ipv4.opt_pad_required; decode-event:ipv4.opt_invalid_len; sid:4;)',
        'alert ip any any -> any any (decode-event:ipv4.bogus; sid:5;)',
      ].join('\n'),
    );
    expect(rs.rules.map((r) => r.sid)).toEqual([1, 2, 3, 4]);
    expect(rs.rules[0]!.proto).toBe(Proto.Pkthdr);
    expect(rs.rules.find((r) => r.sid === 4)!.events).toEqual([DecodeEvent.Ipv4OptPadRequired, DecodeEvent.Ipv4OptInvalidLen]);
    expect(rs.failures[0]!.category).toBe("unsupported decode-event 'ipv4.bogus'");
  });
});

describe('matching', () => {
  it('reads p.events', () => {
    const p = new PacketView();
    expect(matchEvent(DecodeEvent.Ipv4OptInvalidLen, p)).toBe(false);
    addPacketEvent(p, DecodeEvent.Ipv4OptPadRequired);
    addPacketEvent(p, DecodeEvent.Ipv4OptInvalidLen);
    expect(matchEvent(DecodeEvent.Ipv4OptInvalidLen, p)).toBe(true);
    expect(matchEvent(DecodeEvent.Ipv4OptInvalid, p)).toBe(false);
  });

  it('a packet with no IP layer is seen by pkthdr rules only, and only when it has an event', () => {
    const rs = loadRulesText(
      [
        'alert pkthdr any any -> any any (decode-event:ethernet.pkt_too_small; sid:1;)',
        'alert ip any any -> any any (decode-event:ethernet.pkt_too_small; sid:2;)',
        'alert pkthdr any any -> any any (sid:3;)',
      ].join('\n'),
    );
    const sids: number[] = [];
    const engine = new DetectEngine(rs, null, [{ alert: (_p, r) => void sids.push(r.sid) }]);
    const p = new PacketView();
    engine.inspect(p);
    expect(sids).toEqual([]);
    addPacketEvent(p, DecodeEvent.EthernetPktTooSmall);
    p.error = DecodeEvent.EthernetPktTooSmall;
    engine.inspect(p);
    expect(sids.sort()).toEqual([1, 3]);
  });
});
