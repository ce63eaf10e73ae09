/**
 * --alert-pcap-dir / flows.alert_pcap_dir: per alerting flow, DIR/<flow_id>.pcap (the name the
 * README and examples give) holding the packets that led to the alert and the flow's packets
 * after it until the flow ends, as Suricata's conditional pcap logging does. Checked against
 * the capture itself (decode --json of both), through the real replay command.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { runCli } from '../helpers/tools.js';
import { tmpDir } from '../server/harness.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { FlowPacketRing } from '../../src/output/pcap-flow-ring.js';
import { AlertPcapSink } from '../../src/output/alert-pcap-sink.js';
import type { PacketView } from '../../src/decode/packet-view.js';

interface Decoded {
  ts: number;
  src: string;
  dst: string;
  proto: number;
  sport: number | null;
  dport: number | null;
}

function decode(file: string): Decoded[] {
  const r = runCli(['decode', '--json', file]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Decoded);
}

const key = (d: Decoded) => [d.proto, ...[`${d.src}:${d.sport}`, `${d.dst}:${d.dport}`].sort()].join(' ');

describe('alert pcaps', () => {
  for (const capture of ['cleartext.pcap', 'known-bad.pcap']) {
    it(`${capture}: one <flow_id>.pcap per alerting flow, with the flow's packets after the alert up to its end`, () => {
      const dir = tmpDir();
      const eve = path.join(dir, 'eve.json');
      const pcaps = path.join(dir, 'alerts');
      const src = path.join(REPO_ROOT, 'captures', capture);
      const r = runCli(['replay', src, '--alert-pcap-dir', pcaps, '--eve', eve]);
      expect(r.status, r.stderr).toBe(0);
      const alerts = readFileSync(eve, 'utf8').split('\n').filter((l) => l.includes('"event_type":"alert"')).map((l) => JSON.parse(l));
      expect(alerts.length).toBeGreaterThan(0);
      const flowIds = [...new Set(alerts.filter((a) => a.flow_id !== undefined).map((a) => String(a.flow_id)))].sort();
      expect(readdirSync(pcaps).sort()).toEqual(flowIds.map((id) => `${id}.pcap`).sort());

      const original = decode(src);
      let after = 0;
      for (const id of flowIds) {
        const got = decode(path.join(pcaps, `${id}.pcap`));
        const flow = original.filter((d) => key(d) === key(got[0]!));
        // The file is a run of the flow's packets that ends with the flow's last packet.
        const start = flow.findIndex((d) => d.ts === got[0]!.ts);
        expect(start).toBeGreaterThanOrEqual(0);
        expect(got.map((d) => [d.ts, key(d)])).toEqual(flow.slice(start).map((d) => [d.ts, key(d)]));
        const firstAlertTs = Math.min(...alerts.filter((a) => String(a.flow_id) === id).map((a) => Date.parse(a.timestamp) / 1000));
        after += got.filter((d) => d.ts > firstAlertTs + 0.001).length;
      }
      // Packets after the alert are there (the file used to stop at the alerting packet).
      expect(after).toBeGreaterThan(0);
    });
  }
});

describe('alert pcaps are bounded', () => {
  it('packets after the alert per flow and files open at once are capped; every file is closed when flows end', () => {
    const dir = tmpDir();
    const table = new FlowTable({ maxFlows: 4096 });
    const ring = new FlowPacketRing({ table, flows: 64, packetsPerFlow: 2 });
    const sink = new AlertPcapSink(ring, dir, { maxOpen: 3, maxPacketsAfter: 4 });
    const alerted = new Set<number>();
    // An alert on the first packet of every flow, before the sink sees the packet (as detect runs before outputs).
    const trigger = {
      write(p: PacketView) {
        if (p.flowIndex < 0 || alerted.has(table.flowId(p.flowIndex))) return;
        alerted.add(table.flowId(p.flowIndex));
        sink.alert(p);
      },
    };
    const pipeline = new Pipeline({ flow: table, outputs: [ring, trigger, sink] });
    readCaptureFile(path.join(REPO_ROOT, 'captures', 'ssh-bruteforce.pcap'), pipeline);
    expect(sink.openFiles).toBeLessThanOrEqual(3);
    pipeline.finish();
    expect(sink.openFiles).toBe(0);
    const files = readdirSync(dir);
    expect(files.length).toBe(alerted.size);
    expect(files.length).toBeGreaterThan(3);
    expect(sink.written).toBe(alerted.size);
    expect(sink.failed).toBe(0);
    expect(sink.truncated).toBeGreaterThan(0);
    // a few of them read back (decode spawns a process each)
    for (const f of files.slice(0, 4)) {
      const n = decode(path.join(dir, f)).length;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(1 + 4);
    }
  });

  it('one sink per ring: a reload that keeps the flow table keeps the sink (no listener per reload)', () => {
    const table = new FlowTable({ maxFlows: 1024 });
    const ring = new FlowPacketRing({ table });
    const dir = tmpDir();
    const a = AlertPcapSink.forRing(ring, dir);
    expect(AlertPcapSink.forRing(ring, dir)).toBe(a);
    const other = AlertPcapSink.forRing(ring, path.join(dir, 'elsewhere'));
    expect(other).not.toBe(a);
    expect(AlertPcapSink.forRing(new FlowPacketRing({ table }), dir)).not.toBe(other);
  });
});
