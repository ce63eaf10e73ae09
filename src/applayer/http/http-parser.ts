/**
 * The HTTP/1.0 and 1.1 parser, libhtp's IDS personality as Suricata runs it: an incremental
 * state machine per direction over any split of the bytes, requests and responses paired in
 * order into transactions (pipelining), 100-continue, Content-Length and chunked bodies, bodies
 * until close, CONNECT and upgrades (parsing stops, the flow stays), gaps skipped inside bodies
 * of known length and fatal elsewhere (libhtp cannot resume in a line). Never throws on input:
 * problems are HTTP events on the transaction and counters.
 *
 * Per-flow state is an HttpConn per flow slot, taken from a pool when the flow's first HTTP byte
 * arrives and returned on clear(); transactions are pooled the same way, so a steady state makes
 * no garbage.
 */
import { SlotTable } from '../slot-table.js';
import type { AppLayerProtoParser } from '../parser.js';
import { HttpBuf } from './http-buffers.js';
import type { HttpConfig } from './http-config.js';
import { HttpEvent, HTTP_EVENT_NAMES } from './http-events.js';
import type { AppTxParser } from '../app-tx.js';
import { HttpProgress, HttpTx, lowerAscii, SRC_NORM, SRC_RAW, TxDone, type HttpHalf } from './http-tx.js';
import { finishHeaders } from './header-normalize.js';
import { normalizedScratch, normalizePath, parseUri, UriParts, urlDecode } from './uri-normalize.js';

const S = {
  Line: 0,
  Headers: 1,
  BodyCl: 2,
  ChunkLen: 3,
  ChunkData: 4,
  ChunkCrlf: 5,
  Trailer: 6,
  BodyClose: 7,
  Stopped: 8,
} as const;

/** One direction's parsing state. */
class Dir {
  state: number = S.Line;
  tx: HttpTx | null = null;
  remain = 0;
  /** The current line; grows up to fieldLimit (memory per flow follows what it sees). */
  line: Uint8Array;
  lineLen = 0;
  /** The current line exceeded fieldLimit (the rest of it is dropped). */
  lineLong = false;
  /** The header being built (its continuation lines may follow), up to fieldLimit. */
  hdr: Uint8Array;
  hdrLen = 0;
  hdrPending = false;
  /** Response side: the line so far ends with CR (a lone CR ends a line unless LF follows). */
  lastCr = false;
  /** Response side: just after an end of line: -1 no, 0 yes, 0x0d yes and CR bytes followed it. */
  eolRun = -1;
  /** Response side: inside a line that is not a status line; its bytes go to the body up to LF. */
  garbage = false;
  /** The line being handled ended with a bare LF (no CR). */
  bareLf = false;
  /** The end of line before the current CR run was a bare LF; CR bytes in that run. */
  eolBareLf = false;
  runCr = 0;

  constructor(private readonly fieldLimit: number) {
    this.line = new Uint8Array(Math.min(256, fieldLimit));
    this.hdr = new Uint8Array(Math.min(256, fieldLimit));
  }

  lineByte(b: number): void {
    if (this.lineLen >= this.line.length) {
      if (this.line.length >= this.fieldLimit) {
        this.lineLong = true;
        return;
      }
      this.line = grow(this.line, Math.min(this.fieldLimit, this.line.length * 2), this.lineLen);
    }
    this.line[this.lineLen++] = b;
  }

  /** Append to the header being built; false once fieldLimit is reached. */
  hdrByte(b: number): boolean {
    if (this.hdrLen >= this.hdr.length) {
      if (this.hdr.length >= this.fieldLimit) return false;
      this.hdr = grow(this.hdr, Math.min(this.fieldLimit, this.hdr.length * 2), this.hdrLen);
    }
    this.hdr[this.hdrLen++] = b;
    return true;
  }

  reset(): void {
    this.state = S.Line;
    this.tx = null;
    this.remain = 0;
    this.lineLen = 0;
    this.lineLong = false;
    this.hdrLen = 0;
    this.hdrPending = false;
    this.lastCr = false;
    this.eolRun = -1;
    this.garbage = false;
    this.bareLf = false;
    this.eolBareLf = false;
    this.runCr = 0;
  }
}

/** Per-flow HTTP state. */
export class HttpConn {
  /** A request completed since the stream stage last asked (raw inspection trigger). */
  rawTrigger = false;
  readonly req: Dir;
  readonly res: Dir;
  /** Live transactions, oldest first. */
  readonly txs: HttpTx[] = [];
  nextTxId = 0;
  /** Id of the transaction the next response belongs to. */
  resNextId = 0;

  constructor(fieldLimit: number) {
    this.req = new Dir(fieldLimit);
    this.res = new Dir(fieldLimit);
  }
}

