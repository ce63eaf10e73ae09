/**
 * What Suricata derives from a message's header lines once they are complete: the normalised
 * header block of `http.header` ("Name: value\r\n" per header name, duplicates joined with ", "
 * as libhtp does, Cookie / Set-Cookie left out, no final blank line), `http.header_names`
 * ("\r\n" + "Name\r\n" per name + "\r\n"), single-header buffers, the lower-cased host without
 * port, and the body framing (Content-Length, chunked, Content-Encoding layers).
 */
import { HttpBuf } from './http-buffers.js';
import { Encoding } from './http-decompress.js';
import { HttpEvent } from './http-events.js';
import { lowerAscii, nameEqualsNoZero, SRC_NORM, SRC_RAW, type HttpHalf, type HttpTx } from './http-tx.js';

/** Header name → buffer id, per direction. */
const REQUEST_KNOWN: readonly (readonly [string, number])[] = [
  ['user-agent', HttpBuf.UserAgent],
  ['content-type', HttpBuf.RequestContentType],
  ['content-length', HttpBuf.RequestContentLen],
  ['referer', HttpBuf.Referer],
  ['accept', HttpBuf.Accept],
  ['accept-language', HttpBuf.AcceptLang],
  ['accept-encoding', HttpBuf.AcceptEnc],
  ['connection', HttpBuf.RequestConnection],
  ['host', HttpBuf.HostRaw],
];
const RESPONSE_KNOWN: readonly (readonly [string, number])[] = [
  ['content-type', HttpBuf.ResponseContentType],
  ['content-length', HttpBuf.ResponseContentLen],
  ['location', HttpBuf.Location],
  ['server', HttpBuf.Server],
  ['connection', HttpBuf.ResponseConnection],
];

function nameIs(h: HttpHalf, idx: number, lowerName: string): boolean {
  return nameEqualsNoZero(h.norm, h.hName[idx]!, h.hNameLen[idx]!, lowerName);
}

function sameName(h: HttpHalf, a: number, b: number): boolean {
  const n = h.hNameLen[a]!;
  if (h.hNameLen[b] !== n) return false;
  const oa = h.hName[a]!, ob = h.hName[b]!;
  for (let i = 0; i < n; i++) if (lowerAscii(h.norm[oa + i]!) !== lowerAscii(h.norm[ob + i]!)) return false;
  return true;
}

function firstOf(h: HttpHalf, i: number): boolean {
  for (let j = 0; j < i; j++) if (sameName(h, i, j)) return false;
  return true;
}

/** Write header i's value joined with later same-name values; returns [off, len] via out. */
function writeMerged(h: HttpHalf, i: number, limit: number, out: Int32Array): void {
  const start = h.normLen;
  h.normCopyNorm(h.hVal[i]!, h.hValLen[i]!, limit);
  // A repeated Content-Length is not joined (libhtp keeps the first).
  if (!nameIs(h, i, 'content-length')) {
    for (let j = i + 1; j < h.hCount; j++) {
      if (!sameName(h, i, j)) continue;
      h.normByte(0x2c, limit);
      h.normByte(0x20, limit);
      h.normCopyNorm(h.hVal[j]!, h.hValLen[j]!, limit);
    }
  }
  out[0] = start;
  out[1] = h.normLen - start;
}

const tmp = new Int32Array(2);

