/**
 * Is the sink healthy? For an NLB/GWLB health check (and Kubernetes liveness): every receive
 * socket (or the live capture) is open, the event loop keeps up (delay below a threshold) and
 * the kernel is not dropping datagrams faster than a threshold. Sampled once per interval on a
 * timer (unref'd), so /healthz is cheap.
 *
 * The drop rate is taken over a sliding window (health.kernel_drops_window_seconds, default 30 s),
 * not over the last interval: kernel drops come in bursts (a receive buffer overflows, then
 * drains), so a one-second rate swung above and below the threshold every few seconds under a
 * steady overall loss and /healthz flapped between 503 and 200, which an NLB health check
 * (several consecutive results) turns into targets going in and out of service. Over the window
 * the rate is the average loss an operator acts on.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface HealthInputs {
  /** Problems with the receive path (closed sockets...), empty when fine. */
  receiveProblems(): string[];
  /** Total kernel drops so far, null when unknown. */
  kernelDrops(): number | null;
}

export interface HealthThresholds {
  maxEventLoopLagSeconds: number;
  maxKernelDropsPerSecond: number;
  /** The window the kernel drop rate is averaged over (seconds). */
  kernelDropsWindowSeconds: number;
}

export interface HealthStatus {
  ok: boolean;
  reasons: string[];
  event_loop_lag_seconds: number;
  kernel_drops_per_second: number | null;
}

export class HealthMonitor {
  private readonly delay: IntervalHistogram;
  private timer: NodeJS.Timeout | null = null;
  /** (time ms, drops) samples of the window, a ring; oldest at `head`. */
  private readonly sampleAt: Float64Array;
  private readonly sampleDrops: Float64Array;
  private head = 0;
  private held = 0;
  /** p99 event-loop delay of the last interval (seconds). */
  lagSeconds = 0;
  /** Kernel drops per second over the window (or as much of it as has passed), null when unknown. */
  dropRate: number | null = null;

  constructor(
    private readonly inputs: HealthInputs,
    public thresholds: HealthThresholds,
    private readonly intervalMs = 1000,
    /** Milliseconds, monotonic (tests pass their own). */
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    // Enough samples for a window of up to an hour at the interval (validate.ts caps the window).
    const n = Math.min(3600, Math.max(2, Math.ceil((3600 * 1000) / Math.max(1, intervalMs)) + 1));
    this.sampleAt = new Float64Array(n);
    this.sampleDrops = new Float64Array(n);
  }

  private push(at: number, drops: number): void {
    const n = this.sampleAt.length;
    if (this.held === n) {
      this.head = (this.head + 1) % n;
      this.held--;
    }
    const i = (this.head + this.held) % n;
    this.sampleAt[i] = at;
    this.sampleDrops[i] = drops;
    this.held++;
  }

  start(): void {
    this.delay.enable();
    this.held = 0;
    const drops = this.inputs.kernelDrops();
    if (drops !== null) this.push(this.clock(), drops);
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.delay.disable();
  }

  /** Take one sample now (also used by tests to avoid waiting for the timer). */
  sample(): void {
    const p99 = this.delay.count > 0 ? this.delay.percentile(99) : 0;
    // monitorEventLoopDelay reports the timer's whole delay; its resolution is not lag.
    this.lagSeconds = Math.max(0, p99 / 1e9 - 0.01);
    this.delay.reset();
    const now = this.clock();
    const drops = this.inputs.kernelDrops();
    if (drops === null) {
      this.held = 0;
      this.dropRate = null;
      return;
    }
    this.push(now, drops);
    // Forget samples older than the window, keeping the newest one at or before its start.
    const windowMs = this.thresholds.kernelDropsWindowSeconds * 1000;
    const n = this.sampleAt.length;
    while (this.held > 2 && this.sampleAt[(this.head + 1) % n]! <= now - windowMs) {
      this.head = (this.head + 1) % n;
      this.held--;
    }
    const t0 = this.sampleAt[this.head]!;
    const d0 = this.sampleDrops[this.head]!;
    // Counters reset (sockets rebound): start the window again.
    if (drops < d0) {
      this.head = (this.head + this.held - 1) % n;
      this.held = 1;
      this.dropRate = 0;
      return;
    }
    // Over the whole window even before that much time has passed: a start-up burst is not
    // yet a sustained rate (no drops are assumed before the first sample).
    this.dropRate = this.held >= 2 ? (drops - d0) / (Math.max(now - t0, windowMs) / 1000) : null;
  }

  status(): HealthStatus {
    const reasons = [...this.inputs.receiveProblems()];
    if (this.lagSeconds > this.thresholds.maxEventLoopLagSeconds) {
      reasons.push(`event loop lag ${this.lagSeconds.toFixed(3)} s exceeds ${this.thresholds.maxEventLoopLagSeconds} s: the pipeline does not keep up`);
    }
    if (this.dropRate !== null && this.dropRate > this.thresholds.maxKernelDropsPerSecond) {
      reasons.push(
        `kernel drops ${Math.round(this.dropRate)}/s over the last ${this.thresholds.kernelDropsWindowSeconds} s exceed ${this.thresholds.maxKernelDropsPerSecond}/s: the receive buffer overflows (raise listen.receive_buffer_bytes / net.core.rmem_max, or add targets)`,
      );
    }
    return { ok: reasons.length === 0, reasons, event_loop_lag_seconds: this.lagSeconds, kernel_drops_per_second: this.dropRate };
  }
}
