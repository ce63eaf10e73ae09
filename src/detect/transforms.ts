/**
 * Transformations of a sticky buffer (Suricata's transforms, src/detect-transform-*.c and
 * rust/src/detect/transforms/): the keyword list, their parsing, and applying a chain of them
 * to a buffer. Everything about transforms lives here; the rule parser only collects the chain
 * per buffer (rule.ts TxBufferMatch.transforms) and the engine calls TransformScratch.apply at
 * the one place it fetches a tx buffer for inspection.
 *
 * Semantics (Suricata 8):
 *  - strip_whitespace: every isspace() byte removed; compress_whitespace: a run of whitespace
 *    kept as its first byte;
 *  - to_lowercase / to_uppercase: ASCII letters only;
 *  - url_decode: `%HH` → byte, `+` → space, malformed `%` kept as is;
 *  - xor:"<hex key>": each byte xor'd with the key, cycling; the Suricata 9 form
 *    `xor:offset N, extract L K` takes the key from the L bytes at K and decodes from N on;
 *  - from_base64:[bytes N][, offset N][, mode rfc4648|rfc2045|strict]: decode from offset (at
 *    most N bytes of input); rfc4648 stops at the first non-alphabet byte, rfc2045 skips such
 *    bytes, strict fails on them; a partial final quantum yields its whole bytes. When nothing
 *    decodes the buffer is left unchanged, as in Suricata;
 *  - pcrexform:"<regex>": the buffer becomes capture group 1 of the first match (unchanged when
 *    the regex does not match or the group did not participate);
 *  - to_md5 / to_sha1 / to_sha256: the digest bytes. These use node:crypto, which allocates a
 *    hash object per call: the one per-buffer allocation on this path, paid only by rules that
 *    hash (Suricata computes the digest per inspection too);
 *  - header_lowercase: header names (up to ':' on each line) lower-cased;
 *  - strip_pseudo_headers: lines starting with ':' (HTTP/2 pseudo headers) removed;
 *  - subslice: offset[, nbytes][, truncate]: the bytes from offset (negative: from the end),
 *    nbytes of them (negative: up to that many before the end; none: to the end); a slice
 *    past the end is empty unless truncate;
 *  - gunzip[: max-size N]: the gzip-decompressed buffer (default max 1 MiB; node:zlib allocates
 *    its output, a cost only gunzip rules pay).
 * dotprefix (DNS) is added by the app-layer work, not here.
 *
 * No allocation per packet (hashes aside): two scratch buffers, ping-ponged along the chain,
 * grown (doubling) only when a larger buffer is first met, up to MAX_TRANSFORM_BYTES; a longer
 * input is truncated to that and counted (truncated).
 */
import { createHash } from 'node:crypto';
import { constants as zc, gunzipSync } from 'node:zlib';
import { invalidValue, RuleError } from './rule-error.js';
import { translatePcre } from './pcre.js';
import { compileProgram, pcreSearch, PcreResult, type PcreProgram } from './pcre-vm.js';

export const Xf = {
  StripWhitespace: 0,
  CompressWhitespace: 1,
  ToLowercase: 2,
  ToUppercase: 3,
  UrlDecode: 4,
  Xor: 5,
  FromBase64: 6,
  PcreXform: 7,
  ToMd5: 8,
  ToSha1: 9,
  ToSha256: 10,
  HeaderLowercase: 11,
  StripPseudoHeaders: 12,
  Gunzip: 13,
  Subslice: 14,
} as const;

/** Transform keyword → kind. */
export const TRANSFORM_KEYWORDS: ReadonlyMap<string, number> = new Map([
  ['strip_whitespace', Xf.StripWhitespace],
  ['compress_whitespace', Xf.CompressWhitespace],
  ['to_lowercase', Xf.ToLowercase],
  ['to_uppercase', Xf.ToUppercase],
  ['url_decode', Xf.UrlDecode],
  ['xor', Xf.Xor],
  ['from_base64', Xf.FromBase64],
  ['pcrexform', Xf.PcreXform],
  ['to_md5', Xf.ToMd5],
  ['to_sha1', Xf.ToSha1],
  ['to_sha256', Xf.ToSha256],
  ['header_lowercase', Xf.HeaderLowercase],
  ['strip_pseudo_headers', Xf.StripPseudoHeaders],
  ['gunzip', Xf.Gunzip],
  ['subslice', Xf.Subslice],
]);

