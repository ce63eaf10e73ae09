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
