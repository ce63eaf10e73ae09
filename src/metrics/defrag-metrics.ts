/**
 * Defrag metrics for Prometheus, read from the defragmenter's typed-array counters when scraped.
 * The `counter` label carries Suricata's stats name (defrag.ipv4.fragments, defrag.max_trackers_reached...)
 * so dashboards built on Suricata's stats read the same; memory and trackers in use are gauges.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { DefragCounter, defragCounterNames } from '../defrag/defrag-counters.js';
import type { Defragmenter } from '../defrag/defragmenter.js';
import { publishCounter } from './registry.js';

export function registerDefragMetrics(registry: Registry, getDefrag: () => Defragmenter | null): void {
  const registers = [registry];
  new Counter({
    name: 'mirrorsink_defrag_total',
    help: 'IP defragmentation counters, by Suricata stats name (defrag.ipv4.fragments, defrag.ipv4.reassembled, defrag.max_trackers_reached, ...).',
    labelNames: ['counter'],
    registers,
    collect() {
      const d = getDefrag();
      const series: [{ counter: string }, number][] = [];
      for (let i = 0; i < DefragCounter.Count; i++) series.push([{ counter: defragCounterNames[i]! }, d ? d.counters.values[i]! : 0]);
      publishCounter(this, series);
    },
  });
  new Gauge({
    name: 'mirrorsink_defrag_memuse_bytes',
    help: 'Bytes of fragment data held for reassembly (Suricata defrag.memuse); bounded by defrag.memcap.',
    registers,
    collect() {
      this.set(getDefrag()?.memuse ?? 0);
    },
  });
  new Gauge({
    name: 'mirrorsink_defrag_trackers_active',
    help: 'Datagrams being reassembled now (bounded by defrag.trackers).',
    registers,
    collect() {
      this.set(getDefrag()?.activeTrackers ?? 0);
    },
  });
}
