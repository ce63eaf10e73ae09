/**
 * 32-bit integer hashing for the flow table (MurmurHash3's mixing steps on 32-bit words). Works
 * on numbers only so the per-packet lookup allocates nothing.
 */

/** Mix one 32-bit word into a running hash. */
export function hashWord(h: number, w: number): number {
  let k = Math.imul(w | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche; returns an unsigned 32-bit value. (src/emulator/source-port.ts uses this too.) */
export function hashFinish(h: number, len: number): number {
  return hashFinishI32(h, len) >>> 0;
}

/**
 * Final avalanche as a signed 32-bit value, for hot paths: an int32 is a small integer to V8,
 * while a uint32 above 2^31 returned from a call that is not inlined is boxed on the heap.
 */
export function hashFinishI32(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const TWO32 = 4294967296;

/**
 * Suricata-style flow_id: 51 bits built from two independent hashes of (key hash, first-seen
 * time). 51 bits keep the value an exact integer in a JS number and in every JSON parser
 * (below 2^53), and it is never 0 so "0 = no flow" stays unambiguous.
 *
 * Writes into out[index] and reads the time from `ts` rather than taking and returning
 * doubles: a double passed to or returned from a call that is not inlined is boxed on the
 * heap, and this runs for every new flow. keyHash must be an int32 (`| 0`) for the same reason.
 */
export function writeFlowId(out: Float64Array, index: number, keyHash: number, ts: { readonly tsSec: number; readonly tsNsec: number }): void {
  const startSec = ts.tsSec;
  const startNsec = ts.tsNsec | 0;
  const secLo = startSec % TWO32 | 0;
  const secHi = Math.floor(startSec / TWO32) | 0;
  let a = hashWord(0x9e3779b9 | 0, keyHash);
  a = hashWord(a, secLo);
  a = hashWord(a, secHi);
  a = hashWord(a, startNsec);
  let b = hashWord(0x7f4a7c15, startNsec);
  b = hashWord(b, keyHash);
  b = hashWord(b, secLo);
  const lo = hashFinishI32(a, 16) >>> 0;
  const hi = hashFinishI32(b, 12) & 0x7ffff; // 19 bits: 19 + 32 = 51
  const id = hi * TWO32 + lo;
  out[index] = id === 0 ? 1 : id;
}

/** flow_id as a value (tests, tools; not the per-packet path). */
export function makeFlowId(keyHash: number, startSec: number, startNsec: number): number {
  const out = new Float64Array(1);
  writeFlowId(out, 0, keyHash | 0, { tsSec: startSec, tsNsec: startNsec });
  return out[0]!;
}
