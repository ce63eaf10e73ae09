/**
 * `mirrorsink flows query` over files mirrorsink wrote (gzip, S3 layout) from a real capture,
 * cross-checked with tshark's conversation table, and over handcrafted plain files.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../../src/cli/commands/flows.js';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../../src/source/capture-file.js';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { createFlowOutputs } from '../../../src/output/flow-log-outputs.js';
import { describeWithCorpus, pcapPath } from '../../helpers/corpus.js';
import { captureStdout } from '../../helpers/stdout.js';
import { haveTool, runTool } from '../../helpers/tools.js';

function query(args: string[]): Promise<{ code: number; out: string }> {
  return captureStdout(() => run(args));
}

afterEach(() => vi.restoreAllMocks());

describe('flows query on plain files', () => {
  it('runs the documented query and prints a table or JSON lines', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowsq-'));
    const file = path.join(dir, 'plain.log');
    writeFileSync(
      file,
      [
        '2 123456789010 eni-0123 10.0.0.1 10.0.0.2 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
        '2 123456789010 eni-0123 10.0.0.2 10.0.0.1 22 20641 6 18 5230 1418530010 1418530070 ACCEPT OK',
        '2 123456789010 eni-0123 10.0.0.9 10.0.0.2 20642 22 6 2 120 1418530020 1418530021 ACCEPT OK',
      ].join('\n') + '\n',
    );
    const q = 'stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15';
    const t = await query(['query', q, file]);
    expect(t.code).toBe(0);
    expect(t.out).toBe(
      'srcAddr   dstAddr   packetsTransferred\n' +
        '--------  --------  ------------------\n' +
        '10.0.0.1  10.0.0.2  20\n' +
        '10.0.0.2  10.0.0.1  18\n' +
        '10.0.0.9  10.0.0.2  2\n',
    );
    const j = await query(['query', 'filter dstPort in [22, 25, 80, 443] | stats count(*) as records by dstPort', file, '--json']);
    expect(j.out).toBe('{"dstPort":22,"records":2}\n');
  });

  it('rejects a bad query and a missing file with messages', async () => {
    await expect(query(['query', 'stats sum(packets) by', '/nonexistent'])).rejects.toThrow(/query: .*column/);
    await expect(query(['query', 'stats count(*)', '/nonexistent/x.log'])).rejects.toThrow(/cannot read \/nonexistent\/x.log/);
    await expect(query(['nope'])).rejects.toThrow(/expected 'query'/);
  });
});

describeWithCorpus('flows query over mirrorsink flow-log files', () => {
  it('reads back the gzip files written from sshguess_vxlan.pcap; counts match tshark', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowsdir-'));
    const table = new FlowTable({ maxFlows: 1024 });
    const fo = createFlowOutputs({
      table,
      flowsDir: dir,
      aggregationSec: 60,
      logFormat: '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${tcp-flags} ${flow-direction}',
      sessions: [{ name: 'web', vni: 4242, eniId: 'eni-0123', accountId: '123456789012', region: 'us-east-1' }],
      // No session stage runs: every packet is of no session ('unknown', no VNI fallback since
      // the one session directory), so its records take the account and region defaults.
      accountId: '123456789012',
      region: 'us-east-1',
    });
    const pipeline = new Pipeline({ flow: table, outputs: fo.outputs });
    readCaptureFile(pcapPath('generated', 'sshguess_vxlan.pcap'), pipeline);
    pipeline.finish();
    await fo.close();
    expect(fo.files!.files.length).toBeGreaterThan(0);
    expect(fo.files!.files.every((f) => f.endsWith('.log.gz') && f.includes(path.join('AWSLogs', '123456789012', 'vpcflowlogs', 'us-east-1')))).toBe(true);

    const r = await query(['query', 'filter logStatus = "OK" | stats sum(packets) as p, sum(bytes) as b by srcAddr, srcPort, dstPort | sort srcPort asc', dir, '--json']);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as { srcAddr: string; srcPort: number; dstPort: number; p: number; b: number });
    expect(rows.length).toBe(22);
    const total = rows.reduce((s, x) => s + x.p, 0);
    expect(total).toBe(431);

    if (haveTool('tshark')) {
      // tshark counts frame bytes; flow logs count IP bytes: 14 bytes of Ethernet less per frame.
      const out = runTool('tshark', ['-r', pcapPath('attacks', 'sshguess.pcap'), '-q', '-z', 'conv,tcp']).stdout;
      for (const line of out.split('\n')) {
        const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+(\d+)\s+bytes\s+(\d+)\s+(\d+)\s+bytes/.exec(line.trim());
        if (!m) continue;
        const [, , aPort, , bPort, baFrames, baBytes, abFrames, abBytes] = m.map(String);
        const ab = rows.find((x) => x.srcPort === Number(aPort) && x.dstPort === Number(bPort))!;
        const ba = rows.find((x) => x.srcPort === Number(bPort) && x.dstPort === Number(aPort))!;
        expect([ab.p, ab.b]).toEqual([Number(abFrames), Number(abBytes) - 14 * Number(abFrames)]);
        expect([ba.p, ba.b]).toEqual([Number(baFrames), Number(baBytes) - 14 * Number(baFrames)]);
      }
    }

    // Custom fields come back under their Insights names; SYN+ACK = 18 shows for the server
    // side (19 with its FIN). No session stage ran, so flow-direction is unknown: '-' → null.
    const flags = await query(['query', 'filter srcPort = 22 | stats max(tcpFlags) as f, count_distinct(flowDirection) as d, count_distinct(dstPort) as n', dir, '--json']);
    expect(JSON.parse(flags.out)).toEqual({ f: 19, d: 0, n: 11 });
  });
});