export class HttpCounters {
  readonly events = new Float64Array(HTTP_EVENT_NAMES.length);
  txCreated = 0;
  txFreed = 0;
  /** Transaction objects made (the rest were reused from the pool). */
  txAllocated = 0;
  /** Per-flow states made (the rest were reused). */
  connAllocated = 0;
  /** Body bytes not kept (over request-/response-body-limit). */
  bodyLimitBytes = 0;
  /** Header lines or bytes dropped (headers-limit, field limit, header block limit). */
  headerLimitHits = 0;
  /** Request sides stopped at max-tx. */
  maxTxHits = 0;
  /** Directions stopped by a gap where parsing cannot resume. */
  gapStops = 0;
  /** Bytes skipped over gaps inside bodies. */
  gapBodyBytes = 0;
  /** Directions stopped by CONNECT or an upgrade (tunnel). */
  tunnels = 0;
}

const uri = new UriParts();
const CRLF = Uint8Array.of(0x0d, 0x0a);
const CRLF_CRLF = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a);

export class HttpParser implements AppLayerProtoParser, AppTxParser {
  readonly completeProgress: number = HttpProgress.Complete;
  readonly counters = new HttpCounters();
  private readonly conns: SlotTable<HttpConn>;
  private readonly connPool: HttpConn[] = [];
  private readonly txPool: HttpTx[] = [];
  /** TxDone bits a complete transaction needs before it is freed. */
  releaseMask: number = TxDone.InspectedToServer | TxDone.InspectedToClient;

  constructor(
    readonly capacity: number,
    readonly config: HttpConfig,
  ) {
    this.conns = new SlotTable<HttpConn>(capacity);
  }

  // ---- consumer API ----

  /** Live transactions of the flow (oldest first). */
  txCount(slot: number): number {
    const c = this.conns.get(slot);
    return c === undefined ? 0 : c.txs.length;
  }

  getTx(slot: number, i: number): HttpTx | undefined {
    return this.conns.get(slot)?.txs[i];
  }

  /** Set consumer marks on a tx and free whatever is complete and fully marked. */
  markDone(slot: number, tx: HttpTx, bits: number): void {
    tx.markDone(bits);
    const c = this.conns.get(slot);
    if (c !== undefined) this.reap(c);
  }

  // ---- input ----

  parse(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    const c = this.conn(slot);
    const d = toServer ? c.req : c.res;
    let i = off;
    const end = off + len;
    while (i < end && d.state !== S.Stopped) {
      const st = d.state;
      if (st === S.BodyCl || st === S.ChunkData) {
        let n = end - i;
        if (n > d.remain) n = d.remain;
        this.body(d, toServer, buf, i, n);
        i += n;
        d.remain -= n;
        if (d.remain === 0) {
          if (st === S.BodyCl) this.messageDone(c, d, toServer);
          else d.state = S.ChunkCrlf;
        }
        continue;
      }
      if (st === S.BodyClose) {
        this.body(d, toServer, buf, i, end - i);
        i = end;
        continue;
      }
      if (!toServer && (st === S.Line || st === S.Headers || st === S.Trailer)) {
        i = this.responseLine(c, d, buf, i, end);
        continue;
      }
      // Line states: gather up to LF.
      let j = buf.indexOf(0x0a, i);
      if (j < 0 || j >= end) j = -1;
      const stop = j < 0 ? end : j + 1;
      const keepRaw = (st === S.Headers || st === S.Trailer) && d.tx !== null;
      const half = d.tx === null ? null : toServer ? d.tx.req : d.tx.res;
      for (let k = i; k < stop; k++) {
        const b = buf[k]!;
        d.lineByte(b);
        if (keepRaw && half !== null && !half.rawByte(b, this.config.headerBlockLimit)) this.counters.headerLimitHits++;
      }
      i = stop;
      if (st === S.ChunkLen && !toServer && !chunkLenPlausible(d.line, d.lineLen)) {
        // Not a chunk length (libhtp then reads the response as identity until close).
        this.chunkFallback(d, d.lineLen);
        continue;
      }
      if (j < 0) break;
      const long = d.lineLong;
      // Without LF (not kept when the line was cut) and CR.
      let n = long ? d.lineLen : d.lineLen - 1;
      if (!long && n > 0 && d.line[n - 1] === 0x0d) n--;
      d.lineLen = 0;
      d.lineLong = false;
      this.line(c, d, toServer, n, long);
    }
    this.reap(c);
  }