/** gunzip's default max-size (decompressed bytes). */
export const GUNZIP_DEFAULT_MAX = 1 << 20;

export const B64Mode = { Rfc4648: 0, Rfc2045: 1, Strict: 2 } as const;

/** Largest buffer a transform chain works on (longer inputs are truncated, counted). */
export const MAX_TRANSFORM_BYTES = 16 << 20;

export class Transform {
  /** xor: the literal key (empty with the extract form). */
  key: Uint8Array = new Uint8Array(0);
  /** xor extract form: decode from `xorOffset`, key = `keyLen` bytes at `keyOffset`. */
  xorOffset = 0;
  keyLen = 0;
  keyOffset = -1;
  /** from_base64. */
  b64Offset = 0;
  b64Bytes = 0;
  b64Mode: number = B64Mode.Rfc4648;
  /** pcrexform. */
  prog: PcreProgram | null = null;
  /** subslice: offset (< 0 from the end), length (< 0: up to that many bytes before the end;
   *  0: to the end), truncate. */
  sliceOffset = 0;
  sliceLen = 0;
  sliceTruncate = false;
  /** gunzip: decompressed bytes kept at most. */
  maxSize = GUNZIP_DEFAULT_MAX;
  constructor(readonly kind: number) {}
}

/** Parse one transform keyword (its value, if any); throws RuleError naming the keyword. */
export function parseTransform(name: string, value: string | null): Transform {
  const kind = TRANSFORM_KEYWORDS.get(name);
  if (kind === undefined) throw new RuleError(`unknown transform '${name}'`, `unsupported keyword '${name}'`);
  const t = new Transform(kind);
  switch (kind) {
    case Xf.Xor:
      parseXor(t, value);
      break;
    case Xf.FromBase64:
      if (value !== null && value.trim() !== '') parseFromBase64(t, value);
      break;
    case Xf.PcreXform:
      parsePcreXform(t, value);
      break;
    case Xf.Subslice:
      parseSubslice(t, value);
      break;
    case Xf.Gunzip:
      if (value !== null && value.trim() !== '') {
        const m = /^max-size\s+(\d+)$/.exec(value.trim());
        if (!m || Number(m[1]) === 0 || Number(m[1]) > MAX_TRANSFORM_BYTES) throw invalidValue('gunzip', `expected 'max-size N' (1..${MAX_TRANSFORM_BYTES}), got '${value}'`);
        t.maxSize = Number(m[1]);
      }
      break;
    default:
      if (value !== null && value.trim() !== '') throw invalidValue(name, `takes no value, got '${value}'`);
  }
  return t;
}

function parseXor(t: Transform, value: string | null): void {
  if (value === null || value.trim() === '') throw invalidValue('xor', 'needs a key');
  const v = value.trim();
  if (v.startsWith('"')) {
    if (!(v.length >= 2 && v.endsWith('"'))) throw invalidValue('xor', `unterminated key '${value}'`);
    const hex = v.slice(1, -1);
    if (hex.length === 0 || hex.length % 2 !== 0) throw invalidValue('xor', "the key's length must be an even number of hex digits");
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw invalidValue('xor', `key '${hex}' is not hex`);
    if (hex.length / 2 > 255) throw invalidValue('xor', 'key longer than 255 bytes');
    t.key = Uint8Array.from(Buffer.from(hex, 'hex'));
    return;
  }
  // Suricata 9: offset N, extract <len> <offset>.
  for (const part of v.split(',')) {
    const words = part.trim().split(/\s+/);
    if (words[0] === 'offset' && words.length === 2 && /^\d+$/.test(words[1]!)) t.xorOffset = Number(words[1]);
    else if (words[0] === 'extract' && words.length === 3 && /^\d+$/.test(words[1]!) && /^\d+$/.test(words[2]!)) {
      t.keyLen = Number(words[1]);
      t.keyOffset = Number(words[2]);
      if (t.keyLen === 0 || t.keyLen > 255) throw invalidValue('xor', `extract length ${t.keyLen} is outside 1..255`);
    } else throw invalidValue('xor', `cannot parse '${part.trim()}' (expected a quoted hex key, or offset N, extract LEN OFFSET)`);
  }
  if (t.keyOffset < 0) throw invalidValue('xor', "needs a quoted hex key or 'extract LEN OFFSET'");
}

