/**
 * Flow affinity through the rings: the bundled captures' datagrams (VXLAN as received, and the
 * same inner frames re-wrapped in GENEVE) dispatched over 3 rings to 3 pipelines, each asked
 * which flows it saw (a packet output recording every packet's flow). Every flow, both
 * directions, must have been seen by one worker only; with dedup (no session in the hash, flows
 * merged across sessions) both mirror copies of two-enis.pcap meet too.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { PacketView, TunnelKind } from '../../src/decode/packet-view.js';
import { DecodeCounters } from '../../src/decode/decode-events.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { FrameRing } from '../../src/pipeline/frame-ring.js';
import { DatagramDispatcher, consumeRing } from '../../src/pipeline/ring-dispatch.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import type { PacketOutput } from '../../src/pipeline/stages.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import { geneve } from '../decode/builders.js';

interface Datagram {
  bytes: Uint8Array;
  kind: TunnelKind;
  src4: number;
  dst4: number;
  sport: number;
  dport: number;
  tsSec: number;
  tsNsec: number;
}

/** The VXLAN datagrams of a capture (as a socket would receive them), or their inner frames in GENEVE. */
function datagramsOf(file: string, as: 'vxlan' | 'geneve'): Datagram[] {
  const out: Datagram[] = [];
  const p = new PacketView();
  const c = new DecodeCounters();
  readCaptureFile(file, {
    onFrame(buf, off, caplen, wirelen, linktype, tsSec, tsNsec) {
      p.setFrame(buf, off, caplen, wirelen, linktype);
      decodeFrame(p, c);
      if (p.tunnel !== TunnelKind.Vxlan || p.tunnelPayloadOffset < 0) return;
      const start = p.tunnelPayloadOffset - 8;
      const frame = buf.slice(off, off + caplen);
      const bytes = as === 'vxlan' ? frame.subarray(start - off) : geneve({ vni: p.vni, proto: 0x6558 }, frame.subarray(p.tunnelPayloadOffset - off));
      out.push({ bytes, kind: as === 'vxlan' ? TunnelKind.Vxlan : TunnelKind.Geneve, src4: p.outerSrc4 | 0, dst4: p.outerDst4 | 0, sport: p.outerSport, dport: p.outerDport, tsSec, tsNsec });
    },
  });
  return out;
}

/** Records, per flow (session unless merged, protocol, both endpoints), the directions it saw. */
class FlowsSeen implements PacketOutput {
  readonly flows = new Map<string, Set<number>>();
  constructor(private readonly withSession: boolean) {}
  write(p: PacketView): void {
    if (p.flowIndex < 0) return;
    const a = `${p.ipVersion === 4 ? p.src4 : p.src6.join(':')}/${p.sport}`;
    const b = `${p.ipVersion === 4 ? p.dst4 : p.dst6.join(':')}/${p.dport}`;
    const key = `${this.withSession ? p.vni : ''}|${p.ipProto}|${[a, b].sort().join('|')}`;
    let s = this.flows.get(key);
    if (s === undefined) this.flows.set(key, (s = new Set()));
    s.add(p.flowDirection);
  }
}

function run(files: string[], as: 'vxlan' | 'geneve', withSession: boolean): { seen: FlowsSeen[]; dispatcher: DatagramDispatcher } {
  const rings = [0, 1, 2].map(() => FrameRing.create(1 << 18));
  const consumers = rings.map((r) => new FrameRing(r.shared));
  const seen = rings.map(() => new FlowsSeen(withSession));
  const pipelines = seen.map((s) => new Pipeline({ flow: new FlowTable({ maxFlows: 4096, mergeSessions: !withSession }), outputs: [s] }));
  const dispatcher = new DatagramDispatcher(rings, withSession);
  for (const f of files) {
    for (const d of datagramsOf(f, as)) {
      dispatcher.onTunnelDatagram(d.bytes, 0, d.bytes.length, d.kind, 4, d.src4, d.dst4, null, d.sport, d.dport, d.tsSec, d.tsNsec);
      dispatcher.publish();
      consumers.forEach((c, i) => consumeRing(c, pipelines[i]!, 1 << 20));
    }
  }
  return { seen, dispatcher };
}

const FILES = readdirSync(path.join(REPO_ROOT, 'captures'))
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => path.join(REPO_ROOT, 'captures', f));

describe('flow affinity through DatagramDispatcher and the rings', () => {
  for (const as of ['vxlan', 'geneve'] as const) {
    it(`hands every flow, both directions, to one worker (${as})`, () => {
      const { seen, dispatcher } = run(FILES, as, true);
      expect([...dispatcher.dropped]).toEqual([0, 0, 0]);
      const owner = new Map<string, number>();
      let bidirectional = 0;
      seen.forEach((s, w) => {
        expect(s.flows.size).toBeGreaterThan(0);
        for (const [key, dirs] of s.flows) {
          expect(owner.get(key), key).toBeUndefined();
          owner.set(key, w);
          if (dirs.size === 2) bidirectional++;
        }
      });
      expect(owner.size).toBeGreaterThan(1000);
      expect(bidirectional).toBeGreaterThan(1000);
    });
  }

  it('with dedup, puts both mirror copies (two ENIs, two VNIs) of a flow on one worker', () => {
    const twoEnis = FILES.filter((f) => f.endsWith('two-enis.pcap'));
    const withVni = run(twoEnis, 'vxlan', true).seen.flatMap((s) => [...s.flows.keys()]);
    const merged = run(twoEnis, 'vxlan', false).seen.map((s) => [...s.flows.keys()]);
    const all = merged.flat();
    // Each merged flow on one worker, and fewer flows than with the VNI in the key (copies met).
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeLessThan(withVni.length);
  });
});