  /**
   * Response status line, headers and trailers, with the end-of-line rules of Suricata's Rust htp
   * for responses: LF, CR LF, and a lone CR end a line; after an end of line a run of CR bytes
   * before the next header is a deformed end of line (swallowed), a run starting with SP/HT is
   * folding, and a run closed by LF is the empty line. Consumes bytes until one line is handled.
   */
  private responseLine(c: HttpConn, d: Dir, buf: Uint8Array, i: number, end: number): number {
    const tx = d.tx;
    const half = tx === null ? null : tx.res;
    const keepRaw = (d.state === S.Headers || d.state === S.Trailer) && half !== null;
    const rawLimit = this.config.headerBlockLimit;
    if (d.garbage) {
      let j = buf.indexOf(0x0a, i);
      if (j < 0 || j >= end) j = end - 1;
      else d.garbage = false;
      if (half !== null) half.bodyBytes(buf, i, j + 1 - i, this.config.responseBodyLimit);
      return j + 1;
    }
    while (i < end) {
      const b = buf[i]!;
      if (d.eolRun >= 0) {
        if (b === 0x0d || (d.eolRun === 0x0d && (b === 0x20 || b === 0x09))) {
          // CR (and blanks after it) right after an end of line.
          if (d.eolRun === 0) d.runCr = 0;
          if (b === 0x0d) d.runCr++;
          d.eolRun = 0x0d;
          if (keepRaw && !half!.rawByte(b, rawLimit)) this.counters.headerLimitHits++;
          i++;
          continue;
        }
        const wasCr = d.eolRun === 0x0d;
        d.eolRun = -1;
        if (b === 0x0a && wasCr && d.eolBareLf && d.runCr === 2 && i + 1 < end && (buf[i + 1] === 0x0a || (buf[i + 1] === 0x0d && i + 2 < end && buf[i + 2] === 0x0a))) {
          // LF CR CR LF before another end of line: one deformed end of line (Rust htp).
          if (keepRaw && !half!.rawByte(b, rawLimit)) this.counters.headerLimitHits++;
          d.eolRun = 0;
          d.runCr = 0;
          d.eolBareLf = false;
          i++;
          continue;
        }
        if (b === 0x0a && wasCr) {
          // CR ... LF: the empty line.
          if (keepRaw && !half!.rawByte(b, rawLimit)) this.counters.headerLimitHits++;
          d.lineLen = 0;
          this.finishResponseLine(c, d, 0, false);
          return i + 1;
        }
        // Otherwise a deformed end of line was swallowed; b starts the next line.
      }
      if (d.lastCr && b !== 0x0a) {
        // A lone CR ended the line; this byte starts what follows.
        d.lastCr = false;
        const long = d.lineLong;
        this.finishResponseLine(c, d, long ? d.lineLen : d.lineLen - 1, long);
        return i;
      }
      d.lastCr = b === 0x0d;
      d.lineByte(b);
      if (keepRaw && !half!.rawByte(b, rawLimit)) this.counters.headerLimitHits++;
      i++;
      if (b === 0x0a) {
        const long = d.lineLong;
        let n = long ? d.lineLen : d.lineLen - 1;
        d.bareLf = true;
        if (!long && n > 0 && d.line[n - 1] === 0x0d) {
          n--;
          d.bareLf = false;
        }
        this.finishResponseLine(c, d, n, long);
        d.bareLf = false;
        return i;
      }
      if (d.state === S.Line && !d.lineLong && d.lineLen >= 4 && !looksLikeStatus(d.line, d.lineLen)) {
        // Not a status line (HTTP/0.9 style or garbage): a body until close, at once.
        this.statusLine(c, d, d.lineLen, false, false);
        d.lineLen = 0;
        d.lastCr = false;
        return i;
      }
    }
    return i;
  }

  private finishResponseLine(c: HttpConn, d: Dir, n: number, long: boolean): void {
    d.lineLen = 0;
    d.lineLong = false;
    d.lastCr = false;
    this.line(c, d, false, n, long);
    if (d.state === S.Line || d.state === S.Headers || d.state === S.Trailer) {
      d.eolRun = 0;
      d.eolBareLf = d.bareLf;
    }
  }

  gap(slot: number, toServer: boolean, len: number): void {
    const c = this.conn(slot);
    const d = toServer ? c.req : c.res;
    const tx = d.tx;
    if (d.state === S.Stopped) return;
    if (tx !== null && (d.state === S.BodyCl || d.state === S.ChunkData || d.state === S.BodyClose)) {
      const half = toServer ? tx.req : tx.res;
      half.bodyGap = true;
      if (d.state === S.BodyClose || len <= d.remain) {
        half.bodySeen += len;
        this.counters.gapBodyBytes += len;
        if (d.state !== S.BodyClose) {
          d.remain -= len;
          if (d.remain === 0) {
            if (d.state === S.BodyCl) this.messageDone(c, d, toServer);
            else d.state = S.ChunkCrlf;
          }
        }
        this.reap(c);
        return;
      }
    }
    // In a line, or past the end of a body: libhtp cannot find the next message.
    if (tx !== null) this.event(tx, HttpEvent.LineGap);
    this.counters.gapStops++;
    d.state = S.Stopped;
  }

