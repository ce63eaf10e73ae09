/**
 * Prometheus metrics of the detection engine, read at scrape time from the engine's typed
 * counters (nothing is labelled per packet):
 *
 * - mirrorsink_detect_alerts_total{severity}: alerts logged, by severity (1 highest);
 *   severities 1-4 are always present.
 * - mirrorsink_detect_alerts_by_signature_total{sid}: alerts of the `topSignatures` rules with
 *   the most alerts (label "gid:sid" for gid != 1, else the sid), the rest summed under
 *   sid="other" — label cardinality stays bounded whatever the ruleset.
 * - mirrorsink_detect_alerts_suppressed_total: matches threshold/detection_filter did not log.
 * - mirrorsink_detect_pcre_limit_hits_total: pcre searches abandoned at the step limit
 *   (the keyword did not match; Suricata counts its PCRE2 match-limit hits the same way).
 * - mirrorsink_detect_rules_loaded / mirrorsink_detect_rules_failed: of the current rule set
 *   (suricata_exporter's detect_engine_rules_loaded/failed).
 * - mirrorsink_detect_last_reload_timestamp_seconds: when the current rule set was loaded.
 *
 * Counters stay monotonic across rule reloads: when getEngine() returns a new engine, the
 * previous engine's final counts are carried over.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DetectEngine } from '../detect/engine.js';

export interface DetectMetricsOptions {
  /** Signatures published individually. Default 20. */
  topSignatures?: number;
}

function sidLabel(gid: number, sid: number): string {
  return gid === 1 ? String(sid) : `${gid}:${sid}`;
}

export function registerDetectMetrics(registry: Registry, getEngine: () => DetectEngine | null, opts: DetectMetricsOptions = {}): void {
  const top = Math.max(0, opts.topSignatures ?? 20);
  const carrySeverity = new Float64Array(256);
  const carrySid = new Map<string, number>();
  let carrySuppressed = 0;
  let carryPcreLimitHits = 0;
  let last: DetectEngine | null = null;

  /** Fold a replaced engine's counts into the carry. */
  const sync = (): DetectEngine | null => {
    const e = getEngine();
    if (e !== last) {
      if (last !== null) {
        for (let s = 0; s < 256; s++) carrySeverity[s]! += last.alertsBySeverity[s]!;
        const rules = last.rules;
        for (let i = 0; i < rules.length; i++) {
          const n = last.alertsByRule[i]!;
          if (n === 0) continue;
          const k = sidLabel(rules[i]!.gid, rules[i]!.sid);
          carrySid.set(k, (carrySid.get(k) ?? 0) + n);
        }
        carrySuppressed += last.suppressed;
        carryPcreLimitHits += last.pcreLimitHits;
      }
      last = e;
    }
    return e;
  };

  new Counter({
    name: 'mirrorsink_detect_alerts_total',
    help: 'Alerts logged by the IDS rules, by severity (1 is the highest).',
    labelNames: ['severity'] as const,
    registers: [registry],
    collect() {
      const e = sync();
      this.reset();
      for (let s = 0; s < 256; s++) {
        const v = carrySeverity[s]! + (e !== null ? e.alertsBySeverity[s]! : 0);
        if (v > 0 || (s >= 1 && s <= 4)) this.inc({ severity: String(s) }, v);
      }
    },
  });

  new Counter({
    name: 'mirrorsink_detect_alerts_by_signature_total',
    help: 'Alerts of the signatures with the most alerts (sid label), the rest under sid="other".',
    labelNames: ['sid'] as const,
    registers: [registry],
    collect() {
      const e = sync();
      this.reset();
      const totals = new Map(carrySid);
      if (e !== null) {
        const rules = e.rules;
        for (let i = 0; i < rules.length; i++) {
          const n = e.alertsByRule[i]!;
          if (n === 0) continue;
          const k = sidLabel(rules[i]!.gid, rules[i]!.sid);
          totals.set(k, (totals.get(k) ?? 0) + n);
        }
      }
      const sorted = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      let other = 0;
      sorted.forEach(([k, n], i) => {
        if (i < top) this.inc({ sid: k }, n);
        else other += n;
      });
      this.inc({ sid: 'other' }, other);
    },
  });

  new Counter({
    name: 'mirrorsink_detect_alerts_suppressed_total',
    help: 'Rule matches not logged because of threshold or detection_filter.',
    registers: [registry],
    collect() {
      const e = sync();
      this.reset();
      this.inc(carrySuppressed + (e !== null ? e.suppressed : 0));
    },
  });

  new Counter({
    name: 'mirrorsink_detect_pcre_limit_hits_total',
    help: 'pcre searches abandoned at the match step limit (counted as no match), as Suricata counts PCRE2 match-limit hits.',
    registers: [registry],
    collect() {
      const e = sync();
      this.reset();
      this.inc(carryPcreLimitHits + (e !== null ? e.pcreLimitHits : 0));
    },
  });

  new Gauge({
    name: 'mirrorsink_detect_rules_loaded',
    help: 'Rules loaded in the current rule set.',
    registers: [registry],
    collect() {
      const e = sync();
      this.set(e !== null ? e.ruleSet.loaded : 0);
    },
  });

  new Gauge({
    name: 'mirrorsink_detect_rules_failed',
    help: 'Rules of the current rule files that were skipped (unsupported or invalid).',
    registers: [registry],
    collect() {
      const e = sync();
      this.set(e !== null ? e.ruleSet.failed : 0);
    },
  });

  new Gauge({
    name: 'mirrorsink_detect_last_reload_timestamp_seconds',
    help: 'When the current rule set was loaded (seconds since the epoch).',
    registers: [registry],
    collect() {
      const e = sync();
      this.set(e !== null ? e.ruleSet.loadedAt : 0);
    },
  });
}
