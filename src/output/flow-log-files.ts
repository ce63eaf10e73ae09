/**
 * Flow-log files laid out as VPC Flow Logs delivers them to S3: one gzip text file per account,
 * region and 5-minute window,
 *
 *   DIR/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/
 *     {account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
 *
 * each starting with the header line of the format's field names. Tools that read AWS's
 * bucket (Athena tables, `aws s3 sync` + zcat, our `flows query`) read these unchanged.
 *
 * The window comes from an injectable clock: packet time for replay (deterministic output),
 * wall time for serve. A file is written to `NAME.tmp` and renamed when its window closes, so
 * a reader never sees half a gzip stream. The hash is derived from the file's identity
 * (id, account, region, window): a replay of the same capture reproduces the same names.
 *
 * Write failures (ENOSPC, EACCES, a vanished directory...) never throw and never stop the
 * sink: the failed file is abandoned (its .tmp removed), its records and those arriving in
 * the next `retryMs` are dropped and counted, the error is counted in OutputErrors
 * ("flow_log", code), and the next record after that starts the file again. `recordsWritten`
 * counts a file's records only once the file is complete on disk (renamed), so it never counts
 * what a failure lost. close() waits at most `closeTimeoutMs`.
 */
import { createWriteStream, mkdirSync, renameSync, unlink, type WriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { errnoCode, outputErrors, type OutputErrors } from './output-errors.js';
import { formatFlowLogRecord, type FlowLogFormat, type FlowLogRecord } from './flow-log-record.js';

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
  /** close() waits at most this long for the files to reach the disk. Default 5000 ms. */
  closeTimeoutMs?: number;
  /** Where write errors and drops are counted (default: the process's outputErrors). */
  errors?: OutputErrors;
}

const OUTPUT = 'flow_log';

interface OpenFile {
  window: number;
  finalPath: string;
  tmpPath: string;
  gzip: Gzip;
  out: WriteStream;
  done: Promise<void>;
  records: number;
  /** A write failed: abandoned; `failedAt` (ms, wall time) paces the retry. */
  failed: boolean;
  failedAt: number;
  /** Closed and renamed (or abandoned): nothing left to wait for. */
  settled: boolean;
}

const p2 = (n: number) => String(n).padStart(2, '0');

export class FlowLogFileWriter {
  /** Completed files, in the order they were closed. */
  readonly files: string[] = [];
  /** Records in files complete on disk. */
  recordsWritten = 0;
  /** Records lost to write failures (or to the close timeout). */
  recordsDropped = 0;
  /** Failed file writes, opens, renames. */
  writeErrors = 0;
  private readonly open = new Map<string, OpenFile>();
  private readonly pending = new Set<Promise<void>>();
  private readonly errors: OutputErrors;
  private readonly rotateSec: number;
  private readonly flowLogId: string;
  private closed = false;

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
    const key = `${account}\u0000${region}`;
    let f = this.open.get(key);
    if (f !== undefined && window > f.window) {
      this.finish(f);
      this.open.delete(key);
      f = undefined;
    }
    if (f !== undefined && f.failed) {
      // Disk full (or similar): do not reopen per record, try again after retryMs.
      if (Date.now() - f.failedAt < (this.opts.retryMs ?? 1000)) {
        this.drop(1);
        return;
      }
      this.open.delete(key);
      f = undefined;
    }
    if (f === undefined) {
      f = this.start(account, region, window);
      this.open.set(key, f);
      if (f.failed) {
        this.drop(1);
        return;
      }
    }
    f.gzip.write(formatFlowLogRecord(rec, this.opts.format) + '\n');
    f.records++;
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

  /**
   * Close every file and wait until they are on disk, at most closeTimeoutMs. Never throws:
   * failures are counted (writeErrors, OutputErrors) and their records in recordsDropped.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = [...this.open.values()];
    for (const f of open) this.finish(f);
    this.open.clear();
    let timer: NodeJS.Timeout | null = null;
    const timedOut = await Promise.race([
      Promise.all([...this.pending]).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.opts.closeTimeoutMs ?? 5000);
      }),
    ]);
    if (timer !== null) clearTimeout(timer);
    if (timedOut) {
      // A stream that never finished (a hung filesystem): give up on it so shutdown ends.
      for (const f of open) {
        if (f.failed || f.settled) continue;
        this.abandon(f, Object.assign(new Error(`${f.tmpPath}: not written within the close timeout`), { code: 'ETIMEDOUT' }));
      }
    }
  }

  private drop(records: number): void {
    if (records <= 0) return;
    this.recordsDropped += records;
    this.errors.dropped(OUTPUT, records);
  }

  private countError(err: unknown, where: string): void {
    this.writeErrors++;
    this.errors.error(OUTPUT, errnoCode(err), `${where}: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** A file failed: count, drop its records, free its memory and its half-written .tmp. */
  private abandon(f: OpenFile, err: unknown): void {
    if (f.failed) return;
    f.failed = true;
    f.failedAt = Date.now();
    this.countError(err, f.tmpPath);
    this.drop(f.records);
    f.records = 0;
    f.gzip.destroy();
    f.out.destroy();
    unlink(f.tmpPath, () => {
      // Best effort: it may not exist (open failed) or the directory may be gone.
    });
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
    const hash = createHash('sha256').update(`${this.flowLogId}|${account}|${region}|${window}`).digest('hex').slice(0, 8);
    const name = `${account}_vpcflowlogs_${region}_${this.flowLogId}_${stamp}_${hash}.log.gz`;
    return path.join(this.opts.dir, 'AWSLogs', account, 'vpcflowlogs', region, yyyy, mm, dd, name);
  }

  private start(account: string, region: string, window: number): OpenFile {
    const finalPath = this.filePath(account, region, window);
    const tmpPath = finalPath + '.tmp';
    let mkdirError: unknown = null;
    try {
      mkdirSync(path.dirname(finalPath), { recursive: true });
    } catch (err) {
      mkdirError = err;
    }
    const gzip = createGzip();
    const out = createWriteStream(tmpPath);
    gzip.pipe(out);
    const f: OpenFile = { window, finalPath, tmpPath, gzip, out, done: Promise.resolve(), records: 0, failed: false, failedAt: 0, settled: false };
    f.done = new Promise<void>((resolve) => {
      const fail = (err: Error) => {
        this.abandon(f, err);
        resolve();
      };
      gzip.on('error', fail);
      out.on('error', fail);
      out.on('close', () => resolve());
    });
    if (mkdirError !== null) this.abandon(f, mkdirError);
    else gzip.write(this.opts.format.header + '\n');
    return f;
  }

  private finish(f: OpenFile): void {
    if (f.failed) return;
    f.gzip.end();
    const p: Promise<void> = f.done.then(() => {
      this.pending.delete(p);
      f.settled = true;
      if (f.failed) return;
      try {
        renameSync(f.tmpPath, f.finalPath);
        this.files.push(f.finalPath);
        this.recordsWritten += f.records;
      } catch (err) {
        this.abandon(f, err);
      }
    });
    this.pending.add(p);
  }
}
