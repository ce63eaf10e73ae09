/**
 * serve with `workers:` above 1, the main thread's side. The main thread keeps the sockets, the
 * HTTP server and every file; N pipeline threads (service/serve-worker.ts) each run the whole
 * pipeline on their own flows.
 *
 * - Receiving: the UDP listeners feed a DatagramDispatcher (pipeline/ring-dispatch.ts), which
 *   hashes each datagram's inner flow symmetrically (decode/inner-flow-hash.ts, the VNI folded
 *   in unless dedup is on) and copies it into that worker's SharedArrayBuffer ring. A full ring
 *   drops the datagram, counted per worker: the receiving thread never waits.
 * - Outputs: one writer per file on this thread. Workers hand over EVE / fast.log lines in
 *   chunks of whole lines and flow-log records in batches, so no line is split or interleaved
 *   and a SIGHUP reopens each file once. flows.pcap frames come over a ring per worker
 *   (pipeline/pcap-forward.ts), drained every PCAP_DRAIN_MS. Alert pcaps (one file per
 *   alerting flow, and a flow is whole on one worker) are written by the flow's worker.
 * - Reload, all or none: every worker builds its new stages (prepare); only when all could is
 *   the new set swapped in everywhere (commit), otherwise every worker drops what it built.
 * - Metrics: each worker keeps its counters and publishes them through its own prom-client
 *   registry; a scrape asks every worker and adds them up with prom-client's AggregatorRegistry
 *   (made for the same problem in Node's cluster mode). A worker that does not answer in time
 *   contributes its last answer.
 * - Health: each worker stamps a heartbeat in shared memory on every loop turn; /healthz fails
 *   when one has not moved for health.worker_stall_seconds or a worker exited.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { FrameRing } from '../pipeline/frame-ring.js';
import { DatagramDispatcher } from '../pipeline/ring-dispatch.js';
import { BufferedLineWriter } from '../output/line-writer.js';
import { FlowLogFileWriter } from '../output/flow-log-files.js';
import { parseLogFormat, type FlowLogRecord } from '../output/flow-log-record.js';
import { StageBuildError, type ServiceStages } from '../pipeline/build.js';
import { errorFromCode } from '../errors.js';
import type { MirrorsinkConfig } from '../config/schema.js';
import { createCrossFlowShared } from '../detect/cross-flow-shared.js';
import { PcapForwardReceiver } from '../pipeline/pcap-forward.js';
import { RotatingPcapOutput } from '../output/pcap-rotating.js';
import { pcapRotation } from '../pipeline/build.js';
import { Beat, type BoundReusePortSocket, type ReusePortSocket, type FromServeWorker, type ServeWorkerInit, type ToServeWorker, type WorkerReport } from './serve-worker-protocol.js';

/** Bytes of each worker's ring: about 0.5 s of a busy target's traffic per worker. */
export const SERVE_RING_BYTES = 32 << 20;
/** How long a scrape or report waits for a worker before using its last answer. */
const ASK_TIMEOUT_MS = 2000;
/** How long a reload waits for every worker to build its stages (ET Open takes seconds). */
const PREPARE_TIMEOUT_MS = 300_000;
/** How long shutdown waits for a worker to end its flows and hand over its records. */
const FINISH_TIMEOUT_MS = 60_000;

/** How often the flows.pcap rings are drained into the file (a ring holds about 0.1 s of 1 Gbit/s). */
const PCAP_DRAIN_MS = 20;

/** Gauges that every worker holds the same value of (summing them would count them N times). */
const SAME_IN_EVERY_WORKER = new Set(['mirrorsink_detect_rules_loaded', 'mirrorsink_detect_rules_failed', 'mirrorsink_detect_last_reload_timestamp_seconds', 'mirrorsink_event_loop_lag_seconds']);

/**
 * The worker's module: next to this one once built; from the TypeScript sources (vitest runs
 * them), the build's copy, since a worker thread loads JavaScript only.
 */
function workerScript(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/src/service/serve-worker.js', import.meta.url) : new URL('./serve-worker.js', import.meta.url);
}

interface Handle {
  index: number;
  worker: Worker;
  port: MessagePort;
  ring: FrameRing;
  ready: boolean;
  done: boolean;
  exited: string | null;
  lastMetrics: MetricObjectWithValues<MetricValue<string>>[];
  /** Its counts when it finished (shutdown). */
  final: WorkerReport | null;
}

