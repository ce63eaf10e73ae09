/**
 * Defragmentation settings, with Suricata's names (suricata.yaml `defrag:`) and defaults.
 *
 * Policy. Suricata chooses the overlap policy per destination from `host-os-policy`
 * (DefragGetOsPolicy); an address no entry matches gets the compiled default, BSD. The default
 * suricata.yaml maps `windows: [0.0.0.0/0]`, so every IPv4 destination gets Windows while IPv6
 * (no entry) gets BSD. mirrorsink has no host-os-policy table, so it keeps the two outcomes of
 * Suricata's defaults as two settings: `ipv4-policy: windows`, `ipv6-policy: bsd`. Set both to
 * bsd to get Suricata without a host-os-policy section (the "default policy bsd").
 */
import { DefragPolicy } from './defrag-policy.js';

export interface DefragConfig {
  /** Reassembly on (Suricata always defragments; off restores the old per-fragment path). */
  enabled: boolean;
  /** Bytes of fragment data held at once (`defrag.memcap`, suricata.yaml default 32mb). */
  memcap: number;
  /** Hash buckets (`defrag.hash-size`, default 65536). */
  hashSize: number;
  /** Datagrams being reassembled at once (`defrag.trackers`, default 65535). */
  trackers: number;
  /** Fragments held at once (`defrag.max-frags`, default 65535). */
  maxFrags: number;
  /** Seconds of packet time a datagram may take (`defrag.timeout`, default 60, 1..86400). */
  timeout: number;
  ipv4Policy: DefragPolicy;
  ipv6Policy: DefragPolicy;
}

export const TIMEOUT_MIN = 1;
export const TIMEOUT_MAX = 86400;

export const DEFAULT_DEFRAG_CONFIG: Readonly<DefragConfig> = Object.freeze({
  enabled: true,
  memcap: 32 * 1024 * 1024,
  hashSize: 65536,
  trackers: 65535,
  maxFrags: 65535,
  timeout: 60,
  ipv4Policy: DefragPolicy.Windows,
  ipv6Policy: DefragPolicy.Bsd,
});

export function defragConfig(partial: Partial<DefragConfig> = {}): DefragConfig {
  return { ...DEFAULT_DEFRAG_CONFIG, ...partial };
}
