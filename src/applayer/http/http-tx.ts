/**
 * An HTTP/1 transaction: a request and its response, each an HttpHalf holding the bytes every
 * sticky buffer is cut from. Buffers are served as (bytes, offset, length) without copying:
 * `tx.buffer(id)` returns the length (-1 when absent) and leaves the array in `tx.bytes` and
 * the offset in `tx.offset`. Transactions are pooled and reused by the parser.
 */
import { decodeBody, Encoding } from './http-decompress.js';
import { FIRST_RESPONSE_BUF, HttpBuf, HTTP_BUF_COUNT } from './http-buffers.js';
import { HttpEvent } from './http-events.js';
import { AppProto } from '../app-proto.js';
import { TxDone, type AppTx } from '../app-tx.js';

/** Progress per direction, libhtp's values (reference §6). */
export const HttpProgress = { NotStarted: 0, Line: 1, Headers: 2, Body: 3, Trailer: 4, Complete: 5 } as const;

/** Consumer marks (tx.done): the app layer's one set (app-tx.ts). */
export { TxDone };

/** Where a buffer's bytes are. */
const SRC_RAW = 0;
const SRC_NORM = 1;
const SRC_BODY = 2;

/** One side of a transaction. */
export class HttpHalf {
  /** Start line, then "\r\n", then the header lines as received (with the blank line). */
  raw: Uint8Array = new Uint8Array(512);
  rawLen = 0;
  lineLen = -1;
  /** Derived bytes: header values, normalised header block, names, host, URI. */
  norm: Uint8Array = new Uint8Array(512);
  normLen = 0;
  /** Parsed headers (values cleaned, folding joined), in order, pointing into norm. */
  hCount = 0;
  hName: Int32Array = new Int32Array(16);
  hNameLen: Int32Array = new Int32Array(16);
  hVal: Int32Array = new Int32Array(16);
  hValLen: Int32Array = new Int32Array(16);
  /** Buffer table: offset, length (-1 absent) and source array per HttpBuf id. */
  readonly off = new Int32Array(HTTP_BUF_COUNT);
  readonly len = new Int32Array(HTTP_BUF_COUNT).fill(-1);
  readonly src = new Uint8Array(HTTP_BUF_COUNT);
  /** Body as received (dechunked, still encoded), up to the kept limit. */
  body: Uint8Array = new Uint8Array(0);
  bodyLen = 0;
  /** All body bytes seen, kept or not (gaps included). */
  bodySeen = 0;
  bodyTruncated = false;
  bodyGap = false;
  /** Content-Encoding tokens, in the order listed (identity and unknown ones too: they count as layers). */
  readonly encodings = new Uint8Array(16);
  encCount = 0;
  decoded: Uint8Array | null = null;
  decodedLen = 0;
  /** bodyLen when `decoded` was made (-1: not made). */
  decodedAt = -1;
  /** Authority host of an absolute request-URI (offsets into raw). */
  uriHostOff = -1;
  uriHostLen = 0;
  contentLength = -1;
  chunked = false;
  progress: number = HttpProgress.NotStarted;
  /** Bytes dropped because the line/header block or header count hit a limit. */
  dropped = 0;

  reset(): void {
    this.rawLen = 0;
    this.lineLen = -1;
    this.normLen = 0;
    this.hCount = 0;
    this.len.fill(-1);
    this.bodyLen = 0;
    this.bodySeen = 0;
    this.bodyTruncated = false;
    this.bodyGap = false;
    this.encCount = 0;
    this.decoded = null;
    this.decodedLen = 0;
    this.decodedAt = -1;
    this.uriHostOff = -1;
    this.uriHostLen = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.progress = HttpProgress.NotStarted;
    this.dropped = 0;
  }

  /** Append to the raw block; false (counted) once `limit` is reached. */
  rawByte(b: number, limit: number): boolean {
    if (this.rawLen >= this.raw.length) {
      if (this.raw.length >= limit) {
        this.dropped++;
        return false;
      }
      this.raw = grow(this.raw, Math.min(limit, this.raw.length * 2), this.rawLen);
    }
    this.raw[this.rawLen++] = b;
    return true;
  }

  normByte(b: number, limit: number): void {
    if (this.normLen >= this.norm.length) {
      if (this.norm.length >= limit) {
        this.dropped++;
        return;
      }
      this.norm = grow(this.norm, Math.min(limit, this.norm.length * 2), this.normLen);
    }
    this.norm[this.normLen++] = b;
  }

