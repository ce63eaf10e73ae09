/**
 * Is the sink healthy? For an NLB/GWLB health check (and Kubernetes liveness): every receive
 * socket (or the live capture) is open, the event loop keeps up (delay below a threshold) and
 * the kernel is not dropping datagrams faster than a threshold. Sampled once per interval on a
 * timer (unref'd), so /healthz is cheap and the answer reflects the last interval.
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
  private lastDrops: number | null = null;
  private lastAt = 0;
  /** p99 event-loop delay of the last interval (seconds). */
  lagSeconds = 0;
  /** Kernel drops per second over the last interval, null when unknown. */
  dropRate: number | null = null;

  constructor(
    private readonly inputs: HealthInputs,
    public thresholds: HealthThresholds,
    private readonly intervalMs = 1000,
  ) {
    this.delay = monitorEventLoopDelay({ resolution: 10 });
  }

  start(): void {
    this.delay.enable();
    this.lastDrops = this.inputs.kernelDrops();
    this.lastAt = performance.now();
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
    const now = performance.now();
    const drops = this.inputs.kernelDrops();
    if (drops !== null && this.lastDrops !== null && now > this.lastAt) {
      this.dropRate = Math.max(0, drops - this.lastDrops) / ((now - this.lastAt) / 1000);
    } else this.dropRate = null;
    this.lastDrops = drops;
    this.lastAt = now;
  }

  status(): HealthStatus {
    const reasons = [...this.inputs.receiveProblems()];
    if (this.lagSeconds > this.thresholds.maxEventLoopLagSeconds) {
      reasons.push(`event loop lag ${this.lagSeconds.toFixed(3)} s exceeds ${this.thresholds.maxEventLoopLagSeconds} s: the pipeline does not keep up`);
    }
    if (this.dropRate !== null && this.dropRate > this.thresholds.maxKernelDropsPerSecond) {
      reasons.push(
        `kernel drops ${Math.round(this.dropRate)}/s exceed ${this.thresholds.maxKernelDropsPerSecond}/s: the receive buffer overflows (raise listen.receive_buffer_bytes / net.core.rmem_max, or add targets)`,
      );
    }
    return { ok: reasons.length === 0, reasons, event_loop_lag_seconds: this.lagSeconds, kernel_drops_per_second: this.dropRate };
  }
}
