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
 * Undo the encodings, listed in the order the sender applied them: the last one first, at most
 * `maxLayers` of them (the outer ones).
 */
export function decodeBody(body: Uint8Array, len: number, encodings: Uint8Array, encCount: number, maxLayers: number, limit: number): DecodeResult {
  let cur: Uint8Array = body.subarray(0, len);
  let truncated = false;
  const stop = Math.max(0, encCount - maxLayers);
  for (let i = encCount - 1; i >= stop; i--) {
    const enc = encodings[i]!;
    if (enc !== Encoding.Gzip && enc !== Encoding.Deflate) continue;
    try {
      const r = decodeLayer(enc, cur, limit);
      cur = r.out;
      truncated = truncated || r.truncated;
    } catch {
      return { bytes: cur, len: Math.min(cur.length, limit), failed: true, truncated };
    }
  }
  return { bytes: cur, len: Math.min(cur.length, limit), failed: false, truncated };
}
