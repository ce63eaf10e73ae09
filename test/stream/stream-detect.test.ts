/**
 * Detection over the stream, end to end through the pipeline (flow table → stream → detect →
 * EVE): content split across segments, out of order, retransmitted, overlapping, plain and
 * VXLAN-wrapped, with the alert counts and the alerting packet Suricata gives
 * (reference §2-§3: stream rules inspect the raw window on a packet in the data's direction,
 * once; stream-added packets are not inspected on their own).
 */
import { describe, expect, it } from 'vitest';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink } from '../../src/output/eve-alert.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { TcpStreamStage } from '../../src/stream/stream-stage.js';
import type { StreamConfig } from '../../src/stream/stream-config.js';
import { ACK, FIN, HANDSHAKE, PSH, frame, type Seg } from './conversation.js';

interface Alert {
  sid: number;
  pcap_cnt?: number;
  pkt_src: string;
}

function detect(rules: string, segs: Seg[], opts: { vxlan?: boolean; v6?: boolean; stream?: boolean; cfg?: Partial<StreamConfig> } = {}): Alert[] {
  const rs = loadRulesText(rules);
  expect(rs.failures).toEqual([]);
  const ft = new FlowTable({ hashSeed: 1, maxFlows: 64, midstream: opts.cfg?.midstream ?? false });
  const eve = new MemoryLineWriter();
  const engine = new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft })]);
  const stream = opts.stream === false ? null : new TcpStreamStage(ft, opts.cfg ?? {});
  const pipeline = new Pipeline({ flow: ft, stream, detect: engine });
  let ts = 1_700_000_000;
  for (const s of segs) {
    const f = frame(s, opts.vxlan ?? false, opts.v6 ?? false);
    pipeline.onFrame(f, 0, f.length, f.length, 1, ts++, 0);
  }
  pipeline.finish();
  return eve.lines.map((l) => {
    const r = JSON.parse(l) as { alert: { signature_id: number }; pcap_cnt?: number; pkt_src: string };
    return { sid: r.alert.signature_id, pcap_cnt: r.pcap_cnt, pkt_src: r.pkt_src };
  });
}

const RULE = 'alert tcp any any -> any any (msg:"split"; content:"evilpayload"; sid:1;)';
const PKT_RULE = 'alert tcp any any -> any any (msg:"pkt"; content:"evil"; dsize:>0; sid:2;)';

/** Client sends "GET /evilpayload HTTP" in two segments split inside the pattern, server ACKs, FIN close. */
function split(order: 'in' | 'out' | 'retrans'): Seg[] {
  const a: Seg = { from: 'c', flags: ACK | PSH, rel: 0, data: 'GET /evil' };
  const b: Seg = { from: 'c', flags: ACK | PSH, rel: 9, data: 'payload HTTP' };
  const data = order === 'in' ? [a, b] : order === 'out' ? [b, a] : [a, a, b, b];
  return [
    ...HANDSHAKE,
    ...data,
    { from: 's', flags: ACK, ackRel: 21 },
    { from: 'c', flags: ACK | FIN, rel: 21 },
    { from: 's', flags: ACK | FIN, ackRel: 22 },
    { from: 'c', flags: ACK, rel: 22, ackRel: 1 },
  ];
}