  /** Copy raw[from, from+n) to the end of norm. */
  normCopyRaw(from: number, n: number, limit: number): void {
    for (let i = 0; i < n; i++) this.normByte(this.raw[from + i]!, limit);
  }

  normCopyNorm(from: number, n: number, limit: number): void {
    for (let i = 0; i < n; i++) this.normByte(this.norm[from + i]!, limit);
  }

  normAscii(s: string, limit: number): void {
    for (let i = 0; i < s.length; i++) this.normByte(s.charCodeAt(i), limit);
  }

  /** Room for one more parsed header; false when headersLimit is reached. */
  headerSlot(headersLimit: number): boolean {
    if (this.hCount >= headersLimit) return false;
    if (this.hCount < this.hName.length) return true;
    const n = Math.min(headersLimit, this.hName.length * 2);
    this.hName = growI32(this.hName, n);
    this.hNameLen = growI32(this.hNameLen, n);
    this.hVal = growI32(this.hVal, n);
    this.hValLen = growI32(this.hValLen, n);
    return true;
  }

  setBuf(id: number, src: number, off: number, len: number): void {
    this.src[id] = src;
    this.off[id] = off;
    this.len[id] = len;
  }

  /** Keep body bytes up to `limit`; the rest is only counted. */
  bodyBytes(buf: Uint8Array, off: number, n: number, limit: number): void {
    this.bodySeen += n;
    let take = limit - this.bodyLen;
    if (take > n) take = n;
    if (take < n) this.bodyTruncated = true;
    if (take <= 0) return;
    if (this.bodyLen + take > this.body.length) this.body = grow(this.body, Math.min(limit, Math.max(this.bodyLen + take, this.body.length * 2, 1024)), this.bodyLen);
    const b = this.body;
    const base = this.bodyLen;
    for (let i = 0; i < take; i++) b[base + i] = buf[off + i]!;
    this.bodyLen += take;
  }

  /** Index of the first header with this name (ASCII case-insensitive), or -1. */
  findHeader(lowerName: string): number {
    for (let h = 0; h < this.hCount; h++) if (nameEqualsNoZero(this.norm, this.hName[h]!, this.hNameLen[h]!, lowerName)) return h;
    return -1;
  }
}

/** Header name comparison as Suricata's Rust htp looks names up: no case, NUL bytes ignored. */
export function nameEqualsNoZero(b: Uint8Array, off: number, len: number, lowerName: string): boolean {
  let k = 0;
  for (let i = off; i < off + len; i++) {
    const c = b[i]!;
    if (c === 0) continue;
    if (k >= lowerName.length || lowerAscii(c) !== lowerName.charCodeAt(k)) return false;
    k++;
  }
  return k === lowerName.length;
}

export class HttpTx implements AppTx {
  readonly alproto = AppProto.Http;
  /** Transaction id within the flow, from 0. */
  id = 0;
  readonly req = new HttpHalf();
  readonly res = new HttpHalf();
  /** HttpEvent bits (two words: ids 0..63). */
  readonly events = new Uint32Array(2);
  /** TxDone bits set by consumers. */
  done = 0;
  /** Rules detection is done with for this tx, `matchedLen` of them: id = matched (each
   *  alerts once per tx), ~id = can no longer match (Suricata's SIG_CANT_MATCH). */
  matched: Int32Array = new Int32Array(4);
  matchedLen = 0;
  /** Body length (kept bytes) of each side when detection last inspected it (inspect windows). */
  bodyInspectedReq = -1;
  bodyInspectedRes = -1;
  /** CONNECT request; upgrade (101) or tunnel: parsing stopped after this tx. */
  isConnect = false;
  isHead = false;
  /** A request line without protocol (HTTP/0.9): no headers. */
  http09 = false;
  tunnel = false;
  /** A response arrived with no request to pair with (libhtp makes an empty request). */
  noRequest = false;
  /** 100-continue seen before the final response. */
  continueSeen = false;
  /** Output of the last buffer() call. */
  bytes: Uint8Array = EMPTY;
  offset = 0;
  private responseBodyLimit = 0;
  private requestBodyLimit = 0;
  private layerLimit = 2;
  private requestDecompression = true;