  end(slot: number, toServer: boolean): void {
    const c = this.conns.get(slot);
    if (c === undefined) return;
    const d = toServer ? c.req : c.res;
    if (d.state === S.Headers && d.tx !== null) {
      // Headers cut by the end of the stream (no empty line): libhtp finalises them at close,
      // so header buffers (http.header, http.server, ...) exist and the message completes.
      const eol = d.lineLen > 0 ? CRLF_CRLF : CRLF;
      this.parse(slot, toServer, eol, 0, eol.length);
    }
    if (!toServer && d.state === S.Line && d.lineLen > 0 && !isBlank(d.line, d.lineLen)) {
      // A last response line without end of line (libhtp finalises it at close).
      const n = d.lineLen;
      d.lineLen = 0;
      this.statusLine(c, d, n, false, false);
    }
    if (d.state === S.BodyClose || (!toServer && d.state === S.Line && d.tx !== null && d.tx.res.bodySeen > 0)) this.messageDone(c, d, toServer);
    else if (toServer && d.state === S.Line && d.lineLen > 0) {
      // A request line cut by the end of the stream (libhtp REQUEST_LINE_INCOMPLETE).
      this.counters.events[HttpEvent.RequestLineIncomplete]!++;
      const last = c.txs[c.txs.length - 1];
      if (last !== undefined) last.setEvent(HttpEvent.RequestLineIncomplete);
    }
    this.reap(c);
  }

  clear(slot: number): void {
    const c = this.conns.get(slot);
    if (c === undefined) return;
    for (const tx of c.txs) this.txPool.push(tx);
    this.counters.txFreed += c.txs.length;
    c.txs.length = 0;
    c.req.reset();
    c.res.reset();
    c.nextTxId = 0;
    c.resNextId = 0;
    c.rawTrigger = false;
    this.conns.delete(slot);
    this.connPool.push(c);
  }

  // ---- internals ----

  private conn(slot: number): HttpConn {
    let c = this.conns.get(slot);
    if (c === undefined) {
      c = this.connPool.pop();
      if (c === undefined) {
        c = new HttpConn(this.config.fieldLimit);
        this.counters.connAllocated++;
      }
      this.conns.set(slot, c);
    }
    return c;
  }

  private newTx(c: HttpConn): HttpTx {
    let tx = this.txPool.pop();
    if (tx === undefined) {
      tx = new HttpTx();
      this.counters.txAllocated++;
    }
    tx.reset(c.nextTxId++);
    const k = this.config;
    tx.configure(k.requestBodyLimit, k.responseBodyLimit, k.decompressLayerLimit, k.requestDecompression);
    c.txs.push(tx);
    this.counters.txCreated++;
    return tx;
  }

  private event(tx: HttpTx, ev: number): void {
    if (!tx.hasEvent(ev)) this.counters.events[ev]!++;
    tx.setEvent(ev);
  }

  /** Free complete transactions from the front once consumers marked them. */
  private reap(c: HttpConn): void {
    const mask = this.releaseMask;
    while (c.txs.length > 0) {
      const tx = c.txs[0]!;
      if (tx.req.progress !== HttpProgress.Complete || tx.res.progress !== HttpProgress.Complete) break;
      if ((tx.done & mask) !== mask || c.req.tx === tx || c.res.tx === tx) break;
      c.txs.shift();
      this.txPool.push(tx);
      this.counters.txFreed++;
    }
  }

  private body(d: Dir, toServer: boolean, buf: Uint8Array, off: number, n: number): void {
    const tx = d.tx;
    if (tx === null || n <= 0) return;
    const half = toServer ? tx.req : tx.res;
    const limit = half.encCount > 0 ? this.config.compressedBodyLimit : toServer ? this.config.requestBodyLimit : this.config.responseBodyLimit;
    const before = half.bodyLen;
    half.bodyBytes(buf, off, n, limit);
    this.counters.bodyLimitBytes += n - (half.bodyLen - before);
  }

  /** A complete line (without CR LF) in d.line[0..n). */
  private line(c: HttpConn, d: Dir, toServer: boolean, n: number, long: boolean): void {
    switch (d.state) {
      case S.Line:
        if (n === 0) return; // libhtp skips empty lines before a message
        if (isBlank(d.line, n)) return; // whitespace-only lines before a message are ignored
        if (toServer) this.requestLine(c, d, n, long);
        else this.statusLine(c, d, n, long, true);
        return;
      case S.Headers:
        this.headerLine(c, d, toServer, n, long);
        return;
      case S.ChunkLen:
        this.chunkLen(c, d, toServer, n);
        return;
      case S.ChunkCrlf:
        d.state = S.ChunkLen;
        if (n > 0) this.chunkLen(c, d, toServer, n);
        return;
      case S.Trailer:
        if (n === 0) this.messageDone(c, d, toServer);
        return;
    }
  }

  private copyLine(h: HttpHalf, d: Dir, n: number): void {
    for (let k = 0; k < n; k++) h.rawByte(d.line[k]!, this.config.headerBlockLimit);
    h.lineLen = h.rawLen;
    h.rawByte(0x0d, this.config.headerBlockLimit);
    h.rawByte(0x0a, this.config.headerBlockLimit);
  }