describe('stream detection', () => {
  it('without the stream stage the split content is missed (today\'s behaviour)', () => {
    expect(detect(RULE, split('in'), { stream: false })).toEqual([]);
  });

  for (const vxlan of [false, true]) {
    const tag = vxlan ? ' (VXLAN)' : '';
    it(`content split across two segments alerts once, on the packet that closes the session${tag}`, () => {
      const alerts = detect(RULE, split('in'), { vxlan });
      // Frames: 1-3 handshake, 4-5 data, 6 ACK, 7 FIN, 8 FIN/ACK, 9 last ACK (CLOSED: flush, to_server).
      expect(alerts).toEqual([{ sid: 1, pcap_cnt: 9, pkt_src: 'wire/pcap' }]);
    });
    it(`out of order segments: one alert${tag}`, () => {
      expect(detect(RULE, split('out'), { vxlan })).toEqual([{ sid: 1, pcap_cnt: 9, pkt_src: 'wire/pcap' }]);
    });
    it(`retransmitted segments: one alert${tag}`, () => {
      const alerts = detect(RULE, split('retrans'), { vxlan });
      expect(alerts).toEqual([{ sid: 1, pcap_cnt: 11, pkt_src: 'wire/pcap' }]);
    });
  }

  it('no FIN: the match comes from the flow-end pseudo packet (no pcap_cnt)', () => {
    const segs = split('in').slice(0, 6);
    expect(detect(RULE, segs)).toEqual([{ sid: 1, pcap_cnt: undefined, pkt_src: 'stream (flow timeout)' }]);
  });

  it('IPv6: the flow-end pseudo packet carries the flow\'s addresses and ports', () => {
    const rs = 'alert tcp 2001:db8::1 40000 -> 2001:db8::2 80 (content:"evilpayload"; sid:1;)';
    const alerts = detect(rs, split('in').slice(0, 6), { v6: true });
    expect(alerts).toEqual([{ sid: 1, pcap_cnt: undefined, pkt_src: 'stream (flow timeout)' }]);
  });

  it('overlap, BSD policy: the first-seen bytes are what the stream rule sees; packet rules see each packet', () => {
    const rules = [
      'alert tcp-stream any any -> any any (content:"EVIL"; sid:1;)',
      'alert tcp-stream any any -> any any (content:"GOOD"; sid:2;)',
      'alert tcp-pkt any any -> any any (content:"EVIL"; sid:3;)',
      'alert tcp-pkt any any -> any any (content:"GOOD"; sid:4;)',
    ].join('\n');
    const segs: Seg[] = [
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: 'GOOD' },
      { from: 'c', flags: ACK, rel: 0, data: 'EVIL' },
    ];
    const alerts = detect(rules, segs).map((a) => [a.sid, a.pcap_cnt ?? 0]);
    expect(alerts.sort()).toEqual([
      [2, 0],
      [3, 5],
      [4, 4],
    ]);
  });

  it('a stream-added packet is not inspected on its own; depth/offset rules inspect both', () => {
    const rules = [
      'alert tcp any any -> any any (content:"evil"; sid:1;)',
      'alert tcp any any -> any any (content:"evil"; depth:4; sid:2;)',
      'alert tcp any any -> any any (content:"evil"; flow:no_stream; sid:3;)',
      'alert tcp any any -> any any (content:"evil"; flow:only_stream; sid:4;)',
    ].join('\n');
    const segs: Seg[] = [...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'evil' }, { from: 's', flags: ACK, ackRel: 4 }];
    const alerts = detect(rules, segs).map((a) => [a.sid, a.pcap_cnt ?? 0]);
    // Packet 4: sid 2 (packet part) and 3; pseudo end: sid 1, 2 (stream part), 4.
    expect(alerts.sort()).toEqual([
      [1, 0],
      [2, 0],
      [2, 4],
      [3, 4],
      [4, 0],
    ]);
  });

  it('midstream off: no session, payloads inspected per packet (split content missed); on: one alert', () => {
    const segs: Seg[] = [
      { from: 'c', flags: ACK, rel: 0, data: 'GET /evil' },
      { from: 'c', flags: ACK, rel: 9, data: 'payload' },
      { from: 's', flags: ACK, ackRel: 16 },
    ];
    expect(detect(RULE + '\n' + PKT_RULE, segs).map((a) => a.sid)).toEqual([2]);
    expect(detect(RULE, segs, { cfg: { midstream: true } }).map((a) => a.sid)).toEqual([1]);
  });

  it('stream_size compares next_seq - isn per side', () => {
    const rules = 'alert tcp any any -> any any (flow:to_client; stream_size:client,>,10; sid:7;)';
    const segs: Seg[] = [...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: '0123456789ab' }, { from: 's', flags: ACK, ackRel: 12 }];
    expect(detect(rules, segs).map((a) => [a.sid, a.pcap_cnt])).toEqual([[7, 5]]);
  });
});
