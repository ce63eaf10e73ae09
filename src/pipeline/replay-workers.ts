/**
 * replay --workers N, the reading side (Suricata's autofp idea): the main thread reads the
 * capture files, hashes each frame's inner flow (decode/inner-flow-hash.ts, symmetric, the VNI
 * folded in unless dedup is on) and copies it into one FrameRing per worker thread; each worker
 * runs the whole pipeline (build.ts) over its flows, driven by its packets' time, and flushes
 * every flow at the end of input.
 *
 * Outputs stay single-writer: the main thread owns the EVE / fast.log writers and the flow-log
 * files. Workers send finished lines in chunks of whole lines (their BufferedLineWriter's sink)
 * and flow-log records in batches over a MessagePort; the main thread appends each chunk whole,
 * so no line is ever split or interleaved. (Each worker appending to the file with O_APPEND
 * would keep lines whole on a local file system too, but not on stdout, a pipe or the flow-log
 * gzip files, and it would need a reopen in every worker on SIGHUP.)
 *
 * The reader is synchronous (it never yields while reading a file), so it drains the workers'
 * ports synchronously (receiveMessageOnPort) every few thousand frames and whenever a ring is
 * full, waiting for room with Atomics.wait and a short timeout in between: memory stays
 * bounded by the rings and one batch per worker, and no per-frame message or promise exists.
 *
 * Flow-log files: records are written with the largest worker clock seen so far (the worker's
 * packet time when the record was made), so a file window never goes backwards; a record made
 * near a window's end may land in the next file compared with one worker. NODATA records
 * (a session idle for an interval) are held to the end: one is written when every worker that
 * covered that interval found the session idle in it.
 *
 * pcap outputs (--pcap-out, --pcap-dir / flows.pcap): the main thread owns the files too; the
 * workers forward the frames to store over rings of their own (pipeline/pcap-forward.ts), and
 * the main thread writes them in frame order, so the files are those one thread writes.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { errorFromCode } from '../errors.js';
import { innerFlowHash } from '../decode/inner-flow-hash.js';
import { FrameRing, type FrameRingShared } from './frame-ring.js';
import type { FrameSink } from './stages.js';
import { BufferedLineWriter } from '../output/line-writer.js';
import { FlowLogFileWriter } from '../output/flow-log-files.js';
import { parseLogFormat, type FlowLogRecord } from '../output/flow-log-record.js';
import type { MirrorsinkConfig } from '../config/schema.js';
import { createCrossFlowShared, type CrossFlowShared } from '../detect/cross-flow-shared.js';
import { PcapForwardReceiver, type PcapForwardTarget } from './pcap-forward.js';
import { RotatingPcapOutput } from '../output/pcap-rotating.js';
import { SinglePcapOutput } from '../output/pcap-single.js';
import type { PcapMode } from '../output/pcap-frame-bytes.js';
import { pcapRotation } from './build.js';

/** Bytes of each worker's ring. */
export const RING_BYTES = 8 << 20;
/** A worker whose full ring does not move for this long is taken as dead. */
const STALL_MS = 60_000;
/** Frames between two drains of the workers' ports while reading. */
const DRAIN_EVERY = 4096;

/** What a worker thread is started with (workerData). */
export interface ReplayWorkerInit {
  index: number;
  workers: number;
  ring: FrameRingShared;
  port: MessagePort;
  /** The command's own payload (replay options). */
  payload: unknown;
  /** threshold counts and xbits across flows, shared by every worker. */
  crossFlow: CrossFlowShared;
  /** This worker's rings for the pcap outputs that are configured. */
  pcapRings: Partial<Record<PcapForwardTarget, FrameRingShared>>;
}

/** The main thread's pcap outputs and the rings that feed each. */
interface PcapSide {
  dir: { output: RotatingPcapOutput; receiver: PcapForwardReceiver } | null;
  out: { output: SinglePcapOutput; receiver: PcapForwardReceiver } | null;
}

/** Messages from a worker to the main thread. */
export type ReplayWorkerMessage =
  | { t: 'ready'; warnings: string[] }
  | { t: 'error'; code: string; message: string }
  | { t: 'open'; target: string; output: string }
  | { t: 'lines'; target: string; chunk: string; lines: number }
  | { t: 'flows'; recs: FlowLogRecord[]; clocks: number[] }
  | { t: 'done'; summary: unknown; intervals: [number, number] | null; busyMs: number; waits: number };

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
  ring: FrameRing;
  ready: boolean;
  done: boolean;
  summary: unknown;
  intervals: [number, number] | null;
  /** Time the worker spent on frames (not waiting for them), and how often its ring was empty. */
  busyMs: number;
  emptyWaits: number;
  warnings: string[];
  /** NODATA records this worker sent, by session and interval start. */
  noData: Set<string>;
}