  private requestLine(c: HttpConn, d: Dir, n: number, long: boolean): void {
    if (c.txs.length >= this.config.maxTx) {
      this.counters.maxTxHits++;
      this.counters.events[HttpEvent.TooManyTransactions]!++;
      const last = c.txs[c.txs.length - 1];
      if (last !== undefined) last.setEvent(HttpEvent.TooManyTransactions);
      d.state = S.Stopped;
      return;
    }
    const tx = this.newTx(c);
    d.tx = tx;
    const h = tx.req;
    h.progress = HttpProgress.Line;
    if (long) this.event(tx, HttpEvent.RequestFieldTooLong);
    this.copyLine(h, d, n);
    const L = h.raw;
    const lineEnd = h.lineLen;
    h.setBuf(HttpBuf.RequestLine, SRC_RAW, 0, lineEnd);
    let p = 0;
    if (p < lineEnd && isSpace(L[p]!)) {
      this.event(tx, HttpEvent.RequestLineLeadingWhitespace);
      while (p < lineEnd && isSpace(L[p]!)) p++;
    }
    const mStart = p;
    while (p < lineEnd && !isSpace(L[p]!)) p++;
    h.setBuf(HttpBuf.Method, SRC_RAW, mStart, p - mStart);
    tx.isHead = eq(L, mStart, p - mStart, 'HEAD');
    tx.isConnect = eq(L, mStart, p - mStart, 'CONNECT');
    if (p < lineEnd && (L[p] !== 0x20 || (p + 1 < lineEnd && isSpace(L[p + 1]!)))) this.event(tx, HttpEvent.MethodDelimNonCompliant);
    while (p < lineEnd && isSpace(L[p]!)) p++;
    // allow-space-uri: the protocol is the last word if it looks like HTTP; the URI is the rest.
    let protoStart = -1;
    let e = lineEnd;
    while (e > p && isSpace(L[e - 1]!)) e--;
    let w = e;
    while (w > p && !isSpace(L[w - 1]!)) w--;
    if (w > p && e - w >= 4 && lowerAscii(L[w]!) === 0x68 && lowerAscii(L[w + 1]!) === 0x74 && lowerAscii(L[w + 2]!) === 0x74 && lowerAscii(L[w + 3]!) === 0x70) protoStart = w;
    let uEnd = protoStart < 0 ? e : protoStart;
    while (uEnd > p && isSpace(L[uEnd - 1]!)) uEnd--;
    if (protoStart >= 0 && protoStart - uEnd > 1) this.event(tx, HttpEvent.UriDelimNonCompliant);
    if (uEnd > p) {
      h.setBuf(HttpBuf.UriRaw, SRC_RAW, p, uEnd - p);
      this.normalizeUri(h, p, uEnd - p);
    } else this.event(tx, HttpEvent.RequestLineInvalid);
    if (protoStart >= 0) {
      h.setBuf(HttpBuf.RequestProtocol, SRC_RAW, protoStart, e - protoStart);
      h.progress = HttpProgress.Headers;
      d.state = S.Headers;
      return;
    }
    // No protocol: HTTP/0.9, a request without headers (libhtp: invalid only if the method is unknown).
    tx.http09 = true;
    finishHeaders(tx, h, true, this.config.headerBlockLimit * 2);
    h.progress = HttpProgress.Complete;
    d.tx = null;
    d.state = S.Line;
  }

  private normalizeUri(h: HttpHalf, off: number, len: number): void {
    const limit = this.config.headerBlockLimit * 2;
    parseUri(h.raw, off, len, uri);
    if (uri.hostOff >= 0) {
      h.uriHostOff = uri.hostOff;
      h.uriHostLen = uri.hostLen;
    }
    const n = normalizePath(h.raw, uri.pathOff, uri.pathLen);
    const out = normalizedScratch();
    const start = h.normLen;
    for (let k = 0; k < n; k++) h.normByte(out[k]!, limit);
    if (uri.queryOff >= 0) {
      h.normByte(0x3f, limit);
      h.normCopyRaw(uri.queryOff, uri.queryLen, limit);
    }
    if (uri.fragOff >= 0) {
      // The fragment is %-decoded, the query is not (htp_normalize_parsed_uri).
      h.normByte(0x23, limit);
      const fn = urlDecode(h.raw, uri.fragOff, uri.fragLen);
      const f = normalizedScratch();
      for (let k = 0; k < fn; k++) h.normByte(f[k]!, limit);
    }
    h.setBuf(HttpBuf.Uri, SRC_NORM, start, h.normLen - start);
  }

