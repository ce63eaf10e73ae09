/**
 * Stream events: Suricata's `stream.*` event names (src/decode-events.c, stream section) mapped
 * to bit numbers. The stream stage sets p.streamEvents (a bitmask) per packet so that a
 * `stream-event:` keyword or EVE anomaly records can read them later.
 */
export const StreamEvent = {
  RstButNoSession: 0,
  FinButNoSession: 1,
  ReassemblySeqGap: 2,
  ReassemblyOverlapDifferentData: 3,
  ReassemblyDepthReached: 4,
  PktSpuriousRetransmission: 5,
  EstPacketOutOfWindow: 6,
  RstInvalid: 7,
  SegmentMemcap: 8,
  PktRetransmission: 9,
  Count: 10,
} as const;

/** Names as `stream-event:NAME` spells them (without the `stream.` prefix). */
export const STREAM_EVENT_NAMES: readonly string[] = [
  'rst_but_no_session',
  'fin_but_no_session',
  'reassembly_seq_gap',
  'reassembly_overlap_different_data',
  'reassembly_depth_reached',
  'pkt_spurious_retransmission',
  'est_packet_out_of_window',
  'rst_invalid',
  'reassembly_segment_memcap',
  'pkt_retransmission',
];

/** Event bit for a name (with or without `stream.`), -1 when unknown. */
export function streamEventId(name: string): number {
  const n = name.startsWith('stream.') ? name.slice(7) : name;
  return STREAM_EVENT_NAMES.indexOf(n);
}
