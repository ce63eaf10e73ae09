/**
 * A running mirror target: UDP listeners (or a live capture) feeding one Pipeline, the HTTP
 * server (metrics, health, API), reload and shutdown. `mirrorsink serve` is a thin wrapper that
 * wires signals to reload()/stop(); tests start it in-process on ephemeral ports.
 *
 * Lifecycle:
 * - start(): load config → build stages → bind sockets → HTTP → "mirrorsink ready" log line
 *   with the bound ports.
 * - reload() (SIGHUP, POST /api/reload): load the configuration again and build every stage new;
 *   swap them in one pipeline.setStages() call. Any problem keeps the running set and is
 *   reported. Listen/HTTP/capture settings need a restart (reported, not applied).
 * - stop() (SIGTERM/SIGINT): not ready → read what is already queued on the sockets (up to
 *   drain_ms) → close sockets/capture → pipeline.finish() (flows end, records emitted) → flush
 *   and close every writer → close HTTP.
 */
import { prefilterEngine } from '../detect/prefilter-native.js';
import { ServeWorkers } from './serve-workers.js';
import { chooseWorkerPath } from '../pipeline/worker-path.js';
import type { TunnelDatagramSink } from '../pipeline/stages.js';
import { addReports, pipelineReport, type BoundReusePortSocket, type ReusePortSocket, type WorkerReport } from './serve-worker-protocol.js';
import { chooseReceiver } from '../source/batch-socket.js';
import { Gauge, Counter } from 'prom-client';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { Pipeline, dropCauseNames } from '../pipeline/pipeline.js';
import type { LoadedConfig } from '../config/load.js';
import type { MirrorsinkConfig } from '../config/schema.js';
import { ConfigError } from '../config/problems.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { LISTENER_NAMES, ReceiveCounters, registerCoreMetrics, type CoreMetrics } from '../metrics/core-metrics.js';
import { registerFilterMetrics } from '../metrics/filter-metrics.js';
import { KernelDropReader } from '../metrics/kernel-drops.js';
import { BatchTimer, UdpListener } from '../source/udp-listener.js';
import { LiveCapture } from '../source/live-capture.js';
import { HealthMonitor, type HealthStatus } from './health.js';
import { StageBuildError, buildStages, pipelineStagesOf, retireStages, tickStages, type ServiceStages, type StageContext } from '../pipeline/build.js';
import { registerDetectMetrics } from '../metrics/detect-metrics.js';
import { registerFlowMetrics } from '../metrics/flow-metrics.js';
import { registerStreamMetrics } from '../metrics/stream-metrics.js';
import { registerAppLayerMetrics } from '../metrics/applayer-metrics.js';
import { registerOutputMetrics } from '../metrics/output-metrics.js';
import { outputErrors } from '../output/output-errors.js';
import { registerDefragMetrics } from '../metrics/defrag-metrics.js';
import type { FlowTable } from '../flow/flow-table.js';
import { registerRoutes } from '../server/app.js';
import { removeServeRuntime, writeServeRuntime } from './serve-runtime.js';

export interface ServiceOptions {
  /** Loads the configuration; called again (same file, environment, flags) on every reload. */
  load: () => LoadedConfig;
  /** Where log lines go (default stdout). */
  logStream?: NodeJS.WritableStream;
  /** Health sampling interval in ms (default 1000). */
  healthIntervalMs?: number;
  /** Output write failures are logged at most once per this interval, summed (default 10000). */
  outputErrorLogMs?: number;
  /** Where to publish the bound HTTP address for `mirrorsink healthcheck` (serve-runtime.ts); none when absent. */
  runtimeFile?: string;
}

export interface BoundSocket {
  listener: string;
  family: number;
  address: string;
  port: number;
  /** recvmmsg (native batches) or dgram. */
  receiver: 'recvmmsg' | 'dgram';
  /** SO_REUSEPORT path: how many pipeline threads hold a socket on this port. */
  reuse_port?: number;
}

export interface ReloadResult {
  ok: boolean;
  /** Why the reload was refused (the running configuration is kept). */
  error?: string;
  problems?: string[];
  summary?: ServiceStages['summary'];
  warnings?: string[];
  /** Settings that changed but apply only after a restart. */
  restart_required?: string[];
}