/** Build the derived buffers of a complete header section. */
export function finishHeaders(tx: HttpTx, h: HttpHalf, request: boolean, limit: number): void {
  const cookieName = request ? 'cookie' : 'set-cookie';
  const known = request ? REQUEST_KNOWN : RESPONSE_KNOWN;
  const headerId = request ? HttpBuf.RequestHeader : HttpBuf.ResponseHeader;
  const cookieId = request ? HttpBuf.RequestCookie : HttpBuf.ResponseCookie;
  const namesId = request ? HttpBuf.RequestHeaderNames : HttpBuf.ResponseHeaderNames;
  const rawId = request ? HttpBuf.RequestHeaderRaw : HttpBuf.ResponseHeaderRaw;
  const startId = request ? HttpBuf.RequestStart : HttpBuf.ResponseStart;

  // http.header
  const blockStart = h.normLen;
  for (let i = 0; i < h.hCount; i++) {
    if (!firstOf(h, i) || nameIs(h, i, cookieName)) continue;
    h.normCopyNorm(h.hName[i]!, h.hNameLen[i]!, limit);
    h.normByte(0x3a, limit);
    h.normByte(0x20, limit);
    writeMerged(h, i, limit, tmp);
    for (let k = 0; k < known.length; k++) if (nameIs(h, i, known[k]![0])) h.setBuf(known[k]![1], SRC_NORM, tmp[0]!, tmp[1]!);
    h.normByte(0x0d, limit);
    h.normByte(0x0a, limit);
  }
  h.setBuf(headerId, SRC_NORM, blockStart, h.normLen - blockStart);
  // http.cookie
  for (let i = 0; i < h.hCount; i++) {
    if (!nameIs(h, i, cookieName)) continue;
    writeMerged(h, i, limit, tmp);
    h.setBuf(cookieId, SRC_NORM, tmp[0]!, tmp[1]!);
    break;
  }
  // http.header_names
  const namesStart = h.normLen;
  h.normByte(0x0d, limit);
  h.normByte(0x0a, limit);
  for (let i = 0; i < h.hCount; i++) {
    if (!firstOf(h, i)) continue;
    h.normCopyNorm(h.hName[i]!, h.hNameLen[i]!, limit);
    h.normByte(0x0d, limit);
    h.normByte(0x0a, limit);
  }
  h.normByte(0x0d, limit);
  h.normByte(0x0a, limit);
  h.setBuf(namesId, SRC_NORM, namesStart, h.normLen - namesStart);
  // Raw header lines as received, with the blank line.
  const hdrStart = h.lineLen < 0 ? 0 : h.lineLen + 2;
  h.setBuf(rawId, SRC_RAW, hdrStart, h.rawLen - hdrStart);
  // http.start (detect-http-start.c): line CRLF, every header "Name: value" CRLF (cookies too),
  // then CRLF after the last header.
  const startStart = h.normLen;
  if (h.lineLen >= 0) h.normCopyRaw(0, h.lineLen, limit);
  h.normByte(0x0d, limit);
  h.normByte(0x0a, limit);
  for (let i = 0; i < h.hCount; i++) {
    if (!firstOf(h, i)) continue;
    h.normCopyNorm(h.hName[i]!, h.hNameLen[i]!, limit);
    h.normByte(0x3a, limit);
    h.normByte(0x20, limit);
    writeMerged(h, i, limit, tmp);
    h.normByte(0x0d, limit);
    h.normByte(0x0a, limit);
  }
  if (h.hCount > 0) {
    h.normByte(0x0d, limit);
    h.normByte(0x0a, limit);
  }
  h.setBuf(startId, SRC_NORM, startStart, h.normLen - startStart);

  framing(tx, h, request);
  if (request) hostBuffers(tx, h, limit);
}

/**
 * Body framing and encodings from the headers. Repeated Transfer-Encoding / Content-Encoding
 * headers count as their joined value (libhtp merges them): chunked when "chunked" appears
 * anywhere in it, abnormal when the value is not exactly "chunked".
 */
function framing(tx: HttpTx, h: HttpHalf, request: boolean): void {
  let teCount = 0;
  let chunked = false;
  let exact = true;
  for (let i = 0; i < h.hCount; i++) {
    if (!nameIs(h, i, 'transfer-encoding')) continue;
    teCount++;
    if (containsToken(h, i, 'chunked')) chunked = true;
    if (!tokenIs(h.norm, h.hVal[i]!, h.hValLen[i]!, 'chunked')) exact = false;
  }
  if (teCount > 0) {
    if (chunked) {
      h.chunked = true;
      if (!request && (!exact || teCount > 1)) tx.setEvent(HttpEvent.ResponseAbnormalTransferEncoding);
    } else tx.setEvent(request ? HttpEvent.InvalidTransferEncodingValueInRequest : HttpEvent.InvalidTransferEncodingValueInResponse);
  }
  const cl = h.findHeader('content-length');
  if (cl >= 0) {
    const v = parseContentLength(h.norm, h.hVal[cl]!, h.hValLen[cl]!);
    if (v < 0) tx.setEvent(request ? HttpEvent.InvalidContentLengthFieldInRequest : HttpEvent.InvalidContentLengthFieldInResponse);
    else h.contentLength = v;
  }
  for (let i = 0; i < h.hCount; i++) if (nameIs(h, i, 'content-encoding')) parseEncodings(tx, h, i);
}

