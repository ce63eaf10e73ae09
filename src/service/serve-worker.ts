/**
 * One pipeline thread of `serve` with `workers:` above 1 (service/serve-workers.ts is the main
 * thread's side). It builds the whole pipeline (sessions, filter, flow, stream, app layer,
 * detect) from the configuration it is handed, takes the datagrams the receiving thread put in
 * its ring, and runs its own wall-clock housekeeping. Files belong to the main thread: EVE lines
 * go there in chunks of whole lines, flow-log records in batches.
 *
 * The loop yields to the event loop between batches of records, so reload, metrics and report
 * requests are answered while traffic flows, and a heartbeat in shared memory tells the main
 * thread (and /healthz) that this thread still runs.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { Pipeline } from '../pipeline/pipeline.js';
import { FrameRing } from '../pipeline/frame-ring.js';
import { consumeRing } from '../pipeline/ring-dispatch.js';
import { StageBuildError, buildStages, pipelineStagesOf, retireStages, tickStages, type ServiceStages, type StageContext } from '../pipeline/build.js';
import type { MirrorsinkConfig } from '../config/schema.js';
import type { FlowLogRecord } from '../output/flow-log-record.js';
import { MirrorsinkError } from '../errors.js';
import { ForwardingPcapOutput } from '../pipeline/pcap-forward.js';
import { registerOutputMetrics } from '../metrics/output-metrics.js';
import { outputErrors } from '../output/output-errors.js';
import { ReceiveCounters, registerCoreMetrics, type CoreMetrics } from '../metrics/core-metrics.js';
import { BatchTimer, UdpListener } from '../source/udp-listener.js';
import { registerFilterMetrics } from '../metrics/filter-metrics.js';
import { registerDetectMetrics } from '../metrics/detect-metrics.js';
import { registerStreamMetrics } from '../metrics/stream-metrics.js';
import { registerAppLayerMetrics } from '../metrics/applayer-metrics.js';
import { registerDefragMetrics } from '../metrics/defrag-metrics.js';
import { registerFlowMetrics } from '../metrics/flow-metrics.js';
import { Beat, RECORDS_PER_TURN, type BoundReusePortSocket, type ReusePortSocket, type ServeWorkerInit, pipelineReport, type ToServeWorker, type FromServeWorker, type WorkerReport } from './serve-worker-protocol.js';

/** Flow-log records per message (and at least every housekeeping tick). */
const RECORD_BATCH = 1024;
/** How long a full pcap ring may hold a packet back before it is dropped (counted). */
const PCAP_MAX_WAIT_MS = 1000;

const init = workerData as ServeWorkerInit;
const port: MessagePort = init.port;
const send = (m: FromServeWorker): void => port.postMessage(m);
const ring = new FrameRing(init.ring);
const beats = new Float64Array(init.beats);
const beatBase = init.index * Beat.Fields;
const pipeline = new Pipeline();
const receive = new ReceiveCounters();
const registry = new Registry();

let recs: FlowLogRecord[] = [];
function sendRecords(): void {
  if (recs.length === 0) return;
  send({ t: 'flows', recs });
  recs = [];
}

let crossFlow = init.crossFlow;
/**
 * flows.pcap: one forwarder for the thread's life. A reload builds new stages while the old
 * ones still run, and a ring has one producer: both builds get this one object.
 */
let pcapForward: ForwardingPcapOutput | null = null;
const ctx: StageContext = {
  get crossFlow() {
    return crossFlow;
  },
  drops: pipeline.drops,
  // Datagrams this worker never got (its ring was full) are lost to its flow logs (SKIPDATA).
  lostPackets: () => beats[beatBase + Beat.RingDrops]!,
  lineSink: (target, output) => {
    send({ t: 'open', target, output });
    return (chunk, lines) => send({ t: 'lines', target, chunk, lines });
  },
  flowLogSink: (rec) => {
    recs.push(rec);
    if (recs.length >= RECORD_BATCH) sendRecords();
  },
  pcapForward: (target, mode) => {
    if (target !== 'dir' || init.pcapRing === null) throw new Error(`serve worker: no ring for the pcap output '${target}'`);
    pcapForward ??= new ForwardingPcapOutput(init.pcapRing, mode, PCAP_MAX_WAIT_MS);
    return pcapForward;
  },
};

