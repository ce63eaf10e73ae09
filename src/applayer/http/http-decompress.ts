/**
 * Content-Encoding decoding of a (dechunked) body for file.data, bounded: gzip and deflate
 * (zlib-wrapped, falling back to raw deflate as libhtp does), at most `layerLimit` layers,
 * output cut at `limit`. Truncated input (a body still arriving) decodes as far as it goes.
 * Runs per transaction when a consumer asks for the body, never per packet.
 */
import zlib from 'node:zlib';

export const Encoding = { Identity: 0, Gzip: 1, Deflate: 2, Unknown: 3 } as const;

export interface DecodeResult {
  bytes: Uint8Array;
  len: number;
  failed: boolean;
  /** Output hit `limit` (the rest is not inspected). */
  truncated: boolean;
}

const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

function inflateOnce(enc: number, input: Uint8Array, maxOut: number): Buffer {
  const opts = { ...SYNC, maxOutputLength: maxOut };
  if (enc === Encoding.Gzip) return zlib.gunzipSync(input, opts);
  try {
    return zlib.inflateSync(input, opts);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw e;
    // Servers send raw deflate under "deflate" often enough that libhtp retries without header.
    return zlib.inflateRawSync(input, opts);
  }
}

/** Decode one layer, keeping at most `limit` bytes; on a too-large output retry shorter input. */
function decodeLayer(enc: number, input: Uint8Array, limit: number): { out: Uint8Array; truncated: boolean } {
  let inLen = input.length;
  // Output of a prefix is a prefix of the output, so halving the input finds a bounded prefix.
  for (let attempt = 0; attempt < 24 && inLen > 0; attempt++) {
    try {
      const out = inflateOnce(enc, inLen === input.length ? input : input.subarray(0, inLen), limit * 4 + 65536);
      if (out.length > limit) return { out: out.subarray(0, limit), truncated: true };
      return { out, truncated: inLen < input.length };
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw e;
      inLen = inLen >> 1;
    }
  }
  return { out: new Uint8Array(0), truncated: true };
}

/**
 * Undo the encodings, listed in the order the sender applied them, the last one first; only the
 * first `maxLayers` listed count (Suricata's layer limit). A layer that does not decode as
 * declared is tried as gzip/zlib, raw deflate and gzip with a damaged header, then passed
 * through as is (libhtp's decompressor restarts and passthrough).
 */
export function decodeBody(body: Uint8Array, len: number, encodings: Uint8Array, encCount: number, maxLayers: number, limit: number): DecodeResult {
  let cur: Uint8Array = body.subarray(0, len);
  let truncated = false;
  let failed = false;
  const n = Math.min(encCount, maxLayers);
  for (let i = n - 1; i >= 0; i--) {
    const enc = encodings[i]!;
    if (enc !== Encoding.Gzip && enc !== Encoding.Deflate) continue;
    if (cur.length === 0) break;
    const r = decodeLayerTolerant(enc, cur, limit);
    if (r === null) {
      failed = true;
      continue;
    }
    if (r.fallback) failed = true;
    cur = r.out;
    truncated = truncated || r.truncated;
  }
  if (cur.length > limit) {
    cur = cur.subarray(0, limit);
    truncated = true;
  }
  return { bytes: cur, len: cur.length, failed, truncated };
}

const UNZIP = 3;
const RAW = 4;
const GZIP_BODY = 5;

function attempt(kind: number, input: Uint8Array, limit: number): { out: Uint8Array; truncated: boolean } | null {
  try {
    let r: { out: Uint8Array; truncated: boolean };
    if (kind === UNZIP) r = decodeWith((b, o) => zlib.unzipSync(b, o), input, limit);
    else if (kind === RAW) r = decodeWith((b, o) => zlib.inflateRawSync(b, o), input, limit);
    else if (kind === GZIP_BODY) {
      const start = gzipHeaderEnd(input);
      if (start < 0) return null;
      r = decodeWith((b, o) => zlib.inflateRawSync(b, o), input.subarray(start), limit);
    } else r = decodeLayer(kind, input, limit);
    return r.out.length > 0 ? r : null;
  } catch {
    return null;
  }
}

/**
 * Where the deflate data of a gzip member starts, reading the header without checking it
 * (reserved flags, header CRC): -1 if it is not a gzip header at all.
 */
function gzipHeaderEnd(b: Uint8Array): number {
  if (b.length <= 10 || b[0] !== 0x1f || b[1] !== 0x8b) return -1;
  const flg = b[3]!;
  let p = 10;
  if ((flg & 4) !== 0) p += 2 + (b[p]! | (b[p + 1]! << 8));
  if ((flg & 8) !== 0) while (p < b.length && b[p++] !== 0);
  if ((flg & 16) !== 0) while (p < b.length && b[p++] !== 0);
  if ((flg & 2) !== 0) p += 2;
  return p < b.length ? p : -1;
}

function decodeLayerTolerant(enc: number, input: Uint8Array, limit: number): { out: Uint8Array; truncated: boolean; fallback: boolean } | null {
  const first = attempt(enc, input, limit);
  if (first !== null) return { ...first, fallback: false };
  for (const kind of [UNZIP, RAW, GZIP_BODY]) {
    const r = attempt(kind, input, limit);
    if (r !== null) return { ...r, fallback: true };
  }
  return null;
}

function decodeWith(fn: (b: Uint8Array, o: zlib.ZlibOptions) => Buffer, input: Uint8Array, limit: number): { out: Uint8Array; truncated: boolean } {
  let inLen = input.length;
  for (let a = 0; a < 24 && inLen > 0; a++) {
    try {
      const out = fn(inLen === input.length ? input : input.subarray(0, inLen), { ...SYNC, maxOutputLength: limit * 4 + 65536 });
      if (out.length > limit) return { out: out.subarray(0, limit), truncated: true };
      return { out, truncated: inLen < input.length };
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw e;
      inLen = inLen >> 1;
    }
  }
  return { out: new Uint8Array(0), truncated: true };
}
