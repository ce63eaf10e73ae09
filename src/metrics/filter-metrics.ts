/**
 * Prometheus metrics for mirror filters, read at scrape time from the compiled filters' typed
 * counters (nothing is looked up or labelled per packet):
 *
 * - mirrorsink_filter_rule_hits_total{session,direction,rule_number,action}: packets decided by
 *   each rule; rule_number="amazon-dns" for the amazon-dns network service, and
 *   rule_number="none",action="reject" for packets no rule matched (direction "unknown" covers
 *   unknown-direction and non-IP packets);
 * - mirrorsink_filter_verdicts_total{session,verdict="accepted"|"rejected"}.
 */
import { Counter, type Registry } from 'prom-client';
import type { CompiledFilter } from '../filter/compile.js';

export interface SessionFilter {
  session: string;
  filter: CompiledFilter;
}

export function registerFilterMetrics(registry: Registry, getFilters: () => SessionFilter[]): void {
  new Counter({
    name: 'mirrorsink_filter_rule_hits_total',
    help: 'Packets decided by each traffic mirror filter rule (rule_number "none": no rule matched; "amazon-dns": the amazon-dns network service).',
    labelNames: ['session', 'direction', 'rule_number', 'action'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { session, filter } of getFilters()) {
        const s = filter.stats();
        for (const r of s.rules) {
          this.inc({ session, direction: r.direction, rule_number: String(r.ruleNumber), action: r.action }, r.hits);
        }
        for (const dir of ['ingress', 'egress', 'unknown'] as const) {
          const none = dir === 'unknown' ? s.noMatch.unknown : s.noMatch[dir];
          this.inc({ session, direction: dir, rule_number: 'none', action: 'reject' }, none);
          if (filter.amazonDnsActive) this.inc({ session, direction: dir, rule_number: 'amazon-dns', action: 'accept' }, s.amazonDns[dir]);
        }
      }
    },
  });
  new Counter({
    name: 'mirrorsink_filter_verdicts_total',
    help: 'Packets the traffic mirror filter accepted (would be mirrored) or rejected.',
    labelNames: ['session', 'verdict'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { session, filter } of getFilters()) {
        const s = filter.stats();
        this.inc({ session, verdict: 'accepted' }, s.accepted);
        this.inc({ session, verdict: 'rejected' }, s.rejected);
      }
    },
  });
}
