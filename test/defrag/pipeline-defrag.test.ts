/**
 * Fragments through the whole pipeline: capture file → decoder → defrag → flow → detect → EVE,
 * plain, VXLAN- and GENEVE-wrapped, IPv4 and IPv6. A rule whose content spans two fragments fires once
 * (on the rebuilt datagram, as in Suricata); fragments create no flow; packet outputs see the
 * fragments as they arrived and never the rebuilt datagram. The same through `mirrorsink replay`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TunnelKind, type PacketView } from '../../src/decode/packet-view.js';
import { DefragCounter } from '../../src/defrag/defrag-counters.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRuleFiles } from '../../src/detect/rule-loader.js';
import { FlowCounter } from '../../src/flow/flow-counters.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink } from '../../src/output/eve-alert.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { awsVxlan, eth, geneve, ipv4, udp } from '../decode/builders.js';
import { pcapFile } from '../source/capture-builders.js';
import { runCli } from '../helpers/tools.js';
import { frag4, frag6, split } from './helpers.js';

/** Ethernet / IPv4 / UDP 6081 / GENEVE (Ethernet payload) / inner frame. */
function genevePacket(inner: Uint8Array, vni: number): Uint8Array {
  return eth({ type: 0x0800 }, ipv4({ proto: 17, src: '10.0.1.10', dst: '10.0.2.20', id: 0 }, udp({ sport: 65500, dport: 6081 }, geneve({ vni, proto: 0x6558 }, inner))));
}

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-defrag-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RULES = [
  'alert udp any any -> any any (msg:"spans two fragments"; content:"EVIL-STRING"; sid:1;)',
  'alert ip any any -> any any (msg:"more fragments bit"; fragbits:M; sid:2;)',
  'alert udp any any -> any 53 (msg:"any udp to 53"; sid:3;)',
  'alert udp any any -> any any (msg:"rebuilt only"; flow:only_frag; sid:4;)',
  'alert ip any any -> any any (msg:"not rebuilt"; flow:no_frag; sid:5;)',
].join('\n');

/** UDP datagram of 256 + 8 bytes whose "EVIL-STRING" straddles byte 120 of the IP payload. */
function payload(): Uint8Array {
  const body = new Uint8Array(256).fill(0x2e);
  body.set(Buffer.from('EVIL-STRING'), 120 - 8 - 5);
  return udp({ sport: 40000, dport: 53 }, body);
}

function writeCapture(name: string, frames: Uint8Array[]): string {
  const file = path.join(tmp, name);
  writeFileSync(file, pcapFile(frames.map((data, i) => ({ tsSec: 1700000000 + i, tsFrac: 0, data }))));
  return file;
}

function run(file: string) {
  const rulesFile = path.join(tmp, 'defrag.rules');
  writeFileSync(rulesFile, RULES);
  const rs = loadRuleFiles([rulesFile]);
  expect(rs.failures).toEqual([]);
  const ft = new FlowTable({ hashSeed: 1 });
  const eve = new MemoryLineWriter();
  const engine = new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft })]);
  const seen: { frameNo: number; rebuilt: boolean; fragment: boolean }[] = [];
  const pcapLike = { write: (p: PacketView) => seen.push({ frameNo: p.frameNo, rebuilt: p.rebuilt, fragment: p.isFragment }) };
  const flowAware: boolean[] = [];
  const flowLogLike = { acceptsRebuilt: true, write: (p: PacketView) => flowAware.push(p.rebuilt) };
  const pipeline = new Pipeline({ flow: ft, detect: engine, outputs: [pcapLike, flowLogLike] });
  readCaptureFile(file, pipeline);
  pipeline.finish();
  const alerts = eve.lines.map((l) => JSON.parse(l) as { alert: { signature_id: number }; pcap_cnt?: number; pkt_src: string; tunnel?: { vni: number; pcap_cnt: number } });
  const bySid = (sid: number) => alerts.filter((a) => a.alert.signature_id === sid);
  return { alerts, bySid, ft, seen, pipeline, flowAware };
}

