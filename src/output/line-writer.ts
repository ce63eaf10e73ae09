/**
 * The one buffered line writer of EVE JSON, fast.log and EVE flow lines (file or "-" stdout).
 *
 * Lines are collected in memory and written in large chunks once `bufferBytes` are buffered,
 * every `flushIntervalMs`, on flush(), reopen() and close(). By default writes are async
 * (fs.write): the receive path only appends to the buffer. `sync: true` (replay, which reads
 * its files without yielding to the event loop) writes with fs.writeSync instead.
 *
 * Modelled on pino's sonic-boom (minLength, reopen() for logrotate, mkdir, an error path the
 * owner handles) but not built on it: sonic-boom 4.2's flushSync() loops forever on a
 * non-EAGAIN error (it sleeps 100 ms and retries ENOSPC without end), end() never emits
 * 'close' after a failed write (a shutdown awaiting it hangs) and its 'write' events count
 * bytes, not the lines we publish. Here:
 * - a failed write (ENOSPC, EACCES, EIO...) is counted in OutputErrors by (output, code), never
 *   thrown; the chunk stays buffered and is retried after `retryMs`, so writing resumes by
 *   itself when space returns. While the target refuses, lines beyond `maxBufferBytes` are
 *   dropped and counted.
 * - `linesWritten` / `bytesWritten` count only what the kernel accepted (a chunk's lines count
 *   when the whole chunk is written).
 * - EPIPE on stdout (`--eve - | head -1`): the reader is gone; stop writing quietly (counted,
 *   no error text). The process's stdout gets an 'error' listener so Node does not crash on it.
 * - reopen() (SIGHUP) writes what is buffered to the old file, then opens the path again,
 *   creating a vanished directory; if that fails it is counted and retried.
 * - close() is bounded by `closeTimeoutMs`: what the target did not take by then is dropped and
 *   counted, so shutdown always finishes.
 */
import { closeSync, mkdirSync, openSync, write as fsWrite, writeSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import type { LineWriter } from '../detect/alert-sink.js';
import { errnoCode, outputErrors, type OutputErrors } from './output-errors.js';

export const STDOUT = '-';

export interface BufferedLineWriterOptions {
  /** The `output` label of the error/drop counters: eve, fast_log, eve_flow... Default "eve". */
  output?: string;
  /** Write once this many bytes are buffered. Default 64 KiB. */
  bufferBytes?: number;
  /** While the target refuses writes, drop lines beyond this many buffered bytes. Default 16 MiB. */
  maxBufferBytes?: number;
  /** Also write this often when anything is buffered (0 = never by time). Default 1000. */
  flushIntervalMs?: number;
  /** After a failed write or open, try again after this long. Default 1000. */
  retryMs?: number;
  /** Synchronous writes (replay, tests). Default false. */
  sync?: boolean;
  /** close() and flush() wait at most this long for the target. Default 2000. */
  closeTimeoutMs?: number;
  /** Where errors and drops are counted (default: the process's outputErrors). */
  errors?: OutputErrors;
  /**
   * Hand each chunk of whole lines here instead of writing it (a worker thread of replay
   * --workers: the main thread owns the file, see pipeline/replay-workers.ts). No file is opened.
   */
  sink?: (chunk: string, lines: number) => void;
}

/** Characters per buffered chunk: bounds one write() call. */
const MAX_CHUNK = 1 << 20;

let stdoutGuarded = false;
let stdoutGone = false;

/**
 * Give process.stdout an 'error' listener once: EPIPE (the reader of a pipe exited) marks
 * stdout gone instead of crashing the process with an unhandled 'error' event. Other errors
 * are ignored the same way (what we write to stdout is output, never a reason to die).
 */
export function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') stdoutGone = true;
  });
}

/** The reader of our stdout went away (EPIPE seen). */
export function stdoutClosed(): boolean {
  return stdoutGone;
}

export class BufferedLineWriter implements LineWriter {
  readonly target: string;
  readonly output: string;
  /** Lines accepted by write() (including those dropped later). */
  records = 0;
  /** Lines and bytes the kernel accepted. */
  linesWritten = 0;
  bytesWritten = 0;
  /** Lines thrown away: buffer over its bound while the target refused, stdout gone, close timeout. */
  droppedLines = 0;
  /** Failed writes/opens (every failure, also counted in OutputErrors by code). */
  writeErrors = 0;
  /** Times the file was reopened. */
  reopens = 0;

