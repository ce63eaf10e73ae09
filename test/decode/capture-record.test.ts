/**
 * A capture record's original length and time held against what can be (issue 16 item 6):
 * an orig_len of 0xffffffff on a small frame becomes the frame the IP header describes, and is
 * counted; lengths a real capture has (Ethernet padding, FCS, snaplen cuts, TSO) are kept.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { DecodeCounters } from '../../src/decode/decode-events.js';
import { MAX_FRAME_LEN, MAX_PACKET_SEC } from '../../src/decode/capture-record.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { SessionResolver } from '../../src/session/session-stage.js';
import { awsVxlan, eth, innerTcpFrame, ipv4, ipv6, tcp } from './builders.js';

function decodeRecord(frame: Uint8Array, caplen: number, wirelen: number, tsSec = 1, linktype = 1) {
  const p = new PacketView();
  const c = new DecodeCounters();
  p.setFrame(frame, 0, caplen, wirelen, linktype);
  p.tsSec = tsSec;
  p.tsNsec = 5;
  decodeFrame(p, c);
  return { p, c, wirelen: p.wirelen, clamped: c.wirelenClamped[0]!, timeClamped: c.timeClamped[0]! };
}

describe('original length', () => {
  const syn = eth({ type: 0x0800 }, ipv4({ proto: 6 }, tcp({ flags: 0x02 }))); // 54 bytes
  const vx = awsVxlan(innerTcpFrame(new Uint8Array(60)));

  it('a lie (0xffffffff) becomes the length the outer IP header gives, counted', () => {
    expect(decodeRecord(vx, vx.length, 0xffffffff)).toMatchObject({ wirelen: vx.length, clamped: 1 });
    expect(decodeRecord(syn, syn.length, 0xffffffff)).toMatchObject({ wirelen: 54, clamped: 1 });
    const v6 = eth({ type: 0x86dd }, ipv6({ next: 6 }, tcp({ flags: 0x02 })));
    expect(decodeRecord(v6, v6.length, 1_000_000)).toMatchObject({ wirelen: v6.length, clamped: 1 });
  });

  it('below the captured length it is raised to it, counted', () => {
    expect(decodeRecord(syn, syn.length, 10)).toMatchObject({ wirelen: 54, clamped: 1 });
  });

  it('what real captures hold is kept: padding, FCS, snaplen cuts', () => {
    expect(decodeRecord(syn, syn.length, 60)).toMatchObject({ wirelen: 60, clamped: 0 });
    expect(decodeRecord(syn, syn.length, 64)).toMatchObject({ wirelen: 64, clamped: 0 });
    expect(decodeRecord(vx, vx.length, vx.length + 4)).toMatchObject({ wirelen: vx.length + 4, clamped: 0 });
    // Cut by a 96-byte snaplen: the IP header says 1500, the wire had 1514.
    const big = eth({ type: 0x0800 }, ipv4({ proto: 6 }, tcp({ flags: 0x10 }, new Uint8Array(1460))));
    expect(decodeRecord(big, 96, 1514)).toMatchObject({ wirelen: 1514, clamped: 0 });
    expect(decodeRecord(big, 96, 1515 + 4)).toMatchObject({ wirelen: 1514, clamped: 1 });
  });

  it('without an IP length to go by (not IP, TSO total length 0) only the largest frame bounds it', () => {
    const arp = eth({ type: 0x0806 }, new Uint8Array(28));
    expect(decodeRecord(arp, arp.length, 9000)).toMatchObject({ wirelen: 9000, clamped: 0 });
    expect(decodeRecord(arp, arp.length, MAX_FRAME_LEN + 1)).toMatchObject({ wirelen: arp.length, clamped: 1 });
    const tso = Uint8Array.from(syn);
    tso[16] = 0;
    tso[17] = 0;
    expect(decodeRecord(tso, tso.length, 65000)).toMatchObject({ wirelen: 65000, clamped: 0 });
  });

  it('per-session byte counters count the clamped inner frame, not 4 GB', () => {
    const pipeline = new Pipeline();
    const resolver = SessionResolver.fromConfig(loadConfig({ file: null, env: {} }).config, pipeline.drops);
    pipeline.setStages({ session: resolver });
    pipeline.onFrame(vx, 0, vx.length, 0xffffffff, 1, 1, 0);
    const unknown = resolver.counters.snapshot().at(-1)!;
    expect(unknown.packets.total).toBe(1);
    // The mirrored frame: everything after the outer Ethernet/IPv4/UDP/VXLAN headers.
    expect(unknown.bytes.total).toBe(vx.length - 14 - 20 - 8 - 8);
    expect(pipeline.decodeCounters.wirelenClamped[0]).toBe(1);
  });
});

describe('time', () => {
  const syn = eth({ type: 0x0800 }, ipv4({ proto: 6 }, tcp({ flags: 0x02 })));
  it('past 9999-12-31T23:59:59Z is clamped to it, before 1970 to 1970, counted', () => {
    const far = decodeRecord(syn, syn.length, syn.length, 2 ** 64);
    expect([far.p.tsSec, far.p.tsNsec, far.timeClamped]).toEqual([MAX_PACKET_SEC, 999_999_999, 1]);
    expect(new Date(far.p.tsSec * 1000).toISOString()).toBe('9999-12-31T23:59:59.000Z');
    const early = decodeRecord(syn, syn.length, syn.length, -86400);
    expect([early.p.tsSec, early.p.tsNsec, early.timeClamped]).toEqual([0, 0, 1]);
  });
  it('times in range are untouched', () => {
    const now = decodeRecord(syn, syn.length, syn.length, 1_765_000_000);
    expect([now.p.tsSec, now.p.tsNsec, now.timeClamped]).toEqual([1_765_000_000, 5, 0]);
    expect(decodeRecord(syn, syn.length, syn.length, MAX_PACKET_SEC).timeClamped).toBe(0);
  });
});

describe('isoTime (the unanswered-flow listing)', () => {
  it('writes times no Date holds instead of throwing', async () => {
    const { isoTime } = await import('../../src/flow/flow-report.js');
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTime(2 ** 64)).toBe(`unix:${2 ** 64}`);
    expect(isoTime(Number.NaN)).toBe('unix:NaN');
  });
});
