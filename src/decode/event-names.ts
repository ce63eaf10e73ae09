/**
 * Names of the packet events of the one id space (decode-events.ts): decoder events come from
 * the decoder's tables; stream and app-layer events from tables their stages register here at
 * build time (registerEventNames), so detect keywords and EVE anomaly records can name them
 * without importing those stages. Until a stage registers, Suricata's names are the defaults
 * (src/decode-events.c for stream, src/app-layer-events.c for the generic app-layer events), so
 * Suricata rule files load; ids are then base + index in the registered table.
 *
 * Not on the per-packet path: lookups by name at rule load, by id when an anomaly is logged.
 */
import {
  APPLAYER_EVENT_BASE,
  DecodeEvent,
  EVENT_ID_LIMIT,
  STREAM_EVENT_BASE,
  decodeEventNames,
  decoderEventAliases,
  unraisedDecoderEventNames,
} from './decode-events.js';

export type EventLayer = 'decode' | 'stream' | 'applayer';

/** Suricata's stream events (decode-events.c, "stream." prefix dropped), default table. */
export const SURICATA_STREAM_EVENTS: readonly string[] = [
  '3whs_ack_in_wrong_dir', '3whs_async_wrong_seq', '3whs_right_seq_wrong_ack_evasion', '3whs_synack_in_wrong_direction',
  '3whs_synack_resend_with_diff_ack', '3whs_synack_resend_with_diff_seq', '3whs_synack_toserver_on_syn_recv',
  '3whs_synack_with_wrong_ack', '3whs_synack_flood', '3whs_syn_resend_diff_seq_on_syn_recv', '3whs_syn_toclient_on_syn_recv',
  '3whs_wrong_seq_wrong_ack', '3whs_ack_data_inject', '4whs_synack_with_wrong_ack', '4whs_synack_with_wrong_syn',
  '4whs_wrong_seq', '4whs_invalid_ack', 'closewait_ack_out_of_window', 'closewait_fin_out_of_window',
  'closewait_pkt_before_last_ack', 'closewait_invalid_ack', 'closing_ack_wrong_seq', 'closing_invalid_ack',
  'est_packet_out_of_window', 'est_pkt_before_last_ack', 'est_synack_resend', 'est_synack_resend_with_diff_ack',
  'est_synack_resend_with_diff_seq', 'est_synack_toserver', 'est_syn_resend', 'est_syn_resend_diff_seq', 'est_syn_toclient',
  'est_invalid_ack', 'fin_invalid_ack', 'fin1_ack_wrong_seq', 'fin1_fin_wrong_seq', 'fin1_invalid_ack', 'fin2_ack_wrong_seq',
  'fin2_fin_wrong_seq', 'fin2_invalid_ack', 'fin_but_no_session', 'fin_out_of_window', 'fin_syn', 'lastack_ack_wrong_seq',
  'lastack_invalid_ack', 'rst_but_no_session', 'timewait_ack_wrong_seq', 'timewait_invalid_ack', 'shutdown_syn_resend',
  'pkt_invalid_timestamp', 'pkt_invalid_ack', 'pkt_broken_ack', 'rst_invalid_ack', 'pkt_retransmission',
  'pkt_spurious_retransmission', 'pkt_bad_window_update', 'suspected_rst_inject', 'wrong_thread',
  'reassembly_segment_before_base_seq', 'reassembly_no_segment', 'reassembly_seq_gap', 'reassembly_overlap_different_data',
  'reassembly_depth_reached',
];

/** Suricata's generic app-layer events (app-layer-events.c), default table. */
export const SURICATA_APPLAYER_EVENTS: readonly string[] = [
  'applayer_mismatch_protocol_both_directions',
  'applayer_wrong_direction_first_data',
  'applayer_detect_protocol_only_one_direction',
  'applayer_proto_detection_skipped',
  'applayer_no_tls_after_starttls',
  'applayer_unexpected_protocol',
];

let streamNames: readonly string[] = SURICATA_STREAM_EVENTS;
let applayerNames: readonly string[] = SURICATA_APPLAYER_EVENTS;
let streamIndex = indexOf(streamNames);
let applayerIndex = indexOf(applayerNames);

function indexOf(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  names.forEach((n, i) => m.set(n.toLowerCase(), i));
  return m;
}

const decoderIndex: Map<string, number> = (() => {
  const m = new Map<string, number>();
  for (let i = 1; i < DecodeEvent.Count; i++) m.set(decodeEventNames[i]!, i);
  // A name the decoder (or defrag) raises wins over the same name left in the unraised list.
  unraisedDecoderEventNames.forEach((n, i) => {
    if (!m.has(n)) m.set(n, DecodeEvent.Count + i);
  });
  for (const [alias, ours] of Object.entries(decoderEventAliases)) m.set(alias, m.get(ours)!);
  return m;
})();

/**
 * The stream stage (names without "stream.") or the app-layer stage (generic names and
 * "<proto>.<event>" names) registers its table: the event it raises as index i is
 * base + i. Call before rules are loaded; rules loaded earlier keep the ids they resolved.
 */
export function registerEventNames(layer: 'stream' | 'applayer', names: readonly string[]): void {
  const limit = layer === 'stream' ? APPLAYER_EVENT_BASE - STREAM_EVENT_BASE : EVENT_ID_LIMIT - APPLAYER_EVENT_BASE;
  if (names.length > limit) throw new RangeError(`${layer} event table has ${names.length} names, at most ${limit}`);
  if (layer === 'stream') {
    streamNames = names;
    streamIndex = indexOf(names);
  } else {
    applayerNames = names;
    applayerIndex = indexOf(names);
  }
}

/** Event id for `name` of `layer` (case-insensitive, no layer prefix), -1 when unknown. */
export function eventIdOf(layer: EventLayer, name: string): number {
  const n = name.toLowerCase();
  if (layer === 'decode') return decoderIndex.get(n) ?? -1;
  if (layer === 'stream') {
    const i = streamIndex.get(n);
    return i === undefined ? -1 : STREAM_EVENT_BASE + i;
  }
  const i = applayerIndex.get(n);
  return i === undefined ? -1 : APPLAYER_EVENT_BASE + i;
}

/** Which layer an event id belongs to. */
export function eventLayerOf(id: number): EventLayer {
  return id < STREAM_EVENT_BASE ? 'decode' : id < APPLAYER_EVENT_BASE ? 'stream' : 'applayer';
}

/**
 * The event's name as Suricata logs it (EVE anomaly.event, stats): "decoder.<name>",
 * "stream.<name>", or the app-layer name as registered. null for an id nothing names.
 */
export function eventFullName(id: number): string | null {
  if (id <= 0) return null;
  if (id < DecodeEvent.Count) return `decoder.${decodeEventNames[id]!}`;
  if (id < STREAM_EVENT_BASE) {
    const n = unraisedDecoderEventNames[id - DecodeEvent.Count];
    return n === undefined ? null : `decoder.${n}`;
  }
  if (id < APPLAYER_EVENT_BASE) {
    const n = streamNames[id - STREAM_EVENT_BASE];
    return n === undefined ? null : `stream.${n}`;
  }
  return applayerNames[id - APPLAYER_EVENT_BASE] ?? null;
}
