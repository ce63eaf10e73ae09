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
    registerFilterMetrics(this.registry, () => this.stages?.filters ?? []);
    registerDetectMetrics(this.registry, () => this.stages?.detect ?? null);
    registerStreamMetrics(this.registry, () => this.stages?.flows?.stream ?? null);
    registerAppLayerMetrics(this.registry, () => this.stages?.flows?.app ?? null);
    registerOutputMetrics(this.registry, outputErrors);
    registerDefragMetrics(this.registry, () => this.pipeline.defrag);
    registerFlowMetrics(this.registry, () => this.stages?.flows?.table ?? null, {
      recordsWritten: () => this.retiredFlowRecords + (this.stages?.flows?.files?.recordsWritten ?? 0),
      recordsOmitted: () => this.retiredFlowOmitted + (this.stages?.flows?.outputs.aggregator?.omittedRecords ?? 0),
    });
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

    this.stages = await buildStages(config, this.stageContext, null);
    for (const w of this.stages.warnings) this.log.warn(w);
    this.pipeline.setStages(pipelineStagesOf(this.stages));
    this.pipeline.keepFilterRejected = config.keepFilterRejected;

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
      },
      'mirrorsink ready',
    );
    // Said once: without the native part every payload byte goes through JavaScript.
    const pf = prefilterEngine();
    if (!pf.native && this.stages.summary.rules_loaded > 0) this.log.warn(`detection prefilter: ${pf.description}`);
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
          sink: this.pipeline,
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
      tickStages(this.stages, Date.now() / 1000);
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
    return this.listeners.map((l) => ({ listener: l.kind, family: l.family, address: l.address, port: l.port, receiver: l.receiver ?? 'dgram' }));
  }

  httpAddress(): { address: string; port: number } | null {
    const a = this.app.server.address();
    if (a === null || typeof a === 'string') return null;
    return { address: a.address, port: a.port };
  }

  /** The bound port of the first listener of a kind (tests, logs). */
  port(kind: 'vxlan' | 'geneve'): number {
    return this.listeners.find((l) => l.kind === kind)?.port ?? 0;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get lifecycle(): string {
    return this.state;
  }

  private receiveBuffers(): { listener: string; bytes: number }[] {
    const out = new Map<string, number>();
    for (const l of this.listeners) {
      const b = l.receiveBuffer;
      if (b === null) continue;
      const prev = out.get(l.kind);
      out.set(l.kind, prev === undefined ? b.actual : Math.min(prev, b.actual));
    }
    return [...out].map(([listener, bytes]) => ({ listener, bytes }));
  }

  private receiveProblems(): string[] {
    const out: string[] = [];
    if (this.state !== 'ready') out.push(`not running (${this.state})`);
    if (this.capture !== null || this.config.capture.interface !== null) {
      if (this.capture === null || !this.capture.open) out.push(`live capture on ${this.config.capture.interface} is not open`);
    } else {
      if (this.listeners.length === 0) out.push('no UDP socket is bound');
      for (const l of this.listeners) if (!l.bound) out.push(`UDP socket ${l.describe()} is not bound`);
      for (const f of this.receiveFailures) out.push(f);
    }
    return out;
  }

  healthStatus(): HealthStatus {
    return this.health.status();
  }

  /** GET /api/sessions */
  sessionsReport(): Record<string, unknown> {
    const drops: Record<string, number> = {};
    dropCauseNames.forEach((c, i) => (drops[c] = this.pipeline.drops[i]!));
    const received: Record<string, { datagrams: number; bytes: number }> = {};
    LISTENER_NAMES.forEach((l, i) => (received[l] = { datagrams: this.receive.datagrams[i]!, bytes: this.receive.bytes[i]! }));
    return {
      unknown_vni: this.config.unknownVni,
      sessions: this.stages.session.counters.snapshot(),
      drops,
      received,
      decoder: { packets: this.pipeline.decodeCounters.layers[0], invalid: this.pipeline.decodeCounters.layers[2] },
      delivered: this.pipeline.delivered,
      last_reload: this.lastReload,
    };
  }

  /** The flow table when flows are on (GET /api/flows/unanswered). */
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
    for (const l of this.listeners) await l.close();
    this.capture?.close();
    if (this.ticker) clearInterval(this.ticker);
    this.batch.flush();
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
    const summary = {
      datagrams: Object.fromEntries(LISTENER_NAMES.map((l, i) => [l, this.receive.datagrams[i]])),
      decoded: this.pipeline.decodeCounters.layers[0],
      delivered: this.pipeline.delivered,
      drops: Object.fromEntries(dropCauseNames.map((c, i) => [c, this.pipeline.drops[i]])),
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
