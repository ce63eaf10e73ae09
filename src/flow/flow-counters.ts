/**
 * Indices into FlowTable.counters (a Float64Array: counts stay exact up to 2^53). Names follow
 * Suricata's stats (flow.total, flow.active, tcp.syn ...) so dashboards read the same.
 */
export const FlowCounter = {
  /** flow.tcp / flow.udp / flow.icmp / other: flows created, by inner protocol. */
  TotalTcp: 0,
  TotalUdp: 1,
  TotalIcmp: 2,
  TotalOther: 3,
  /** flow.active: flows in the table now (a gauge kept as a counter slot). */
  Active: 4,
  /** Flows ended early because the table was full (flow.emerg_mode_entered-ish). */
  Evictions: 5,
  /** tcp.syn: packets with SYN and not ACK. */
  TcpSyn: 6,
  /** tcp.synack: packets with SYN and ACK. */
  TcpSynAck: 7,
  /** tcp.rst: packets with RST. */
  TcpRst: 8,
  /** tcp.sessions: TCP flows that reached ESTABLISHED (three-way handshake, or midstream pick-up). */
  TcpSessions: 9,
  /** Flows ended by idle timeout (both by expire() and when a packet finds a stale flow). */
  Timeouts: 10,
  /** Packets not tracked: the table was full and eviction is off. */
  Refused: 11,
  /** Non-first IP fragments: they carry no ports, so they are not tracked (see flow-table.ts). */
  FragmentsUntracked: 12,
  /** Flows ended by flush() at the end of input. */
  ShutdownEnds: 13,
  /** Midstream pick-ups turned round because their first payload was the server's (see
   *  MidstreamProbe in flow-table.ts; Suricata's "reversing flow after proto detect"). */
  MidstreamReversed: 14,
} as const;

export const FLOW_COUNTER_COUNT = 15;

/** Protocol label for FlowCounter.Total* (index - TotalTcp). */
export const FLOW_PROTO_LABELS = ['tcp', 'udp', 'icmp', 'other'] as const;