/** libhtp htp_parse_content_length: digits with surrounding whitespace; else -1. */
export function parseContentLength(b: Uint8Array, off: number, len: number): number {
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  if (i === end) return -1;
  let v = 0;
  let digits = 0;
  while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) {
    v = v * 10 + (b[i]! - 0x30);
    digits++;
    i++;
  }
  while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  if (digits === 0 || i !== end || v > Number.MAX_SAFE_INTEGER) return -1;
  return v;
}

function containsToken(h: HttpHalf, idx: number, lowerTok: string): boolean {
  const o = h.hVal[idx]!, n = h.hValLen[idx]!;
  const t = lowerTok.length;
  outer: for (let i = 0; i + t <= n; i++) {
    for (let k = 0; k < t; k++) if (lowerAscii(h.norm[o + i + k]!) !== lowerTok.charCodeAt(k)) continue outer;
    return true;
  }
  return false;
}

/**
 * Content-Encoding layers, as the Rust htp of Suricata reads them: a value equal to a known
 * coding (case and NUL bytes ignored) is that coding; otherwise the value is split on ',' and
 * ' ', and a token containing "gzip" or "deflate" is that coding (abnormal unless exact),
 * identity/none/inflate is nothing, anything else is an abnormal setting. Every token counts
 * toward the layer limit; the tokens are kept in order (the last one is undone first).
 */
function parseEncodings(tx: HttpTx, h: HttpHalf, idx: number): void {
  const o = h.hVal[idx]!, end = o + h.hValLen[idx]!;
  const fast = fastEncoding(h.norm, o, end);
  if (fast >= 0) {
    pushEncoding(tx, h, fast);
    return;
  }
  let i = o;
  while (i < end) {
    while (i < end && (h.norm[i] === 0x2c || h.norm[i] === 0x20)) i++;
    let j = i;
    while (j < end && h.norm[j] !== 0x2c && h.norm[j] !== 0x20) j++;
    if (j > i) {
      let enc: number;
      if (containsAt(h.norm, i, j, 'gzip')) {
        enc = Encoding.Gzip;
        if (!tokenIs(h.norm, i, j - i, 'gzip') && !tokenIs(h.norm, i, j - i, 'x-gzip')) tx.setEvent(HttpEvent.AbnormalCeHeader);
      } else if (containsAt(h.norm, i, j, 'deflate')) {
        enc = Encoding.Deflate;
        if (!tokenIs(h.norm, i, j - i, 'deflate') && !tokenIs(h.norm, i, j - i, 'x-deflate')) tx.setEvent(HttpEvent.AbnormalCeHeader);
      } else if (tokenIs(h.norm, i, j - i, 'identity') || tokenIs(h.norm, i, j - i, 'none') || tokenIs(h.norm, i, j - i, 'inflate')) {
        enc = Encoding.Identity;
      } else {
        tx.setEvent(HttpEvent.AbnormalCeHeader);
        enc = Encoding.Unknown;
      }
      pushEncoding(tx, h, enc);
    }
    i = j;
  }
}

function pushEncoding(tx: HttpTx, h: HttpHalf, enc: number): void {
  if (h.encCount >= h.encodings.length) {
    tx.setEvent(HttpEvent.TooManyEncodingLayers);
    return;
  }
  h.encodings[h.encCount++] = enc;
}