  /** `eol`: the line had an end of line (kept in the body if the line turns out to be body). */
  private statusLine(c: HttpConn, d: Dir, n: number, long: boolean, eol: boolean): void {
    let tx: HttpTx | undefined;
    for (let k = 0; k < c.txs.length; k++)
      if (c.txs[k]!.id === c.resNextId) {
        tx = c.txs[k];
        break;
      }
    if (tx === undefined) {
      if (c.txs.length >= this.config.maxTx) {
        this.counters.maxTxHits++;
        d.state = S.Stopped;
        return;
      }
      // A response with no request (libhtp makes the tx with an empty request).
      tx = this.newTx(c);
      tx.noRequest = true;
      tx.req.progress = HttpProgress.Complete;
      this.event(tx, HttpEvent.UnableToMatchResponseToRequest);
    }
    d.tx = tx;
    const h = tx.res;
    h.progress = HttpProgress.Line;
    if (long) this.event(tx, HttpEvent.ResponseFieldTooLong);
    const L = d.line;
    let p = 0;
    while (p < n && isSpace(L[p]!)) p++;
    if (!(n - p >= 4 && lowerAscii(L[p]!) === 0x68 && lowerAscii(L[p + 1]!) === 0x74 && lowerAscii(L[p + 2]!) === 0x74 && lowerAscii(L[p + 3]!) === 0x70)) {
      // Not a status line: body of the waiting transaction ("unexpected response body"), line
      // by line, and a later status line still starts its response (Rust htp). Without an end
      // of line yet, the rest of the line goes to the body as it comes.
      this.event(tx, HttpEvent.ResponseInvalidProtocol);
      h.progress = HttpProgress.Body;
      h.bodyBytes(L, 0, n, this.config.responseBodyLimit);
      if (eol) h.bodyBytes(LF, 0, 1, this.config.responseBodyLimit);
      else d.garbage = true;
      return;
    }
    this.copyLine(h, d, n);
    const R = h.raw;
    const lineEnd = h.lineLen;
    h.setBuf(HttpBuf.ResponseLine, SRC_RAW, 0, lineEnd);
    const pStart = p;
    while (p < lineEnd && !isSpace(R[p]!)) p++;
    h.setBuf(HttpBuf.ResponseProtocol, SRC_RAW, pStart, p - pStart);
    while (p < lineEnd && isSpace(R[p]!)) p++;
    const sStart = p;
    while (p < lineEnd && !isSpace(R[p]!)) p++;
    h.setBuf(HttpBuf.StatCode, SRC_RAW, sStart, p - sStart);
    if (statusOf(R, sStart, p - sStart) < 0) this.event(tx, HttpEvent.ResponseInvalidStatus);
    while (p < lineEnd && isSpace(R[p]!)) p++;
    h.setBuf(HttpBuf.StatMsg, SRC_RAW, p, lineEnd - p);
    h.progress = HttpProgress.Headers;
    d.state = S.Headers;
  }

  private headerLine(c: HttpConn, d: Dir, toServer: boolean, n: number, long: boolean): void {
    const tx = d.tx!;
    const h = toServer ? tx.req : tx.res;
    if (long) this.event(tx, toServer ? HttpEvent.RequestFieldTooLong : HttpEvent.ResponseFieldTooLong);
    if (n === 0 || (n === 1 && d.bareLf && isLws(d.line[0]!))) {
      // The empty line; also one blank then a bare LF (libhtp's line terminator rule).
      if (d.hdrPending) this.storeHeader(tx, h, d, toServer);
      finishHeaders(tx, h, toServer, this.config.headerBlockLimit * 2);
      this.headersDone(c, d, tx, toServer);
      return;
    }
    const L = d.line;
    const folded = (L[0] === 0x20 || L[0] === 0x09) && d.hdrPending && (toServer || !looksLikeHeader(L, n));
    if (folded) {
      // Folded continuation: joined to the header being built.
      for (let k = 0; k < n && d.hdrByte(L[k]!); k++);
      return;
    }
    let from = 0;
    if (L[0] === 0x20 || L[0] === 0x09) {
      // Folding with nothing to fold into (libhtp trims it and takes it as a header line), or in
      // a response a blank-led "name:" line, which Suricata's Rust htp reads as a new header.
      if (!d.hdrPending) this.event(tx, toServer ? HttpEvent.InvalidRequestFieldFolding : HttpEvent.InvalidResponseFieldFolding);
      while (from < n && isLws(L[from]!)) from++;
    }
    if (d.hdrPending) this.storeHeader(tx, h, d, toServer);
    d.hdrLen = 0;
    for (let k = from; k < n && d.hdrByte(L[k]!); k++);
    d.hdrPending = true;
  }

