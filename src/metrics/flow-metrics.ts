/**
 * Flow-table metrics for Prometheus, read from the table's counters when scraped (the packet
 * path only bumps typed-array counters). Names follow the project's mirrorsink_ prefix;
 * labels stay bounded: proto has four values, session is one of the configured sessions or
 * "unknown", direction ingress/egress/unknown.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { DIRECTION_NAMES } from '../decode/packet-view.js';
import { FlowCounter, FLOW_PROTO_LABELS } from '../flow/flow-counters.js';
import type { FlowTable } from '../flow/flow-table.js';
import { publishCounter } from './registry.js';

export interface FlowMetricsSources {
  /** Records written by the flow-log outputs so far (cumulative). */
  recordsWritten?: () => number;
  /** Records left out because VPC Flow Logs never records such traffic (cumulative). */
  recordsOmitted?: () => number;
}

export function registerFlowMetrics(registry: Registry, getFlowTable: () => FlowTable | null, sources: FlowMetricsSources = {}): void {
  const registers = [registry];
  new Gauge({
    name: 'mirrorsink_flow_active',
    help: 'Flows in the flow table now',
    registers,
    collect() {
      const t = getFlowTable();
      this.set(t ? t.counters[FlowCounter.Active]! : 0);
    },
  });
  new Counter({
    name: 'mirrorsink_flows_total',
    help: 'Flows created, by inner IP protocol',
    labelNames: ['proto'],
    registers,
    collect() {
      const t = getFlowTable();
      publishCounter(
        this,
        FLOW_PROTO_LABELS.map((proto, i) => [{ proto }, t ? t.counters[FlowCounter.TotalTcp + i]! : 0] as const),
      );
    },
  });
  new Counter({
    name: 'mirrorsink_flow_evictions_total',
    help: 'Flows ended early because the flow table was full',
    registers,
    collect() {
      const t = getFlowTable();
      publishCounter(this, [[{}, t ? t.counters[FlowCounter.Evictions]! : 0]]);
    },
  });
  new Counter({
    name: 'mirrorsink_flow_unanswered_total',
    help: 'Connection attempts (TCP SYN, UDP, ICMP echo) that ended with no reply seen, by session and direction of the first packet',
    labelNames: ['session', 'direction'],
    registers,
    collect() {
      const t = getFlowTable()?.report;
      const series: [{ session: string; direction: string }, number][] = [];
      if (t) {
        for (let s = -1; s < t.sessionCount; s++) {
          const session = s < 0 ? 'unknown' : (t.sessionNames[s] ?? String(s));
          for (let d = 0; d < 3; d++) {
            const v = t.unanswered[t.unansweredIndex(s, d)]!;
            // Only series that happened: a zero series per session and direction is noise.
            if (v > 0) series.push([{ session, direction: DIRECTION_NAMES[d]! }, v]);
          }
        }
      }
      publishCounter(this, series);
    },
  });
  new Counter({
    name: 'mirrorsink_flow_records_written_total',
    help: 'VPC Flow Logs records written',
    registers,
    collect() {
      publishCounter(this, [[{}, sources.recordsWritten ? sources.recordsWritten() : 0]]);
    },
  });
  new Counter({
    name: 'mirrorsink_flow_records_omitted_total',
    help: 'Flow-log records left out because VPC Flow Logs never records such traffic (aws.omit_unlogged_traffic); detection still saw the packets',
    registers,
    collect() {
      publishCounter(this, [[{}, sources.recordsOmitted ? sources.recordsOmitted() : 0]]);
    },
  });
}
