/**
 * Request-URI parsing and the normalisation Suricata serves as `http.uri` (libhtp, personality
 * IDS, as Suricata configures it; reference §7): the path is %-decoded (invalid escapes kept as
 * sent, %uHHHH decoded with best fit, encoded '/' and '\' left encoded), '\' becomes '/',
 * repeated '/' collapse, UTF-8 is folded to single bytes by best fit, dot segments are removed;
 * case is kept ('+' is not a space). Query and fragment are kept as sent, and scheme and
 * authority are left out (uri-include-all: no). Works in a reused scratch array.
 */

/** Where the parts of a request-URI are (offsets into the input, -1 when absent). */
export class UriParts {
  hostOff = -1;
  hostLen = 0;
  pathOff = 0;
  pathLen = 0;
  queryOff = -1;
  queryLen = 0;
  fragOff = -1;
  fragLen = 0;
}

/** Split a request-URI: absolute form (scheme://authority/path), origin form, or other. */
export function parseUri(buf: Uint8Array, off: number, len: number, out: UriParts): void {
  out.hostOff = -1;
  out.hostLen = 0;
  out.queryOff = -1;
  out.queryLen = 0;
  out.fragOff = -1;
  out.fragLen = 0;
  const end = off + len;
  let p = off;
  if (len > 0 && buf[off] !== 0x2f) {
    // Absolute form needs "scheme://": scheme letters, digits, + - .
    let i = off;
    while (i < end && isSchemeChar(buf[i]!)) i++;
    if (i > off && i + 2 < end && buf[i] === 0x3a && buf[i + 1] === 0x2f && buf[i + 2] === 0x2f) {
      let a = i + 3;
      const aStart = a;
      while (a < end && buf[a] !== 0x2f && buf[a] !== 0x3f && buf[a] !== 0x23) a++;
      // Authority: [userinfo@]host[:port]
      let h = aStart;
      for (let k = aStart; k < a; k++) if (buf[k] === 0x40) h = k + 1;
      out.hostOff = h;
      out.hostLen = a - h;
      p = a;
    }
  }
  let q = p;
  while (q < end && buf[q] !== 0x3f && buf[q] !== 0x23) q++;
  out.pathOff = p;
  out.pathLen = q - p;
  if (q < end && buf[q] === 0x3f) {
    let f = q + 1;
    while (f < end && buf[f] !== 0x23) f++;
    out.queryOff = q + 1;
    out.queryLen = f - q - 1;
    q = f;
  }
  if (q < end && buf[q] === 0x23) {
    out.fragOff = q + 1;
    out.fragLen = end - q - 1;
  }
}

function isSchemeChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Best fit of a code point to one byte (libhtp's table covers Latin-1 and full-width ASCII). */
function bestFit(cp: number): number {
  if (cp < 0x100) return cp;
  if (cp >= 0xff01 && cp <= 0xff5e) return cp - 0xfee0;
  return 0x3f; // '?': libhtp's replacement byte
}

let scratch = new Uint8Array(1024);

function ensure(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/** Flags reported by the last normalisation. */
export const UriFlag = { InvalidEncoding: 1 } as const;
export let lastUriFlags = 0;

/** %uHHHH at b[i] (i points at '%'): the decoded byte (libhtp decode_u_encoding_path). */
function decodeU(b: Uint8Array, i: number): number {
  const hi = (hexVal(b[i + 2]!) << 4) | hexVal(b[i + 3]!);
  const lo = (hexVal(b[i + 4]!) << 4) | hexVal(b[i + 5]!);
  return bestFit((hi << 8) | lo);
}

function isHex4(b: Uint8Array, i: number): boolean {
  return hexVal(b[i]!) >= 0 && hexVal(b[i + 1]!) >= 0 && hexVal(b[i + 2]!) >= 0 && hexVal(b[i + 3]!) >= 0;
}

/**
 * Normalise `path` into the scratch array; returns its length. The result is valid until the
 * next call (read it with `normalizedScratch()`). Steps as libhtp htp_normalize_parsed_uri:
 * htp_decode_path_inplace, htp_utf8_decode_path_inplace, htp_normalize_uri_path_inplace.
 */
export function normalizePath(buf: Uint8Array, off: number, len: number): number {
  lastUriFlags = 0;
  const out = ensure(len + 1);
  let n = 0;
  const end = off + len;
  let prevSep = false;
  // 1. %-decoding (%HH, %uHHHH; invalid escapes keep the '%'), '\' to '/', '/' runs compressed.
  for (let i = off; i < end; ) {
    let c = buf[i]!;
    if (c === 0x25) {
      if (i + 2 < end) {
        if (buf[i + 1] === 0x75 || buf[i + 1] === 0x55) {
          if (i + 5 < end && isHex4(buf, i + 2)) {
            c = decodeU(buf, i);
            i += 6;
          } else {
            lastUriFlags |= UriFlag.InvalidEncoding;
            i++;
          }
        } else if (hexVal(buf[i + 1]!) >= 0 && hexVal(buf[i + 2]!) >= 0) {
          // Encoded separators are decoded too (IDS: path-separators-decode yes).
          c = (hexVal(buf[i + 1]!) << 4) | hexVal(buf[i + 2]!);
          i += 3;
        } else {
          lastUriFlags |= UriFlag.InvalidEncoding;
          i++;
        }
      } else {
        lastUriFlags |= UriFlag.InvalidEncoding;
        i++;
      }
    } else i++;
    if (c === 0x5c) c = 0x2f;
    if (c === 0x2f) {
      if (prevSep) continue;
      prevSep = true;
    } else prevSep = false;
    out[n++] = c;
  }
  // 2. UTF-8 best fit, in place (output never longer than input).
  n = utf8BestFit(out, n);
  // 3. Dot segments.
  return removeDotSegments(out, n);
}

/**
 * %-decoding without path rules (libhtp htp_tx_urldecode_uri_inplace, used for the fragment):
 * writes into the scratch array, returns the length.
 */
export function urlDecode(buf: Uint8Array, off: number, len: number): number {
  const out = ensure(len + 1);
  let n = 0;
  const end = off + len;
  for (let i = off; i < end; ) {
    let c = buf[i]!;
    if (c === 0x25 && i + 2 < end) {
      if (buf[i + 1] === 0x75 || buf[i + 1] === 0x55) {
        if (i + 5 < end && isHex4(buf, i + 2)) {
          c = decodeU(buf, i);
          i += 6;
        } else i++;
      } else if (hexVal(buf[i + 1]!) >= 0 && hexVal(buf[i + 2]!) >= 0) {
        c = (hexVal(buf[i + 1]!) << 4) | hexVal(buf[i + 2]!);
        i += 3;
      } else i++;
    } else i++;
    out[n++] = c;
  }
  return n;
}

export function normalizedScratch(): Uint8Array {
  return scratch;
}

/**
 * UTF-8 to single bytes (libhtp htp_utf8_decode_path_inplace, overlong forms allowed): a valid
 * sequence becomes its best-fit byte, an invalid byte becomes '?' (a bad continuation is
 * re-read as the start of the next character), a sequence cut by the end is dropped.
 */
function utf8BestFit(b: Uint8Array, n: number): number {
  let w = 0;
  let r = 0;
  while (r < n) {
    const c = b[r]!;
    if (c < 0x80) {
      b[w++] = c;
      r++;
      continue;
    }
    let need: number;
    let cp: number;
    if (c >= 0xc0 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf7) {
      need = 3;
      cp = c & 0x07;
    } else {
      b[w++] = 0x3f;
      r++;
      continue;
    }
    let k = 1;
    for (; k <= need && r + k < n; k++) {
      const cc = b[r + k]!;
      if ((cc & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (k > need) {
      b[w++] = cp > 0xffff ? 0x3f : bestFit(cp);
      r += need + 1;
    } else if (r + k >= n) {
      break; // cut by the end
    } else {
      b[w++] = 0x3f;
      r += k; // the offending byte starts the next character
    }
  }
  return w;
}

/** RFC 3986 remove_dot_segments, in place; returns the new length. */
function removeDotSegments(b: Uint8Array, n: number): number {
  let r = 0;
  let w = 0;
  while (r < n) {
    // A: "../" or "./" prefix
    if (b[r] === 0x2e && b[r + 1] === 0x2e && b[r + 2] === 0x2f && r + 2 < n) {
      r += 3;
      continue;
    }
    if (b[r] === 0x2e && b[r + 1] === 0x2f && r + 1 < n) {
      r += 2;
      continue;
    }
    if (b[r] === 0x2f) {
      // B: "/./" or "/." at end
      if (r + 1 < n && b[r + 1] === 0x2e && (r + 2 === n || b[r + 2] === 0x2f)) {
        if (r + 2 === n) {
          b[w++] = 0x2f;
          r = n;
        } else r += 2;
        continue;
      }
      // C: "/../" or "/.." at end: drop the last output segment
      if (r + 2 < n && b[r + 1] === 0x2e && b[r + 2] === 0x2e && (r + 3 === n || b[r + 3] === 0x2f)) {
        while (w > 0 && b[w - 1] !== 0x2f) w--;
        if (w > 0) w--;
        if (r + 3 === n) {
          b[w++] = 0x2f;
          r = n;
        } else r += 3;
        continue;
      }
    }
    // D: "." or ".." alone
    if (r === 0 && ((n === 1 && b[0] === 0x2e) || (n === 2 && b[0] === 0x2e && b[1] === 0x2e))) break;
    // E: move the first segment (with its leading '/') to the output
    do {
      b[w++] = b[r++]!;
    } while (r < n && b[r] !== 0x2f);
  }
  return w;
}
