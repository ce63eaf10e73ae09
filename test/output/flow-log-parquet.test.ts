/**
 * Parquet flow logs (issue 17 item 4): one capture built here is replayed twice, as gzip text and
 * as Parquet with Hive-compatible hourly partitions. The Parquet files are laid out and named
 * as AWS delivers them, read back by an independent engine (DuckDB, the way Athena users query
 * them) with AWS's column names and types, and hold the same values as the text files; `flows
 * query` gives the same answers over either.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { run as replayRun } from '../../src/cli/commands/replay.js';
import { run as flowsRun } from '../../src/cli/commands/flows.js';
import { parseFlowLogText } from '../../src/query/flow-log-reader.js';
import { ParquetFlowLogFile, parquetColumnName, parquetTypeOf } from '../../src/output/flow-log-parquet.js';
import { ParquetEncoder } from '../../src/output/parquet-encoder.js';
import { parseLogFormat, type FlowLogRecord } from '../../src/output/flow-log-record.js';
import { loadConfig } from '../../src/config/load.js';
import { awsVxlan, eth, ipv4, tcp } from '../decode/builders.js';
import { pcapFile } from '../source/capture-builders.js';
import { captureStdout } from '../helpers/stdout.js';
import { ipRangesDocument } from '../aws/ip-ranges-fixture.js';
import { fillUp, mountTmpfs } from '../helpers/tmpfs.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-parquet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

// DuckDB ships a native binary per platform (an npm package): where it cannot load, the
// read-back tests skip with a notice instead of failing.
type DuckConn = { runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }> };
let duck: DuckConn | null = null;
let duckError = '';
try {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  duck = (await db.connect()) as unknown as DuckConn;
} catch (err) {
  duckError = (err as Error).message;
  console.warn(`NOTICE: @duckdb/node-api cannot load here (${duckError}): the DuckDB read-back tests of Parquet flow logs are skipped`);
}

const ENI = '10.0.1.10';
// 2024-11-30T20:54:00Z: the capture crosses into the next hour (two hour partitions).
const T0 = 1733000040;

function pkt(src: string, dst: string, sport: number, dport: number, flags: number, len = 0): Uint8Array {
  return awsVxlan(eth({ type: 0x0800 }, ipv4({ proto: 6, src, dst }, tcp({ sport, dport, flags }, new Uint8Array(len)))), 7);
}

function frames(): { tsSec: number; tsFrac: number; data: Uint8Array }[] {
  const out: { tsSec: number; tsFrac: number; data: Uint8Array }[] = [];
  const dsts = ['52.216.10.5', '3.248.0.10', '10.1.0.5', '198.51.100.7'];
  for (const [h, base] of [
    [0, T0],
    [1, T0 + 600],
  ] as const) {
    dsts.forEach((dst, i) => {
      const sport = 40000 + h * 10 + i;
      out.push({ tsSec: base + i, tsFrac: 0, data: pkt(ENI, dst, sport, 443, 0x02, 100 * (i + 1)) });
      out.push({ tsSec: base + i, tsFrac: 500000, data: pkt(dst, ENI, 443, sport, 0x12, 10 * (i + 1)) });
    });
    // A packet two minutes on closes the first minute's interval while the clock is still in
    // the first hour: its records are delivered in a file of that hour (as AWS delivers them).
    if (h === 0) out.push({ tsSec: base + 120, tsFrac: 0, data: pkt(ENI, '198.51.100.9', 40100, 80, 0x02) });
  }
  return out;
}

const FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ' +
  '${vpc-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}';

function fixtures(): { pcap: string; config: string; ranges: string } {
  const dir = mkdtempSync(path.join(tmp, 'case-'));
  const pcap = path.join(dir, 'c.pcap');
  writeFileSync(pcap, pcapFile(frames()));
  const ranges = path.join(dir, 'ip-ranges.json');
  writeFileSync(
    ranges,
    ipRangesDocument(
      [
        ['52.216.0.0/15', 'us-east-1', 'AMAZON'],
        ['52.216.0.0/15', 'us-east-1', 'S3'],
        ['3.248.0.0/13', 'eu-west-1', 'EC2'],
      ],
      [],
    ),
  );
  const config = path.join(dir, 'mirrorsink.yaml');
  writeFileSync(
    config,
    [
      'sessions:',
      '  - name: eni-a',
      '    vni: 7',
      '    eni: eni-0a1b2c3d4e5f60101',
      `    addresses: [${ENI}]`,
      '    direction_mode: addresses',
      '    account_id: "123456789012"',
      '    vpc_id: vpc-0a1b2c3d4e5f60000',
      '    region: us-east-1',
      'aws:',
      '  vpc_cidrs: [10.0.0.0/16]',
      '  traffic_paths:',
      '    internet_gateway: [0.0.0.0/0]',
      '    gateway_endpoint: [52.216.0.0/15]',
      '    intra_region_peering: [10.1.0.0/16]',
      '',
    ].join('\n'),
  );
  return { pcap, config, ranges };
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

const f = fixtures();
const textDir = path.join(tmp, 'text');
const pqDir = path.join(tmp, 'parquet');
const common = [f.pcap, '--config', f.config, '--aws-ip-ranges', f.ranges, '--aggregation', '60', '--log-format', FORMAT, '--no-rules', '--json', '--quiet'];
const r1 = await captureStdout(() => replayRun([...common, '--flows-dir', textDir]));
const r2 = await captureStdout(() => replayRun([...common, '--flows-dir', pqDir, '--flows-file-format', 'parquet', '--hive-compatible-partitions', '--per-hour-partition']));

/** The text files' records, as the query reader reads them (numbers, null for '-'). */
function textRecords(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const file of walk(textDir)) rows.push(...parseFlowLogText(gunzipSync(readFileSync(file)).toString('utf8')));
  return rows;
}

