import { describe, expect, it } from 'vitest';
import { AppLayer } from '../../src/applayer/app-layer.js';
import { AppLayerEvent, appLayerEventByName, APP_LAYER_EVENT_NAMES } from '../../src/applayer/app-layer-events.js';
import { AppProto, appProtoByName, appProtoName } from '../../src/applayer/app-proto.js';
import { Probe, pattern } from '../../src/applayer/proto-pattern.js';
import { PROTOCOLS, type AppLayerProtoDef } from '../../src/applayer/registry.js';
import { feed } from './http/helpers.js';

function names(al: AppLayer, slot: number): [string | undefined, string | undefined, string | undefined] {
  const s = al.state;
  return [appProtoName(s.alproto[slot]!), appProtoName(s.alprotoTs[slot]!), appProtoName(s.alprotoTc[slot]!)];
}

function events(al: AppLayer, slot: number): string[] {
  return APP_LAYER_EVENT_NAMES.filter((_, i) => al.state.hasEvent(slot, i));
}

describe('app-proto names', () => {
  it('prints as Suricata does', () => {
    expect(appProtoName(AppProto.Http)).toBe('http');
    expect(appProtoName(AppProto.Failed)).toBe('failed');
    expect(appProtoName(AppProto.Unknown)).toBeUndefined();
    expect(appProtoByName('HTTP1')).toBe(AppProto.Http);
    expect(appProtoByName('tls')).toBe(AppProto.Tls);
    expect(appLayerEventByName('APPLAYER_PROTO_DETECTION_SKIPPED')).toBe(AppLayerEvent.ProtoDetectionSkipped);
  });
});

