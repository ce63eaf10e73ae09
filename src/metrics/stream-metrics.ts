/**
 * Stream (TCP reassembly) metrics for Prometheus, read from the stream stage's typed-array
 * counters when scraped. One counter family with the Suricata stats name as a label
 * (`counter="tcp.reassembly_gap"` ...), bounded by STREAM_COUNTER_NAMES; gauges for live
 * sessions and reassembly memory.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { STREAM_COUNTER_NAMES } from '../stream/stream-counters.js';
import type { TcpStreamStage } from '../stream/stream-stage.js';
import { publishCounter } from './registry.js';

export function registerStreamMetrics(registry: Registry, getStream: () => TcpStreamStage | null): void {
  const registers = [registry];
  new Counter({
    name: 'mirrorsink_stream_events_total',
    help: "TCP stream tracking and reassembly counters, labelled with Suricata's stats names (tcp.sessions, tcp.reassembly_gap, tcp.segment_memcap_drop, ...)",
    labelNames: ['counter'],
    registers,
    collect() {
      const s = getStream();
      publishCounter(
        this,
        STREAM_COUNTER_NAMES.map((counter, i) => [{ counter }, s ? s.counters[i]! : 0] as const),
      );
    },
  });
  new Gauge({
    name: 'mirrorsink_stream_sessions_active',
    help: 'TCP sessions tracked now',
    registers,
    collect() {
      const s = getStream();
      this.set(s ? s.sessions.active : 0);
    },
  });
  new Gauge({
    name: 'mirrorsink_stream_reassembly_memuse_bytes',
    help: 'Bytes of stored segments (charged against stream.reassembly.memcap)',
    registers,
    collect() {
      const s = getStream();
      this.set(s ? s.store.memuse : 0);
    },
  });
}
