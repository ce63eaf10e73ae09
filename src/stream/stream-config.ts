/**
 * Stream settings, with Suricata's names (suricata.yaml `stream:`) and defaults
 * (src/stream-tcp.c: StreamTcpInitConfig). Sizes are bytes.
 *
 * Deliberate differences, documented:
 *  - `reassembly.randomize-chunk-size` is off: chunk sizes are exactly 2560 so results do not
 *    depend on a random draw at startup (Suricata's yaml turns it on: ±5%).
 *  - `checksum-validation` is off: Suricata's pcap mode switches it off by itself
 *    (`pcap-file.checksum-checks: auto`), and mirrored packets often carry offloaded checksums.
 *  - the overlap policy is BSD for every host (Suricata's `OS_POLICY_DEFAULT`); host-os-policy
 *    is not read.
 */
export interface StreamConfig {
  /** Pick up sessions whose handshake was not seen (`stream.midstream`). */
  midstream: boolean;
  /** Accept sessions where only one side is seen (`stream.async-oneside`). */
  asyncOneside: boolean;
  /** Session memory cap (`stream.memcap`): bounds the number of sessions. */
  memcap: number;
  /** Segment memory cap (`stream.reassembly.memcap`): bounds stored bytes and segments. */
  reassemblyMemcap: number;
  /** Bytes per direction that are reassembled (`stream.reassembly.depth`); 0 = unlimited. */
  depth: number;
  /** ACKed bytes a direction waits for before raw inspection (`reassembly.toserver-chunk-size`). */
  toserverChunkSize: number;
  toclientChunkSize: number;
  /** Raw (content) inspection of the stream (`stream.reassembly.raw`). */
  raw: boolean;
  /** Compare overlapping bytes (`stream.reassembly.check-overlap-different-data`). */
  checkOverlapDifferentData: boolean;
}

export const DEFAULT_STREAM_CONFIG: Readonly<StreamConfig> = {
  midstream: false,
  asyncOneside: false,
  memcap: 64 * 1024 * 1024,
  reassemblyMemcap: 256 * 1024 * 1024,
  depth: 1024 * 1024,
  toserverChunkSize: 2560,
  toclientChunkSize: 2560,
  raw: true,
  checkOverlapDifferentData: false,
};

/** Bytes one session is charged against `stream.memcap` (about sizeof(TcpSession)). */
export const SESSION_BYTES = 320;
/** Bytes one stored segment record is charged against the reassembly memcap (TcpSegment). */
export const SEGMENT_BYTES = 64;
/** Streaming-buffer block size, as Suricata's default. */
export const BLOCK_SIZE = 2048;

export function streamConfig(over: Partial<StreamConfig> = {}): StreamConfig {
  return { ...DEFAULT_STREAM_CONFIG, ...over };
}

/** Suricata's size strings: 1048576, "1mb", "64 MiB", "256kb", "1gb". */
export function parseSize(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(v);
  if (!m) return null;
  const mult: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1 << 20, mib: 1 << 20, gb: 1 << 30, gib: 1 << 30 };
  return Number(m[1]) * mult[(m[2] ?? 'b').toLowerCase()]!;
}

/**
 * The `stream:` mapping of the configuration, with Suricata's key names: midstream,
 * async-oneside, memcap, reassembly{memcap, depth, toserver-chunk-size, toclient-chunk-size,
 * raw, check-overlap-different-data}. `enabled` (ours) turns the stage off. Problems are
 * pushed as `key: message` (the caller prefixes file and `stream.`).
 */
export function parseStreamOptions(raw: Record<string, unknown>, problems: string[]): { enabled: boolean; cfg: Partial<StreamConfig> } {
  const cfg: Partial<StreamConfig> = {};
  const bad = (key: string, msg: string) => problems.push(`${key}: ${msg}`);
  const bool = (v: unknown, key: string): boolean | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'yes' || v === 'no') return v === 'yes';
    bad(key, `must be true or false, got ${JSON.stringify(v)}`);
    return undefined;
  };
  const size = (v: unknown, key: string, min: number): number | undefined => {
    if (v === undefined || v === null) return undefined;
    const n = parseSize(v);
    if (n === null || n < min) {
      bad(key, `must be a size (bytes, or like "64mb") of at least ${min}, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return n;
  };
  const known = ['enabled', 'midstream', 'async-oneside', 'memcap', 'reassembly', 'checksum-validation'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) bad(k, `unknown key (known: ${known.join(', ')})`);
  const enabled = bool(raw.enabled, 'enabled') ?? true;
  const mid = bool(raw.midstream, 'midstream');
  if (mid !== undefined) cfg.midstream = mid;
  const asy = bool(raw['async-oneside'], 'async-oneside');
  if (asy !== undefined) cfg.asyncOneside = asy;
  const mc = size(raw.memcap, 'memcap', 1);
  if (mc !== undefined) cfg.memcap = mc;
  if (raw['checksum-validation'] !== undefined && bool(raw['checksum-validation'], 'checksum-validation') === true) {
    bad('checksum-validation', 'is not supported (checksums are not validated, as Suricata pcap mode does by default)');
  }
  const r = raw.reassembly;
  if (r !== undefined && r !== null) {
    if (typeof r !== 'object' || Array.isArray(r)) bad('reassembly', `must be a mapping, got ${JSON.stringify(r)}`);
    else {
      const ro = r as Record<string, unknown>;
      const rk = ['memcap', 'depth', 'toserver-chunk-size', 'toclient-chunk-size', 'raw', 'check-overlap-different-data', 'randomize-chunk-size'];
      for (const k of Object.keys(ro)) if (!rk.includes(k)) bad(`reassembly.${k}`, `unknown key (known: ${rk.join(', ')})`);
      const rm = size(ro.memcap, 'reassembly.memcap', 1);
      if (rm !== undefined) cfg.reassemblyMemcap = rm;
      const d = size(ro.depth, 'reassembly.depth', 0);
      if (d !== undefined) cfg.depth = d;
      const ts = size(ro['toserver-chunk-size'], 'reassembly.toserver-chunk-size', 1);
      if (ts !== undefined) cfg.toserverChunkSize = ts;
      const tc = size(ro['toclient-chunk-size'], 'reassembly.toclient-chunk-size', 1);
      if (tc !== undefined) cfg.toclientChunkSize = tc;
      const rw = bool(ro.raw, 'reassembly.raw');
      if (rw !== undefined) cfg.raw = rw;
      const ov = bool(ro['check-overlap-different-data'], 'reassembly.check-overlap-different-data');
      if (ov !== undefined) cfg.checkOverlapDifferentData = ov;
      if (bool(ro['randomize-chunk-size'], 'reassembly.randomize-chunk-size') === true) {
        bad('reassembly.randomize-chunk-size', 'is not supported: chunk sizes are exact so results are deterministic');
      }
    }
  }
  return { enabled, cfg };
}
