/**
 * Parquet encoding off the main thread: one worker thread per flow-log writer encodes the row
 * groups of every open Parquet file (dictionary, statistics, GZIP: the expensive part) and
 * writes them, so `serve`'s event loop (the UDP receive path) only copies a row group's columns
 * into a message.
 *
 * Backpressure is synchronous, so it also holds for replay, whose packet loop never yields: the
 * worker counts the row groups it has finished in a SharedArrayBuffer, and a writer that is
 * more than `maxQueued` row groups ahead waits (Atomics.wait) until the worker catches up.
 * Memory stays bounded by that many row groups; the main thread blocks only when the worker
 * cannot keep up, which is when encoding inline would have blocked it anyway.
 *
 * Write errors (ENOSPC...) in the worker mark the file failed; its close() rejects with the
 * errno code, and the caller abandons the file (counted) as for text files.
 *
 * The worker's code is `encoderThread` below, type-checked here and started from its own
 * source text (`eval`), so the same code runs from dist/ and under the test runner.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Schema elements in hyparquet-writer's shape. */
export interface ParquetSchemaElement {
  name: string;
  num_children?: number;
  type?: 'INT32' | 'INT64' | 'BYTE_ARRAY';
  converted_type?: 'UTF8';
  repetition_type?: 'OPTIONAL';
}

/**
 * One column of a row group: strings (null where the field does not apply), or numbers as a
 * Float64Array with NaN for null (transferred to the worker, not copied; integers up to 2^53,
 * which every flow-log count and time is). The worker makes INT32/INT64 values of them.
 */
export type ColumnValues = (string | null)[] | Float64Array;

type ToWorker =
  | { op: 'open'; id: number; path: string; schema: ParquetSchemaElement[]; createdBy: string; gzipLevel: number }
  | { op: 'rows'; id: number; names: string[]; types: ('INT32' | 'INT64' | 'STRING')[]; cols: ColumnValues[] }
  | { op: 'close'; id: number }
  | { op: 'abandon'; id: number };

type FromWorker = { op: 'closed'; id: number } | { op: 'failed'; id: number; code: string; message: string };

/** A failed Parquet file: `code` is the errno code (ENOSPC...) or E_PARQUET. */
export class ParquetWriteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One open file's handle in the worker. */
export interface ParquetFileHandle {
  /** Encode and write one row group. Float64Array columns are transferred (unusable after);
   *  string arrays are copied. */
  writeRowGroup(names: string[], types: ('INT32' | 'INT64' | 'STRING')[], cols: ColumnValues[]): void;
  /** Footer written and file closed (resolves), or the file failed (rejects ParquetWriteError). */
  close(): Promise<void>;
  /** Close and forget (the caller removes the file). */
  abandon(): void;
}

/**
 * The worker's main. Self-contained (only its arguments): it is started from its own source
 * text, the modules it needs loaded by WORKER_SOURCE (a test runner rewrites `import()` in
 * compiled functions). Counts finished row groups in `done[0]` (Atomics) for backpressure.
 */