  private readonly isStdout: boolean;
  private readonly limit: number;
  private readonly maxBuffer: number;
  private readonly retryMs: number;
  private readonly sync: boolean;
  private readonly closeTimeoutMs: number;
  private readonly errors: OutputErrors;
  private readonly sink: ((chunk: string, lines: number) => void) | null;
  private fd = -1;
  private readonly chunks: string[] = [];
  private readonly chunkLines: number[] = [];
  /** Characters in `chunks` (not counting the chunk being written). */
  private bufferedChars = 0;
  private inflight: Buffer | null = null;
  private inflightLines = 0;
  /** An async write is in progress. */
  private writing = false;
  /** A write or open failed: waiting for the retry timer. */
  private failing = false;
  /** Write everything, also below bufferBytes (flush, timer, close). */
  private forced = false;
  /** stdout's reader is gone: discard quietly. */
  private stopped = false;
  private closed = false;
  private reopenPending = false;
  private waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly onWritten = (err: NodeJS.ErrnoException | null, n: number): void => {
    this.writing = false;
    if (this.closed && this.fd < 0 && !this.isStdout) return; // closed after the timeout: forget it
    if (err) this.fail(err);
    else this.wrote(n);
    if (this.reopenPending) this.doReopen();
    this.pump();
  };