let stages: ServiceStages;
let pending: ServiceStages | null = null;
let pendingGen = -1;

let core: CoreMetrics;
/** SO_REUSEPORT path: this thread's own sockets. */
const listeners: UdpListener[] = [];

function registerMetrics(): void {
  // The same families as a single-threaded serve, over this thread's stages; the main thread
  // adds up every worker's (its own receive-side families come from its listeners).
  core = registerCoreMetrics(registry, {
    decodeCounters: pipeline.decodeCounters,
    drops: pipeline.drops,
    receive,
    sessionCounters: () => stages?.session.counters ?? null,
    dedupCounters: () => stages?.dedup?.counters ?? null,
    kernelDrops: () => null,
    receiveBuffers: () => [],
    eventLoopLagSeconds: () => 0,
  });
  registerFilterMetrics(registry, () => stages?.filters ?? []);
  registerDetectMetrics(registry, () => stages?.detect ?? null);
  registerStreamMetrics(registry, () => stages?.flows?.stream ?? null);
  registerAppLayerMetrics(registry, () => stages?.flows?.app ?? null);
  registerDefragMetrics(registry, () => pipeline.defrag);
  registerFlowMetrics(registry, () => stages?.flows?.table ?? null, {
    recordsWritten: () => 0,
    recordsOmitted: () => stages?.flows?.outputs.aggregator?.omittedRecords ?? 0,
  });
  // What this thread's outputs could not write (alert pcaps, frames for the flows.pcap writer);
  // the main thread's families of the same names count its own files, and a scrape adds them up.
  registerOutputMetrics(registry, outputErrors);
}

