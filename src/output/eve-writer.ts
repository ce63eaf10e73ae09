/**
 * Buffered line writer for EVE (and fast.log): lines are collected in memory and written in
 * large chunks — when the buffer passes `bufferBytes`, every `flushIntervalMs`, on flush(),
 * reopen() and close().
 *
 * Files are written with synchronous appends (fs.writeSync on an O_APPEND descriptor): a chunk
 * is either on disk or still in our buffer, there is no in-flight async write to lose on
 * shutdown, and the order of records is the order of write() calls. reopen() flushes, closes
 * and opens the path again — what logrotate's "create" mode needs after SIGHUP (the old file
 * was renamed; the new one is created). stdout goes through process.stdout (Node queues what
 * the pipe does not take yet); close() waits for it to drain.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import type { LineWriter } from '../detect/alert-sink.js';

export interface EveWriterOptions {
  /** Flush when this many bytes are buffered. Default 64 KiB. */
  bufferBytes?: number;
  /** Also flush this often when there is anything buffered (0 = never by time). Default 1000. */
  flushIntervalMs?: number;
}

export const STDOUT = '-';

export class EveWriter implements LineWriter {
  readonly target: string;
  private fd = -1;
  private chunks: string[] = [];
  private bytes = 0;
  private readonly limit: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Records written (accepted by write()). */
  records = 0;
  /** Bytes handed to the file/stdout. */
  bytesWritten = 0;
  /** Times the file was reopened. */
  reopens = 0;

  /** @param target a file path (appended to, created with its directory) or "-" for stdout */
  constructor(target: string, opts: EveWriterOptions = {}) {
    this.target = target;
    this.limit = Math.max(1, opts.bufferBytes ?? 65536);
    if (target !== STDOUT) this.open();
    const every = opts.flushIntervalMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => {
        if (this.bytes > 0) this.flushSync();
      }, every);
      this.timer.unref();
    }
  }

  private open(): void {
    try {
      mkdirSync(path.dirname(path.resolve(this.target)), { recursive: true });
      this.fd = openSync(this.target, 'a');
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new MirrorsinkError(ErrorCode.FileUnreadable, `cannot open ${this.target} for writing: ${msg}`);
    }
  }

  write(line: string): void {
    if (this.closed) throw new Error(`EveWriter(${this.target}): write after close`);
    const s = line + '\n';
    this.chunks.push(s);
    this.bytes += s.length;
    this.records++;
    if (this.bytes >= this.limit) this.flushSync();
  }

  /** Write everything buffered now. */
  flushSync(): void {
    if (this.chunks.length === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
    this.chunks = [];
    this.bytes = 0;
    const buf = Buffer.from(data, 'utf8');
    this.bytesWritten += buf.length;
    if (this.target === STDOUT) {
      process.stdout.write(buf);
      return;
    }
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  async flush(): Promise<void> {
    this.flushSync();
    if (this.target === STDOUT) await drainStdout();
  }

  /** Flush, close and open the file again (after logrotate moved it). No-op for stdout. */
  async reopen(): Promise<void> {
    this.flushSync();
    if (this.target === STDOUT || this.closed) return;
    closeSync(this.fd);
    this.fd = -1;
    this.open();
    this.reopens++;
  }

  /** Flush and close; every record written before is on disk (or handed to stdout) after. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.target === STDOUT) {
      await drainStdout();
      return;
    }
    closeSync(this.fd);
    this.fd = -1;
  }
}

function drainStdout(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => resolve());
    else process.stdout.write('', () => resolve());
  });
}

/** Collects lines in memory (tests, in-process replay). */
export class MemoryLineWriter implements LineWriter {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}