export interface ServeWorkersHooks {
  /** A worker's own problem (a bug it survived, a failed housekeeping). */
  onFault(worker: number, message: string): void;
  /** A worker thread ended while serving. */
  onExit(worker: number, why: string): void;
  /** SO_REUSEPORT path: a worker's socket stopped receiving. */
  onSocketLost(why: string): void;
}

type Waiter = { resolve: (v: unknown) => void; timer: NodeJS.Timeout };

export class ServeWorkers {
  readonly dispatcher: DatagramDispatcher;
  private readonly handles: Handle[] = [];
  private readonly beats: Float64Array;
  private readonly writers = new Map<string, BufferedLineWriter>();
  private readonly flowFiles: FlowLogFileWriter | null;
  /** NODATA records (session idle for an interval) by key, and how many workers said so. */
  private readonly noData = new Map<string, { rec: FlowLogRecord; workers: number }>();
  /** (session, interval) keys some worker saw traffic in, with the interval start: never NODATA. */
  private readonly sessionTraffic = new Map<string, number>();
  private readonly aggregationSec: number;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private gen = 0;
  private prepared = new Map<number, Extract<FromServeWorker, { t: 'prepared' }>>();
  private committed = new Set<number>();
  private startError: Error | null = null;
  private warnings: string[] = [];
  private summary: ServiceStages['summary'] | null = null;
  private stopping = false;
  /** The files are closed: nothing more is written (a late message is dropped). */
  private outputsClosed = false;
  /** flows.pcap: this thread's writer, fed by every worker's ring. */
  private readonly pcap: { output: RotatingPcapOutput; receiver: PcapForwardReceiver; timer: NodeJS.Timeout } | null;
  /** Wakes whoever waits for a change of state (ready, prepared, done). */
  private notify: (() => void) | null = null;

  constructor(
    readonly count: number,
    config: MirrorsinkConfig,
    private readonly hooks: ServeWorkersHooks,
  ) {
    this.beats = new Float64Array(new SharedArrayBuffer(count * Beat.Fields * 8));
    const l = config.flows?.log ?? null;
    this.aggregationSec = l?.aggregationSec ?? 600;
    this.flowFiles = l !== null ? new FlowLogFileWriter({ dir: l.dir, format: parseLogFormat(l.format), clock: () => Date.now() / 1000, flowLogId: l.flowLogId, rotateSec: l.rotateSec, fileFormat: l.fileFormat, hiveCompatiblePartitions: l.hiveCompatiblePartitions, perHourPartition: l.perHourPartition }) : null;
    const rings: FrameRing[] = [];
    const crossFlow = createCrossFlowShared();
    const script = workerScript();
    const pd = config.flows?.pcap ?? null;
    if (pd !== null) {
      const output = new RotatingPcapOutput({ ...pcapRotation(pd), dir: pd.dir, mode: pd.mode });
      const receiver = new PcapForwardReceiver(count, output);
      const timer = setInterval(() => receiver.drainUnordered(), PCAP_DRAIN_MS);
      timer.unref();
      this.pcap = { output, receiver, timer };
    } else this.pcap = null;
    for (let i = 0; i < count; i++) {
      const ring = FrameRing.create(SERVE_RING_BYTES);
      rings.push(ring);
      const { port1, port2 } = new MessageChannel();
      const init: ServeWorkerInit = { index: i, ring: ring.shared, beats: this.beats.buffer as SharedArrayBuffer, port: port2, config, crossFlow, pcapRing: this.pcap?.receiver.shared[i] ?? null };
      const worker = new Worker(script, { workerData: init, transferList: [port2] });
      const h: Handle = { index: i, worker, port: port1, ring, ready: false, done: false, exited: null, lastMetrics: [], final: null };
      port1.on('message', (m: FromServeWorker) => this.onMessage(h, m));
      worker.on('error', (err) => this.onExited(h, `worker ${i} failed: ${err.message}`));
      worker.on('exit', (code) => this.onExited(h, `worker ${i} exited (code ${code})`));
      this.beats[i * Beat.Fields + Beat.Heartbeat] = Date.now();
      this.handles.push(h);
    }
    // Ingress/egress must meet: the VNI is folded in unless dedup merges two sessions' copies.
    this.dispatcher = new DatagramDispatcher(rings, !config.dedup.enabled);
  }

