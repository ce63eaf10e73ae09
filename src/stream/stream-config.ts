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