export class ReplayWorkers implements FrameSink {
  /** Frames read (the frame number of the last one). */
  frames = 0;
  private readonly handles: WorkerHandle[] = [];
  private readonly withSession: boolean;
  private readonly writers = new Map<string, BufferedLineWriter>();
  private readonly flowFiles: FlowLogFileWriter | null;
  /** The flow-log files' clock: the largest worker clock seen. */
  private clock = 0;
  private readonly noData = new Map<string, FlowLogRecord>();
  /** Flow-log records written (NODATA merged across workers). */
  flowLogRecords = 0;
  private failure: Error | null = null;
  private sinceDrain = 0;
  private readonly pcap: PcapSide;
  /** Per worker, the number (| 0) of the last frame handed to it (pcap frame order). */
  private readonly lastPushed: Int32Array;
  /**
   * One pipeline's flow-expiry clock over the whole input (pipeline.ts: it times flows out at a
   * packet's time when that is a second past the last time it did): at the end every worker
   * times out its flows up to it, so flows end as timeout / shutdown as they would in one.
   */
  private expireSec = 0;

  /** @param pcapOut replay --pcap-out (flows.pcap, --pcap-dir, comes with the configuration) */
  constructor(script: URL, readonly count: number, payload: unknown, config: MirrorsinkConfig, pcapOut: { path: string; mode: PcapMode } | null = null) {
    this.withSession = !config.dedup.enabled;
    const l = config.flows?.log ?? null;
    this.flowFiles =
      l !== null ? new FlowLogFileWriter({ dir: l.dir, format: parseLogFormat(l.format), clock: () => this.clock, flowLogId: l.flowLogId, rotateSec: l.rotateSec, fileFormat: l.fileFormat, hiveCompatiblePartitions: l.hiveCompatiblePartitions, perHourPartition: l.perHourPartition }) : null;
    const crossFlow = createCrossFlowShared();
    const pd = config.flows?.pcap ?? null;
    const fed = <T extends RotatingPcapOutput | SinglePcapOutput>(output: T) => ({ output, receiver: new PcapForwardReceiver(count, output) });
    this.pcap = {
      dir: pd !== null ? fed(new RotatingPcapOutput({ ...pcapRotation(pd), dir: pd.dir, mode: pd.mode })) : null,
      out: pcapOut !== null ? fed(new SinglePcapOutput({ path: pcapOut.path, mode: pcapOut.mode })) : null,
    };
    this.lastPushed = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const ring = FrameRing.create(RING_BYTES);
      const { port1, port2 } = new MessageChannel();
      const pcapRings: ReplayWorkerInit['pcapRings'] = {};
      if (this.pcap.dir !== null) pcapRings.dir = this.pcap.dir.receiver.shared[i]!;
      if (this.pcap.out !== null) pcapRings.out = this.pcap.out.receiver.shared[i]!;
      const init: ReplayWorkerInit = { index: i, workers: count, ring: ring.shared, port: port2, payload, crossFlow, pcapRings };
      const worker = new Worker(script, { workerData: init, transferList: [port2] });
      this.handles.push({ worker, port: port1, ring, ready: false, done: false, summary: null, intervals: null, busyMs: 0, emptyWaits: 0, warnings: [], noData: new Set() });
    }
  }

  /** Wait until every worker built its pipeline; the first worker's warnings. Throws the first build error. */
  async start(): Promise<string[]> {
    await this.until(() => this.handles.every((h) => h.ready));
    return this.handles[0]!.warnings;
  }

  onFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    const frameNo = ++this.frames;
    if (tsSec - this.expireSec >= 1) this.expireSec = tsSec;
    const h = innerFlowHash(buf, offset, caplen, linktype, this.withSession);
    const w = (h >>> 0) % this.count;
    const ring = this.handles[w]!.ring;
    this.lastPushed[w] = frameNo | 0;
    if (!ring.pushFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec, frameNo)) this.waitAndPush(ring, buf, offset, caplen, wirelen, linktype, tsSec, tsNsec, frameNo);
    if (++this.sinceDrain >= DRAIN_EVERY) this.drain();
  }

  /**
   * The ring is full: drain the workers' messages and wait for room. A worker that takes no frame
   * for STALL_MS is taken as dead (a crash its own error handler could not report).
   */
  private waitAndPush(ring: FrameRing, buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number, frameNo: number): void {
    let used = ring.used;
    let since = Date.now();
    do {
      this.drain();
      ring.waitForRoom(20);
      const now = ring.used;
      if (now !== used) {
        used = now;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        throw new Error(`replay --workers: worker ${this.handles.findIndex((h) => h.ring === ring)} took no frame for ${STALL_MS / 1000} s`);
      }
    } while (!ring.pushFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec, frameNo));
  }

  /** End of input: every worker flushes its flows and sends its summary. Returns the summaries. */
  async finish(): Promise<unknown[]> {
    for (const h of this.handles) h.ring.close(this.expireSec);
    await this.until(() => this.handles.every((h) => h.done));
    this.writeNoData();
    this.pcap.dir?.receiver.drainOrdered(this.lastPushed, true);
    this.pcap.out?.receiver.drainOrdered(this.lastPushed, true);
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
    return this.handles.map((h) => h.summary);
  }

  /** Close the output files (after finish). */
  async close(): Promise<void> {
    this.pcap.dir?.output.close();
    this.pcap.out?.output.close();
    for (const w of this.writers.values()) await w.close();
    if (this.flowFiles !== null) await this.flowFiles.close();
  }

  /** Flow-log files written (the summary's flow_log_files), null without flow logs. */
  get flowLogFiles(): number | null {
    return this.flowFiles !== null ? this.flowFiles.files.length : null;
  }

  /**
   * The pcap outputs' part of the summary (flows.pcap_dir, flows.pcap_out), from the main
   * thread's writers; pcap_out's `skipped` adds `outSkippedByWorkers`, frames the workers found
   * nothing to store for.
   */
  pcapSummary(outSkippedByWorkers: number): Record<string, unknown> {
    const s: Record<string, unknown> = {};
    const d = this.pcap.dir?.output;
    if (d !== undefined) s.pcap_dir = { packets: d.packets, files: d.filesOpened, deleted: d.filesDeleted };
    const o = this.pcap.out?.output;
    if (o !== undefined) s.pcap_out = { packets: o.packets, skipped: o.skipped + outSkippedByWorkers };
    return s;
  }

  /** Frames each worker was handed. */
  get framesPerWorker(): number[] {
    return this.handles.map((h) => h.ring.pushed);
  }

  /** Per worker: frames, busy seconds, times its ring was empty / full (the reader waited). */
  get stats(): { frames: number[]; busy_seconds: number[]; empty_waits: number[]; full_waits: number[] } {
    return {
      frames: this.handles.map((h) => h.ring.pushed),
      busy_seconds: this.handles.map((h) => Math.round(h.busyMs) / 1000),
      empty_waits: this.handles.map((h) => h.emptyWaits),
      full_waits: this.handles.map((h) => h.ring.fullWaits),
    };
  }

  /** Stop the workers (an error while reading). */
  async abort(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }

  // ------------------------------------------------------------------ messages

  private async until(cond: () => boolean): Promise<void> {
    for (;;) {
      this.drain();
      if (cond()) return;
      // Messages arrive on the ports, not as events here: look again shortly.
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  private drain(): void {
    this.sinceDrain = 0;
    for (const h of this.handles) h.ring.publish();
    for (const h of this.handles) {
      for (let m = receiveMessageOnPort(h.port); m !== undefined; m = receiveMessageOnPort(h.port)) this.handle(h, m.message as ReplayWorkerMessage);
    }
    this.pcap.dir?.receiver.drainOrdered(this.lastPushed);
    this.pcap.out?.receiver.drainOrdered(this.lastPushed);
    if (this.failure !== null) throw this.failure;
  }

  private handle(h: WorkerHandle, m: ReplayWorkerMessage): void {
    switch (m.t) {
      case 'ready':
        h.ready = true;
        h.warnings = m.warnings;
        return;
      case 'error':
        // A MirrorsinkError keeps its code (usage, configuration...); anything else is internal.
        this.failure ??= errorFromCode(m.code, m.message, 'worker: ');
        return;
      case 'open':
        if (!this.writers.has(m.target)) this.writers.set(m.target, new BufferedLineWriter(m.target, { output: m.output, sync: true }));
        return;
      case 'lines':
        this.writers.get(m.target)?.writeLines(m.chunk, m.lines);
        return;
      case 'flows':
        for (let i = 0; i < m.recs.length; i++) {
          const rec = m.recs[i]!;
          if (m.clocks[i]! > this.clock) this.clock = m.clocks[i]!;
          if (rec.logStatus === 'NODATA') {
            const key = `${rec.session ?? ''}\u0000${rec.start}`;
            h.noData.add(key);
            if (!this.noData.has(key)) this.noData.set(key, rec);
          } else if (this.flowFiles !== null) {
            this.flowFiles.write(rec);
            this.flowLogRecords++;
          }
        }
        return;
      case 'done':
        h.done = true;
        h.summary = m.summary;
        h.intervals = m.intervals;
        h.busyMs = m.busyMs;
        h.emptyWaits = m.waits;
        return;
    }
  }

  /** NODATA for (session, interval) when every worker that covered the interval found the session idle. */
  private writeNoData(): void {
    if (this.flowFiles === null) return;
    for (const [key, rec] of this.noData) {
      const idle = this.handles.every((h) => {
        if (h.noData.has(key)) return true;
        const iv = h.intervals;
        // A worker whose packets did not reach this interval saw nothing in it.
        return iv === null || rec.start < iv[0] || rec.start > iv[1];
      });
      if (idle) {
        this.flowFiles.write(rec);
        this.flowLogRecords++;
      }
    }
  }
}