  /** Wait until every worker built its pipeline; its warnings and summary. Throws the first build error. */
  async start(): Promise<{ warnings: string[]; summary: ServiceStages['summary'] }> {
    await this.until(() => this.startError !== null || this.handles.every((h) => h.ready));
    if (this.startError !== null) throw this.startError;
    return { warnings: this.warnings, summary: this.summary! };
  }

  // ------------------------------------------------------------------ SO_REUSEPORT path

  /**
   * Every worker binds its own socket of each kind in one SO_REUSEPORT group: worker 0 first (a
   * port 0 gets a free port), then the others on the port it got. The sockets worker 0 bound.
   */
  async bindReusePort(sockets: ReusePortSocket[], receiveBufferBytes: number): Promise<BoundReusePortSocket[]> {
    const bindIn = async (h: Handle, socks: ReusePortSocket[]): Promise<BoundReusePortSocket[]> => {
      const r = (await this.ask(h, (id) => ({ t: 'bind', id, sockets: socks, receiveBufferBytes }), PREPARE_TIMEOUT_MS)) as { ok: true; sockets: BoundReusePortSocket[] } | { ok: false; code: string; message: string } | undefined;
      if (r === undefined) throw new Error(`worker ${h.index} did not bind its sockets`);
      if (!r.ok) throw errorFromCode(r.code, r.message);
      return r.sockets;
    };
    const first = await bindIn(this.handles[0]!, sockets);
    const same = first.map((b) => ({ kind: b.kind, address: b.address, port: b.port }));
    await Promise.all(this.handles.slice(1).map((h) => bindIn(h, same)));
    return first;
  }

  /** SO_REUSEPORT path: every worker reads what is queued (up to drainMs) and closes its sockets. */
  async unbind(drainMs: number): Promise<void> {
    await Promise.all(this.live().map((h) => this.ask(h, (id) => ({ t: 'unbind', id, drainMs }), drainMs + ASK_TIMEOUT_MS)));
  }

  // ------------------------------------------------------------------ reload

  /** Build the new configuration in every worker; swap it in everywhere only if all could. */
  async reload(config: MirrorsinkConfig): Promise<{ ok: true; warnings: string[]; summary: ServiceStages['summary'] } | { ok: false; message: string; problems?: string[] }> {
    const gen = ++this.gen;
    this.prepared.clear();
    this.committed.clear();
    // A new rule set counts from zero, as a reload does with one thread.
    this.post({ t: 'prepare', gen, config, crossFlow: createCrossFlowShared() });
    const deadline = Date.now() + PREPARE_TIMEOUT_MS;
    await this.until(() => this.live().every((h) => this.prepared.has(h.index)) || Date.now() > deadline);
    const answers = this.live().map((h) => this.prepared.get(h.index));
    const failed = answers.find((a) => a === undefined || !a.ok);
    if (failed !== undefined || answers.length < this.count) {
      this.post({ t: 'abort', gen });
      if (failed === undefined || answers.length < this.count) return { ok: false, message: 'a worker thread is not running: the running configuration is kept' };
      return { ok: false, message: failed.message ?? 'a worker could not build the new configuration', ...(failed.problems ? { problems: failed.problems } : {}) };
    }
    this.post({ t: 'commit', gen });
    await this.until(() => this.live().every((h) => this.committed.has(h.index)) || Date.now() > deadline);
    // Same files kept: reopen them (logrotate's create mode with SIGHUP, as single-threaded).
    for (const w of this.writers.values()) await w.reopen();
    const first = answers[0]!;
    return { ok: true, warnings: first.warnings ?? [], summary: first.summary! };
  }

  // ------------------------------------------------------------------ metrics and reports

  /** Every worker's metric families (the last answer of one that did not answer in time). */
  async metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[][]> {
    const answers = await Promise.all(this.handles.map((h) => (h.exited === null ? this.ask(h, (id) => ({ t: 'metrics', id })) : Promise.resolve(undefined))));
    return this.handles.map((h, i) => {
      const a = answers[i] as MetricObjectWithValues<MetricValue<string>>[] | undefined;
      if (a !== undefined) h.lastMetrics = a;
      return h.lastMetrics;
    });
  }