function errorMessage(err: unknown): { code: string; message: string; problems?: string[] } {
  if (err instanceof StageBuildError) return { code: err.code, message: err.message, problems: err.problems };
  if (err instanceof MirrorsinkError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

async function bind(sockets: ReusePortSocket[], receiveBufferBytes: number): Promise<BoundReusePortSocket[]> {
  const batch = new BatchTimer((seconds) => {
    core.observeBatch(seconds);
    beats[beatBase + Beat.BusyMs] += seconds * 1000;
  });
  const bound: BoundReusePortSocket[] = [];
  for (const sock of sockets) {
    const l = new UdpListener({
      kind: sock.kind,
      address: sock.address,
      port: sock.port,
      receiveBufferBytes,
      receiver: 'recvmmsg',
      reusePort: true,
      sink: pipeline,
      counters: receive,
      batch,
      onInternalError: (err) => send({ t: 'fault', message: `processing a datagram threw; skipped (counted in mirrorsink_internal_errors_total): ${errorMessage(err).message}` }),
      onClosed: (why) => send({ t: 'socket-lost', why: `worker ${init.index}: ${why}` }),
    });
    await l.bind();
    listeners.push(l);
    bound.push({ kind: sock.kind, address: l.address, port: l.port, family: l.family, receiveBuffer: l.receiveBuffer });
  }
  return bound;
}

/** Read what the kernel has queued until a quiet 10 ms or `drainMs`, then close the sockets. */
async function unbind(drainMs: number): Promise<void> {
  const total = () => receive.datagrams[0]! + receive.datagrams[1]!;
  const deadline = Date.now() + drainMs;
  let last = total();
  while (listeners.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    if (total() === last) break;
    last = total();
  }
  for (const l of listeners.splice(0)) await l.close();
}

function report(limit: number): WorkerReport {
  return pipelineReport(pipeline, stages, receive, limit);
}

async function onMessage(m: ToServeWorker): Promise<void> {
  switch (m.t) {
    case 'metrics':
      send({ t: 'reply', id: m.id, value: await registry.getMetricsAsJSON() });
      return;
    case 'report':
      send({ t: 'reply', id: m.id, value: report(m.limit) });
      return;
    case 'prepare':
      // Phase one of a reload: build everything new, swap nothing until every worker could.
      try {
        if (pending !== null) await retireStages(pending, stages);
        crossFlow = m.crossFlow;
        pending = await buildStages(m.config, ctx, stages);
        pendingGen = m.gen;
        send({ t: 'prepared', gen: m.gen, ok: true, warnings: pending.warnings, summary: pending.summary });
      } catch (err) {
        pending = null;
        const e = errorMessage(err);
        send({ t: 'prepared', gen: m.gen, ok: false, message: e.message, ...(e.problems ? { problems: e.problems } : {}) });
      }
      return;
    case 'commit': {
      if (pending === null || pendingGen !== m.gen) return;
      const old = stages;
      stages = pending;
      pending = null;
      pipeline.setStages(pipelineStagesOf(stages));
      pipeline.keepFilterRejected = stages.config.keepFilterRejected;
      await retireStages(old, stages);
      send({ t: 'committed', gen: m.gen });
      return;
    }
    case 'bind':
      try {
        send({ t: 'reply', id: m.id, value: { ok: true, sockets: await bind(m.sockets, m.receiveBufferBytes) } });
      } catch (err) {
        for (const l of listeners.splice(0)) await l.close();
        send({ t: 'reply', id: m.id, value: { ok: false, ...errorMessage(err) } });
      }
      return;
    case 'unbind':
      await unbind(m.drainMs);
      send({ t: 'reply', id: m.id, value: true });
      return;
    case 'stall':
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.ms);
      return;
    case 'abort':
      if (pending !== null && pendingGen === m.gen) {
        const p = pending;
        pending = null;
        await retireStages(p, stages);
      }
      return;
  }
}

async function run(): Promise<void> {
  stages = await buildStages(init.config as MirrorsinkConfig, ctx, null);
  pipeline.setStages(pipelineStagesOf(stages));
  pipeline.keepFilterRejected = stages.config.keepFilterRejected;
  registerMetrics();
  port.on('message', (m: ToServeWorker) => {
    onMessage(m).catch((err: unknown) => send({ t: 'fault', message: errorMessage(err).message }));
  });
  const ticker = setInterval(() => {
    try {
      tickStages(stages, Date.now() / 1000);
    } catch (err) {
      send({ t: 'fault', message: `flow housekeeping failed: ${errorMessage(err).message}` });
    }
    sendRecords();
  }, 1000);
  send({ t: 'ready', warnings: stages.warnings, summary: stages.summary });

  let reported = 0;
  const onError = (err: unknown): void => {
    receive.internalErrors++;
    // One message per error would flood the main thread on a bug that hits every packet.
    if (reported++ < 10) send({ t: 'fault', message: `processing a datagram threw; skipped (counted in mirrorsink_internal_errors_total): ${errorMessage(err).message}` });
  };
  const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
  let fromRing = 0;
  for (;;) {
    beats[beatBase + Beat.Heartbeat] = Date.now();
    const t0 = performance.now();
    const n = consumeRing(ring, pipeline, RECORDS_PER_TURN, onError);
    fromRing += n;
    // Datagrams taken: from the ring, or from this thread's own sockets (SO_REUSEPORT path).
    beats[beatBase + Beat.Records] = fromRing + receive.datagrams[0]! + receive.datagrams[1]!;
    // Packets for the pcap writer become visible to the main thread at least once a turn.
    pcapForward?.publish();
    if (n > 0) {
      beats[beatBase + Beat.BusyMs] += performance.now() - t0;
      // Let messages and timers run between batches: no reload or scrape waits for a quiet ring.
      await yieldTurn();
      continue;
    }
    if (ring.closed) break;
    await ring.waitForDataAsync(100);
  }
  clearInterval(ticker);
  for (const l of listeners.splice(0)) await l.close();
  // Shutdown: every flow ends (records emitted), every writer hands over what it holds.
  pipeline.finish();
  await retireStages(stages, null);
  if (pending !== null) await retireStages(pending, null);
  pcapForward?.publish();
  sendRecords();
  beats[beatBase + Beat.Heartbeat] = Date.now();
  send({ t: 'done', report: pipelineReport(pipeline, stages, receive, null) });
}

run().then(
  () => port.close(),
  (err: unknown) => {
    send({ t: 'error', ...errorMessage(err) });
    port.close();
  },
);
