import { afterAll, describe, expect, it } from 'vitest';
import { fillUp, mountTmpfs } from '../helpers/tmpfs.js';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlowLogFileWriter } from '../../src/output/flow-log-files.js';
import { DEFAULT_LOG_FORMAT, parseLogFormat, type FlowLogRecord } from '../../src/output/flow-log-record.js';

function rec(over: Partial<FlowLogRecord>): FlowLogRecord {
  return {
    accountId: '123456789012',
    interfaceId: 'eni-0aaa',
    srcaddr: '10.0.0.1',
    dstaddr: '10.0.0.2',
    srcport: 40000,
    dstport: 443,
    protocol: 6,
    packets: 10,
    bytes: 1000,
    start: 1700000000,
    end: 1700000010,
    action: 'ACCEPT',
    logStatus: 'OK',
    vpcId: 'vpc-1',
    subnetId: null,
    instanceId: null,
    tcpFlags: 19,
    type: 'IPv4',
    pktSrcaddr: '10.0.0.1',
    pktDstaddr: '10.0.0.2',
    region: 'us-east-1',
    azId: null,
    flowDirection: 'ingress',
    session: 'web',
    ...over,
  };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

describe('FlowLogFileWriter', () => {
  it('writes gzip files per 5-minute window in the S3 layout with the header line first', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlogs-'));
    let now = 1700000100; // 2023-11-14T22:15:00Z
    const w = new FlowLogFileWriter({ dir, format: parseLogFormat(DEFAULT_LOG_FORMAT), clock: () => now, flowLogId: 'fl-test' });
    w.write(rec({ srcport: 1 }));
    w.write(rec({ srcport: 2, accountId: '999999999999', region: 'eu-west-1' }));
    now = 1700000399; // same window 22:15..22:19
    w.write(rec({ srcport: 3 }));
    now = 1700000400; // next window
    w.write(rec({ srcport: 4 }));
    await w.close();
    const files = walk(dir);
    expect(files.every((f) => !f.endsWith('.tmp'))).toBe(true);
    const rel = files.map((f) => path.relative(dir, f));
    expect(rel.length).toBe(3);
    expect(rel[0]).toMatch(
      /^AWSLogs\/123456789012\/vpcflowlogs\/us-east-1\/2023\/11\/14\/123456789012_vpcflowlogs_us-east-1_fl-test_20231114T2215Z_[0-9a-f]{8}\.log\.gz$/,
    );
    expect(rel[1]).toMatch(/_20231114T2220Z_[0-9a-f]{8}\.log\.gz$/);
    expect(rel[2]).toMatch(/^AWSLogs\/999999999999\/vpcflowlogs\/eu-west-1\/2023\/11\/14\/999999999999_vpcflowlogs_eu-west-1_fl-test_20231114T2215Z_/);
    const text = gunzipSync(readFileSync(files[0]!)).toString('utf8');
    expect(text).toBe(
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
        '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 1 443 6 10 1000 1700000000 1700000010 ACCEPT OK\n' +
        '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 3 443 6 10 1000 1700000000 1700000010 ACCEPT OK\n',
    );
    expect(w.recordsWritten).toBe(4);
    expect(w.files.length).toBe(3);
  });

  it('closes finished windows on tick() and reproduces the same names', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlogs-'));
    let now = 1700000100;
    const w = new FlowLogFileWriter({ dir, format: parseLogFormat('${version} ${vpc-id} ${srcaddr} ${tcp-flags}'), clock: () => now });
    w.write(rec({}));
    now += 300;
    w.tick();
    await new Promise((r) => setTimeout(r, 100));
    expect(w.files.length).toBe(1);
    expect(existsSync(w.files[0]!)).toBe(true);
    expect(gunzipSync(readFileSync(w.files[0]!)).toString()).toBe('version vpc-id srcaddr tcp-flags\n3 vpc-1 10.0.0.1 19\n');
    await w.close();
    const again = new FlowLogFileWriter({ dir, format: parseLogFormat(DEFAULT_LOG_FORMAT), clock: () => 1700000100 });
    expect(again.filePath('123456789012', 'us-east-1', 1700000100)).toBe(w.files[0]);
  });
});

describe('FlowLogFileWriter write failures', () => {
  it('a directory that cannot be created (a file in the way): counted, records dropped, never thrown; resumes when it is gone', async () => {
    const { OutputErrors } = await import('../../src/output/output-errors.js');
    const { writeFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlogs-'));
    writeFileSync(path.join(dir, 'AWSLogs'), 'not a directory');
    const errors = new OutputErrors();
    const now = 1700000100;
    const w = new FlowLogFileWriter({ dir, format: parseLogFormat(DEFAULT_LOG_FORMAT), clock: () => now, errors, retryMs: 0 });
    w.write(rec({ srcport: 1 }));
    w.write(rec({ srcport: 2 }));
    expect(errors.errorSeries().map((e) => [e.output, e.code])).toEqual([['flow_log', 'ENOTDIR']]);
    expect(w.recordsDropped).toBe(2);
    rmSync(path.join(dir, 'AWSLogs'));
    w.write(rec({ srcport: 3 }));
    await w.close();
    expect(w.recordsWritten).toBe(1);
    const files = walk(dir);
    expect(files).toHaveLength(1);
    expect(gunzipSync(readFileSync(files[0]!)).toString('utf8').split('\n')[1]).toContain(' 3 443 ');
  });
});

describe('FlowLogFileWriter on a full filesystem', () => {
  const fs = mountTmpfs(64);
  afterAll(() => fs?.unmount());
  it.skipIf(fs === null)('ENOSPC: close() does not throw or hang, written + dropped = given, no .tmp left; a later file succeeds once space returns', async () => {
    const { OutputErrors } = await import('../../src/output/output-errors.js');
    const { unlinkSync } = await import('node:fs');
    const dir = fs!.dir;
    const errors = new OutputErrors();
    let now = 1700000100;
    const w = new FlowLogFileWriter({ dir, format: parseLogFormat(DEFAULT_LOG_FORMAT), clock: () => now, errors, retryMs: 0 });
    // Directories first (they take inodes, not blocks), then fill every block.
    w.write(rec({ srcport: 1 }));
    const filler = fillUp(dir);
    // Enough records that their compressed bytes need more blocks than the file already has.
    for (let i = 0; i < 3000; i++) w.write(rec({ srcport: 1000 + i, dstport: (i * 7919) % 65536 }));
    now += 300; // window ends: the file is finished and fails on its first block
    w.tick();
    const deadline = Date.now() + 20000;
    while (errors.total('flow_log') === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(errors.errorSeries()).toEqual([{ output: 'flow_log', code: 'ENOSPC', count: expect.any(Number) }]);
    // Writes are synchronous: a failed file's .tmp is removed at once, which frees its blocks,
    // so a retry may complete a smaller file. Nothing is lost silently: every record is either
    // in a complete file or counted as dropped.
    expect(w.recordsDropped).toBeGreaterThan(0);
    expect(w.recordsWritten + w.recordsDropped).toBe(3001);
    const written = w.recordsWritten;
    unlinkSync(filler);
    w.write(rec({ srcport: 7 }));
    await w.close();
    expect(w.recordsWritten).toBe(written + 1);
    const files = walk(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(written > 0 ? 2 : 1);
  });
});