  /** The main thread's families and every worker's, added up into one registry's text. */
  async metricsText(main: MetricObjectWithValues<MetricValue<string>>[]): Promise<string> {
    const all = [main, ...(await this.metrics())];
    for (const part of all) for (const m of part) if (SAME_IN_EVERY_WORKER.has(m.name)) (m as { aggregator?: string }).aggregator = 'max';
    return AggregatorRegistry.aggregate(all).metrics();
  }

  /** Every live worker's share of GET /api/sessions and /api/flows/unanswered. */
  async reports(limit: number): Promise<WorkerReport[]> {
    const answers = await Promise.all(this.live().map((h) => this.ask(h, (id) => ({ t: 'report', id, limit }))));
    return answers.filter((a): a is WorkerReport => a !== undefined);
  }

  /** Per worker: queue bytes, datagrams it took (from its ring or its own socket) and dropped (ring full), busy seconds. */
  workerStats(): { worker: number; queueBytes: number; datagrams: number; dropped: number; busySeconds: number }[] {
    return this.handles.map((h, i) => ({
      worker: i,
      queueBytes: h.ring.used,
      datagrams: this.beats[i * Beat.Fields + Beat.Records]!,
      dropped: this.dispatcher.dropped[i]!,
      busySeconds: this.beats[i * Beat.Fields + Beat.BusyMs]! / 1000,
    }));
  }

  /** Workers that exited, or whose heartbeat has not moved for `stallSeconds`. */
  problems(stallSeconds: number): string[] {
    const out: string[] = [];
    const now = Date.now();
    for (const h of this.handles) {
      if (h.exited !== null) {
        out.push(h.exited);
        continue;
      }
      const age = (now - this.beats[h.index * Beat.Fields + Beat.Heartbeat]!) / 1000;
      if (age > stallSeconds) out.push(`worker ${h.index} has not run for ${age.toFixed(1)} s (stalled)`);
    }
    return out;
  }

  /** Housekeeping (1 s): ring drops to the workers (their flow logs' SKIPDATA), file rotation, stale NODATA. */
  tick(): void {
    for (let i = 0; i < this.count; i++) this.beats[i * Beat.Fields + Beat.RingDrops] = this.dispatcher.dropped[i]!;
    this.flowFiles?.tick?.();
    const old = Date.now() / 1000 - 3600;
    for (const [key, v] of this.noData) if (v.rec.start < old) this.noData.delete(key);
    for (const [key, start] of this.sessionTraffic) if (start < old) this.sessionTraffic.delete(key);
  }

  /** Every worker's counts as it finished (after stop()). */
  get finalReports(): WorkerReport[] {
    return this.handles.flatMap((h) => (h.final !== null ? [h.final] : []));
  }

  get flowRecordsWritten(): number {
    return this.flowFiles?.recordsWritten ?? 0;
  }

  // ------------------------------------------------------------------ shutdown

