/**
 * One worker thread of `replay --workers N` (pipeline/replay-workers.ts is the reading side):
 * builds the whole pipeline from the replay's options, takes frames from its ring until the
 * reader closes it, flushes every flow, and sends its summary. EVE lines and flow-log records
 * go to the main thread, which owns the files.
 */
import { workerData } from 'node:worker_threads';
import { Pipeline } from '../pipeline/pipeline.js';
import { assembleReplayStages, type ReplayOptions } from '../pipeline/assemble.js';
import { FrameRing } from '../pipeline/frame-ring.js';
import { consumeRing } from '../pipeline/ring-dispatch.js';
import type { ReplayWorkerInit, ReplayWorkerMessage } from '../pipeline/replay-workers.js';
import type { FlowLogRecord } from '../output/flow-log-record.js';
import { MirrorsinkError } from '../errors.js';
import { ForwardingPcapOutput } from '../pipeline/pcap-forward.js';
import { buildSummary } from './commands/replay.js';

/** Flow-log records per message. */
const RECORD_BATCH = 1024;

const init = workerData as ReplayWorkerInit;
const port = init.port;
const send = (m: ReplayWorkerMessage): void => port.postMessage(m);

let recs: FlowLogRecord[] = [];
let clocks: number[] = [];
function sendRecords(): void {
  if (recs.length === 0) return;
  send({ t: 'flows', recs, clocks });
  recs = [];
  clocks = [];
}

async function run(): Promise<void> {
  const ring = new FrameRing(init.ring);
  const pipeline = new Pipeline();
  const forwards: ForwardingPcapOutput[] = [];
  // The main thread writes pcap frames in frame order: say how far the input is handled.
  const progress = (): void => {
    for (const f of forwards) f.progress(ring.consumedFrameNo);
  };
  const assembled = await assembleReplayStages(init.payload as ReplayOptions, pipeline, {
    lineSink: (target, output) => {
      send({ t: 'open', target, output });
      return (chunk, lines) => send({ t: 'lines', target, chunk, lines });
    },
    flowLogSink: (rec, clock) => {
      recs.push(rec);
      clocks.push(clock);
      if (recs.length >= RECORD_BATCH) sendRecords();
    },
    crossFlow: init.crossFlow,
    pcapForward: (target, mode) => {
      const shared = init.pcapRings[target];
      if (shared === undefined) throw new Error(`replay worker: no ring for the pcap output '${target}'`);
      const out = new ForwardingPcapOutput(shared, mode, Infinity);
      forwards.push(out);
      return out;
    },
  });
  pipeline.setStages(assembled.stages);
  pipeline.keepFilterRejected = assembled.keepFilterRejected;
  send({ t: 'ready', warnings: assembled.warnings });

  // Frames are decoded where they lie in the ring (the reader's buffer is reused the same way).
  const started = performance.now();
  let waited = 0;
  let waits = 0;
  for (;;) {
    if (consumeRing(ring, pipeline, 4096) > 0) {
      progress();
      continue;
    }
    progress();
    if (ring.closed && ring.peek() < 0) break;
    const t = performance.now();
    ring.waitForData(100);
    waited += performance.now() - t;
    waits++;
  }
  const busyMs = performance.now() - started - waited;
  pipeline.advanceTo(ring.endSec);
  pipeline.finish();
  for (const f of forwards) f.publish();
  await assembled.close();
  const summary = buildSummary(pipeline, [], 0, assembled);
  sendRecords();
  send({ t: 'done', summary, intervals: assembled.flowLogIntervals(), busyMs, waits });
}

run().then(
  () => port.close(),
  (err: unknown) => {
    send({ t: 'error', code: err instanceof MirrorsinkError ? err.code : 'INTERNAL', message: err instanceof MirrorsinkError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err) });
    port.close();
  },
);