function parseFromBase64(t: Transform, value: string): void {
  const seen = new Set<string>();
  for (const part of value.split(',')) {
    const words = part.trim().split(/\s+/);
    const key = words[0]!;
    if (seen.has(key)) throw invalidValue('from_base64', `'${key}' given twice`);
    seen.add(key);
    if ((key === 'bytes' || key === 'offset') && words.length === 2 && /^\d+$/.test(words[1]!)) {
      const n = Number(words[1]);
      if (n > 65535) throw invalidValue('from_base64', `${key} ${n} is outside 0..65535`);
      if (key === 'bytes') t.b64Bytes = n;
      else t.b64Offset = n;
    } else if (key === 'mode' && words.length === 2) {
      const m = words[1]!.toLowerCase();
      if (m === 'rfc4648') t.b64Mode = B64Mode.Rfc4648;
      else if (m === 'rfc2045') t.b64Mode = B64Mode.Rfc2045;
      else if (m === 'strict') t.b64Mode = B64Mode.Strict;
      else throw invalidValue('from_base64', `unknown mode '${words[1]}' (rfc4648, rfc2045, strict)`);
    } else throw invalidValue('from_base64', `cannot parse '${part.trim()}'`);
  }
}

function parseSubslice(t: Transform, value: string | null): void {
  const parts = (value ?? '').split(',').map((s) => s.trim());
  const int = (s: string): number => {
    if (!/^-?\d+$/.test(s) || Math.abs(Number(s)) > 65535) throw invalidValue('subslice', `'${s}' is not an integer in -65535..65535`);
    return Number(s);
  };
  if (parts[0] === '') throw invalidValue('subslice', 'needs an offset');
  t.sliceOffset = int(parts[0]!);
  let i = 1;
  if (i < parts.length && parts[i] !== 'truncate') {
    t.sliceLen = int(parts[i]!);
    if (t.sliceLen === 0) throw invalidValue('subslice', 'length 0');
    i++;
  }
  if (i < parts.length && parts[i] === 'truncate') {
    t.sliceTruncate = true;
    i++;
  }
  if (i !== parts.length) throw invalidValue('subslice', `cannot parse '${value ?? ''}' (offset[, nbytes][, truncate])`);
}