function encoderThread(
  data: { writerUrl: string; done: SharedArrayBuffer },
  port: import('node:worker_threads').MessagePort,
  fs: typeof import('node:fs'),
  zlib: typeof import('node:zlib'),
  hw: typeof import('hyparquet-writer'),
): void {
  const done = new Int32Array(data.done);
  interface Open {
    fd: number;
    writer: InstanceType<typeof hw.ParquetWriter> | null;
    failed: { code: string; message: string } | null;
  }
  const files = new Map<number, Open>();
  const fail = (id: number, f: Open, err: unknown) => {
    if (f.failed === null) {
      const e = err as NodeJS.ErrnoException;
      f.failed = { code: typeof e?.code === 'string' ? e.code : 'E_PARQUET', message: e instanceof Error ? e.message : String(err) };
    }
    f.writer = null;
    try {
      fs.closeSync(f.fd);
    } catch {
      // Already closed.
    }
    f.fd = -1;
    void id;
  };
  port.on('message', (m: ToWorker) => {
    if (m.op === 'open') {
      const f: Open = { fd: -1, writer: null, failed: null };
      files.set(m.id, f);
      try {
        f.fd = fs.openSync(m.path, 'w');
        const bw = new hw.ByteWriter(1 << 16);
        const fd = f.fd;
        // Written out in ~1 MB synchronous chunks: the worker has nothing else to do.
        const flush = () => {
          if (bw.index > 0) fs.writeSync(fd, new Uint8Array(bw.buffer, 0, bw.index));
          bw.index = 0;
        };
        const grow = bw.ensure.bind(bw);
        bw.ensure = (size: number) => {
          if (bw.index > 1 << 20) flush();
          grow(size);
        };
        bw.finish = flush;
        const level = m.gzipLevel;
        f.writer = new hw.ParquetWriter({
          writer: bw,
          schema: m.schema,
          codec: 'GZIP',
          compressors: { GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b, { level })) },
          createdBy: m.createdBy,
        });
      } catch (err) {
        fail(m.id, f, err);
      }
    } else if (m.op === 'rows') {
      const f = files.get(m.id);
      try {
        if (f !== undefined && f.writer !== null) {
          const columnData = m.names.map((name, i) => {
            const c = m.cols[i]!;
            if (!(c instanceof Float64Array)) return { name, data: c };
            const int64 = m.types[i] === 'INT64';
            const data: (number | bigint | null)[] = new Array(c.length);
            for (let k = 0; k < c.length; k++) data[k] = Number.isNaN(c[k]!) ? null : int64 ? BigInt(c[k]!) : c[k]!;
            return { name, data };
          });
          f.writer.write({ columnData, rowGroupSize: m.cols[0]?.length ?? 0 });
        }
      } catch (err) {
        if (f !== undefined) fail(m.id, f, err);
      } finally {
        Atomics.add(done, 0, 1);
        Atomics.notify(done, 0);
      }
    } else {
      const f = files.get(m.id);
      files.delete(m.id);
      if (f === undefined) return;
      if (m.op === 'abandon') {
        fail(m.id, f, new Error('abandoned'));
        return;
      }
      try {
        if (f.writer !== null) {
          f.writer.finish();
          fs.closeSync(f.fd);
          f.fd = -1;
          f.writer = null;
        }
      } catch (err) {
        fail(m.id, f, err);
      }
      port.postMessage(f.failed === null ? { op: 'closed', id: m.id } : { op: 'failed', id: m.id, code: f.failed.code, message: f.failed.message });
    }
  });
}

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.writerUrl).then((hw) => (${encoderThread.toString()})(workerData, parentPort, require('node:fs'), require('node:zlib'), hw));
`;

export interface ParquetEncoderOptions {
  /** Row groups a writer may be ahead of the worker before it waits. Default 4. */
  maxQueued?: number;
  gzipLevel?: number;
  createdBy?: string;
}

/** One encoder thread; files are opened on it and encoded in the order their rows are given. */
export class ParquetEncoder {
  private worker: Worker | null = null;
  private readonly done = new SharedArrayBuffer(4);
  private readonly doneView = new Int32Array(this.done);
  private posted = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** Files open or closing: the worker keeps the process alive only while there are some. */
  private active = 0;
  private readonly maxQueued: number;
  private startError: Error | null = null;

  constructor(private readonly opts: ParquetEncoderOptions = {}) {
    this.maxQueued = opts.maxQueued ?? 4;
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    if (this.startError !== null) throw this.startError;
    const writerUrl = pathToFileURL(createRequire(import.meta.url).resolve('hyparquet-writer')).href;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { writerUrl, done: this.done } });
    w.on('message', (m: FromWorker) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      this.release();
      if (m.op === 'closed') p.resolve();
      else p.reject(new ParquetWriteError(m.code, m.message));
    });
    // The thread died (a bug, out of memory): every file in it is lost, each counted by its writer.
    w.on('error', (err) => this.fail(err));
    w.unref();
    this.worker = w;
    return w;
  }

  private fail(err: Error): void {
    this.startError = err;
    const w = this.worker;
    this.worker = null;
    if (w !== null) void w.terminate();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new ParquetWriteError('E_PARQUET', `Parquet encoder thread: ${err.message}`));
    }
    this.active = 0;
  }

  private hold(): void {
    if (this.active++ === 0) this.worker?.ref();
  }

  private release(): void {
    if (this.active > 0 && --this.active === 0) this.worker?.unref();
  }

  /** Open `path` for a Parquet file of `schema`. Throws when the thread cannot start. */
  open(path: string, schema: ParquetSchemaElement[]): ParquetFileHandle {
    const w = this.start();
    const id = this.nextId++;
    this.hold();
    w.postMessage({ op: 'open', id, path, schema, createdBy: this.opts.createdBy ?? 'mirrorsink', gzipLevel: this.opts.gzipLevel ?? 1 } satisfies ToWorker);
    let closed = false;
    return {
      writeRowGroup: (names, types, cols) => {
        if (closed || this.worker === null) return;
        // Bounded queue: wait for the worker rather than hold more row groups. A thread that
        // makes no progress for 30 s is taken for dead (its 'error' event cannot run while we
        // wait): its files fail and are counted, and the sink goes on.
        let waited = 0;
        while (this.posted - Atomics.load(this.doneView, 0) >= this.maxQueued) {
          const before = Atomics.load(this.doneView, 0);
          if (Atomics.wait(this.doneView, 0, before, 1000) === 'timed-out' && Atomics.load(this.doneView, 0) === before && (waited += 1000) >= 30_000) {
            this.fail(new Error('the Parquet encoder thread made no progress for 30 s'));
            return;
          }
        }
        this.posted++;
        const transfer = cols.filter((c): c is Float64Array => c instanceof Float64Array).map((c) => c.buffer as ArrayBuffer);
        this.worker.postMessage({ op: 'rows', id, names, types, cols } satisfies ToWorker, transfer);
      },
      close: () => {
        if (closed) return Promise.reject(new ParquetWriteError('E_PARQUET', 'closed twice'));
        closed = true;
        if (this.worker === null) return Promise.reject(new ParquetWriteError('E_PARQUET', `Parquet encoder thread gone${this.startError ? `: ${this.startError.message}` : ''}`));
        return new Promise<void>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          this.worker!.postMessage({ op: 'close', id } satisfies ToWorker);
        });
      },
      abandon: () => {
        if (closed) return;
        closed = true;
        this.release();
        this.worker?.postMessage({ op: 'abandon', id } satisfies ToWorker);
      },
    };
  }

  /** Stop the thread (after every file's close() settled). */
  async terminate(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }
}