  /** Parse d.hdr as "name: value" (libhtp generic header parsing) and store it. */
  private storeHeader(tx: HttpTx, h: HttpHalf, d: Dir, toServer: boolean): void {
    d.hdrPending = false;
    const H = d.hdr;
    const n = d.hdrLen;
    const limit = this.config.headerBlockLimit * 2;
    if (!h.headerSlot(this.config.headersLimit)) {
      this.event(tx, toServer ? HttpEvent.RequestTooManyHeaders : HttpEvent.ResponseTooManyHeaders);
      this.counters.headerLimitHits++;
      return;
    }
    let colon = 0;
    while (colon < n && H[colon] !== 0x3a) colon++;
    let nameStart = 0;
    let nameEnd = colon;
    let valStart = colon + 1;
    if (colon === n) {
      // No colon: a header with an empty name and the line as value.
      this.event(tx, toServer ? HttpEvent.RequestFieldMissingColon : HttpEvent.ResponseFieldMissingColon);
      nameEnd = 0;
      valStart = 0;
    } else {
      while (nameStart < nameEnd && isSpace(H[nameStart]!)) nameStart++;
      let invalid = nameStart > 0 || colon === 0;
      while (nameEnd > nameStart && isSpace(H[nameEnd - 1]!)) {
        nameEnd--;
        invalid = true;
      }
      for (let k = nameStart; k < nameEnd && !invalid; k++) if (!isToken(H[k]!)) invalid = true;
      if (invalid) this.event(tx, toServer ? HttpEvent.RequestHeaderInvalid : HttpEvent.ResponseHeaderInvalid);
    }
    while (valStart < n && isLws(H[valStart]!)) valStart++;
    let valEnd = n;
    while (valEnd > valStart && isLws(H[valEnd - 1]!)) valEnd--;
    const idx = h.hCount;
    h.hName[idx] = h.normLen;
    for (let k = nameStart; k < nameEnd; k++) h.normByte(H[k]!, limit);
    h.hNameLen[idx] = nameEnd - nameStart;
    h.hVal[idx] = h.normLen;
    for (let k = valStart; k < valEnd; k++) h.normByte(H[k]!, limit);
    h.hValLen[idx] = valEnd - valStart;
    h.hCount++;
    for (let j = 0; j < idx; j++) {
      if (h.hNameLen[j] !== h.hNameLen[idx]) continue;
      let same = true;
      for (let k = 0; k < h.hNameLen[j]! && same; k++) same = lowerAscii(h.norm[h.hName[j]! + k]!) === lowerAscii(h.norm[h.hName[idx]! + k]!);
      if (same) {
        this.event(tx, toServer ? HttpEvent.RequestHeaderRepetition : HttpEvent.ResponseHeaderRepetition);
        if (h.hNameLen[j] === 14 && nameIsCl(h, j) && !sameBytes(h.norm, h.hVal[j]!, h.hValLen[j]!, h.hVal[idx]!, h.hValLen[idx]!))
          this.event(tx, toServer ? HttpEvent.DuplicateContentLengthFieldInRequest : HttpEvent.DuplicateContentLengthFieldInResponse);
        break;
      }
    }
  }

  private headersDone(c: HttpConn, d: Dir, tx: HttpTx, toServer: boolean): void {
    const h = toServer ? tx.req : tx.res;
    h.progress = HttpProgress.Body;
    if (toServer) {
      if (h.chunked) d.state = S.ChunkLen;
      else if (h.contentLength > 0) {
        d.state = S.BodyCl;
        d.remain = h.contentLength;
      } else this.messageDone(c, d, true);
      return;
    }
    const status = statusOf(h.raw, h.off[HttpBuf.StatCode]!, h.len[HttpBuf.StatCode]!);
    if (status >= 100 && status < 200 && status !== 101) {
      // Interim response: the final one follows on the same transaction.
      if (status === 100) {
        if (tx.continueSeen) this.event(tx, HttpEvent.Continue100AlreadySeen);
        tx.continueSeen = true;
      }
      h.reset();
      d.state = S.Line;
      return;
    }
    if (status === 101 || (tx.isConnect && status >= 200 && status < 300)) {
      // Upgrade or CONNECT tunnel: what follows is not HTTP/1; parsing stops, the flow stays.
      tx.tunnel = true;
      this.counters.tunnels++;
      if (tx.req.progress !== HttpProgress.Complete) tx.req.progress = HttpProgress.Complete;
      h.progress = HttpProgress.Complete;
      d.tx = null;
      d.state = S.Stopped;
      c.req.state = S.Stopped;
      c.req.tx = null;
      c.resNextId = tx.id + 1;
      return;
    }
    if (tx.isHead || status === 204 || status === 304) {
      this.messageDone(c, d, false);
      return;
    }
    if (h.chunked) {
      const proto = h.off[HttpBuf.ResponseProtocol]!;
      if (h.len[HttpBuf.ResponseProtocol] === 8 && h.raw[proto + 7] === 0x30 && h.raw[proto + 5] === 0x31) this.event(tx, HttpEvent.ResponseChunkedOldProto);
      d.state = S.ChunkLen;
    } else if (h.contentLength >= 0) {
      if (h.contentLength === 0) this.messageDone(c, d, false);
      else {
        d.state = S.BodyCl;
        d.remain = h.contentLength;
      }
    } else {
      const ct = h.findHeader('content-type');
      if (ct >= 0 && h.hValLen[ct]! >= 20 && eqNoCase(h.norm, h.hVal[ct]!, 'multipart/byteranges')) this.event(tx, HttpEvent.ResponseMultipartByteranges);
      d.state = S.BodyClose;
    }
  }

  private chunkLen(c: HttpConn, d: Dir, toServer: boolean, n: number): void {
    const tx = d.tx!;
    const L = d.line;
    let p = 0;
    while (p < n && isSpace(L[p]!)) p++;
    if (p === n) return; // empty or blank line before a chunk length: skipped
    let v = 0;
    let digits = 0;
    while (p < n) {
      const x = hexDigit(L[p]!);
      if (x < 0) break;
      v = v * 16 + x;
      digits++;
      p++;
    }
    while (p < n && isSpace(L[p]!)) p++;
    if (p < n && L[p] === 0x3b) {
      if (toServer) this.event(tx, HttpEvent.RequestChunkExtension);
      p = n;
    }
    if (digits === 0 || p !== n || digits > 12) {
      this.event(tx, toServer ? HttpEvent.InvalidRequestChunkLen : HttpEvent.InvalidResponseChunkLen);
      if (toServer) d.state = S.Stopped;
      else this.chunkFallback(d, n);
      return;
    }
    if (v === 0) {
      (toServer ? tx.req : tx.res).progress = HttpProgress.Trailer;
      d.state = S.Trailer;
      return;
    }
    d.remain = v;
    d.state = S.ChunkData;
  }

