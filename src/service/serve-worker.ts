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
import { ReceiveCounters, registerCoreMetrics } from '../metrics/core-metrics.js';
import { registerFilterMetrics } from '../metrics/filter-metrics.js';
import { registerDetectMetrics } from '../metrics/detect-metrics.js';
import { registerStreamMetrics } from '../metrics/stream-metrics.js';
import { registerAppLayerMetrics } from '../metrics/applayer-metrics.js';
import { registerDefragMetrics } from '../metrics/defrag-metrics.js';
import { registerFlowMetrics } from '../metrics/flow-metrics.js';
import { Beat, RECORDS_PER_TURN, type ServeWorkerInit, type ToServeWorker, type FromServeWorker, type WorkerReport } from './serve-worker-protocol.js';

/** Flow-log records per message (and at least every housekeeping tick). */
const RECORD_BATCH = 1024;

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

const ctx: StageContext = {
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
};

let stages: ServiceStages;
let pending: ServiceStages | null = null;
let pendingGen = -1;

function registerMetrics(): void {
  // The same families as a single-threaded serve, over this thread's stages; the main thread
  // adds up every worker's (its own receive-side families come from its listeners).
  registerCoreMetrics(registry, {
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
}

function errorMessage(err: unknown): { code: string; message: string; problems?: string[] } {
  if (err instanceof StageBuildError) return { code: err.code, message: err.message, problems: err.problems };
  if (err instanceof MirrorsinkError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

function report(limit: number): WorkerReport {
  return {
    sessions: stages.session.counters.snapshot(),
    drops: Array.from(pipeline.drops),
    decoded: pipeline.decodeCounters.layers[0]!,
    invalid: pipeline.decodeCounters.layers[2]!,
    delivered: pipeline.delivered,
    unanswered: stages.flows !== null ? (stages.flows.table.report.listUnanswered(limit) as unknown[]) : null,
  };
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
  for (;;) {
    beats[beatBase + Beat.Heartbeat] = Date.now();
    const t0 = performance.now();
    const n = consumeRing(ring, pipeline, RECORDS_PER_TURN, onError);
    if (n > 0) {
      beats[beatBase + Beat.BusyMs] += performance.now() - t0;
      beats[beatBase + Beat.Records] += n;
      // Let messages and timers run between batches: no reload or scrape waits for a quiet ring.
      await yieldTurn();
      continue;
    }
    if (ring.closed) break;
    await ring.waitForDataAsync(100);
  }
  clearInterval(ticker);
  // Shutdown: every flow ends (records emitted), every writer hands over what it holds.
  pipeline.finish();
  await retireStages(stages, null);
  if (pending !== null) await retireStages(pending, null);
  sendRecords();
  beats[beatBase + Beat.Heartbeat] = Date.now();
  send({ t: 'done' });
}

run().then(
  () => port.close(),
  (err: unknown) => {
    send({ t: 'error', ...errorMessage(err) });
    port.close();
  },
);
