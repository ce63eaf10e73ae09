/**
 * Core metrics of the sink: what the sockets received, what the decoder saw, sessions and
 * directions, drops, kernel drops, receive buffer, event-loop lag, batch processing time.
 * Every counter is a typed array filled on the per-packet path and copied into prom-client
 * in collect callbacks (at scrape time): no label lookup per packet.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { TypedHistogram } from './typed-histogram.js';
import { DecodeEvent, Layer, decodeEventNames, layerNames, type DecodeCounters } from '../decode/decode-events.js';
import { DIRECTION_NAMES } from '../decode/packet-view.js';
import { dropCauseNames } from '../pipeline/stages.js';
import { DedupCounter } from '../dedup/packet-dedup.js';
import type { SessionCounters } from '../session/session-counters.js';
import { DIRECTIONS } from '../session/session-counters.js';
import { publishCounter } from './registry.js';

/** Where datagrams/frames come from: the `listener` label. */
export const enum ListenerKind {
  Vxlan = 0,
  Geneve = 1,
  Pcap = 2,
  Count = 3,
}
export const LISTENER_NAMES: readonly string[] = ['vxlan', 'geneve', 'pcap'];

/** Counted by the sources for every datagram/frame read, before any decoding. */
export class ReceiveCounters {
  readonly datagrams = new Float64Array(ListenerKind.Count);
  readonly bytes = new Float64Array(ListenerKind.Count);
  /** Exceptions thrown by the pipeline on a datagram (a bug: the datagram is skipped). */
  internalErrors = 0;
}

export interface CoreMetricsSource {
  decodeCounters: DecodeCounters;
  /** Indexed by DropCause. */
  drops: Float64Array;
  receive: ReceiveCounters;
  /** Current session counters (they change on reload). */
  sessionCounters(): SessionCounters | null;
  /** The dedup stage's counters (DedupCounter), null when dedup is off. */
  dedupCounters(): Float64Array | null;
  /** Total kernel drops of our sockets, null when unknown. */
  kernelDrops(): number | null;
  /** Receive buffer per listener (bytes, as getRecvBufferSize() reports). */
  receiveBuffers(): readonly { listener: string; bytes: number }[];
  /** Event-loop delay (seconds, p99 of the last health interval). */
  eventLoopLagSeconds(): number;
}

export interface CoreMetrics {
  /** Record one batch (one event-loop turn of datagrams): seconds spent on it (see BatchTimer). */
  observeBatch(seconds: number): void;
}

/** Buckets from 10 µs to 1 s: a turn of up to a few hundred datagrams. */
export const BATCH_BUCKETS = [1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1];

/** The layer counters published one metric per layer (all but pkts/bytes/invalid). */
export function decoderLayerMetricName(layer: number): string {
  return `mirrorsink_decoder_${layerNames[layer]}_packets_total`;
}