  /** No more datagrams: every worker ends its flows and hands over its records; then the files close. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const h of this.handles) h.ring.close(0);
    const deadline = Date.now() + FINISH_TIMEOUT_MS;
    await this.until(() => this.handles.every((h) => h.done || h.exited !== null) || Date.now() > deadline);
    // A thread's exit can be seen before the last messages it sent: take them before closing.
    for (const h of this.handles) for (let m = receiveMessageOnPort(h.port); m !== undefined; m = receiveMessageOnPort(h.port)) this.onMessage(h, m.message as FromServeWorker);
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
    await this.closeOutputs();
  }

  /** Start failed: stop the threads, close what was opened. */
  async abort(): Promise<void> {
    this.stopping = true;
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      this.waiting.delete(id);
      w.resolve(undefined);
    }
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
    await this.closeOutputs();
  }

  /** The threads are gone: write the last pcap frames and pending NODATA records, close every file. */
  private async closeOutputs(): Promise<void> {
    if (this.pcap !== null) {
      clearInterval(this.pcap.timer);
      this.pcap.receiver.drainUnordered(Infinity);
      this.pcap.output.close();
    }
    // A worker whose clock had not reached another's last interval saw no packet in it: idle too.
    for (const { rec } of this.noData.values()) this.flowFiles?.write(rec);
    this.noData.clear();
    this.outputsClosed = true;
    for (const w of this.writers.values()) await w.close();
    if (this.flowFiles !== null) await this.flowFiles.close();
  }

  /** Test hook: block worker `index` for `ms` (as a stuck rule or a bug would). */
  simulateStall(index: number, ms: number): void {
    this.handles[index]?.port.postMessage({ t: 'stall', ms } satisfies ToServeWorker);
  }

  // ------------------------------------------------------------------ internals

  private live(): Handle[] {
    return this.handles.filter((h) => h.exited === null);
  }

  private post(m: ToServeWorker): void {
    for (const h of this.live()) h.port.postMessage(m);
  }

  private ask(h: Handle, make: (id: number) => ToServeWorker, timeoutMs = ASK_TIMEOUT_MS): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      // An answer that never comes must not keep a stopping process alive.
      timer.unref();
      this.waiting.set(id, { resolve, timer });
      h.port.postMessage(make(id));
    });
  }

  private until(cond: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (cond()) {
          clearInterval(poll);
          this.notify = null;
          resolve();
        }
      };
      // Messages wake it; the poll covers deadlines.
      const poll = setInterval(check, 100);
      this.notify = check;
      check();
    });
  }

  private onExited(h: Handle, why: string): void {
    if (h.exited !== null) return;
    h.exited = why;
    if (!h.ready && this.startError === null) this.startError = new Error(why);
    if (!this.stopping && !h.done) this.hooks.onExit(h.index, why);
    this.notify?.();
  }

  private onMessage(h: Handle, m: FromServeWorker): void {
    switch (m.t) {
      case 'ready':
        h.ready = true;
        if (h.index === 0) {
          this.warnings = m.warnings;
          this.summary = m.summary;
        }
        break;
      case 'error':
        if (!h.ready) {
          this.startError ??= m.problems !== undefined ? new StageBuildError(m.problems) : errorFromCode(m.code, m.message, `worker ${h.index}: `);
        } else this.hooks.onFault(h.index, m.message);
        break;
      case 'fault':
        this.hooks.onFault(h.index, m.message);
        break;
      case 'socket-lost':
        if (!this.stopping) this.hooks.onSocketLost(m.why);
        break;
      case 'open':
        if (!this.writers.has(m.target)) {
          try {
            this.writers.set(m.target, new BufferedLineWriter(m.target, { output: m.output }));
          } catch (err) {
            const problem = `${m.output === 'fast_log' ? 'eve.fast_log' : 'eve.path'}: ${(err as Error).message}`;
            if (!h.ready) this.startError ??= new StageBuildError([problem]);
            else this.hooks.onFault(h.index, problem);
          }
        }
        break;
      case 'lines':
        if (!this.outputsClosed) this.writers.get(m.target)?.writeLines(m.chunk, m.lines);
        break;
      case 'flows':
        if (!this.outputsClosed) for (const rec of m.recs) this.flowRecord(rec);
        break;
      case 'reply': {
        const w = this.waiting.get(m.id);
        if (w !== undefined) {
          clearTimeout(w.timer);
          this.waiting.delete(m.id);
          w.resolve(m.value);
        }
        break;
      }
      case 'prepared':
        if (m.gen === this.gen) this.prepared.set(h.index, m);
        break;
      case 'committed':
        if (m.gen === this.gen) this.committed.add(h.index);
        break;
      case 'done':
        h.done = true;
        h.final = m.report;
        break;
    }
    this.notify?.();
  }

  /**
   * A NODATA record is written once every worker found the session idle in that interval; an OK
   * record from any worker for that session and interval cancels it.
   */
  private flowRecord(rec: FlowLogRecord): void {
    if (this.flowFiles === null) return;
    if (rec.logStatus !== 'NODATA') {
      if (rec.logStatus === 'OK' && rec.session !== null) {
        // An OK record starts at its first packet; NODATA at its interval's start.
        const interval = rec.start - (rec.start % this.aggregationSec);
        const key = `${rec.session}\u0000${interval}`;
        this.sessionTraffic.set(key, interval);
        this.noData.delete(key);
      }
      this.flowFiles.write(rec);
      return;
    }
    const key = `${rec.session ?? ''}\u0000${rec.start}`;
    if (this.sessionTraffic.has(key)) return;
    const seen = this.noData.get(key) ?? { rec, workers: 0 };
    seen.workers++;
    if (seen.workers >= this.live().length) {
      this.noData.delete(key);
      this.flowFiles.write(rec);
    } else this.noData.set(key, seen);
  }

}