  /** A response whose chunk length is not one: what was read, and all that follows, is body. */
  private chunkFallback(d: Dir, n: number): void {
    const tx = d.tx!;
    this.event(tx, HttpEvent.InvalidResponseChunkLen);
    const h = tx.res;
    h.bodyBytes(d.line, 0, n, h.encCount > 0 ? this.config.compressedBodyLimit : this.config.responseBodyLimit);
    d.lineLen = 0;
    d.lineLong = false;
    d.state = S.BodyClose;
  }

  private messageDone(c: HttpConn, d: Dir, toServer: boolean): void {
    const tx = d.tx;
    d.tx = null;
    d.state = S.Line;
    d.remain = 0;
    if (tx === null) return;
    if (toServer) {
      tx.req.progress = HttpProgress.Complete;
      // HTPCallbackRequestComplete: the request's raw bytes are inspected now, not at chunk size.
      c.rawTrigger = true;
      return;
    }
    tx.res.progress = HttpProgress.Complete;
    c.resNextId = tx.id + 1;
  }

  takeRawTrigger(slot: number, toServer: boolean): boolean {
    const c = this.conns.get(slot);
    if (!toServer || c === undefined || !c.rawTrigger) return false;
    c.rawTrigger = false;
    return true;
  }
}

const LF = Uint8Array.of(0x0a);

function grow(a: Uint8Array, n: number, used: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < used; i++) b[i] = a[i]!;
  return b;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c || b === 0x0d;
}

function isLws(b: number): boolean {
  return b === 0x20 || b === 0x09;
}

/** RFC 7230 token characters. */
const TOKEN = (() => {
  const t = new Uint8Array(256);
  for (let b = 0x21; b < 0x7f; b++) t[b] = 1;
  for (const ch of '()<>@,;:\\"/[]?={}') t[ch.charCodeAt(0)] = 0;
  return t;
})();

function isToken(b: number): boolean {
  return TOKEN[b] === 1;
}

function nameIsCl(h: HttpHalf, i: number): boolean {
  return eqNoCase(h.norm, h.hName[i]!, 'content-length');
}

function sameBytes(b: Uint8Array, o1: number, n1: number, o2: number, n2: number): boolean {
  if (n1 !== n2) return false;
  for (let i = 0; i < n1; i++) if (b[o1 + i] !== b[o2 + i]) return false;
  return true;
}

/** Does a response line start like a status line ("HTTP", any case, after whitespace)? */
function looksLikeStatus(b: Uint8Array, n: number): boolean {
  let p = 0;
  while (p < n && isSpace(b[p]!)) p++;
  if (n - p < 4) return true; // not decidable yet
  return lowerAscii(b[p]!) === 0x68 && lowerAscii(b[p + 1]!) === 0x74 && lowerAscii(b[p + 2]!) === 0x74 && lowerAscii(b[p + 3]!) === 0x70;
}

/** "[blanks] token [blanks] :" at the start of a line (a header, not a continuation). */
function looksLikeHeader(b: Uint8Array, n: number): boolean {
  let p = 0;
  while (p < n && isLws(b[p]!)) p++;
  const t = p;
  while (p < n && TOKEN[b[p]!] === 1) p++;
  if (p === t) return false;
  while (p < n && isLws(b[p]!)) p++;
  return p < n && b[p] === 0x3a;
}

function isBlank(b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!isSpace(b[i]!)) return false;
  return true;
}

/** Could these bytes start a chunk-size line (hex digits and spaces up to ';' or LF)? */
function chunkLenPlausible(b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x3b || c === 0x0a) return true;
    if (hexDigit(c) < 0 && !isSpace(c)) return false;
  }
  return true;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

function eq(b: Uint8Array, off: number, len: number, s: string): boolean {
  if (len !== s.length) return false;
  for (let i = 0; i < len; i++) if (b[off + i] !== s.charCodeAt(i)) return false;
  return true;
}

function eqNoCase(b: Uint8Array, off: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (lowerAscii(b[off + i]!) !== s.charCodeAt(i)) return false;
  return true;
}

/** Three-digit status code, or -1. */
function statusOf(b: Uint8Array, off: number, len: number): number {
  if (len !== 3) return -1;
  let v = 0;
  for (let i = 0; i < 3; i++) {
    const x = b[off + i]! - 0x30;
    if (x < 0 || x > 9) return -1;
    v = v * 10 + x;
  }
  return v >= 100 ? v : -1;
}
