/**
 * Flow-log files laid out as VPC Flow Logs delivers them to S3: one file per account, region
 * and 5-minute window,
 *
 *   DIR/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]
 *     {account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
 *
 * or with Hive-compatible partitions (AWS's HiveCompatiblePartitions)
 *
 *   DIR/AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/
 *     year={yyyy}/month={mm}/day={dd}/[hour={HH}/]...
 *
 * the hour level only with per-hour partitions (PerHourPartition). Text files (plain-text) are
 * gzip and start with the header line of the format's field names; Parquet files
 * (`.log.parquet`, see flow-log-parquet.ts) carry the fields as typed columns. Tools that read
 * AWS's bucket (Athena tables, DuckDB, `aws s3 sync` + zcat, our `flows query`) read these
 * unchanged.
 *
 * The window comes from an injectable clock: packet time for replay (deterministic output),
 * wall time for serve. A file is written to `NAME.tmp` and renamed when its window closes, so
 * a reader never sees half a gzip stream. The hash is derived from the file's identity
 * (id, account, region, window): a replay of the same capture reproduces the same names.
 *
 * Lines are streamed: each record is encoded straight to bytes (no strings per field) into one
 * bounded chunk per open file, deflated and written when full (see chunked-gzip-file.ts), so
 * memory does not grow with the records of a window.
 *
 * Write failures (ENOSPC, EACCES, a vanished directory...) never throw and never stop the
 * sink: the failed file is abandoned (its .tmp removed), its records and those arriving in the
 * next `retryMs` are dropped and counted, the error is counted in OutputErrors ("flow_log",
 * code), and the next record after that starts the file again. `recordsWritten` counts a
 * file's records only once the file is complete on disk (renamed), so it never counts what a
 * failure lost. Writes are synchronous and bounded (one chunk), so close() cannot hang.
 */
import { mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { ChunkedGzipFile } from './chunked-gzip-file.js';
import { errnoCode, outputErrors, type OutputErrors } from './output-errors.js';
import { encodeFlowLogRecord, formatFlowLogRecord, type FlowLogFormat, type FlowLogRecord } from './flow-log-record.js';
import { ParquetFlowLogFile } from './flow-log-parquet.js';
import { ParquetEncoder } from './parquet-encoder.js';
import type { FlowLogFileFormat } from '../config/schema.js';

export interface FlowLogFileOptions {
  dir: string;
  format: FlowLogFormat;
  /** Seconds since the epoch: packet time (replay) or wall time (serve). */
  clock: () => number;
  /** The flow log's id in file names. Default "fl-mirrorsink". */
  flowLogId?: string;
  /** Window length in seconds. Default 300 (AWS delivers every 5 minutes). */
  rotateSec?: number;
  /** Path components for records that carry no account / region. */
  accountId?: string;
  region?: string;
  /** After a failed file, drop records this long before trying a new file. Default 1000 ms. */
  retryMs?: number;
  /** Where write errors and drops are counted (default: the process's outputErrors). */
  errors?: OutputErrors;
  /** plain-text (gzip, default) or parquet. */
  fileFormat?: FlowLogFileFormat;
  /** `key=value` path levels (AWS's Hive-compatible S3 prefixes). */
  hiveCompatiblePartitions?: boolean;
  /** An hour level under the day. */
  perHourPartition?: boolean;
  /** Parquet: records per row group (bounds memory and each encoding pause). */
  parquetRowGroupRows?: number;
}

const OUTPUT = 'flow_log';

interface OpenFile {
  account: string;
  region: string;
  window: number;
  /** Finished (renamed or failed): no longer in `open`. */
  closed: boolean;
  finalPath: string;
  tmpPath: string;
  /** null once failed (abandoned) or finished (and always for Parquet files). */
  gz: ChunkedGzipFile | null;
  /** The Parquet file (file_format parquet); null once failed or finished. */
  pq: ParquetFlowLogFile | null;
  records: number;
  /** A write failed: `failedAt` (ms, wall time) paces the retry. */
  failed: boolean;
  failedAt: number;
}

const p2 = (n: number) => String(n).padStart(2, '0');

export class FlowLogFileWriter {
  /** Completed files, in the order they were closed. */
  readonly files: string[] = [];
  /** Records in files complete on disk. */
  recordsWritten = 0;
  /** Records lost to write failures. */
  recordsDropped = 0;
  /** Failed file writes, opens, renames. */
  writeErrors = 0;
  private readonly open = new Map<string, OpenFile>();
  /** The file the previous record went to. */
  private last: OpenFile | null = null;
  /** One encoded line (reused): lines longer than this take the string path. */
  private readonly line = new Uint8Array(2048);
  private readonly errors: OutputErrors;
  private readonly rotateSec: number;
  private readonly flowLogId: string;
  private closed = false;
  /** Parquet: the encoder thread (started with the first file) and the files it is closing. */
  private encoder: ParquetEncoder | null = null;
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly opts: FlowLogFileOptions) {
    this.rotateSec = opts.rotateSec ?? 300;
    this.flowLogId = opts.flowLogId ?? 'fl-mirrorsink';
    this.errors = opts.errors ?? outputErrors;
  }

  /** Records in open files, not yet on disk. */
  get recordsPending(): number {
    let n = 0;
    for (const f of this.open.values()) n += f.records;
    return n;
  }

  write(rec: FlowLogRecord): void {
    if (this.closed) throw new MirrorsinkError(ErrorCode.Usage, 'flow-log files: write after close');
    const account = rec.accountId ?? this.opts.accountId ?? 'unknown';
    const region = rec.region ?? this.opts.region ?? 'unknown';
    const window = this.windowNow();
    let f = this.last;
    // Records come in runs of one account and region: skip the key and map lookup for those.
    if (f === null || f.account !== account || f.region !== region || f.closed) {
      f = this.open.get(`${account}\u0000${region}`) ?? null;
    }
    if (f !== null && window > f.window) {
      this.finish(f);
      this.open.delete(`${account}\u0000${region}`);
      f = null;
    }
    if (f !== null && f.failed) {
      // Disk full (or similar): do not reopen per record, try again after retryMs.
      if (Date.now() - f.failedAt < (this.opts.retryMs ?? 1000)) {
        this.last = f;
        this.drop(1);
        return;
      }
      f.closed = true;
      this.open.delete(`${account}\u0000${region}`);
      f = null;
    }
    if (f === null) {
      f = this.start(account, region, window);
      this.open.set(`${account}\u0000${region}`, f);
    }
    this.last = f;
    if (f.pq !== null) {
      try {
        f.pq.add(rec);
      } catch (err) {
        f.records++;
        this.abandon(f, err);
        return;
      }
      f.records++;
      return;
    }
    if (f.gz === null) {
      this.drop(1);
      return;
    }
    try {
      const n = encodeFlowLogRecord(rec, this.opts.format, this.line);
      if (n >= 0) f.gz.writeBytes(this.line, n);
      else f.gz.write(formatFlowLogRecord(rec, this.opts.format) + '\n');
    } catch (err) {
      f.records++;
      this.abandon(f, err);
      return;
    }
    f.records++;
  }

  /** Text held in memory, not yet compressed: at most one chunk per open file. */
  bufferedChars(): number {
    let n = 0;
    for (const f of this.open.values()) if (f.gz !== null) n += f.gz.buffered;
    return n;
  }

  /** Parquet records held in memory, not yet encoded: at most one row group per open file. */
  bufferedRecords(): number {
    let n = 0;
    for (const f of this.open.values()) if (f.pq !== null) n += f.pq.buffered;
    return n;
  }

  /** Close files whose window has passed (serve: call from a timer). */
  tick(): void {
    const window = this.windowNow();
    for (const [key, f] of this.open) {
      if (window > f.window) {
        this.finish(f);
        this.open.delete(key);
      }
    }
  }

  /** Close every file (each on disk, or counted as failed). Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.open.values()) this.finish(f);
    this.open.clear();
    await this.settled();
    if (this.encoder !== null) await this.encoder.terminate();
  }

  /** Every Parquet file handed to the encoder is on disk (or counted as failed). */
  async settled(): Promise<void> {
    while (this.closing.size > 0) await Promise.all([...this.closing]);
  }

  private windowNow(): number {
    const now = Math.floor(this.opts.clock());
    return now - (((now % this.rotateSec) + this.rotateSec) % this.rotateSec);
  }

  /** The path a file for (account, region, window) gets. */
  filePath(account: string, region: string, window: number): string {
    const d = new Date(window * 1000);
    const yyyy = String(d.getUTCFullYear());
    const mm = p2(d.getUTCMonth() + 1);
    const dd = p2(d.getUTCDate());
    const stamp = `${yyyy}${mm}${dd}T${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}Z`;
    const parquet = this.opts.fileFormat === 'parquet';
    // The format is part of the identity: a text and a Parquet file of one window differ.
    const hash = createHash('sha256')
      .update(`${this.flowLogId}|${account}|${region}|${window}${parquet ? '|parquet' : ''}`)
      .digest('hex')
      .slice(0, 8);
    const name = `${account}_vpcflowlogs_${region}_${this.flowLogId}_${stamp}_${hash}.log.${parquet ? 'parquet' : 'gz'}`;
    const hh = p2(d.getUTCHours());
    const hour = this.opts.perHourPartition === true;
    const levels = this.opts.hiveCompatiblePartitions === true
      ? [`aws-account-id=${account}`, 'aws-service=vpcflowlogs', `aws-region=${region}`, `year=${yyyy}`, `month=${mm}`, `day=${dd}`, ...(hour ? [`hour=${hh}`] : [])]
      : [account, 'vpcflowlogs', region, yyyy, mm, dd, ...(hour ? [hh] : [])];
    return path.join(this.opts.dir, 'AWSLogs', ...levels, name);
  }

  private start(account: string, region: string, window: number): OpenFile {
    const finalPath = this.filePath(account, region, window);
    const tmpPath = finalPath + '.tmp';
    const f: OpenFile = { account, region, window, closed: false, finalPath, tmpPath, gz: null, pq: null, records: 0, failed: false, failedAt: 0 };
    try {
      mkdirSync(path.dirname(finalPath), { recursive: true });
      if (this.opts.fileFormat === 'parquet') {
        this.encoder ??= new ParquetEncoder();
        f.pq = new ParquetFlowLogFile(tmpPath, this.opts.format, this.encoder, this.opts.parquetRowGroupRows);
      } else {
        f.gz = new ChunkedGzipFile(tmpPath);
        f.gz.write(this.opts.format.header + '\n');
      }
    } catch (err) {
      this.abandon(f, err);
    }
    return f;
  }

  private finish(f: OpenFile): void {
    f.closed = true;
    if (f.gz === null && f.pq === null) return;
    if (f.pq !== null) {
      // Encoded and written in the encoder's thread: renamed once it says the file is whole.
      const pq = f.pq;
      f.pq = null;
      const p = pq.close().then(
        () => this.complete(f),
        (err: unknown) => this.abandon(f, err),
      );
      this.closing.add(p);
      void p.finally(() => this.closing.delete(p));
      return;
    }
    this.complete(f);
  }

  /** The file's bytes are all written: rename it into place and count its records. */
  private complete(f: OpenFile): void {
    try {
      if (f.gz !== null) {
        f.gz.close();
        f.gz = null;
      }
      renameSync(f.tmpPath, f.finalPath);
      this.files.push(f.finalPath);
      this.recordsWritten += f.records;
      f.records = 0;
    } catch (err) {
      this.abandon(f, err);
    }
  }

  private drop(records: number): void {
    if (records <= 0) return;
    this.recordsDropped += records;
    this.errors.dropped(OUTPUT, records);
  }

  /** A file failed: count it, drop its records, free it and its half-written .tmp. */
  private abandon(f: OpenFile, err: unknown): void {
    if (f.failed) return;
    f.failed = true;
    f.failedAt = Date.now();
    this.writeErrors++;
    this.errors.error(OUTPUT, errnoCode(err), `${f.tmpPath}: ${err instanceof Error ? err.message : String(err)}`);
    this.drop(f.records);
    f.records = 0;
    f.gz?.abandon();
    f.gz = null;
    f.pq?.abandon();
    f.pq = null;
    try {
      unlinkSync(f.tmpPath);
    } catch {
      // Best effort: it may not exist (open failed) or the directory may be gone.
    }
  }
}
