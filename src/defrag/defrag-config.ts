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
import { DefragPolicy, defragPolicyByName } from './defrag-policy.js';

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

/** Where a config problem is, and what it is (the caller's ConfigProblems.add). */
export type AddProblem = (at: readonly (string | number)[], message: string) => void;

/** Keys of the `defrag:` section: Suricata's, plus enabled and the two policies. */
export const DEFRAG_KEYS = ['enabled', 'memcap', 'hash-size', 'trackers', 'max-frags', 'prealloc', 'timeout', 'ipv4-policy', 'ipv6-policy'] as const;

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Suricata size values: a number of bytes or "32mb", "512kb", "1gb" (1024-based, as ParseSizeString). */
export function parseSize(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return null;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  return Math.floor(Number(m[1]) * unit);
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v);
}

/**
 * Validate the `defrag:` section of the configuration (absent = Suricata's defaults). Every
 * problem is reported through `add` with its key; the defaults stand in for bad values.
 */
export function validateDefragSection(raw: unknown, add: AddProblem, at: readonly (string | number)[] = ['defrag']): DefragConfig {
  const out = defragConfig();
  if (raw === undefined || raw === null) return out;
  if (raw === false) return { ...out, enabled: false };
  if (raw === true) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    add(at, `must be a mapping of defrag settings (or true/false), got ${describe(raw)}`);
    return out;
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(DEFRAG_KEYS as readonly string[]).includes(k)) add([...at, k], `unknown key (known: ${DEFRAG_KEYS.join(', ')})`);
  }
  const int = (key: string, min: number, max: number, fallback: number): number => {
    const v = o[key];
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && /^[0-9]+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      add([...at, key], `must be an integer from ${min} to ${max}, got ${describe(v)}`);
      return fallback;
    }
    return n;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = o[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
    if (['yes', 'true', 'on', '1'].includes(t)) return true;
    if (['no', 'false', 'off', '0'].includes(t)) return false;
    add([...at, key], `must be yes or no, got ${describe(v)}`);
    return fallback;
  };
  const policy = (key: string, fallback: DefragPolicy): DefragPolicy => {
    const v = o[key];
    if (v === undefined || v === null) return fallback;
    const p = typeof v === 'string' ? defragPolicyByName[v.trim().toLowerCase()] : undefined;
    if (p === undefined) {
      add([...at, key], `must be one of ${Object.keys(defragPolicyByName).join(', ')}, got ${describe(v)}`);
      return fallback;
    }
    return p;
  };
  out.enabled = bool('enabled', true);
  bool('prealloc', true); // accepted for Suricata compatibility: the pools always fill on demand
  if (o.memcap !== undefined && o.memcap !== null) {
    const n = parseSize(o.memcap);
    if (n === null || n < 65536 || n > 2 ** 40) add([...at, 'memcap'], `must be a size from 64kb to 1024gb (bytes or e.g. 32mb), got ${describe(o.memcap)}`);
    else out.memcap = n;
  }
  out.hashSize = int('hash-size', 1, 1 << 24, out.hashSize);
  out.trackers = int('trackers', 1, 1 << 24, out.trackers);
  out.maxFrags = int('max-frags', 1, 1 << 24, out.maxFrags);
  out.timeout = int('timeout', TIMEOUT_MIN, TIMEOUT_MAX, out.timeout);
  out.ipv4Policy = policy('ipv4-policy', out.ipv4Policy);
  out.ipv6Policy = policy('ipv6-policy', out.ipv6Policy);
  return out;
}