const sortKey = (r: Record<string, unknown>) => `${String(r.start).padStart(12)} ${r.srcAddr} ${r.dstAddr} ${r.srcPort} ${r.logStatus}`;

describe('Parquet flow-log files', () => {
  it('replays into AWS-named files under Hive-compatible hourly partitions', () => {
    expect(r1.code).toBe(0);
    expect(r2.code).toBe(0);
    const files = walk(pqDir).map((p) => path.relative(pqDir, p));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const re =
      /^AWSLogs\/aws-account-id=123456789012\/aws-service=vpcflowlogs\/aws-region=us-east-1\/year=2024\/month=11\/day=30\/hour=(20|21)\/123456789012_vpcflowlogs_us-east-1_fl-mirrorsink_20241130T(\d{4})Z_[0-9a-f]{8}\.log\.parquet$/;
    for (const p of files) expect(p).toMatch(re);
    // Both hours of the capture have their partition; the file's stamp is in its hour.
    const hours = new Set(files.map((p) => re.exec(p)![1]));
    expect([...hours].sort()).toEqual(['20', '21']);
    for (const p of files) {
      const m = re.exec(p)!;
      expect(m[2]!.slice(0, 2)).toBe(m[1]);
    }
    // The text files keep AWS's default layout.
    for (const p of walk(textDir)) expect(path.relative(textDir, p)).toMatch(/^AWSLogs\/123456789012\/vpcflowlogs\/us-east-1\/2024\/11\/30\/123456789012_vpcflowlogs_us-east-1_fl-mirrorsink_20241130T\d{4}Z_[0-9a-f]{8}\.log\.gz$/);
  });

  it('has AWS column names and Parquet types (INT_32, INT_64, STRING), all optional, GZIP pages', () => {
    const file = walk(pqDir)[0]!;
    const buf = readFileSync(file);
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    const cols = meta.schema.slice(1).map((e) => `${e.name}:${e.type}${e.converted_type === 'UTF8' ? '/UTF8' : ''}:${e.repetition_type}`);
    expect(cols).toEqual(
      parseLogFormat(FORMAT).fields.map((d) => {
        const t = parquetTypeOf(d);
        return `${parquetColumnName(d)}:${t === 'STRING' ? 'BYTE_ARRAY/UTF8' : t}:OPTIONAL`;
      }),
    );
    expect(cols.slice(0, 14).join(' ')).toBe(
      'version:INT32:OPTIONAL account_id:BYTE_ARRAY/UTF8:OPTIONAL interface_id:BYTE_ARRAY/UTF8:OPTIONAL srcaddr:BYTE_ARRAY/UTF8:OPTIONAL ' +
        'dstaddr:BYTE_ARRAY/UTF8:OPTIONAL srcport:INT32:OPTIONAL dstport:INT32:OPTIONAL protocol:INT32:OPTIONAL packets:INT64:OPTIONAL ' +
        'bytes:INT64:OPTIONAL start:INT64:OPTIONAL end:INT64:OPTIONAL action:BYTE_ARRAY/UTF8:OPTIONAL log_status:BYTE_ARRAY/UTF8:OPTIONAL',
    );
    expect(cols).toContain('traffic_path:INT32:OPTIONAL');
    expect(cols).toContain('pkt_dst_aws_service:BYTE_ARRAY/UTF8:OPTIONAL');
    expect(meta.row_groups[0]!.columns.every((c) => c.meta_data?.codec === 'GZIP')).toBe(true);
  });

  it('flows query reads the Parquet files and answers as over the text files', async () => {
    const queries = [
      'stats sum(bytes) as b, count(*) as n by interfaceId, flowDirection, pktDstAwsService, trafficPath | sort b desc',
      'filter flowDirection = "egress" | stats sum(bytes) as b by pktDstAwsService, bin(1h) | sort b desc',
      'fields @message, srcAddr, packets, start | sort @message',
    ];
    for (const q of queries) {
      const a = await captureStdout(() => flowsRun(['query', q, textDir, '--json']));
      const b = await captureStdout(() => flowsRun(['query', q, pqDir, '--json']));
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      expect(b.out).toBe(a.out);
      expect(a.out.trim().length).toBeGreaterThan(0);
    }
    // The new AWS fields are there to be queried (8: internet gateway, 7: gateway endpoint, 4: peering).
    const s = await captureStdout(() => flowsRun(['query', 'filter flowDirection = "egress" and logStatus = "OK" | stats sum(bytes) as b by pktDstAwsService, trafficPath | sort b desc', pqDir, '--json']));
    const rows = s.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => `${r.pktDstAwsService}/${r.trafficPath}`).sort()).toEqual(['EC2/8', 'S3/7', 'null/4', 'null/8'].sort());
  });

  describe.skipIf(duck === null)('read back by DuckDB (read_parquet, hive_partitioning)', () => {
    const glob = `${pqDir.replace(/'/g, "''")}/**/*.parquet`;

    it('has the values of the text output of the same replay', async () => {
      const res = await duck!.runAndReadAll(`SELECT * FROM read_parquet('${glob}', hive_partitioning=true)`);
      const fields = parseLogFormat(FORMAT).fields;
      const got = res.getRowObjects().map((r) => {
        const row: Record<string, unknown> = {};
        for (const d of fields) {
          const v = r[parquetColumnName(d)];
          row[d.insights] = typeof v === 'bigint' ? Number(v) : (v ?? null);
        }
        return row;
      });
      const want = textRecords().map((r) => {
        const row: Record<string, unknown> = {};
        for (const d of fields) row[d.insights] = r[d.insights] ?? null;
        return row;
      });
      expect(got.length).toBe(want.length);
      expect(got.length).toBeGreaterThan(10);
      got.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      want.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      expect(got).toEqual(want);
    });

    it('partitions and column types as Athena tables expect them', async () => {
      const d = await duck!.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning=true)`);
      const types = Object.fromEntries(d.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]));
      expect(types).toMatchObject({ version: 'INTEGER', srcport: 'INTEGER', protocol: 'INTEGER', packets: 'BIGINT', bytes: 'BIGINT', start: 'BIGINT', end: 'BIGINT', tcp_flags: 'INTEGER', traffic_path: 'INTEGER', account_id: 'VARCHAR', pkt_dst_aws_service: 'VARCHAR' });
      expect(Object.keys(types)).toEqual(expect.arrayContaining(['aws-account-id', 'aws-service', 'aws-region', 'year', 'month', 'day', 'hour']));
    });

    it("answers the guide's query: bytes to each AWS service per hour", async () => {
      // The operator guide's query (docs/operator-guide.md), over the partitions.
      const res = await duck!.runAndReadAll(
        `SELECT "hour", pkt_dst_aws_service AS service, sum(bytes) AS bytes FROM read_parquet('${glob}', hive_partitioning=true)
         WHERE flow_direction = 'egress' AND pkt_dst_aws_service IS NOT NULL GROUP BY ALL ORDER BY "hour", service`,
      );
      const got = res.getRowObjects().map((r) => `${String(r.hour)} ${String(r.service)} ${Number(r.bytes)}`);
      const want = new Map<string, number>();
      for (const r of textRecords()) {
        if (r.flowDirection !== 'egress' || r.pktDstAwsService === null) continue;
        const hour = new Date((r.start as number) * 1000).toISOString().slice(11, 13);
        const k = `${hour} ${String(r.pktDstAwsService)}`;
        want.set(k, (want.get(k) ?? 0) + (r.bytes as number));
      }
      expect(got).toEqual([...want].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `${k} ${v}`));
      expect(got.length).toBe(4); // S3 and EC2, in each of the two hours
    });
  });
});

describe('ParquetFlowLogFile', () => {
  const fmt = parseLogFormat('${version} ${srcaddr} ${packets} ${bytes} ${start} ${end} ${log-status} ${traffic-path}');
  const rec = (i: number): FlowLogRecord => ({
    accountId: null, interfaceId: null, srcaddr: i % 3 === 0 ? null : `10.0.0.${i % 250}`, dstaddr: null, srcport: null, dstport: null, protocol: null,
    packets: i % 3 === 0 ? null : i, bytes: i * 2 ** 33, start: 1700000000 + i, end: 1700000000 + i, action: null, logStatus: i % 3 === 0 ? 'NODATA' : 'OK',
    vpcId: null, subnetId: null, instanceId: null, tcpFlags: null, type: null, pktSrcaddr: null, pktDstaddr: null, region: null, azId: null, flowDirection: null,
    trafficPath: i % 2 === 0 ? 8 : null, session: null,
  });

  it('writes a row group every rowGroupRows records (bounded memory) and keeps nulls and 64-bit values', async () => {
    const file = path.join(tmp, 'rg.parquet');
    const encoder = new ParquetEncoder({ maxQueued: 1 });
    const pq = new ParquetFlowLogFile(file, fmt, encoder, 100);
    for (let i = 0; i < 250; i++) {
      pq.add(rec(i));
      expect(pq.buffered).toBeLessThan(100);
    }
    await pq.close();
    await encoder.terminate();
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    const meta = parquetMetadata(ab);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([100, 100, 50]);
    const { gunzipSync: gz } = await import('node:zlib');
    const rows = await parquetReadObjects({ file: ab, compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gz(b)) } });
    expect(rows.length).toBe(250);
    expect(rows[3]).toMatchObject({ version: fmt.version, srcaddr: null, packets: null, bytes: BigInt(3 * 2 ** 33), log_status: 'NODATA', traffic_path: null });
    expect(rows[4]).toMatchObject({ srcaddr: '10.0.0.4', packets: 4n, traffic_path: 8 });
  });
});

describe('flows.log Parquet options in the configuration', () => {
  it('reads file_format, hive_compatible_partitions and per_hour_partition', () => {
    const dir = mkdtempSync(path.join(tmp, 'cfg-'));
    const p = path.join(dir, 'c.yaml');
    writeFileSync(p, 'flows:\n  log:\n    dir: out\n    file_format: parquet\n    hive_compatible_partitions: true\n    per_hour_partition: yes\n');
    const c = loadConfig({ file: p, env: {} });
    expect(c.config.flows!.log).toMatchObject({ fileFormat: 'parquet', hiveCompatiblePartitions: true, perHourPartition: true });
    writeFileSync(p, 'flows:\n  log:\n    dir: out\n');
    expect(loadConfig({ file: p, env: {} }).config.flows!.log).toMatchObject({ fileFormat: 'plain-text', hiveCompatiblePartitions: false, perHourPartition: false });
  });

  it('names file, line and key of a bad value', () => {
    const dir = mkdtempSync(path.join(tmp, 'cfg-'));
    const p = path.join(dir, 'c.yaml');
    writeFileSync(p, 'flows:\n  log:\n    dir: out\n    file_format: orc\n    per_hour_partition: hourly\n');
    let msg = '';
    try {
      loadConfig({ file: p, env: {} });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain(`${p}:4`);
    expect(msg).toContain('flows.log.file_format');
    expect(msg).toContain('plain-text, parquet');
    expect(msg).toContain(`${p}:5`);
    expect(msg).toContain('flows.log.per_hour_partition');
  });
});

describe('Parquet flow-log files: failures', () => {
  const fmt = parseLogFormat('${version} ${srcaddr} ${bytes} ${start} ${log-status} ${pkt-src-aws-service}');
  const rec = (srcport: number): FlowLogRecord => ({
    accountId: '123456789012', interfaceId: 'eni-0aaa', srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', srcport, dstport: 443, protocol: 6, packets: 1, bytes: 60,
    start: 1700000000, end: 1700000000, action: 'ACCEPT', logStatus: 'OK', vpcId: null, subnetId: null, instanceId: null, tcpFlags: 2, type: 'IPv4',
    pktSrcaddr: null, pktDstaddr: null, region: 'us-east-1', azId: null, flowDirection: null, session: null,
  });

  it('a directory that cannot be created: counted and dropped, never thrown; the next file is whole (an all-null column too)', async () => {
    const { OutputErrors } = await import('../../src/output/output-errors.js');
    const { FlowLogFileWriter } = await import('../../src/output/flow-log-files.js');
    const dir = mkdtempSync(path.join(tmp, 'fail-'));
    writeFileSync(path.join(dir, 'AWSLogs'), 'not a directory');
    const errors = new OutputErrors();
    const w = new FlowLogFileWriter({ dir, format: fmt, clock: () => 1700000100, errors, retryMs: 0, fileFormat: 'parquet' });
    w.write(rec(1));
    w.write(rec(2));
    expect(errors.errorSeries().map((e) => [e.output, e.code])).toEqual([['flow_log', 'ENOTDIR']]);
    expect(w.recordsDropped).toBe(2);
    rmSync(path.join(dir, 'AWSLogs'));
    w.write(rec(3));
    await w.close();
    expect(w.recordsWritten).toBe(1);
    const files = walk(dir);
    expect(files.map((p) => path.basename(p))).toEqual([expect.stringMatching(/^123456789012_vpcflowlogs_us-east-1_fl-mirrorsink_20231114T2215Z_[0-9a-f]{8}\.log\.parquet$/)]);
    const q = await captureStdout(() => flowsRun(['query', 'fields srcAddr, bytes, pktSrcAwsService, @message', dir, '--json']));
    expect(q.code).toBe(0);
    expect(JSON.parse(q.out.trim())).toEqual({ srcAddr: '10.0.0.1', bytes: 60, pktSrcAwsService: null, '@message': `${fmt.version} 10.0.0.1 60 1700000000 OK -` });
  });

  it('flows query refuses a truncated Parquet file with its name and reason', async () => {
    const dir = mkdtempSync(path.join(tmp, 'trunc-'));
    const good = walk(pqDir)[0]!;
    const buf = readFileSync(good);
    const bad = path.join(dir, 'x.log.parquet');
    writeFileSync(bad, buf.subarray(0, Math.floor(buf.length / 2)));
    // The CLI's main turns this error into its one-line message and exit code.
    await expect(captureStdout(() => flowsRun(['query', 'stats count(*)', dir]))).rejects.toThrow(`${bad}: not a complete Parquet file (no PAR1 footer)`);
  });
});

describe('Parquet flow-log files on a full filesystem', () => {
  const fs = mountTmpfs(64);
  afterAll(() => fs?.unmount());
  it.skipIf(fs === null)('ENOSPC in the encoder thread: counted, records dropped, no .tmp left, close() does not hang; the next file succeeds', async () => {
    const { OutputErrors } = await import('../../src/output/output-errors.js');
    const { FlowLogFileWriter } = await import('../../src/output/flow-log-files.js');
    const { unlinkSync } = await import('node:fs');
    const fmt = parseLogFormat('${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${bytes} ${start} ${log-status}');
    const rec = (i: number): FlowLogRecord => ({
      accountId: '123456789012', interfaceId: null, srcaddr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dstaddr: `172.16.${(i * 7) & 255}.${(i * 13) & 255}`,
      srcport: (i * 7919) % 65536, dstport: (i * 104729) % 65536, protocol: 6, packets: 1, bytes: (i * 31337) % 100000, start: 1700000000 + i, end: 1700000000 + i,
      action: 'ACCEPT', logStatus: 'OK', vpcId: null, subnetId: null, instanceId: null, tcpFlags: null, type: null, pktSrcaddr: null, pktDstaddr: null,
      region: 'us-east-1', azId: null, flowDirection: null, session: null,
    });
    const errors = new OutputErrors();
    let now = 1700000100;
    const w = new FlowLogFileWriter({ dir: fs!.dir, format: fmt, clock: () => now, errors, retryMs: 0, fileFormat: 'parquet', parquetRowGroupRows: 512 });
    w.write(rec(0));
    const filler = fillUp(fs!.dir);
    for (let i = 1; i < 3000; i++) w.write(rec(i));
    now += 300;
    w.tick();
    await w.settled();
    expect(errors.errorSeries()).toEqual([{ output: 'flow_log', code: 'ENOSPC', count: 1 }]);
    expect(w.recordsDropped).toBe(3000);
    expect(w.recordsWritten).toBe(0);
    unlinkSync(filler);
    w.write(rec(7));
    await w.close();
    expect(w.recordsWritten).toBe(1);
    const files = walk(fs!.dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.log.parquet'))).toHaveLength(1);
  });
});

describe('Parquet flow-log files in serve (wall clock, tick)', () => {
  it('tick() closes a window: the file is renamed once the encoder thread has written it, without close()', async () => {
    const { FlowLogFileWriter } = await import('../../src/output/flow-log-files.js');
    const dir = mkdtempSync(path.join(tmp, 'tick-'));
    const fmt = parseLogFormat('${version} ${srcaddr} ${bytes} ${start} ${log-status}');
    let now = 1700000100;
    const w = new FlowLogFileWriter({ dir, format: fmt, clock: () => now, fileFormat: 'parquet', perHourPartition: true });
    for (let i = 0; i < 20000; i++) {
      w.write({
        accountId: '123456789012', interfaceId: null, srcaddr: `10.0.${i >> 8 & 255}.${i & 255}`, dstaddr: null, srcport: null, dstport: null, protocol: null,
        packets: 1, bytes: i, start: 1700000000 + i, end: 1700000000 + i, action: 'ACCEPT', logStatus: 'OK', vpcId: null, subnetId: null, instanceId: null,
        tcpFlags: null, type: null, pktSrcaddr: null, pktDstaddr: null, region: 'us-east-1', azId: null, flowDirection: null, session: null,
      });
    }
    // Two row groups handed over already, the rest buffered: bounded memory per open file.
    expect(w.bufferedRecords()).toBe(20000 - 2 * 8192);
    now += 300;
    w.tick();
    await w.settled();
    expect(w.recordsWritten).toBe(20000);
    expect(w.files.map((p) => path.relative(dir, p))).toEqual([
      expect.stringMatching(/^AWSLogs\/123456789012\/vpcflowlogs\/us-east-1\/2023\/11\/14\/22\/123456789012_vpcflowlogs_us-east-1_fl-mirrorsink_20231114T2215Z_[0-9a-f]{8}\.log\.parquet$/),
    ]);
    const q = await captureStdout(() => flowsRun(['query', 'stats count(*) as n, sum(bytes) as b', dir, '--json']));
    expect(JSON.parse(q.out)).toEqual({ n: 20000, b: (19999 * 20000) / 2 });
    await w.close();
  });
});
