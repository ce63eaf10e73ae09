import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { registerDetectMetrics } from '../../src/metrics/detect-metrics.js';
import { decoded } from './helpers.js';
import { haveTool, runTool } from '../helpers/tools.js';

function engineWith(rules: string, hits: Array<{ sid: number; n: number }>): DetectEngine {
  const rs = loadRulesText(rules);
  const e = new DetectEngine(rs, null, []);
  // Feed real packets: each rule matches on its own dport.
  for (const { sid, n } of hits) {
    const p = decoded({ proto: 'tcp', dport: sid });
    for (let i = 0; i < n; i++) e.inspect(p);
  }
  return e;
}

function value(text: string, line: string): number | undefined {
  const m = text.split('\n').find((l) => l.startsWith(line + ' '));
  return m === undefined ? undefined : Number(m.slice(line.length + 1));
}

describe('detect metrics', () => {
  it('alerts by severity, top signatures + other, rules loaded/failed, reload time; monotonic across reloads', async () => {
    const rules = Array.from({ length: 5 }, (_, i) => `alert tcp any any -> any ${i + 1} (sid:${i + 1}; priority:${(i % 2) + 1};)`).join('\n') + '\nalert quic any any -> any any (sid:99;)';
    let engine: DetectEngine | null = engineWith(rules, [
      { sid: 1, n: 5 },
      { sid: 2, n: 4 },
      { sid: 3, n: 3 },
      { sid: 4, n: 2 },
    ]);
    const reg = new Registry();
    registerDetectMetrics(reg, () => engine, { topSignatures: 2 });
    let text = await reg.metrics();
    expect(value(text, 'mirrorsink_detect_alerts_total{severity="1"}')).toBe(8);
    expect(value(text, 'mirrorsink_detect_alerts_total{severity="2"}')).toBe(6);
    expect(value(text, 'mirrorsink_detect_alerts_total{severity="4"}')).toBe(0);
    expect(value(text, 'mirrorsink_detect_alerts_by_signature_total{sid="1"}')).toBe(5);
    expect(value(text, 'mirrorsink_detect_alerts_by_signature_total{sid="2"}')).toBe(4);
    expect(value(text, 'mirrorsink_detect_alerts_by_signature_total{sid="3"}')).toBeUndefined();
    expect(value(text, 'mirrorsink_detect_alerts_by_signature_total{sid="other"}')).toBe(5);
    expect(value(text, 'mirrorsink_detect_rules_loaded')).toBe(5);
    expect(value(text, 'mirrorsink_detect_rules_failed')).toBe(1);
    expect(value(text, 'mirrorsink_detect_last_reload_timestamp_seconds')).toBeGreaterThan(1.7e9);

    // Reload: the old engine's counts carry over.
    engine = engineWith(rules, [{ sid: 1, n: 1 }]);
    text = await reg.metrics();
    expect(value(text, 'mirrorsink_detect_alerts_total{severity="1"}')).toBe(9);
    expect(value(text, 'mirrorsink_detect_alerts_by_signature_total{sid="1"}')).toBe(6);
    engine = null;
    text = await reg.metrics();
    expect(value(text, 'mirrorsink_detect_alerts_total{severity="1"}')).toBe(9);
    expect(value(text, 'mirrorsink_detect_rules_loaded')).toBe(0);
  });
});

describe('pcre step-limit metric (issue 16)', () => {
  it('mirrorsink_detect_pcre_limit_hits_total counts searches abandoned at the step limit, monotonic across reloads', async () => {
    // A back reference keeps this pattern off the linear path: on 1459 'a's and a '!' it runs
    // into the step limit (see pcre-vm.test.ts).
    const rule = 'alert tcp any any -> any any (msg:"m"; pcre:"/(a|a)+(\\1)?$/"; sid:1;)';
    const run = (n: number): DetectEngine => {
      const e = new DetectEngine(loadRulesText(rule), null, []);
      const p = decoded({ proto: 'tcp', payload: 'a'.repeat(1459) + '!' });
      for (let i = 0; i < n; i++) e.inspect(p);
      return e;
    };
    let engine: DetectEngine | null = run(2);
    const reg = new Registry();
    registerDetectMetrics(reg, () => engine);
    let text = await reg.metrics();
    expect(text).toContain('# TYPE mirrorsink_detect_pcre_limit_hits_total counter');
    expect(value(text, 'mirrorsink_detect_pcre_limit_hits_total')).toBe(2);
    engine = run(1);
    text = await reg.metrics();
    expect(value(text, 'mirrorsink_detect_pcre_limit_hits_total')).toBe(3);
    if (haveTool('promtool')) expect(runTool('promtool', ['check', 'metrics'], text).status).toBe(0);
  });
});
