/**
 * pcap outputs read back with tshark and compared frame by frame with the capture they came
 * from: generated/sshguess_vxlan.pcap is attacks/sshguess.pcap wrapped in VXLAN, so the
 * decapsulated frames written must be exactly the original ones.
 */
import { expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { formatFlowAddresses } from '../../src/flow/flow-report.js';
import { SinglePcapOutput } from '../../src/output/pcap-single.js';
import { RotatingPcapOutput } from '../../src/output/pcap-rotating.js';
import { FlowPacketRing } from '../../src/output/pcap-flow-ring.js';
import type { PacketView } from '../../src/decode/packet-view.js';
import { describeWithCorpus, pcapPath } from '../helpers/corpus.js';
import { haveTool, runTool } from '../helpers/tools.js';

const VXLAN = () => pcapPath('generated', 'sshguess_vxlan.pcap');
const ORIGINAL = () => pcapPath('attacks', 'sshguess.pcap');

/** sha256 of each frame's bytes, with lengths and time. */
function frames(file: string): string[] {
  const out: string[] = [];
  readCaptureFile(file, {
    onFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec) {
      const h = createHash('sha256').update(buf.subarray(offset, offset + caplen)).digest('hex').slice(0, 16);
      out.push(`${linktype} ${caplen} ${wirelen} ${tsSec}.${String(Math.floor(tsNsec / 1000)).padStart(6, '0')} ${h}`);
    },
  });
  return out;
}

function tsharkFields(file: string): string {
  return runTool('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.time_epoch', '-e', 'eth.src', '-e', 'ip.src', '-e', 'tcp.srcport']).stdout;
}

function replay(file: string, outputs: { write(p: PacketView): void }[], table?: FlowTable) {
  const pipeline = new Pipeline({ flow: table ?? null, outputs });
  readCaptureFile(file, pipeline);
  pipeline.finish();
}

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'pcapout-'));
}

describeWithCorpus('pcap outputs', () => {
  it('--pcap-out writes the decapsulated frames identical to the original capture', () => {
    const out = path.join(tmp(), 'inner.pcap');
    const w = new SinglePcapOutput({ path: out });
    replay(VXLAN(), [w]);
    w.close();
    expect(w.packets).toBe(431);
    expect(frames(out)).toEqual(frames(ORIGINAL()));
    if (haveTool('tshark')) expect(tsharkFields(out)).toBe(tsharkFields(ORIGINAL()));
  });

  it('outer mode writes the received packets unchanged', () => {
    const out = path.join(tmp(), 'outer.pcap');
    const w = new SinglePcapOutput({ path: out, mode: 'outer' });
    replay(VXLAN(), [w]);
    w.close();
    expect(frames(out)).toEqual(frames(VXLAN()));
    if (haveTool('tshark')) expect(tsharkFields(out)).toBe(tsharkFields(VXLAN()));
  });

  it('--pcap-dir rotates by size and time and keeps only the newest files', () => {
    const dir = tmp();
    const all = new RotatingPcapOutput({ dir: path.join(dir, 'all'), maxFileBytes: 20_000 });
    const kept = new RotatingPcapOutput({ dir: path.join(dir, 'kept'), maxFileBytes: 20_000, maxFiles: 3 });
    const timed = new RotatingPcapOutput({ dir: path.join(dir, 'timed'), maxFileSeconds: 30 });
    replay(VXLAN(), [all, kept, timed]);
    all.close();
    kept.close();
    timed.close();
    const allFiles = all.files();
    expect(allFiles.length).toBeGreaterThan(3);
    expect(readdirSync(path.join(dir, 'all')).length).toBe(allFiles.length);
    // Every file under the size cap, and together they are the whole capture in order.
    expect(allFiles.flatMap(frames)).toEqual(frames(ORIGINAL()));
    const keptFiles = kept.files();
    expect(keptFiles.length).toBe(3);
    expect(readdirSync(path.join(dir, 'kept')).sort()).toEqual(keptFiles.map((f) => path.basename(f)));
    expect(keptFiles.flatMap(frames)).toEqual(allFiles.slice(-3).flatMap(frames));
    expect(kept.filesDeleted).toBe(allFiles.length - 3);
    // 431 packets over ~70 s of packet time: 30 s files give 3.
    expect(timed.files().length).toBe(3);
    expect(timed.files().flatMap(frames)).toEqual(frames(ORIGINAL()));
    if (haveTool('tshark')) {
      const n = keptFiles.map((f) => runTool('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.number']).stdout.trim().split('\n').length);
      expect(n.reduce((a, b) => a + b, 0)).toBe(keptFiles.flatMap(frames).length);
    }
  });

  it('flow ring dumps the last packets of a flow, named by flow_id', () => {
    const dir = tmp();
    const table = new FlowTable({ maxFlows: 1024 });
    const ring = new FlowPacketRing({ table, dir, flows: 2, packetsPerFlow: 16 });
    let dumped: string | null = null;
    let slotOf55470 = -1;
    // Dump when the flow of client port 55470 ends, as an alert would (before the slot is freed).
    table.addFlowEndListener((slot) => {
      const a = formatFlowAddresses(table, slot);
      if (a.srcPort === 55470) {
        slotOf55470 = slot;
        dumped = ring.dumpFlow(slot);
      }
    });
    replay(VXLAN(), [ring], table);
    expect(slotOf55470).toBeGreaterThanOrEqual(0);
    // Only 2 ring entries: 55470 (first flow, t=0) lost its entry to the third flow (t=14.6 s)
    // before it ended (FIN at 8.2 s + 10 s closed timeout), so there is nothing to dump.
    expect(dumped).toBeNull();

    const table2 = new FlowTable({ maxFlows: 1024 });
    const ring2 = new FlowPacketRing({ table: table2, dir, flows: 64, packetsPerFlow: 16 });
    let file: string | null = null;
    table2.addFlowEndListener((slot) => {
      if (formatFlowAddresses(table2, slot).srcPort === 55470) {
        file = ring2.dumpFlow(slot);
        expect(file).toBe(path.join(dir, `flow-${table2.flowId(slot)}.pcap`));
      }
    });
    replay(VXLAN(), [ring2], table2);
    expect(file).not.toBeNull();
    const original = frames(ORIGINAL());
    // The flow's packets in the original, by tshark's filter, last 16 of them.
    const want = haveTool('tshark')
      ? runTool('tshark', ['-r', ORIGINAL(), '-Y', 'tcp.port == 55470', '-T', 'fields', '-e', 'frame.number']).stdout.trim().split('\n').map(Number)
      : [];
    if (want.length > 0) {
      expect(want.length).toBe(45);
      expect(frames(file!)).toEqual(want.slice(-16).map((n) => original[n - 1]));
    } else {
      expect(frames(file!).length).toBe(16);
    }
  });
});