  configure(requestBodyLimit: number, responseBodyLimit: number, layerLimit: number, requestDecompression: boolean): void {
    this.requestBodyLimit = requestBodyLimit;
    this.responseBodyLimit = responseBodyLimit;
    this.layerLimit = layerLimit;
    this.requestDecompression = requestDecompression;
  }

  reset(id: number): void {
    this.id = id;
    this.req.reset();
    this.res.reset();
    this.events[0] = 0;
    this.events[1] = 0;
    this.done = 0;
    this.matchedLen = 0;
    this.bodyInspectedReq = -1;
    this.bodyInspectedRes = -1;
    this.isConnect = false;
    this.isHead = false;
    this.http09 = false;
    this.tunnel = false;
    this.noRequest = false;
    this.continueSeen = false;
    this.bytes = EMPTY;
    this.offset = 0;
  }

  sideProgress(toServer: boolean): number {
    return toServer ? this.req.progress : this.res.progress;
  }

  /** HTTP buffers are single buffers: one instance or none. */
  bufferCount(id: number): number {
    return this.buffer(id) < 0 ? 0 : 1;
  }

  bufferAt(id: number, _k: number): number {
    return this.buffer(id);
  }

  get progressToServer(): number {
    return this.req.progress;
  }

  get progressToClient(): number {
    return this.res.progress;
  }

  /** Is detection done with rule `id` on this tx (matched, or can no longer match)? */
  hasMatched(id: number): boolean {
    const m = this.matched;
    const neg = ~id;
    for (let i = 0; i < this.matchedLen; i++) if (m[i] === id || m[i] === neg) return true;
    return false;
  }

  addMatched(id: number): void {
    if (this.matchedLen === this.matched.length) this.matched = growI32(this.matched, this.matched.length * 2);
    this.matched[this.matchedLen++] = id;
  }

  hasEvent(ev: number): boolean {
    return (this.events[ev >> 5]! & (1 << (ev & 31))) !== 0;
  }

  setEvent(ev: number): void {
    this.events[ev >> 5] = this.events[ev >> 5]! | (1 << (ev & 31));
  }

  /** Mark for release (TxDone bits); the parser frees complete txs whose required marks are set. */
  markDone(bits: number): void {
    this.done |= bits;
  }

  /**
   * A sticky buffer: its length (-1 absent), with `this.bytes`/`this.offset` set. Bodies are
   * decoded (Content-Encoding) on demand, once per growth of the body.
   */
  buffer(id: number): number {
    const half = id < FIRST_RESPONSE_BUF ? this.req : this.res;
    if (id === HttpBuf.RequestBody || id === HttpBuf.ResponseBody) return this.body(half, id === HttpBuf.ResponseBody);
    const len = half.len[id];
    // Absent, or not an HTTP buffer id (rule groups mix protocols): no buffer.
    if (len === undefined || len < 0) return -1;
    this.bytes = half.src[id] === SRC_RAW ? half.raw : half.norm;
    this.offset = half.off[id]!;
    return len;
  }

  /** The buffer as a latin1 string (tests and logging; allocates). */
  text(id: number): string | undefined {
    const n = this.buffer(id);
    if (n < 0) return undefined;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, n).toString('latin1');
  }

  private body(half: HttpHalf, response: boolean): number {
    if (half.bodySeen === 0 && half.bodyLen === 0) return -1;
    const decode = half.encCount > 0 && (response || this.requestDecompression);
    if (!decode) {
      this.bytes = half.body;
      this.offset = 0;
      return half.bodyLen;
    }
    if (half.decodedAt !== half.bodyLen) {
      const limit = response ? this.responseBodyLimit : this.requestBodyLimit;
      if (half.encCount > this.layerLimit) this.setEvent(HttpEvent.TooManyEncodingLayers);
      const r = decodeBody(half.body, half.bodyLen, half.encodings, half.encCount, this.layerLimit, limit);
      if (r.failed) this.setEvent(HttpEvent.GzipDecompressionFailed);
      half.decoded = r.bytes;
      half.decodedLen = r.len;
      half.decodedAt = half.bodyLen;
    }
    this.bytes = half.decoded!;
    this.offset = 0;
    return half.decodedLen;
  }
}

export { SRC_RAW, SRC_NORM, SRC_BODY, Encoding };

const EMPTY = new Uint8Array(0);

function grow(a: Uint8Array, n: number, used: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(a.subarray(0, used));
  return b;
}

function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

export function lowerAscii(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}