/** The whole value as one known coding, comparing without case and without NUL bytes; or -1. */
function fastEncoding(b: Uint8Array, off: number, end: number): number {
  if (equalsNoZero(b, off, end, 'gzip') || equalsNoZero(b, off, end, 'x-gzip')) return Encoding.Gzip;
  if (equalsNoZero(b, off, end, 'deflate') || equalsNoZero(b, off, end, 'x-deflate')) return Encoding.Deflate;
  if (equalsNoZero(b, off, end, 'inflate') || equalsNoZero(b, off, end, 'none')) return Encoding.Identity;
  return -1;
}

function equalsNoZero(b: Uint8Array, off: number, end: number, lowerTok: string): boolean {
  let k = 0;
  for (let i = off; i < end; i++) {
    if (b[i] === 0) continue;
    if (k >= lowerTok.length || lowerAscii(b[i]!) !== lowerTok.charCodeAt(k)) return false;
    k++;
  }
  return k === lowerTok.length;
}

function containsAt(b: Uint8Array, off: number, end: number, lowerTok: string): boolean {
  const t = lowerTok.length;
  outer: for (let i = off; i + t <= end; i++) {
    for (let k = 0; k < t; k++) if (lowerAscii(b[i + k]!) !== lowerTok.charCodeAt(k)) continue outer;
    return true;
  }
  return false;
}

function tokenIs(b: Uint8Array, off: number, len: number, lowerTok: string): boolean {
  if (len !== lowerTok.length) return false;
  for (let i = 0; i < len; i++) if (lowerAscii(b[off + i]!) !== lowerTok.charCodeAt(i)) return false;
  return true;
}

/**
 * http.host: the URI's authority host if the URI is absolute, else the Host header; lower-cased,
 * port and trailing dots removed (libhtp htp_normalize_hostname).
 */
function hostBuffers(tx: HttpTx, h: HttpHalf, limit: number): void {
  const hostHdr = h.findHeader('host');
  let src: Uint8Array;
  let off: number;
  let len: number;
  if (h.uriHostLen > 0) {
    src = h.raw;
    off = h.uriHostOff;
    len = h.uriHostLen;
    if (hostHdr >= 0) {
      const o = h.off[HttpBuf.HostRaw]!, n = h.len[HttpBuf.HostRaw]!;
      if (!sameHost(h.raw, off, hostEnd(h.raw, off, len), h.norm, o, hostEnd(h.norm, o, n))) tx.setEvent(HttpEvent.HostHeaderAmbiguous);
    } else h.setBuf(HttpBuf.HostRaw, SRC_RAW, off, len);
  } else if (hostHdr >= 0) {
    src = h.norm;
    off = h.off[HttpBuf.HostRaw]!;
    len = h.len[HttpBuf.HostRaw]!;
  } else {
    if (h.lineLen >= 0 && isHttp11(h)) tx.setEvent(HttpEvent.MissingHostHeader);
    return;
  }
  const end = hostEnd(src, off, len);
  const start = h.normLen;
  for (let k = off; k < end; k++) h.normByte(lowerAscii(src[k]!), limit);
  h.setBuf(HttpBuf.Host, SRC_NORM, start, h.normLen - start);
}

/** End of the host part: port (after ':' outside an IPv6 literal) and trailing dots removed. */
function hostEnd(src: Uint8Array, off: number, len: number): number {
  let end = off + len;
  if (src[off] === 0x5b) {
    let k = off;
    while (k < end && src[k] !== 0x5d) k++;
    if (k < end) end = k + 1;
  } else {
    for (let k = off; k < end; k++)
      if (src[k] === 0x3a) {
        end = k;
        break;
      }
  }
  while (end > off && src[end - 1] === 0x2e) end--;
  return end;
}

function sameHost(a: Uint8Array, ao: number, ae: number, b: Uint8Array, bo: number, be: number): boolean {
  if (ae - ao !== be - bo) return false;
  for (let i = 0; i < ae - ao; i++) if (lowerAscii(a[ao + i]!) !== lowerAscii(b[bo + i]!)) return false;
  return true;
}

function isHttp11(h: HttpHalf): boolean {
  const o = h.off[HttpBuf.RequestProtocol]!, n = h.len[HttpBuf.RequestProtocol]!;
  return n === 8 && h.raw[o + 5] === 0x31 && h.raw[o + 6] === 0x2e && h.raw[o + 7] === 0x31;
}

