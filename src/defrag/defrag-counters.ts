/**
 * Defrag counters with Suricata's stats names (src/decode.c DecodeRegisterPerfCounters),
 * counted in a Float64Array. The last ones are mirrorsink's own (no Suricata equivalent).
 */
export const enum DefragCounter {
  Ipv4Fragments = 0,
  Ipv4Reassembled,
  Ipv6Fragments,
  Ipv6Reassembled,
  /** No tracker free (all in use and none timed out): the fragment is not reassembled. */
  MaxTrackersReached,
  /** No fragment slot free (max-frags). */
  MaxFragsReached,
  /** A tracker reused after its timeout while looking it up (Suricata's soft reuse). */
  TrackerSoftReuse,
  /** The oldest tracker taken over when the table was full and it had timed out. */
  TrackerHardReuse,
  /** Trackers released by the periodic timeout sweep (packet time). */
  TrackerTimeout,
  /** Fragments not stored because the memcap was reached. */
  Memcap,
  /** Fragments not reassembled because they were not captured whole (snaplen, PacketLength). */
  Truncated,
  /** Reassembly given up (header too short, result too large, re-decode failed). */
  ReassemblyFailed,
  Count,
}

export const defragCounterNames: readonly string[] = [
  'defrag.ipv4.fragments',
  'defrag.ipv4.reassembled',
  'defrag.ipv6.fragments',
  'defrag.ipv6.reassembled',
  'defrag.max_trackers_reached',
  'defrag.max_frags_reached',
  'defrag.tracker_soft_reuse',
  'defrag.tracker_hard_reuse',
  'defrag.wrk.tracker_timeout',
  'defrag.memcap',
  'defrag.truncated',
  'defrag.reassembly_failed',
];

export class DefragCounters {
  readonly values = new Float64Array(DefragCounter.Count);

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < DefragCounter.Count; i++) out[defragCounterNames[i]!] = this.values[i]!;
    return out;
  }
}
