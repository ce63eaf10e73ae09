/**
 * /healthz's kernel-drop rule over a window: bursty drops at a steady overall rate give one
 * steady answer (they used to flip /healthz between 503 and 200 every few seconds), a
 * sustained rate above the threshold is unhealthy on every sample, and it recovers once the
 * window has passed without drops. A clock of our own: no timing.
 */
import { describe, expect, it } from 'vitest';
import { HealthMonitor } from '../../src/service/health.js';

function monitor(windowSeconds: number) {
  let drops = 0;
  let now = 0;
  const h = new HealthMonitor(
    { receiveProblems: () => [], kernelDrops: () => drops },
    { maxEventLoopLagSeconds: 3600, maxKernelDropsPerSecond: 1000, kernelDropsWindowSeconds: windowSeconds },
    1000,
    () => now,
  );
  h.start();
  h.stop(); // no timer: the test samples
  return {
    h,
    /** One second passes with `n` more drops, then a sample. */
    second(n: number) {
      now += 1000;
      drops += n;
      h.sample();
      return h.status();
    },
  };
}

describe('health: kernel drop rate over a window', () => {
  // 4000 drops every 5th second: 800/s overall, under the 1000/s threshold; 4000/s in its second.
  const bursty = (i: number) => (i % 5 === 4 ? 4000 : 0);

  it('bursty drops under the threshold on average keep /healthz at one answer', () => {
    const m = monitor(30);
    const answers = Array.from({ length: 120 }, (_, i) => m.second(bursty(i)).ok);
    expect(answers.every((ok) => ok)).toBe(true);
    expect(m.h.dropRate).toBeGreaterThan(600);
    expect(m.h.dropRate).toBeLessThan(1000);
  });

  it('a one-second window (the old behaviour) flaps on the same traffic', () => {
    const m = monitor(1);
    const answers = Array.from({ length: 20 }, (_, i) => m.second(bursty(i)).ok);
    expect(answers.filter((ok) => !ok).length).toBe(4);
    expect(answers.filter((ok) => ok).length).toBe(16);
  });

  it('a sustained rate above the threshold is unhealthy on every sample once it fills the window, then recovers', () => {
    const m = monitor(30);
    const early = Array.from({ length: 20 }, () => m.second(2000).ok);
    // 2000/s over a 30 s window passes 1000/s after 15 s (a start-up burst is not a rate).
    expect(early.slice(0, 14).every((ok) => ok)).toBe(true);
    expect(early.slice(16).every((ok) => !ok)).toBe(true);
    const sustained = Array.from({ length: 60 }, (_, i) => m.second(bursty(i) * 2 + 600));
    expect(sustained.every((s) => !s.ok)).toBe(true);
    expect(sustained.at(-1)!.reasons.join()).toMatch(/^kernel drops \d+\/s over the last 30 s exceed 1000\/s/);
    const quiet = Array.from({ length: 40 }, () => m.second(0).ok);
    expect(quiet.slice(30).every((ok) => ok)).toBe(true);
  });

  it('a counter that goes back (sockets rebound) restarts the window instead of a negative rate', () => {
    const m = monitor(30);
    for (let i = 0; i < 40; i++) m.second(5000);
    expect(m.h.status().ok).toBe(false);
    expect(m.second(-150_000).ok).toBe(true);
    expect(m.h.dropRate).toBe(0);
    expect(m.second(10).ok).toBe(true);
  });
});