/** The configuration of the main thread's own stages when workers run the pipeline. */
function bareConfig(config: MirrorsinkConfig): MirrorsinkConfig {
  return { ...config, rules: { ...config.rules, files: [] }, flows: null, eve: { ...config.eve, path: null, fastLog: null }, defrag: { ...config.defrag, enabled: false } };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class MirrorsinkService {
  readonly pipeline = new Pipeline();
  readonly receive = new ReceiveCounters();
  readonly registry: Registry;
  readonly app: FastifyInstance;
  readonly log: FastifyBaseLogger;
  readonly listeners: UdpListener[] = [];
  readonly startedAt = Date.now();
  capture: LiveCapture | null = null;
  config: MirrorsinkConfig;
  stages!: ServiceStages;
  readonly health: HealthMonitor;
  private readonly kernelDrops = new KernelDropReader();
  private readonly core: CoreMetrics;
  private readonly batch: BatchTimer;
  private readonly opts: ServiceOptions;
  private state: 'starting' | 'ready' | 'stopping' | 'stopped' = 'starting';
  private reloading: Promise<ReloadResult> | null = null;
  private receiveFailures: string[] = [];
  private lastReload: { at: string; ok: boolean; error?: string } | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private lastOutputErrorLog = 0;
  /** Flow-log records written by flow bundles a reload replaced (the counter stays monotonic). */
  private retiredFlowRecords = 0;
  /** Flow-log records omitted (aws.omit_unlogged_traffic) by flow bundles a reload replaced. */
  private retiredFlowOmitted = 0;
  /**
   * Pipeline threads (`workers:` above 1, UDP listeners): the listeners feed their dispatcher
   * and this.pipeline stays idle; null runs everything on this thread.
   */
  workers: ServeWorkers | null = null;
  private readonly stageContext: StageContext = {
    drops: this.pipeline.drops,
    lostPackets: () => this.kernelDrops.read()?.drops ?? 0,
  };

  private constructor(opts: ServiceOptions, loaded: LoadedConfig) {
    this.opts = opts;
    this.config = loaded.config;
    this.app = Fastify({
      logger: opts.logStream ? { level: loaded.config.logLevel, stream: opts.logStream } : { level: loaded.config.logLevel },
      // Scrapes and health checks every few seconds: no per-request log lines.
      logController: new LogController({ disableRequestLogging: true }),
      forceCloseConnections: true,
    });
    this.log = this.app.log;
    this.registry = createMetricsRegistry({ startedAt: this.startedAt });
    this.health = new HealthMonitor(
      {
        receiveProblems: () => this.receiveProblems(),
        kernelDrops: () => this.kernelDrops.read()?.drops ?? null,
      },
      this.config.health,
      opts.healthIntervalMs,
    );
    this.core = registerCoreMetrics(this.registry, {
      decodeCounters: this.pipeline.decodeCounters,
      drops: this.pipeline.drops,
      receive: this.receive,
      sessionCounters: () => this.stages?.session.counters ?? null,
      dedupCounters: () => this.stages?.dedup?.counters ?? null,
      kernelDrops: () => this.kernelDrops.read()?.drops ?? null,
      receiveBuffers: () => this.receiveBuffers(),
      eventLoopLagSeconds: () => this.health.lagSeconds,
    });
    registerOutputMetrics(this.registry, outputErrors);
    if (loaded.config.workers > 1 && loaded.config.capture.interface === null) {
      // The stage families come from the workers (metricsText adds them up); this thread has
      // the receive side, its outputs, and what it alone knows of each worker.
      registerFlowMetrics(this.registry, () => null, { recordsWritten: () => this.workers?.flowRecordsWritten ?? 0 });
      this.registerWorkerMetrics();
    } else {
      registerFilterMetrics(this.registry, () => this.stages?.filters ?? []);
      registerDetectMetrics(this.registry, () => this.stages?.detect ?? null);
      registerStreamMetrics(this.registry, () => this.stages?.flows?.stream ?? null);
      registerAppLayerMetrics(this.registry, () => this.stages?.flows?.app ?? null);
      registerDefragMetrics(this.registry, () => this.pipeline.defrag);
      registerFlowMetrics(this.registry, () => this.stages?.flows?.table ?? null, {
        recordsWritten: () => this.retiredFlowRecords + (this.stages?.flows?.files?.recordsWritten ?? 0),
        recordsOmitted: () => this.retiredFlowOmitted + (this.stages?.flows?.outputs.aggregator?.omittedRecords ?? 0),
      });
    }
    this.batch = new BatchTimer((seconds) => this.core.observeBatch(seconds));
  }

  /** Start everything; throws ConfigError / StageBuildError / MirrorsinkError(E_BIND). */
  static async start(opts: ServiceOptions): Promise<MirrorsinkService> {
    const loaded = opts.load();
    const svc = new MirrorsinkService(opts, loaded);
    try {
      await svc.startUp(loaded);
    } catch (err) {
      await svc.abort();
      throw err;
    }
    return svc;
  }

  private async startUp(loaded: LoadedConfig): Promise<void> {
    const config = loaded.config;
    for (const a of loaded.assumptions) this.log.info({ assumed: true }, a);

    if (config.workers > 1 && config.capture.interface === null) await this.startWorkers(config);
    else {
      if (config.workers > 1) this.log.warn(`workers: ${config.workers} ignored: live capture (capture.interface) runs on one thread`);
      this.stages = await buildStages(config, this.stageContext, null);
      for (const w of this.stages.warnings) this.log.warn(w);
      this.pipeline.setStages(pipelineStagesOf(this.stages));
      this.pipeline.keepFilterRejected = config.keepFilterRejected;
    }

    if (config.capture.interface !== null) {
      const capture = new LiveCapture({
        interface: config.capture.interface,
        filter: config.capture.filter,
        bufferBytes: config.capture.bufferBytes,
        sink: this.pipeline,
        counters: this.receive,
        batch: this.batch,
        onInternalError: (err) => this.log.error({ err }, 'processing a captured frame threw; skipped (counted in mirrorsink_internal_errors_total)'),
      });
      await capture.start();
      this.capture = capture;
      this.log.info(
        { interface: config.capture.interface, filter: config.capture.filter, linktype: capture.linkType.name },
        `live capture on ${config.capture.interface}${config.capture.plain ? ' (plain traffic)' : ''}: UDP listeners not bound`,
      );
    } else if (this.workerPath.path === 'reuseport') {
      await this.bindReusePort(config);
    } else {
      await this.bindListeners(config);
    }

    this.health.start();
    // Wall-clock housekeeping: idle flows expire, flow-log intervals close, files rotate even
    // when no packet arrives.
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
    registerRoutes(this.app, this);
    try {
      await this.app.listen({ host: config.http.bind, port: config.http.port });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new MirrorsinkError(ErrorCode.Bind, `cannot listen for HTTP on ${config.http.bind}:${config.http.port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`);
    }
    this.state = 'ready';
    const http = this.httpAddress();
    const runtime = this.opts.runtimeFile;
    if (runtime !== undefined && http !== null) {
      try {
        writeServeRuntime(runtime, { pid: process.pid, http, started: new Date(this.startedAt).toISOString() });
      } catch (err) {
        this.log.warn(`cannot write ${runtime} (${(err as Error).message}): 'mirrorsink healthcheck' falls back to the configuration's http.bind/http.port`);
      }
    }
    this.log.info(
      {
        udp: this.boundSockets(),
        http,
        sessions: config.sessions.length,
        unknown_vni: config.unknownVni,
        config: config.file,
        summary: this.stages.summary,
        prefilter: prefilterEngine().description,
        workers: this.workers !== null ? { count: this.workers.count, path: this.workerPath.path, why: this.workerPath.reason } : 1,
      },
      'mirrorsink ready',
    );
    // Said once: without the native part every payload byte goes through JavaScript.
    const pf = prefilterEngine();
    if (!pf.native && this.stages.summary.rules_loaded > 0) this.log.warn(`detection prefilter: ${pf.description}`);
  }

  /** SO_REUSEPORT path: the sockets worker 0 bound (every worker has one of each in the group). */
  private reuseSockets: BoundReusePortSocket[] = [];

  /** Every worker opens its own socket of each kind in one SO_REUSEPORT group. */
  private async bindReusePort(config: MirrorsinkConfig): Promise<void> {
    const sockets: ReusePortSocket[] = [];
    for (const address of config.listen.bind) {
      sockets.push({ kind: 'vxlan', address, port: config.listen.vxlanPort });
      if (config.listen.genevePort !== null) sockets.push({ kind: 'geneve', address, port: config.listen.genevePort });
    }
    // A SO_REUSEPORT socket would silently join another process's group on the same port (a
    // second mirrorsink, same user) and take half its traffic: bind each port plainly first,
    // which fails as any bind does when the port is held, then let the workers take it.
    for (const sock of sockets) {
      if (sock.port === 0) continue;
      const probe = new UdpListener({ kind: sock.kind, address: sock.address, port: sock.port, receiveBufferBytes: 0, receiver: 'dgram', sink: { onTunnelDatagram() {} }, counters: new ReceiveCounters(), batch: new BatchTimer(() => {}) });
      await probe.bind();
      await probe.close();
    }
    const bound = await this.workers!.bindReusePort(sockets, config.listen.receiveBufferBytes);
    this.reuseSockets = bound;
    const capped = bound.find((b) => b.receiveBuffer?.capped);
    if (capped?.receiveBuffer) {
      const b = capped.receiveBuffer;
      this.log.warn({ requested: b.requested, granted: b.actual }, `the kernel capped the UDP receive buffer at ${b.actual} bytes (asked for ${b.requested}); bursts will be dropped sooner. Raise the limit with: sysctl -w net.core.rmem_max=${b.requested}`);
    }
    const n = this.kernelDrops.attach(bound.map((b) => b.port));
    if (n === 0 && process.platform === 'linux') this.log.warn('could not find our sockets in /proc/net/udp: kernel drops are not counted');
  }

  /** The path datagrams take to the workers (pipeline/worker-path.ts), for logs and --check. */
  workerPath: { path: string; reason: string } = { path: 'single', reason: 'one worker' };

  /**
   * Start the pipeline threads. Each builds its stages from the same configuration; this thread
   * keeps a copy of the first build's summary, its session directory and counters for reports.
   */
  private async startWorkers(config: MirrorsinkConfig): Promise<void> {
    const receiver = chooseReceiver(config.listen.receiver);
    if (receiver.use === null) throw new MirrorsinkError(ErrorCode.NativeUnavailable, receiver.error);
    this.workerPath = chooseWorkerPath({
      workers: config.workers,
      receiver: receiver.use,
      geneve: config.listen.genevePort !== null,
      dedup: config.dedup.enabled,
      reusePort: receiver.use === 'recvmmsg' && receiver.module.reusePort === true,
    });
    this.workers = new ServeWorkers(config.workers, config, {
      onFault: (w, message) => this.log.error({ worker: w }, message),
      // problems() keeps reporting it to /healthz.
      onExit: (w, why) => this.log.error({ worker: w }, why),
      onSocketLost: (why) => {
        this.receiveFailures.push(why);
        this.log.error(`receive socket lost: ${why}`);
      },
    });
    const started = await this.workers.start();
    for (const w of started.warnings) this.log.warn(w);
    // This thread's own stages carry the sessions, summary and configuration for reports; its
    // pipeline stays idle (no rules, flows or files here).
    this.stages = { ...(await buildStages(bareConfig(config), this.stageContext, null)), summary: started.summary, warnings: started.warnings, config };
  }

  /** What only the main thread knows of each worker: queue depth, drops, busy time. */
  private registerWorkerMetrics(): void {
    const registers = [this.registry];
    const stats = () => this.workers?.workerStats() ?? [];
    new Gauge({
      name: 'mirrorsink_worker_queue_bytes',
      help: "Bytes waiting in a pipeline thread's ring (workers above 1)",
      labelNames: ['worker'],
      registers,
      collect() {
        for (const s of stats()) this.set({ worker: String(s.worker) }, s.queueBytes);
      },
    });
    const counters: [string, string, (s: ReturnType<typeof stats>[number]) => number][] = [
      ['mirrorsink_worker_datagrams_total', 'Datagrams a pipeline thread took, from its ring or its own SO_REUSEPORT socket (workers above 1)', (s) => s.datagrams],
      ['mirrorsink_worker_dropped_total', "Datagrams dropped because a pipeline thread's ring was full (it fell behind)", (s) => s.dropped],
      ['mirrorsink_worker_busy_seconds_total', 'Time a pipeline thread spent on packets (not waiting for them)', (s) => s.busySeconds],
    ];
    for (const [name, help, pick] of counters) {
      new Counter({
        name,
        help,
        labelNames: ['worker'],
        registers,
        collect() {
          this.reset();
          for (const s of stats()) this.inc({ worker: String(s.worker) }, pick(s));
        },
      });
    }
  }

  /** GET /metrics text: this registry, plus every worker's families added up. */
  async metricsText(): Promise<string> {
    if (this.workers === null) return this.registry.metrics();
    return this.workers.metricsText(await this.registry.getMetricsAsJSON());
  }

  private async bindListeners(config: MirrorsinkConfig): Promise<void> {
    const kinds: ['vxlan' | 'geneve', number][] = [['vxlan', config.listen.vxlanPort]];
    if (config.listen.genevePort !== null) kinds.push(['geneve', config.listen.genevePort]);
    for (const address of config.listen.bind) {
      for (const [kind, port] of kinds) {
        const l = new UdpListener({
          kind,
          address,
          port,
          receiveBufferBytes: config.listen.receiveBufferBytes,
          receiver: config.listen.receiver,
          sink: this.workers !== null ? this.workers.dispatcher : (this.pipeline as TunnelDatagramSink),
          counters: this.receive,
          batch: this.batch,
          onInternalError: (err) => this.log.error({ err }, 'processing a datagram threw; skipped (counted in mirrorsink_internal_errors_total)'),
          onClosed: (why) => {
            if (this.state === 'stopping' || this.state === 'stopped') return;
            this.receiveFailures.push(why);
            this.log.error(`receive socket lost: ${why}`);
          },
        });
        await l.bind();
        this.listeners.push(l);
      }
    }
    const fallback = this.listeners.find((l) => l.receiverFallback !== null)?.receiverFallback;
    if (fallback) this.log.warn(`UDP sockets read with Node's dgram, several times the CPU per datagram of recvmmsg batches: ${fallback}`);
    const capped = this.listeners.filter((l) => l.receiveBuffer?.capped);
    if (capped.length > 0) {
      const b = capped[0]!.receiveBuffer!;
      this.log.warn(
        { requested: b.requested, granted: b.actual },
        `the kernel capped the UDP receive buffer at ${b.actual} bytes (asked for ${b.requested}); bursts will be dropped sooner. Raise the limit with: sysctl -w net.core.rmem_max=${b.requested}`,
      );
    }
    const sockets = this.kernelDrops.attach(this.listeners.map((l) => l.port));
    if (sockets === 0 && process.platform === 'linux') this.log.warn('could not find our sockets in /proc/net/udp: kernel drops are not counted');
  }

  private tick(): void {
    try {
      if (this.workers !== null) this.workers.tick();
      else tickStages(this.stages, Date.now() / 1000);
    } catch (err) {
      // Housekeeping must not take the process down (outputs count their own write errors).
      this.log.error({ err }, 'flow housekeeping failed');
    }
    const now = Date.now();
    if (now - this.lastOutputErrorLog >= (this.opts.outputErrorLogMs ?? 10_000)) {
      this.lastOutputErrorLog = now;
      this.logOutputErrors();
    }
  }

  /** One log line per output and error code since the last call (not one per failed write). */
  private logOutputErrors(): void {
    for (const e of outputErrors.takeReport()) {
      if (e.count === 0) {
        this.log.warn({ output: e.output, dropped: e.dropped }, `output ${e.output}: ${e.dropped} lines/records dropped (target not taking writes)`);
        continue;
      }
      this.log.error(
        { output: e.output, code: e.code, errors: e.count, dropped: e.dropped },
        `output ${e.output}: ${e.count} failed write${e.count === 1 ? '' : 's'} (${e.code}) since the last report, ${e.dropped} dropped; receiving and detection go on; last: ${e.message}`,
      );
    }
  }

  boundSockets(): BoundSocket[] {
    if (this.reuseSockets.length > 0) return this.reuseSockets.map((b) => ({ listener: b.kind, family: b.family, address: b.address, port: b.port, receiver: 'recvmmsg', ...(this.workers !== null ? { reuse_port: this.workers.count } : {}) }));
    return this.listeners.map((l) => ({ listener: l.kind, family: l.family, address: l.address, port: l.port, receiver: l.receiver ?? 'dgram' }));
  }

  httpAddress(): { address: string; port: number } | null {
    const a = this.app.server.address();
    if (a === null || typeof a === 'string') return null;
    return { address: a.address, port: a.port };
  }

  /** The bound port of the first listener of a kind (tests, logs). */
  port(kind: 'vxlan' | 'geneve'): number {
    return this.listeners.find((l) => l.kind === kind)?.port ?? this.reuseSockets.find((b) => b.kind === kind)?.port ?? 0;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get lifecycle(): string {
    return this.state;
  }

  private receiveBuffers(): { listener: string; bytes: number }[] {
    const out = new Map<string, number>();
    // Per socket; with SO_REUSEPORT workers each socket of the group got the same.
    const sockets = [...this.listeners.map((l) => ({ kind: l.kind, b: l.receiveBuffer })), ...this.reuseSockets.map((r) => ({ kind: r.kind, b: r.receiveBuffer }))];
    for (const { kind, b } of sockets) {
      if (b === null) continue;
      const prev = out.get(kind);
      out.set(kind, prev === undefined ? b.actual : Math.min(prev, b.actual));
    }
    return [...out].map(([listener, bytes]) => ({ listener, bytes }));
  }

  private receiveProblems(): string[] {
    const out: string[] = [];
    if (this.state !== 'ready') out.push(`not running (${this.state})`);
    if (this.workers !== null) out.push(...this.workers.problems(this.config.health.workerStallSeconds));
    if (this.capture !== null || this.config.capture.interface !== null) {
      if (this.capture === null || !this.capture.open) out.push(`live capture on ${this.config.capture.interface} is not open`);
    } else {
      if (this.listeners.length === 0 && this.reuseSockets.length === 0) out.push('no UDP socket is bound');
      for (const l of this.listeners) if (!l.bound) out.push(`UDP socket ${l.describe()} is not bound`);
      for (const f of this.receiveFailures) out.push(f);
    }
    return out;
  }

  healthStatus(): HealthStatus {
    return this.health.status();
  }

  /** GET /api/sessions (with workers: their counts added up). */
  /** This thread's share of the counts (all of them without pipeline threads). */
  private ownReport(): WorkerReport {
    return pipelineReport(this.pipeline, this.stages, this.receive, null);
  }

  async sessionsReport(): Promise<Record<string, unknown>> {
    const own = this.ownReport();
    const r = addReports(this.workers !== null ? [own, ...(await this.workers.reports(1))] : [own]);
    const drops: Record<string, number> = {};
    dropCauseNames.forEach((c, i) => (drops[c] = r.drops[i] ?? 0));
    const received: Record<string, { datagrams: number; bytes: number }> = {};
    LISTENER_NAMES.forEach((l, i) => (received[l] = { datagrams: r.receivedDatagrams[i] ?? 0, bytes: r.receivedBytes[i] ?? 0 }));
    return {
      unknown_vni: this.config.unknownVni,
      sessions: r.sessions,
      drops,
      received,
      decoder: { packets: r.decoded, invalid: r.invalid },
      delivered: r.delivered,
      ...(this.workers !== null ? { workers: this.workers.workerStats() } : {}),
      last_reload: this.lastReload,
    };
  }

  /** GET /api/flows/unanswered: newest first, across workers; null when flows are off. */
  async unanswered(limit: number): Promise<unknown[] | null> {
    if (this.workers === null) return this.stages.flows?.table.report.listUnanswered(limit) ?? null;
    if (this.config.flows === null) return null;
    const rows = (await this.workers.reports(limit)).flatMap((r) => (r.unanswered ?? []) as { first_seen: string }[]);
    rows.sort((x, y) => (x.first_seen < y.first_seen ? 1 : x.first_seen > y.first_seen ? -1 : 0));
    return rows.slice(0, limit);
  }

  /** The flow table when flows are on and run on this thread (tests; null with workers). */
  get flowTable(): FlowTable | null {
    return this.stages.flows?.table ?? null;
  }

  /** Reload configuration, filters and rules. Never throws; concurrent calls share one reload. */
  reload(trigger: string): Promise<ReloadResult> {
    if (this.reloading !== null) return this.reloading;
    this.reloading = this.doReload(trigger).finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  private async doReload(trigger: string): Promise<ReloadResult> {
    const log = this.log;
    log.info({ trigger }, 'reloading configuration');
    let loaded: LoadedConfig;
    try {
      loaded = this.opts.load();
    } catch (err) {
      return this.refuseReload(trigger, err);
    }
    const next = loaded.config;
    const restart: string[] = [];
    if (!sameJson(next.listen, this.config.listen)) restart.push('listen');
    if (next.http.bind !== this.config.http.bind || next.http.port !== this.config.http.port) restart.push('http.bind/http.port');
    if (!sameJson(next.capture, this.config.capture)) restart.push('capture');
    if (next.workers !== this.config.workers) restart.push('workers');
    if (this.workers !== null) return this.reloadWorkers(trigger, next, restart);
    let stages: ServiceStages;
    try {
      stages = await buildStages(next, this.stageContext, this.stages);
    } catch (err) {
      return this.refuseReload(trigger, err);
    }
    // Swap: one call, the next packet sees the whole new set.
    const old = this.stages;
    this.pipeline.setStages(pipelineStagesOf(stages));
    this.pipeline.keepFilterRejected = next.keepFilterRejected;
    this.stages = stages;
    // Settings that need a restart keep their running values.
    this.config = { ...next, listen: this.config.listen, capture: this.config.capture, http: { ...next.http, bind: this.config.http.bind, port: this.config.http.port } };
    this.health.thresholds = next.health;
    this.log.level = next.logLevel;
    await retireStages(old, stages);
    if (old.flows !== null && old.flows !== stages.flows) {
      this.retiredFlowRecords += old.flows.files?.recordsWritten ?? 0;
      this.retiredFlowOmitted += old.flows.outputs.aggregator?.omittedRecords ?? 0;
    }
    // Same EVE file kept: reopen it, so logrotate's "create" mode works with SIGHUP as with Suricata.
    if (stages.eve !== null && stages.eve === old.eve) await stages.eve.reopen();
    if (stages.fastLog !== null && stages.fastLog === old.fastLog) await stages.fastLog.reopen();
    for (const w of stages.warnings) log.warn(w);
    if (restart.length > 0) log.warn({ restart_required: restart }, `changed settings that apply only after a restart: ${restart.join(', ')}`);
    this.lastReload = { at: new Date().toISOString(), ok: true };
    log.info({ trigger, summary: stages.summary }, 'configuration reloaded');
    return { ok: true, summary: stages.summary, warnings: stages.warnings, restart_required: restart };
  }

  /** Reload with pipeline threads: all of them take the new set, or none does. */
  private async reloadWorkers(trigger: string, next: MirrorsinkConfig, restart: string[]): Promise<ReloadResult> {
    // This thread owns the flow-log and flows.pcap files: where and how they are written needs a restart.
    if (!sameJson(next.flows?.log ?? null, this.config.flows?.log ?? null)) restart.push('flows.log');
    if (!sameJson(next.flows?.pcap ?? null, this.config.flows?.pcap ?? null)) restart.push('flows.pcap');
    const kept = { ...next, workers: this.config.workers, listen: this.config.listen, capture: this.config.capture, flows: next.flows === null ? null : { ...next.flows, log: this.config.flows?.log ?? null, pcap: this.config.flows?.pcap ?? null } };
    let bare: ServiceStages;
    try {
      bare = await buildStages(bareConfig(kept), this.stageContext, null);
    } catch (err) {
      return this.refuseReload(trigger, err);
    }
    const result = await this.workers!.reload(kept);
    if (!result.ok) return this.refuseReload(trigger, result.problems !== undefined ? new StageBuildError(result.problems) : new Error(result.message));
    this.stages = { ...bare, summary: result.summary, warnings: result.warnings, config: kept };
    this.config = { ...kept, http: { ...next.http, bind: this.config.http.bind, port: this.config.http.port } };
    this.health.thresholds = next.health;
    this.log.level = next.logLevel;
    for (const w of result.warnings) this.log.warn(w);
    if (restart.length > 0) this.log.warn({ restart_required: restart }, `changed settings that apply only after a restart: ${restart.join(', ')}`);
    this.lastReload = { at: new Date().toISOString(), ok: true };
    this.log.info({ trigger, summary: result.summary, workers: this.workers!.count }, 'configuration reloaded in every worker');
    return { ok: true, summary: result.summary, warnings: result.warnings, restart_required: restart };
  }

  private refuseReload(trigger: string, err: unknown): ReloadResult {
    const problems = err instanceof ConfigError || err instanceof StageBuildError ? err.problems : undefined;
    const message = err instanceof Error ? err.message : String(err);
    this.log.error({ trigger, problems }, `reload refused, the running configuration is kept: ${message}`);
    this.lastReload = { at: new Date().toISOString(), ok: false, error: message };
    return { ok: false, error: message, ...(problems ? { problems } : {}) };
  }

  /** Stop receiving, drain, finish the pipeline, flush every writer, close HTTP. */
  async stop(signal = 'stop'): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.log.info({ signal }, 'shutting down: draining sockets');
    await this.drain();
    if (this.reuseSockets.length > 0) await this.workers!.unbind(this.config.drainMs);
    for (const l of this.listeners) await l.close();
    this.capture?.close();
    if (this.ticker) clearInterval(this.ticker);
    this.batch.flush();
    // Pipeline threads end their flows and hand over every record; their files close here.
    if (this.workers !== null) {
      this.workers.dispatcher.publish();
      try {
        await this.workers.stop();
      } catch (err) {
        this.log.error({ err }, 'stopping the pipeline threads failed');
      }
    }
    // Flows end (records emitted), then every writer is flushed and closed.
    this.pipeline.finish();
    try {
      // Bounded: every writer's close gives up after its timeout (what is left is counted).
      await retireStages(this.stages, null);
    } catch (err) {
      this.log.error({ err }, 'closing the outputs failed');
    }
    this.logOutputErrors();
    this.health.stop();
    // With pipeline threads, their counts as they finished, added to this thread's.
    const r = addReports([this.ownReport(), ...(this.workers?.finalReports ?? [])]);
    const summary = {
      datagrams: Object.fromEntries(LISTENER_NAMES.map((l, i) => [l, r.receivedDatagrams[i] ?? 0])),
      decoded: r.decoded,
      delivered: r.delivered,
      drops: Object.fromEntries(dropCauseNames.map((c, i) => [c, r.drops[i] ?? 0])),
    };
    await this.app.close();
    if (this.opts.runtimeFile !== undefined) removeServeRuntime(this.opts.runtimeFile);
    this.state = 'stopped';
    this.log.info({ summary }, 'mirrorsink stopped');
  }

  /** Read datagrams already queued in the kernel until a quiet period or drain_ms. */
  private async drain(): Promise<void> {
    const deadline = Date.now() + this.config.drainMs;
    const total = () => this.receive.datagrams[0]! + this.receive.datagrams[1]! + this.receive.datagrams[2]!;
    let last = total();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      const now = total();
      if (now === last) break;
      last = now;
    }
  }

  /** Start failed: release whatever was opened. */
  private async abort(): Promise<void> {
    this.state = 'stopped';
    if (this.ticker) clearInterval(this.ticker);
    if (this.stages) await retireStages(this.stages, null);
    if (this.workers !== null) await this.workers.abort();
    for (const l of this.listeners) await l.close();
    this.capture?.close();
    this.health.stop();
    try {
      await this.app.close();
    } catch {
      // not listening
    }
  }

  /** Test hook: make one UDP socket fail as if the kernel closed it (health must turn 503). */
  simulateSocketFailure(kind: 'vxlan' | 'geneve' = 'vxlan'): void {
    this.listeners.find((l) => l.kind === kind)?.simulateFailure();
  }
}