function parsePcreXform(t: Transform, value: string | null): void {
  const v = (value ?? '').trim();
  if (!(v.length >= 2 && v.startsWith('"') && v.endsWith('"'))) throw invalidValue('pcrexform', `value must be quoted: '${value ?? ''}'`);
  const pattern = v.slice(1, -1).replace(/\\([";])/g, '$1');
  if (pattern === '') throw invalidValue('pcrexform', 'empty regex');
  const source = translatePcre(pattern, { i: false, s: false, m: false, x: false, E: false });
  t.prog = compileProgram(source, false, true);
  if (t.prog.caps === null || t.prog.caps.length < 4) throw invalidValue('pcrexform', `'${pattern}' has no capture group`);
}

/** Base64 alphabet value per byte: 0..63, 64 for '=', 255 otherwise. */
const B64 = new Uint8Array(256).fill(255);
{
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) B64[a.charCodeAt(i)] = i;
  B64[0x3d] = 64;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * Runs transform chains. One per engine (single-threaded): `out` holds the result of the last
 * apply() until the next one.
 */
export class TransformScratch {
  private a = new Uint8Array(65536);
  private b = new Uint8Array(65536);
  /** The last result (bytes [0, returned length)). */
  out: Uint8Array = this.a;
  /** Inputs cut to MAX_TRANSFORM_BYTES. */
  truncated = 0;
  /** Transform chains applied. */
  runs = 0;

  private ensure(n: number): void {
    if (this.a.length >= n) return;
    let cap = this.a.length;
    while (cap < n) cap *= 2;
    if (cap > MAX_TRANSFORM_BYTES) cap = MAX_TRANSFORM_BYTES;
    this.a = new Uint8Array(cap);
    this.b = new Uint8Array(cap);
  }

  /** Apply `chain` to src[off, off+len); the result is out[0, returned length). */
  apply(chain: readonly Transform[], src: Uint8Array, off: number, len: number): number {
    this.runs++;
    if (len > MAX_TRANSFORM_BYTES) {
      len = MAX_TRANSFORM_BYTES;
      this.truncated++;
    }
    // Hash output is at most 32 bytes and gunzip's at most its max-size; the rest never grows
    // the buffer.
    let need = len < 32 ? 32 : len;
    for (let i = 0; i < chain.length; i++) {
      const c = chain[i]!;
      if (c.kind === Xf.Gunzip && c.maxSize > need) need = c.maxSize;
    }
    this.ensure(need);
    let inBuf = src;
    let inOff = off;
    let n = len;
    let dst = this.a;
    for (let i = 0; i < chain.length; i++) {
      const r = this.one(chain[i]!, inBuf, inOff, n, dst);
      if (r >= 0) {
        inBuf = dst;
        inOff = 0;
        n = r;
        dst = dst === this.a ? this.b : this.a;
      }
    }
    if (inBuf === src) {
      // Every transform left the buffer unchanged: copy so `out` is valid.
      this.a.set(src.subarray(off, off + n), 0);
      this.out = this.a;
      return n;
    }
    this.out = inBuf;
    return n;
  }

  /** One transform into dst; returns the output length, or -1 for "unchanged". */
  private one(t: Transform, s: Uint8Array, o: number, n: number, d: Uint8Array): number {
    const end = o + n;
    let k = 0;
    switch (t.kind) {
      case Xf.StripWhitespace:
        for (let i = o; i < end; i++) if (!isSpace(s[i]!)) d[k++] = s[i]!;
        return k;
      case Xf.CompressWhitespace:
        for (let i = o; i < end; i++) {
          const c = s[i]!;
          d[k++] = c;
          if (isSpace(c)) while (i + 1 < end && isSpace(s[i + 1]!)) i++;
        }
        return k;
      case Xf.ToLowercase:
        for (let i = o; i < end; i++) {
          const c = s[i]!;
          d[k++] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
        }
        return k;
      case Xf.ToUppercase:
        for (let i = o; i < end; i++) {
          const c = s[i]!;
          d[k++] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
        }
        return k;
      case Xf.UrlDecode:
        for (let i = o; i < end; i++) {
          const c = s[i]!;
          if (c === 0x25 && i + 2 < end) {
            const h = hexVal(s[i + 1]!);
            const l = hexVal(s[i + 2]!);
            if (h >= 0 && l >= 0) {
              d[k++] = (h << 4) | l;
              i += 2;
              continue;
            }
          }
          d[k++] = c === 0x2b ? 0x20 : c;
        }
        return k;
      case Xf.Xor:
        return this.xor(t, s, o, n, d);
      case Xf.FromBase64:
        return fromBase64(t, s, o, n, d);
      case Xf.PcreXform: {
        const prog = t.prog!;
        if (pcreSearch(prog, s, o, n, 0, false) !== PcreResult.Match) return -1;
        const caps = prog.caps!;
        const cs = caps[2]!;
        const ce = caps[3]!;
        if (cs < 0 || ce < cs) return -1;
        d.set(s.subarray(o + cs, o + ce), 0);
        return ce - cs;
      }
      case Xf.ToMd5:
      case Xf.ToSha1:
      case Xf.ToSha256: {
        const alg = t.kind === Xf.ToMd5 ? 'md5' : t.kind === Xf.ToSha1 ? 'sha1' : 'sha256';
        const digest = createHash(alg).update(s.subarray(o, end)).digest();
        d.set(digest, 0);
        return digest.length;
      }
      case Xf.Subslice: {
        let start = t.sliceOffset < 0 ? n + t.sliceOffset : t.sliceOffset;
        if (start < 0) start = 0;
        if (start >= n) return 0;
        let stop = t.sliceLen > 0 ? start + t.sliceLen : t.sliceLen < 0 ? n + t.sliceLen : n;
        if (stop > n) {
          // Past the end: empty unless truncate.
          if (!t.sliceTruncate) return 0;
          stop = n;
        }
        if (stop <= start) return 0;
        d.set(s.subarray(o + start, o + stop), 0);
        return stop - start;
      }
      case Xf.Gunzip: {
        // node:zlib allocates its output: a per-inspection cost only rules with gunzip pay.
        // A truncated stream gives what decompressed; anything else that fails (bad data, more
        // than max-size) gives nothing.
        let out: Buffer;
        try {
          out = gunzipSync(s.subarray(o, end), { maxOutputLength: t.maxSize, finishFlush: zc.Z_SYNC_FLUSH });
        } catch {
          return 0;
        }
        d.set(out, 0);
        return out.length;
      }
      case Xf.HeaderLowercase: {
        let inName = true;
        for (let i = o; i < end; i++) {
          const c = s[i]!;
          if (c === 0x0a) inName = true;
          else if (c === 0x3a) inName = false;
          d[k++] = inName && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
        }
        return k;
      }
      case Xf.StripPseudoHeaders: {
        let i = o;
        while (i < end) {
          let e = i;
          while (e < end && s[e] !== 0x0a) e++;
          const lineEnd = e < end ? e + 1 : e;
          if (s[i] !== 0x3a) for (let j = i; j < lineEnd; j++) d[k++] = s[j]!;
          i = lineEnd;
        }
        return k;
      }
    }
    return -1;
  }

  private xor(t: Transform, s: Uint8Array, o: number, n: number, d: Uint8Array): number {
    if (t.keyOffset < 0) {
      const key = t.key;
      const kl = key.length;
      for (let i = 0; i < n; i++) d[i] = s[o + i]! ^ key[i % kl]!;
      return n;
    }
    // Key taken from the buffer itself; out of bounds → nothing to decode.
    if (t.keyOffset + t.keyLen > n || t.xorOffset > n) return 0;
    const ko = o + t.keyOffset;
    const kl = t.keyLen;
    let k = 0;
    for (let i = t.xorOffset; i < n; i++, k++) d[k] = s[o + i]! ^ s[ko + (k % kl)]!;
    return k;
  }
}

/** from_base64 into d; -1 (unchanged) when nothing decodes. */
function fromBase64(t: Transform, s: Uint8Array, o: number, n: number, d: Uint8Array): number {
  if (t.b64Offset >= n) return -1;
  let i = o + t.b64Offset;
  let end = o + n;
  if (t.b64Bytes > 0 && i + t.b64Bytes < end) end = i + t.b64Bytes;
  const k = base64Decode(s, i, end, d, t.b64Mode);
  return k > 0 ? k : -1;
}

/**
 * Base64 of s[i, end) into d (room for 3/4 of the input + 3 needed): rfc4648 stops at the first
 * non-alphabet byte, rfc2045 skips such bytes, strict fails (-1) on them; '=' ends the data; a
 * partial last quantum yields its whole bytes. Returns the decoded length. Shared with
 * base64_decode (payload-match.ts).
 */
export function base64Decode(s: Uint8Array, i: number, end: number, d: Uint8Array, mode: number): number {
  let k = 0;
  let acc = 0;
  let q = 0;
  for (; i < end; i++) {
    const v = B64[s[i]!]!;
    if (v === 64) break; // padding ends the data
    if (v === 255) {
      if (mode === B64Mode.Rfc2045) continue;
      if (mode === B64Mode.Strict) return -1;
      break;
    }
    acc = (acc << 6) | v;
    if (++q === 4) {
      d[k++] = (acc >> 16) & 0xff;
      d[k++] = (acc >> 8) & 0xff;
      d[k++] = acc & 0xff;
      acc = 0;
      q = 0;
    }
  }
  // A partial last quantum: its whole bytes.
  if (q === 2) d[k++] = (acc >> 4) & 0xff;
  else if (q === 3) {
    d[k++] = (acc >> 10) & 0xff;
    d[k++] = (acc >> 2) & 0xff;
  }
  return k;
}
