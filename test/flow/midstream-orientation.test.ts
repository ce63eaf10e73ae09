/**
 * Orientation of TCP flows picked up midstream, and p.flowEstablished (Suricata's
 * FLOW_PKT_ESTABLISHED) as the flow stage sets it: ACK pick-up takes the sender as client
 * unless the app-layer probe says the first payload is the server's; SYN/ACK pick-up swaps.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { midstreamProbe } from '../../src/applayer/midstream-probe.js';
import { PacketView, TCP_ACK, TCP_PSH, TCP_SYN } from '../../src/decode/packet-view.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRuleFiles } from '../../src/detect/rule-loader.js';
import { FlowCounter } from '../../src/flow/flow-counters.js';
import { formatFlowAddresses } from '../../src/flow/flow-report.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink } from '../../src/output/eve-alert.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { corpusPath, describeWithCorpus } from '../helpers/corpus.js';
import { fill, reply, type PktSpec } from './make-packet.js';

const C: PktSpec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 445, ts: 1000 };
const ACK = TCP_ACK;
const SYNACK = TCP_SYN | TCP_ACK;

/** fill() plus a payload (the probe reads it from p.buf). */
function withPayload(p: PacketView, bytes: number[]): PacketView {
  const buf = new Uint8Array(64 + bytes.length);
  buf.set(bytes, 64);
  p.buf = buf;
  p.payloadOffset = 64;
  p.payloadLen = bytes.length;
  return p;
}

/** NBSS + SMB1 header with the reply flag set or not. */
function smb1(reply: boolean): number[] {
  const b = new Array<number>(4 + 32).fill(0);
  b[3] = 32;
  b.splice(4, 4, 0xff, 0x53, 0x4d, 0x42);
  b[4 + 4] = 0x73; // SESSION_SETUP_ANDX
  b[4 + 9] = reply ? 0x98 : 0x18;
  return b;
}

