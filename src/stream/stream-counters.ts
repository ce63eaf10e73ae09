/**
 * Stream counters, indexed by StreamCounter, named as Suricata's stats (`tcp.*`).
 */
export const StreamCounter = {
  Sessions: 0,
  SsnMemcapDrop: 1,
  Pseudo: 2,
  InvalidChecksum: 3,
  Midstream: 4,
  Syn: 5,
  SynAck: 6,
  Rst: 7,
  SegmentMemcapDrop: 8,
  ReassemblyGap: 9,
  Overlap: 10,
  OverlapDiffData: 11,
  InsertDataNormalFail: 12,
  StreamDepthReached: 13,
  PktOnWrongThread: 14,
  Segments: 15,
  Count: 16,
} as const;

export const STREAM_COUNTER_NAMES: readonly string[] = [
  'tcp.sessions',
  'tcp.ssn_memcap_drop',
  'tcp.pseudo',
  'tcp.invalid_checksum',
  'tcp.midstream_pickups',
  'tcp.syn',
  'tcp.synack',
  'tcp.rst',
  'tcp.segment_memcap_drop',
  'tcp.reassembly_gap',
  'tcp.overlap',
  'tcp.overlap_diff_data',
  'tcp.insert_data_normal_fail',
  'tcp.stream_depth_reached',
  'tcp.pkt_on_wrong_thread',
  'tcp.segments',
];
