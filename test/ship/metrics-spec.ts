/**
 * The metric names mirrorsink promises (the dashboard and the operator guide may use only
 * these), with their labels. Histograms are listed by base name.
 */
export const DECODER_LAYERS = ['ethernet', 'vlan', 'ipv4', 'ipv6', 'tcp', 'udp', 'icmpv4', 'icmpv6', 'vxlan', 'geneve', 'fragment', 'truncated'] as const;

export const METRICS: Record<string, readonly string[]> = {
  mirrorsink_datagrams_received_total: ['listener'],
  mirrorsink_datagram_bytes_received_total: ['listener'],
  mirrorsink_decoder_packets_total: [],
  mirrorsink_decoder_bytes_total: [],
  mirrorsink_decoder_invalid_total: [],
  ...Object.fromEntries(DECODER_LAYERS.map((l) => [`mirrorsink_decoder_${l}_packets_total`, []])),
  mirrorsink_decoder_events_total: ['event'],
  mirrorsink_decoder_wirelen_clamped_total: [],
  mirrorsink_decoder_time_clamped_total: [],
  mirrorsink_session_packets_total: ['session', 'vni', 'direction'],
  mirrorsink_session_bytes_total: ['session', 'vni', 'direction'],
  mirrorsink_dropped_packets_total: ['cause'],
  mirrorsink_capture_kernel_drops_total: [],
  mirrorsink_udp_receive_buffer_bytes: [],
  mirrorsink_event_loop_lag_seconds: [],
  mirrorsink_batch_processing_seconds: ['le'],
  mirrorsink_uptime_seconds: [],
  mirrorsink_build_info: ['version', 'node_version'],
  mirrorsink_filter_rule_hits_total: ['session', 'direction', 'rule_number', 'action'],
  mirrorsink_filter_verdicts_total: ['session', 'verdict'],
  mirrorsink_detect_alerts_total: ['severity'],
  mirrorsink_detect_alerts_by_signature_total: ['sid'],
  mirrorsink_detect_rules_loaded: [],
  mirrorsink_detect_rules_failed: [],
  mirrorsink_detect_last_reload_timestamp_seconds: [],
  mirrorsink_detect_pcre_limit_hits_total: [],
  mirrorsink_flow_active: [],
  mirrorsink_flows_total: ['proto'],
  mirrorsink_flow_evictions_total: [],
  mirrorsink_flow_unanswered_total: ['session', 'direction'],
  mirrorsink_stream_events_total: ['counter'],
  mirrorsink_stream_sessions_active: [],
  mirrorsink_stream_reassembly_memuse_bytes: [],
  mirrorsink_flow_records_written_total: [],
  mirrorsink_flow_records_omitted_total: [],
  mirrorsink_output_write_errors_total: ['output', 'code'],
  mirrorsink_output_dropped_total: ['output'],
  mirrorsink_dedup_evictions_total: [],
  mirrorsink_defrag_total: ['counter'],
  mirrorsink_defrag_memuse_bytes: [],
  mirrorsink_defrag_trackers_active: [],
  mirrorsink_worker_queue_bytes: ['worker'],
  mirrorsink_worker_datagrams_total: ['worker'],
  mirrorsink_worker_dropped_total: ['worker'],
  mirrorsink_worker_busy_seconds_total: ['worker'],
};

/** Labels Prometheus adds to every scraped series. */
export const TARGET_LABELS = ['instance', 'job'];

const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

/** Metric names in a PromQL expression, histogram series folded to their base name. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b(mirrorsink_[a-z0-9_]+)\b/g)) {
    const name = m[1]!;
    const base = name.replace(HISTOGRAM_SUFFIX, '');
    names.add(base !== name && base in METRICS ? base : name);
  }
  return [...names];
}