describe('defrag in the pipeline', () => {
  const cases: [string, () => Uint8Array[], number][] = [
    ['IPv4 plain', () => split(payload(), 120).map((f) => frag4(f, { proto: 17, id: 5 })), 4],
    ['IPv4 VXLAN-wrapped', () => split(payload(), 120).map((f) => awsVxlan(frag4(f, { proto: 17, id: 5 }), 77)), 4],
    ['IPv6 plain', () => split(payload(), 120).map((f) => frag6(f, { proto: 17, id: 5 })), 6],
    ['IPv6 VXLAN-wrapped', () => split(payload(), 120).map((f) => awsVxlan(frag6(f, { proto: 17, id: 5 }), 77)), 6],
    ['IPv4 GENEVE-wrapped', () => split(payload(), 120).map((f) => genevePacket(frag4(f, { proto: 17, id: 5 }), 77)), 4],
  ];
  for (const [name, build, v] of cases) {
    it(`${name}: content across the fragment boundary alerts once, on the rebuilt datagram`, () => {
      const frames = build();
      expect(frames).toHaveLength(3);
      const r = run(writeCapture(`${name.replace(/\W/g, '_')}.pcap`, frames));
      // sid 1 and sid 3: once, on the rebuilt datagram (no pcap_cnt of its own, as Suricata).
      expect(r.bySid(1)).toHaveLength(1);
      expect(r.bySid(3)).toHaveLength(1);
      // flow:only_frag matches the rebuilt datagram, flow:no_frag the three fragments.
      expect(r.bySid(4)).toHaveLength(1);
      expect(r.bySid(5)).toHaveLength(3);
      expect(r.bySid(1)[0]!.pcap_cnt).toBeUndefined();
      expect(r.bySid(1)[0]!.pkt_src).toBe('defrag');
      if (!name.includes('plain')) {
        expect(r.bySid(1)[0]!.tunnel?.vni).toBe(77);
        // The tunnel object names the completing fragment's pcap_cnt (Suricata: the root packet's).
        expect(r.bySid(1)[0]!.tunnel?.pcap_cnt).toBe(3);
      }
      // sid 2 (ip, header only): the two IPv4 fragments with MF set (fragbits is IPv4-only).
      expect(r.bySid(2)).toHaveLength(v === 4 ? 2 : 0);
      // One flow, created by the rebuilt datagram; fragments create none.
      expect(r.ft.counters[FlowCounter.TotalUdp]).toBe(1);
      // Outputs saw the three fragments as they arrived, not the rebuilt datagram.
      expect(r.seen.map((s) => s.frameNo)).toEqual([1, 2, 3]);
      expect(r.seen.every((s) => s.fragment && !s.rebuilt)).toBe(true);
      expect(r.pipeline.delivered).toBe(3);
      // An output that asks for rebuilt datagrams (flow logs) gets it after the fragments.
      expect(r.flowAware).toEqual([false, false, false, true]);
      const c = r.pipeline.defrag!.counters.values;
      expect(c[v === 4 ? DefragCounter.Ipv4Reassembled : DefragCounter.Ipv6Reassembled]).toBe(1);
    });
  }

  it('datagrams from the UDP socket (VXLAN header first) are reassembled the same way', () => {
    const rulesFile = path.join(tmp, 'socket.rules');
    writeFileSync(rulesFile, RULES);
    const rs = loadRuleFiles([rulesFile]);
    const ft = new FlowTable({ hashSeed: 1 });
    const eve = new MemoryLineWriter();
    const pipeline = new Pipeline({ flow: ft, detect: new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft })]) });
    const frames = split(payload(), 120).map((f) => awsVxlan(frag4(f, { proto: 17, id: 5 }), 77));
    for (const f of frames) {
      // What the socket hands over: the UDP payload (VXLAN onwards) and the outer addresses.
      const dgram = f.slice(42);
      pipeline.onTunnelDatagram(dgram, 0, dgram.length, TunnelKind.Vxlan, 4, 0x0a00010a, 0x0a000214, null, 65500, 4789, 1700000000, 0);
    }
    const sids = eve.lines.map((l) => (JSON.parse(l) as { alert: { signature_id: number } }).alert.signature_id);
    expect(sids.filter((x) => x === 1)).toHaveLength(1);
    expect(pipeline.defrag!.counters.values[DefragCounter.Ipv4Reassembled]).toBe(1);
  });

  it('with defrag off, the same capture gives no content alert (the old per-fragment path)', () => {
    const file = writeCapture('off.pcap', split(payload(), 120).map((f) => frag4(f, { proto: 17, id: 5 })));
    const rulesFile = path.join(tmp, 'defrag-off.rules');
    writeFileSync(rulesFile, RULES);
    const rs = loadRuleFiles([rulesFile]);
    const ft = new FlowTable({ hashSeed: 1 });
    const eve = new MemoryLineWriter();
    const pipeline = new Pipeline({ flow: ft, detect: new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft })]), defrag: null });
    readCaptureFile(file, pipeline);
    const sids = eve.lines.map((l) => (JSON.parse(l) as { alert: { signature_id: number } }).alert.signature_id);
    expect(sids.filter((s) => s === 1)).toHaveLength(0);
  });

  it('mirrorsink replay: one alert for the spanning content and the defrag counters in the summary', () => {
    const file = writeCapture('replay.pcap', split(payload(), 120).map((f) => awsVxlan(frag4(f, { proto: 17, id: 9 }), 5)));
    const rulesFile = path.join(tmp, 'replay.rules');
    writeFileSync(rulesFile, RULES);
    const eveFile = path.join(tmp, 'replay-eve.json');
    const r = runCli(['replay', '--json', '--quiet', '--rules', rulesFile, '--eve', eveFile, file]);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as { defrag: Record<string, number>; delivered: number };
    expect(summary.defrag['defrag.ipv4.fragments']).toBe(3);
    expect(summary.defrag['defrag.ipv4.reassembled']).toBe(1);
    expect(summary.delivered).toBe(3);
    const sids = readFileSync(eveFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event_type":"alert"'))
      .map((l) => (JSON.parse(l) as { alert: { signature_id: number } }).alert.signature_id);
    expect(sids.filter((s) => s === 1)).toHaveLength(1);
  });
});