export function registerCoreMetrics(registry: Registry, src: CoreMetricsSource): CoreMetrics {
  const registers = [registry];
  const dc = src.decodeCounters;

  new Counter({
    name: 'mirrorsink_datagrams_received_total',
    help: 'Datagrams (or captured frames) read from each listener, including those later dropped.',
    labelNames: ['listener'],
    registers,
    collect() {
      publishCounter(this, LISTENER_NAMES.map((l, i) => [{ listener: l }, src.receive.datagrams[i]!] as const));
    },
  });
  new Counter({
    name: 'mirrorsink_datagram_bytes_received_total',
    help: 'Bytes of the datagrams (UDP payload) or captured frames read from each listener.',
    labelNames: ['listener'],
    registers,
    collect() {
      publishCounter(this, LISTENER_NAMES.map((l, i) => [{ listener: l }, src.receive.bytes[i]!] as const));
    },
  });
  new Counter({
    name: 'mirrorsink_internal_errors_total',
    help: 'Datagrams skipped because processing threw (a bug; see the log).',
    registers,
    collect() {
      publishCounter(this, [[{}, src.receive.internalErrors]]);
    },
  });

  const layerCounter = (name: string, help: string, layer: number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        publishCounter(this, [[{}, dc.layers[layer]!]]);
      },
    });
  layerCounter('mirrorsink_decoder_packets_total', 'Packets given to the decoder (Suricata decoder.pkts).', Layer.Pkts);
  layerCounter('mirrorsink_decoder_bytes_total', 'Bytes given to the decoder (Suricata decoder.bytes).', Layer.Bytes);
  layerCounter('mirrorsink_decoder_invalid_total', 'Packets the decoder found invalid (Suricata decoder.invalid).', Layer.Invalid);
  for (let layer = Layer.Invalid + 1; layer < Layer.Count; layer++) {
    layerCounter(decoderLayerMetricName(layer), `Packets with a ${layerNames[layer]} layer (Suricata decoder.${layerNames[layer]}).`, layer);
  }
  new Counter({
    name: 'mirrorsink_decoder_wirelen_clamped_total',
    help: 'Capture records whose original (wire) length the packet layers contradict, counted with the layers\' length instead.',
    registers,
    collect() {
      publishCounter(this, [[{}, dc.wirelenClamped[0]!]]);
    },
  });
  new Counter({
    name: 'mirrorsink_decoder_time_clamped_total',
    help: 'Capture records whose time lies outside 1970..9999 (pcapng if_tsresol/if_tsoffset), replayed at the nearest end.',
    registers,
    collect() {
      publishCounter(this, [[{}, dc.timeClamped[0]!]]);
    },
  });
  new Counter({
    name: 'mirrorsink_decoder_events_total',
    help: 'Decoder events by Suricata decoder event name (decoder.<event>), whether or not they made the packet invalid.',
    labelNames: ['event'],
    registers,
    collect() {
      const series: [{ event: string }, number][] = [];
      for (let e = 1; e < DecodeEvent.Count; e++) series.push([{ event: decodeEventNames[e]! }, dc.events[e]!]);
      publishCounter(this, series);
    },
  });

  const sessionSeries = (pick: (c: SessionCounters) => Float64Array) => {
    const c = src.sessionCounters();
    const series: [{ session: string; vni: string; direction: string }, number][] = [];
    if (c === null) return series;
    const arr = pick(c);
    c.rows.forEach((row, r) => {
      for (let d = 0; d < DIRECTIONS; d++) series.push([{ session: row.session, vni: row.vni, direction: DIRECTION_NAMES[d]! }, arr[r * DIRECTIONS + d]!]);
    });
    return series;
  };
  new Counter({
    name: 'mirrorsink_session_packets_total',
    help: 'Mirrored packets per session (configured sessions and "unknown") and direction.',
    labelNames: ['session', 'vni', 'direction'],
    registers,
    collect() {
      publishCounter(this, sessionSeries((c) => c.packets));
    },
  });
  new Counter({
    name: 'mirrorsink_session_bytes_total',
    help: 'Bytes of the mirrored (inner) frames per session and direction.',
    labelNames: ['session', 'vni', 'direction'],
    registers,
    collect() {
      publishCounter(this, sessionSeries((c) => c.bytes));
    },
  });

  new Counter({
    name: 'mirrorsink_dropped_packets_total',
    help: 'Packets dropped by cause: unknown_vni, disallowed_sender, malformed (decode error), filter (mirror filter rejected), duplicate (second mirror copy, dedup).',
    labelNames: ['cause'],
    registers,
    collect() {
      publishCounter(this, dropCauseNames.map((cause, i) => [{ cause }, src.drops[i]!] as const));
    },
  });

  new Counter({
    name: 'mirrorsink_dedup_evictions_total',
    help: 'Remembered packets the dedup table overwrote before their window ended (a later copy of them is not recognised): raise dedup.table_size if this grows.',
    registers,
    collect() {
      publishCounter(this, [[{}, src.dedupCounters()?.[DedupCounter.Evicted] ?? 0]]);
    },
  });

  new Counter({
    name: 'mirrorsink_capture_kernel_drops_total',
    help: 'Datagrams the kernel dropped on our UDP sockets (receive buffer full), from /proc/net/udp{,6}.',
    registers,
    collect() {
      publishCounter(this, [[{}, src.kernelDrops() ?? 0]]);
    },
  });
  new Gauge({
    name: 'mirrorsink_udp_receive_buffer_bytes',
    help: 'UDP socket receive buffer as the kernel reports it (getRecvBufferSize), per listener.',
    labelNames: ['listener'],
    registers,
    collect() {
      this.reset();
      for (const b of src.receiveBuffers()) this.set({ listener: b.listener }, b.bytes);
    },
  });
  new Gauge({
    name: 'mirrorsink_event_loop_lag_seconds',
    help: 'Event-loop delay (p99 over the last health interval, perf_hooks monitorEventLoopDelay).',
    registers,
    collect() {
      this.set(src.eventLoopLagSeconds());
    },
  });
  const batch = new TypedHistogram({
    name: 'mirrorsink_batch_processing_seconds',
    help: 'Time spent processing one batch of datagrams (one recvmmsg call, or one event-loop turn of dgram or libpcap reads), not per packet.',
    buckets: BATCH_BUCKETS,
    registers,
  });
  return {
    observeBatch(seconds: number) {
      batch.observe(seconds);
    },
  };
}
