import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { TypedHistogram } from '../../src/metrics/typed-histogram.js';

describe('TypedHistogram', () => {
  it("renders exactly what prom-client's Histogram renders for the same observations", async () => {
    const buckets = [1e-5, 1e-4, 1e-3, 0.01, 0.1, 1];
    const ours = new Registry();
    const theirs = new Registry();
    const a = new TypedHistogram({ name: 'x_seconds', help: 'Batch time.', buckets, registers: [ours] });
    const b = new Histogram({ name: 'x_seconds', help: 'Batch time.', buckets, registers: [theirs] });
    expect(await ours.metrics()).toBe(await theirs.metrics()); // empty
    for (const v of [0, 1e-5, 2e-5, 1e-4, 5e-4, 0.003, 0.05, 0.1, 0.7, 1, 3, 42]) {
      a.observe(v);
      b.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // JSON too, but for prom-client's exemplar fields (null/undefined there, absent here).
    const plain = (ms: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      ms.map((m) => ({ name: m.name, help: m.help, type: m.type, values: m.values.map((v) => ({ labels: v.labels, value: v.value, metricName: v.metricName })) }));
    expect(plain(await ours.getMetricsAsJSON())).toEqual(plain(await theirs.getMetricsAsJSON()));
    ours.resetMetrics();
    theirs.resetMetrics();
    a.observe(0.5);
    b.observe(0.5);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses buckets that are not ascending', () => {
    expect(() => new TypedHistogram({ name: 'y', help: 'y', buckets: [1, 1], registers: [] })).toThrow(/ascending/);
  });
});
