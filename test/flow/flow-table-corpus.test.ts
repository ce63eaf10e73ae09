/**
 * The flow table over real captures through the real decoder and pipeline, checked against
 * tshark's conversation table (ORACLES.md "Flows": 11 inner TCP conversations on
 * generated/sshguess_vxlan.pcap).
 */
import { expect, it } from 'vitest';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { formatFlowAddresses } from '../../src/flow/flow-report.js';
import { FlowCounter } from '../../src/flow/flow-counters.js';
import { describeWithCorpus, pcapPath } from '../helpers/corpus.js';
import { haveTool, runTool } from '../helpers/tools.js';

interface Conv {
  client: string;
  server: string;
  toServer: number;
  toClient: number;
}

function runFlows(file: string, opts: ConstructorParameters<typeof FlowTable>[0] = {}) {
  const table = new FlowTable({ maxFlows: 4096, ...opts });
  const convs: Conv[] = [];
  table.addFlowEndListener((slot) => {
    const a = formatFlowAddresses(table, slot, 'compressed');
    if (a.proto !== 'TCP') return;
    convs.push({ client: `${a.srcIp}:${a.srcPort}`, server: `${a.destIp}:${a.destPort}`, toServer: table.pktsToServer[slot]!, toClient: table.pktsToClient[slot]! });
  });
  const pipeline = new Pipeline({ flow: table });
  readCaptureFile(file, pipeline);
  pipeline.finish();
  return { table, convs };
}

describeWithCorpus('FlowTable on the corpus', () => {
  it('finds the 11 TCP conversations of sshguess_vxlan.pcap with handshakes and orientation', () => {
    const { table, convs } = runFlows(pcapPath('generated', 'sshguess_vxlan.pcap'));
    expect(table.counters[FlowCounter.TotalTcp]).toBe(11);
    expect(convs.length).toBe(11);
    for (const c of convs) {
      expect(c.client).toMatch(/^192\.168\.56\.1:554\d\d$/);
      expect(c.server).toBe('192.168.56.103:22');
    }
    expect(table.counters[FlowCounter.TcpSyn]).toBe(11);
    expect(table.counters[FlowCounter.TcpSessions]).toBe(11);
  });

  it('per-direction packet counts equal tshark -z conv,tcp', () => {
    if (!haveTool('tshark')) return;
    const file = pcapPath('generated', 'sshguess_vxlan.pcap');
    const { convs } = runFlows(file);
    const out = runTool('tshark', ['-r', file, '-q', '-z', 'conv,tcp']).stdout;
    const expected = new Map<string, [number, number]>();
    for (const line of out.split('\n')) {
      // A:port <-> B:port  framesBA bytesBA unit framesAB bytesAB unit ...
      const m = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\d+\s+\S+\s+(\d+)\s+\d+\s+\S+/.exec(line.trim());
      if (m) expected.set(`${m[1]} ${m[2]}`, [Number(m[4]), Number(m[3])]);
    }
    expect(expected.size).toBe(11);
    for (const c of convs) {
      const e = expected.get(`${c.client} ${c.server}`);
      expect(e, `${c.client} ${c.server}`).toBeDefined();
      expect([c.toServer, c.toClient]).toEqual(e);
    }
  });

  it('keys every flow under the session VNI and tracks the whole masscan capture without eviction', () => {
    const { table } = runFlows(pcapPath('generated', 'masscan_vxlan.pcap'), { maxFlows: 65536 });
    expect(table.counters[FlowCounter.Evictions]).toBe(0);
    expect(table.counters[FlowCounter.TotalTcp]).toBeGreaterThan(0);
    expect(table.counters[FlowCounter.Active]).toBe(0);
  });
});