describe('protocol detection', () => {
  it('detects HTTP by pattern on both sides, case-insensitively, with the pattern split across calls', () => {
    const al = new AppLayer(4);
    feed(al, 0, true, 'ge');
    expect(names(al, 0)).toEqual([undefined, undefined, undefined]);
    feed(al, 0, true, 't /x HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(names(al, 0)).toEqual(['http', 'http', 'http']);
    expect(events(al, 0)).toEqual([]);
    expect(al.counters.detected[AppProto.Http]).toBe(1);
  });

  it('detects TLS and SSH by pattern', () => {
    const al = new AppLayer(4);
    feed(al, 0, true, '\x16\x03\x01\x00\x10');
    feed(al, 0, false, '\x16\x03\x03\x00\x10');
    feed(al, 1, true, 'SSH-2.0-OpenSSH_9.6\r\n');
    feed(al, 1, false, 'SSH-2.0-x\r\n');
    expect(names(al, 0)).toEqual(['tls', 'tls', 'tls']);
    expect(names(al, 1)).toEqual(['ssh', 'ssh', 'ssh']);
  });

  it('detects by probing parser on the destination port, then the source port', () => {
    const al = new AppLayer(4);
    // Length prefix 33: the message is complete (the DNS probe parses a complete message).
    const dnsQuery = Buffer.from('002112340100000100000000000003777777076578616d706c6503636f6d0000010001', 'hex');
    al.open(0, true, 40000, 53);
    feed(al, 0, true, dnsQuery);
    expect(names(al, 0)[0]).toBe('dns');
    al.open(1, true, 445, 40000); // server port unusual, client port 445: source port probe
    feed(al, 1, true, Buffer.from('00000010fe534d4240000000', 'hex'));
    expect(names(al, 1)[0]).toBe('smb');
    // Without ports no probing parser runs: undecidable bytes fail.
    feed(al, 2, true, dnsQuery);
    feed(al, 2, false, dnsQuery);
    expect(names(al, 2)).toEqual(['failed', 'failed', 'failed']);
  });

  it('fails when neither side matches', () => {
    const al = new AppLayer(4);
    feed(al, 0, true, 'hello there\r\n');
    expect(names(al, 0)).toEqual([undefined, 'failed', undefined]);
    feed(al, 0, false, 'garbage back\r\n');
    expect(names(al, 0)).toEqual(['failed', 'failed', 'failed']);
    expect(al.counters.failed).toBe(1);
  });

  it('one side detected: the other reuses it (applayer_detect_protocol_only_one_direction)', () => {
    const al = new AppLayer(4);
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'XTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(names(al, 0)).toEqual(['http', 'http', 'http']);
    expect(events(al, 0)).toEqual(['applayer_detect_protocol_only_one_direction']);
    // The to-client bytes went to the HTTP parser (libhtp treats them as a body until close).
    const p = al.parser(AppProto.Http)!;
    expect(p).toBeDefined();
  });

  it('the failed side first, then the other side detects', () => {
    const al = new AppLayer(4);
    feed(al, 0, true, 'xyz nothing\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\n\r\n');
    // HTTP must start to server; first data went to server, so this is only-one-direction.
    expect(names(al, 0)).toEqual(['http', 'http', 'http']);
    expect(events(al, 0)).toContain('applayer_detect_protocol_only_one_direction');
  });

  it('disagreeing sides raise applayer_mismatch_protocol_both_directions and keep the first', () => {
    const al = new AppLayer(4);
    feed(al, 0, true, 'GET / HTTP/1.1\r\n\r\n');
    feed(al, 0, false, 'SSH-2.0-x\r\n');
    expect(names(al, 0)).toEqual(['http', 'http', 'http']);
    expect(events(al, 0)).toEqual(['applayer_mismatch_protocol_both_directions']);
  });

  it('HTTP seen first to client is applayer_wrong_direction_first_data and failed', () => {
    const al = new AppLayer(4);
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\n\r\n');
    expect(names(al, 0)[0]).toBe('failed');
    expect(events(al, 0)).toEqual(['applayer_wrong_direction_first_data']);
    feed(al, 0, true, 'GET / HTTP/1.1\r\n\r\n');
    expect(names(al, 0)[0]).toBe('failed');
  });

  it('too much undecided data: applayer_proto_detection_skipped', () => {
    const probeForever: AppLayerProtoDef = {
      proto: AppProto.Smtp,
      tcp: true,
      udp: false,
      ports: [25],
      patterns: [],
      probe: () => Probe.NeedMore,
      firstDataToServer: false,
    };
    const al = new AppLayer(4, { protocols: [...PROTOCOLS, probeForever], detectBufferSize: 64 });
    al.open(0, true, 1234, 25);
    for (let i = 0; i < 5; i++) feed(al, 0, true, 'x'.repeat(20));
    expect(names(al, 0)[0]).toBe('failed');
    expect(events(al, 0)).toEqual(['applayer_proto_detection_skipped']);
    expect(al.counters.skipped).toBe(1);
  });

  it('a gap before detection fails that direction; clear() resets the slot', () => {
    const al = new AppLayer(4);
    al.onGap(0, true, 100);
    expect(names(al, 0)[1]).toBe('failed');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\n\r\n');
    expect(al.counters.gapBeforeDetect).toBe(1);
    al.clear(0);
    expect(names(al, 0)).toEqual([undefined, undefined, undefined]);
    feed(al, 0, true, 'GET / HTTP/1.1\r\n\r\n');
    expect(names(al, 0)[0]).toBe('http');
  });

  it('pending buffers are pooled and bounded', () => {
    const al = new AppLayer(8, { maxPendingBuffers: 2 });
    feed(al, 0, true, 'GE');
    feed(al, 1, true, 'PO');
    feed(al, 2, true, 'HE'); // no pending buffer left: decided on what is there (failed side)
    expect(al.counters.pendingExhausted).toBe(1);
    expect(names(al, 2)[1]).toBe('failed');
    feed(al, 0, true, 'T / HTTP/1.0\r\n\r\n');
    expect(names(al, 0)[0]).toBe('http');
    feed(al, 3, true, 'GE'); // slot 0 returned its buffer
    expect(al.counters.pendingExhausted).toBe(1);
  });

  it('pattern() reads hex blocks', () => {
    expect([...pattern('a|0d 0A|b', 4, 'both').bytes]).toEqual([0x61, 0x0d, 0x0a, 0x62]);
  });
});