  /** @param target a file path (appended to, created with its directory) or "-" for stdout */
  constructor(target: string, opts: BufferedLineWriterOptions = {}) {
    this.target = target;
    this.output = opts.output ?? 'eve';
    this.isStdout = target === STDOUT;
    this.limit = Math.max(1, opts.bufferBytes ?? 65536);
    this.maxBuffer = Math.max(this.limit, opts.maxBufferBytes ?? 16 * 1024 * 1024);
    this.retryMs = Math.max(1, opts.retryMs ?? 1000);
    this.sync = opts.sync === true;
    this.closeTimeoutMs = Math.max(0, opts.closeTimeoutMs ?? 2000);
    this.errors = opts.errors ?? outputErrors;
    this.sink = opts.sink ?? null;
    if (this.sink !== null) {
      // Lines go to the owner of the file: nothing to open here.
    } else if (this.isStdout) guardStdout();
    else {
      // A path we cannot open at start is a configuration problem: say so (file and reason).
      try {
        mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
        this.fd = openSync(target, 'a');
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new MirrorsinkError(ErrorCode.FileUnreadable, `cannot open ${target} for writing: ${msg}`);
      }
    }
    const every = opts.flushIntervalMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => {
        if (this.pending()) {
          this.forced = true;
          this.pump();
        }
      }, every);
      this.timer.unref();
    }
  }

  write(line: string): void {
    if (this.closed) throw new Error(`line writer (${this.target}): write after close`);
    this.records++;
    if (this.stopped) {
      this.drop(1);
      return;
    }
    const len = line.length + 1;
    if (this.bufferedChars + len > this.maxBuffer) {
      this.drop(1);
      return;
    }
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunks[last]!.length + len <= MAX_CHUNK) {
      this.chunks[last] += line + '\n';
      this.chunkLines[last]!++;
    } else {
      this.chunks.push(line + '\n');
      this.chunkLines.push(1);
    }
    this.bufferedChars += len;
    if (this.bufferedChars >= this.limit && !this.writing && !this.failing) this.pump();
  }

  /**
   * A block of whole lines, each ending in a newline (`lines` of them): what a worker's writer
   * hands over (sink). Kept whole in one chunk, so lines of different blocks never interleave.
   */
  writeLines(block: string, lines: number): void {
    if (this.closed) throw new Error(`line writer (${this.target}): write after close`);
    this.records += lines;
    if (this.stopped || this.bufferedChars + block.length > this.maxBuffer) {
      this.drop(lines);
      return;
    }
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunks[last]!.length + block.length <= MAX_CHUNK) {
      this.chunks[last] += block;
      this.chunkLines[last]! += lines;
    } else {
      this.chunks.push(block);
      this.chunkLines.push(lines);
    }
    this.bufferedChars += block.length;
    if (this.bufferedChars >= this.limit && !this.writing && !this.failing) this.pump();
  }

  /** Anything not yet accepted by the kernel. */
  pending(): boolean {
    return this.inflight !== null || this.chunks.length > 0;
  }

  /** Lines buffered, not yet written. */
  get bufferedLines(): number {
    let n = this.inflight !== null ? this.inflightLines : 0;
    for (const c of this.chunkLines) n += c;
    return n;
  }

  /**
   * Write everything buffered. Resolves when it is written, when a write failed (counted; the
   * lines stay buffered and are retried), or after closeTimeoutMs: never hangs its caller.
   */
  async flush(): Promise<void> {
    if (!this.pending() || this.stopped) return;
    this.forced = true;
    this.pump();
    if (!this.pending() || this.failing) return;
    await this.waitEvent(this.closeTimeoutMs);
  }

  /** Write what is buffered to the current file, then open the path again (logrotate). Never throws. */
  async reopen(): Promise<void> {
    await this.flush();
    if (this.isStdout || this.closed || this.sink !== null) return;
    if (this.writing) {
      this.reopenPending = true;
      return;
    }
    this.doReopen();
    this.pump();
  }

  /**
   * Write what is buffered and close. Waits at most closeTimeoutMs (retrying failed writes
   * meanwhile); lines the target did not take by then are dropped and counted.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + this.closeTimeoutMs;
    this.forced = true;
    if (!this.failing) this.pump();
    while (this.pending() && !this.stopped) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.waitEvent(left);
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.discard();
    if (this.isStdout && this.sink === null) {
      if (!this.stopped && !stdoutGone) await drainStdout(Math.max(0, deadline - Date.now()));
      return;
    }
    // A write still in flight after the timeout keeps its descriptor (closing it under libuv
    // could hit a reused fd); the process is exiting anyway.
    if (this.fd >= 0 && !this.writing) {
      try {
        closeSync(this.fd);
      } catch (err) {
        this.countError(err);
      }
    }
    this.fd = -1;
  }

  // ------------------------------------------------------------------ internals

  private pump(): void {
    while (!this.writing && !this.failing && !this.stopped) {
      if (this.inflight === null) {
        if (this.chunks.length === 0) {
          this.forced = false;
          this.wake();
          return;
        }
        if (!this.forced && this.bufferedChars < this.limit) return;
        const s = this.chunks.shift()!;
        this.inflightLines = this.chunkLines.shift()!;
        this.bufferedChars -= s.length;
        if (this.sink !== null) {
          // A worker's writer: the chunk (whole lines) goes to the thread that owns the file.
          this.sink(s, this.inflightLines);
          this.linesWritten += this.inflightLines;
          this.bytesWritten += s.length;
          this.inflightLines = 0;
          continue;
        }
        this.inflight = Buffer.from(s, 'utf8');
      }
      const buf = this.inflight;
      if (this.isStdout) {
        if (stdoutGone) {
          this.stop();
          return;
        }
        if (this.sync) {
          // Replay does not yield: hand the chunk to Node's stdout queue and count it when
          // the callback says it went out.
          const lines = this.inflightLines;
          this.inflight = null;
          this.inflightLines = 0;
          process.stdout.write(buf, (err) => {
            if (err) this.fail(err);
            else {
              this.bytesWritten += buf.length;
              this.linesWritten += lines;
            }
          });
          continue;
        }
        this.writing = true;
        process.stdout.write(buf, (err) => this.onWritten(err ?? null, err ? 0 : buf.length));
        return;
      }
      if (this.fd < 0) {
        // The file could not be opened again (reopen): retry later.
        this.scheduleRetry();
        return;
      }
      if (this.sync) {
        let n: number;
        try {
          n = writeSync(this.fd, buf, 0, buf.length);
        } catch (err) {
          this.fail(err);
          return;
        }
        this.wrote(n);
        continue;
      }
      this.writing = true;
      fsWrite(this.fd, buf, 0, buf.length, null, this.onWritten);
      return;
    }
  }

  private wrote(n: number): void {
    const buf = this.inflight;
    if (buf === null) return;
    this.bytesWritten += n;
    if (n < buf.length) {
      this.inflight = buf.subarray(n);
      return;
    }
    this.linesWritten += this.inflightLines;
    this.inflight = null;
    this.inflightLines = 0;
  }

  private countError(err: unknown): string {
    const code = errnoCode(err);
    this.writeErrors++;
    const msg = err instanceof Error ? err.message : String(err);
    this.errors.error(this.output, code, `${this.isStdout ? 'stdout' : this.target}: ${msg}`);
    return code;
  }

  private fail(err: unknown): void {
    const code = this.countError(err);
    if (this.isStdout && (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED')) {
      stdoutGone = true;
      this.stop();
      return;
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.failing = true;
    this.wake();
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.failing = false;
      if (!this.isStdout && this.fd < 0) this.openAgain();
      if (!this.failing) {
        this.forced = true;
        this.pump();
      }
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** stdout's reader is gone: drop what is buffered, accept nothing more. */
  private stop(): void {
    this.stopped = true;
    this.discard();
    this.wake();
  }

  /** Drop (and count) everything still buffered. */
  private discard(): void {
    this.drop(this.bufferedLines);
    this.chunks.length = 0;
    this.chunkLines.length = 0;
    this.bufferedChars = 0;
    if (!this.writing) {
      this.inflight = null;
      this.inflightLines = 0;
    }
  }

  private drop(lines: number): void {
    if (lines <= 0) return;
    this.droppedLines += lines;
    this.errors.dropped(this.output, lines);
  }

  private doReopen(): void {
    this.reopenPending = false;
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch (err) {
        this.countError(err);
      }
      this.fd = -1;
    }
    this.reopens++;
    this.openAgain();
  }

  /** Open the path (creating a vanished directory); a failure is counted and retried. */
  private openAgain(): void {
    try {
      mkdirSync(path.dirname(path.resolve(this.target)), { recursive: true });
      this.fd = openSync(this.target, 'a');
    } catch (err) {
      this.countError(err);
      this.scheduleRetry();
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Until the next write result (all written, or a failure) or `ms`. */
  private waitEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.waiters.push(done);
    });
  }
}

function drainStdout(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', done);
    else process.stdout.write('', done);
  });
}
