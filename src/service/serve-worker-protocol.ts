/**
 * What serve's main thread (service/serve-workers.ts) and its pipeline threads
 * (service/serve-worker.ts) say to each other, and the layout of the shared heartbeat array.
 */
import type { MessagePort } from 'node:worker_threads';
import type { FrameRingShared } from '../pipeline/frame-ring.js';
import type { FlowLogRecord } from '../output/flow-log-record.js';
import type { MirrorsinkConfig } from '../config/schema.js';
import type { ServiceStages } from '../pipeline/build.js';
import type { CrossFlowShared } from '../detect/cross-flow-shared.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { ReceiveCounters } from '../metrics/core-metrics.js';

/** Records a worker takes from its ring before it lets messages and timers run. */
export const RECORDS_PER_TURN = 1024;

/** Per worker, a row of Float64 fields in one SharedArrayBuffer (written by the side named). */
export const enum Beat {
  /** Worker: Date.now() at its last loop turn (a stalled worker stops moving it). */
  Heartbeat = 0,
  /** Worker: milliseconds spent on records. */
  BusyMs = 1,
  /** Worker: records taken from its ring. */
  Records = 2,
  /** Main: datagrams dropped because this worker's ring was full. */
  RingDrops = 3,
  Fields = 4,
}

export interface ServeWorkerInit {
  index: number;
  ring: FrameRingShared;
  beats: SharedArrayBuffer;
  port: MessagePort;
  /** The validated configuration (plain data: structured-cloneable). */
  config: MirrorsinkConfig;
  /** threshold counts and xbits across flows, shared by every worker (a reload brings new ones). */
  crossFlow: CrossFlowShared;
  /** flows.pcap: this worker's ring to the main thread's pcap writer (pipeline/pcap-forward.ts). */
  pcapRing: FrameRingShared | null;
}

/** A socket a worker is to bind in the SO_REUSEPORT group (port 0: any free one, worker 0 only). */
export interface ReusePortSocket {
  kind: 'vxlan' | 'geneve';
  address: string;
  port: number;
}

/** A socket a worker bound. */
export interface BoundReusePortSocket extends ReusePortSocket {
  family: number;
  /** SO_RCVBUF as granted, and whether the kernel capped it. */
  receiveBuffer: { requested: number; actual: number; capped: boolean } | null;
}

/** GET /api/sessions and /api/flows/unanswered, one worker's share. */
export interface WorkerReport {
  /** Datagrams and bytes its own sockets received, by listener (SO_REUSEPORT path), else zeros. */
  receivedDatagrams: number[];
  receivedBytes: number[];
  sessions: unknown[];
  drops: number[];
  decoded: number;
  invalid: number;
  delivered: number;
  unanswered: unknown[] | null;
}

/** One thread's counts (and, given a limit, its unanswered flows), as the reports add them up. */
export function pipelineReport(pipeline: Pipeline, stages: ServiceStages, receive: ReceiveCounters, unansweredLimit: number | null): WorkerReport {
  return {
    receivedDatagrams: Array.from(receive.datagrams),
    receivedBytes: Array.from(receive.bytes),
    sessions: stages.session.counters.snapshot(),
    drops: Array.from(pipeline.drops),
    decoded: pipeline.decodeCounters.layers[0]!,
    invalid: pipeline.decodeCounters.layers[2]!,
    delivered: pipeline.delivered,
    unanswered: unansweredLimit !== null && stages.flows !== null ? (stages.flows.table.report.listUnanswered(unansweredLimit) as unknown[]) : null,
  };
}

export type ToServeWorker =
  | { t: 'metrics'; id: number }
  | { t: 'report'; id: number; limit: number }
  | { t: 'prepare'; gen: number; config: MirrorsinkConfig; crossFlow: CrossFlowShared }
  | { t: 'commit'; gen: number }
  | { t: 'abort'; gen: number }
  /** Test hook: block the thread for `ms` (a stalled worker, for /healthz). */
  | { t: 'stall'; ms: number }
  /** SO_REUSEPORT path: bind these sockets and feed the pipeline from them; reply BoundReusePortSocket[] or an error. */
  | { t: 'bind'; id: number; sockets: ReusePortSocket[]; receiveBufferBytes: number }
  /** Read what is queued (up to drainMs, until quiet), then close the sockets; reply when closed. */
  | { t: 'unbind'; id: number; drainMs: number };

export type FromServeWorker =
  | { t: 'ready'; warnings: string[]; summary: ServiceStages['summary'] }
  | { t: 'error'; code: string; message: string; problems?: string[] }
  | { t: 'fault'; message: string }
  | { t: 'socket-lost'; why: string }
  | { t: 'open'; target: string; output: string }
  | { t: 'lines'; target: string; chunk: string; lines: number }
  | { t: 'flows'; recs: FlowLogRecord[] }
  | { t: 'reply'; id: number; value: unknown }
  | { t: 'prepared'; gen: number; ok: boolean; message?: string; problems?: string[]; warnings?: string[]; summary?: ServiceStages['summary'] }
  | { t: 'committed'; gen: number }
  | { t: 'done'; report: WorkerReport };

/** Several threads' reports added up (sessions field by field, in the same order); no unanswered list. */
export function addReports(parts: WorkerReport[]): WorkerReport {
  const add = (a: number[], b: number[]) => (a.length >= b.length ? a : b).map((_, i) => (a[i] ?? 0) + (b[i] ?? 0));
  return parts.reduce((acc, p) => ({
    receivedDatagrams: add(acc.receivedDatagrams, p.receivedDatagrams),
    receivedBytes: add(acc.receivedBytes, p.receivedBytes),
    sessions: sumSnapshots([acc.sessions, p.sessions]),
    drops: add(acc.drops, p.drops),
    decoded: acc.decoded + p.decoded,
    invalid: acc.invalid + p.invalid,
    delivered: acc.delivered + p.delivered,
    unanswered: null,
  }));
}

/** Session snapshots of several threads: packets and bytes added up (same sessions, same order). */
function sumSnapshots(parts: unknown[][]): unknown[] {
  type Counts = Record<string, number>;
  type Row = Record<string, unknown> & { packets: Counts; bytes: Counts };
  const sum = (a: Counts, b: Counts | undefined): Counts => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v + (b?.[k] ?? 0)]));
  return parts.reduce((acc, p) => acc.map((r, i) => {
    const row = r as Row;
    const other = p[i] as Row | undefined;
    return { ...row, packets: sum(row.packets, other?.packets), bytes: sum(row.bytes, other?.bytes) };
  }));
}