describe('midstream orientation and flowEstablished', () => {
  it('ACK pick-up: the sender is the client; its first packet is not established, the next is', () => {
    const t = new FlowTable({ maxFlows: 16, midstream: true, midstreamProbe });
    const p = new PacketView();
    t.update(fill(p, { ...C, flags: ACK | TCP_PSH }));
    expect(p.flowDirection).toBe(1);
    expect(p.flowEstablished).toBe(false);
    expect(formatFlowAddresses(t, p.flowIndex)).toMatchObject({ srcIp: '10.0.0.1', srcPort: 40000, destPort: 445 });
    t.update(fill(p, reply(C, { flags: ACK, ts: 1000.1 })));
    expect(p.flowDirection).toBe(2);
    expect(p.flowEstablished).toBe(true);
  });

  it('ACK pick-up whose first payload is a server reply is turned round on that packet', () => {
    const t = new FlowTable({ maxFlows: 16, midstream: true, midstreamProbe });
    const p = new PacketView();
    // The server (10.0.0.2:445) speaks first: an SMB1 reply.
    withPayload(fill(p, reply(C, { flags: ACK | TCP_PSH, len: 76 })), smb1(true));
    t.update(p);
    const slot = p.flowIndex;
    expect(p.flowDirection).toBe(2);
    expect(formatFlowAddresses(t, slot)).toMatchObject({ srcIp: '10.0.0.1', srcPort: 40000, destIp: '10.0.0.2', destPort: 445 });
    expect([t.pktsToServer[slot], t.pktsToClient[slot], t.bytesToClient[slot]]).toEqual([0, 1, 76]);
    expect(t.counters[FlowCounter.MidstreamReversed]).toBe(1);
    // The client's request: to_server, and the orientation is settled.
    withPayload(fill(p, { ...C, flags: ACK | TCP_PSH, ts: 1000.2 }), smb1(false));
    t.update(p);
    expect(p.flowDirection).toBe(1);
    expect(p.flowEstablished).toBe(true);
    withPayload(fill(p, reply(C, { flags: ACK | TCP_PSH, ts: 1000.3 })), smb1(false));
    t.update(p);
    expect(p.flowDirection).toBe(2);
    expect(t.counters[FlowCounter.MidstreamReversed]).toBe(1);
  });

  it('the probe only acts with midstream on, and a request keeps the first orientation', () => {
    const off = new FlowTable({ maxFlows: 16, midstreamProbe });
    const p = new PacketView();
    withPayload(fill(p, reply(C, { flags: ACK | TCP_PSH })), smb1(true));
    off.update(p);
    expect(p.flowDirection).toBe(1);
    expect(p.flowEstablished).toBe(false);
    const on = new FlowTable({ maxFlows: 16, midstream: true, midstreamProbe });
    withPayload(fill(p, { ...C, flags: ACK | TCP_PSH }), Array.from('GET / HTTP/1.1\r\n', (c) => c.charCodeAt(0)));
    on.update(p);
    expect(p.flowDirection).toBe(1);
    expect(on.counters[FlowCounter.MidstreamReversed]).toBe(0);
  });

  it('SYN/ACK pick-up swaps: the receiver is the client; established from the packet after the ACK', () => {
    const t = new FlowTable({ maxFlows: 16, midstream: true, midstreamProbe });
    const p = new PacketView();
    t.update(fill(p, reply(C, { flags: SYNACK })));
    const slot = p.flowIndex;
    expect(p.flowDirection).toBe(2);
    expect(p.flowEstablished).toBe(false);
    expect(formatFlowAddresses(t, slot)).toMatchObject({ srcIp: '10.0.0.1', srcPort: 40000, destIp: '10.0.0.2', destPort: 445 });
    t.update(fill(p, { ...C, flags: ACK, ts: 1000.1 }));
    expect(p.flowDirection).toBe(1);
    expect(p.flowEstablished).toBe(false); // the ACK completing the pick-up is not established
    t.update(fill(p, { ...C, flags: ACK | TCP_PSH, ts: 1000.2 }));
    expect(p.flowEstablished).toBe(true);
  });

  it('three-way handshake: the completing ACK is not established; UDP is once both sides spoke', () => {
    const t = new FlowTable({ maxFlows: 16 });
    const p = new PacketView();
    const est: boolean[] = [];
    for (const s of [{ ...C, flags: TCP_SYN }, reply(C, { flags: SYNACK }), { ...C, flags: ACK }, { ...C, flags: ACK | TCP_PSH }]) {
      t.update(fill(p, s));
      est.push(p.flowEstablished);
    }
    expect(est).toEqual([false, false, false, true]);
    const q: PktSpec = { src: '10.0.0.5', dst: '10.0.0.53', sport: 3333, dport: 53, proto: 'udp', ts: 10 };
    t.update(fill(p, q));
    expect(p.flowEstablished).toBe(false);
    t.update(fill(p, reply(q)));
    expect(p.flowEstablished).toBe(true);
  });

  it('a packet with no flow has flowEstablished false', () => {
    const t = new FlowTable({ maxFlows: 16 });
    const p = new PacketView();
    t.update(fill(p, { ...C, flags: ACK }));
    t.update(fill(p, { ...C, flags: ACK, fragOffset: 8 }));
    expect([p.flowIndex, p.flowDirection, p.flowEstablished]).toEqual([-1, 0, false]);
  });
});

describeWithCorpus('suricata-verify smb1-03-midstream (stream.midstream=true)', () => {
  it('labels the client request (pcap_cnt 3) to_server: flow:to_server alerts on it once', () => {
    const dir = corpusPath('suricata-verify-pool', 'tests', 'smb1-03-midstream');
    const rs = loadRuleFiles([path.join(dir, 'test.rules')]);
    expect(rs.failures).toEqual([]);
    const ft = new FlowTable({ hashSeed: 1, midstream: true, midstreamProbe });
    const eve = new MemoryLineWriter();
    const engine = new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft })]);
    const pipeline = new Pipeline({ flow: ft, detect: engine });
    readCaptureFile(path.join(dir, 'smb1_osx-s1-midstream-modified.pcap'), pipeline);
    pipeline.finish();
    const alerts = eve.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.event_type === 'alert');
    // test.yaml: exactly one alert, at pcap_cnt 3.
    expect(alerts.map((a) => [a.pcap_cnt, a.direction])).toEqual([[3, 'to_server']]);
    expect(ft.counters[FlowCounter.MidstreamReversed]).toBe(1);
  });
});
