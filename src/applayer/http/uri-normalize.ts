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

/**
 * Normalise `path` into the scratch array; returns its length. The result is valid until the
 * next call (read it with `normalizedScratch()`).
 */
export function normalizePath(buf: Uint8Array, off: number, len: number): number {
  lastUriFlags = 0;
  const out = ensure(len + 1);
  let n = 0;
  const end = off + len;
  // 1. %-decoding, separators.
  for (let i = off; i < end; i++) {
    let c = buf[i]!;
    if (c === 0x25) {
      let decoded = -1;
      let consumed = 0;
      if (i + 5 < end && (buf[i + 1] === 0x75 || buf[i + 1] === 0x55)) {
        const h1 = hexVal(buf[i + 2]!), h2 = hexVal(buf[i + 3]!), h3 = hexVal(buf[i + 4]!), h4 = hexVal(buf[i + 5]!);
        if (h1 >= 0 && h2 >= 0 && h3 >= 0 && h4 >= 0) {
          decoded = bestFit((h1 << 12) | (h2 << 8) | (h3 << 4) | h4);
          consumed = 5;
        }
      } else if (i + 2 < end) {
        const h1 = hexVal(buf[i + 1]!), h2 = hexVal(buf[i + 2]!);
        if (h1 >= 0 && h2 >= 0) {
          decoded = (h1 << 4) | h2;
          consumed = 2;
        }
      }
      if (decoded < 0) {
        // Invalid escape: kept as sent (libhtp URL_DECODER_PRESERVE_PERCENT).
        lastUriFlags |= UriFlag.InvalidEncoding;
        out[n++] = c;
        continue;
      }
      if (decoded === 0x2f || decoded === 0x5c) {
        // Encoded separators stay encoded (path-separators-decode off).
        for (let k = 0; k <= consumed; k++) out[n++] = buf[i + k]!;
        i += consumed;
        continue;
      }
      c = decoded;
      i += consumed;
      out[n++] = c;
      continue;
    }
    if (c === 0x5c) c = 0x2f;
    if (c === 0x2f && n > 0 && out[n - 1] === 0x2f) continue;
    out[n++] = c;
  }
  // 2. UTF-8 best fit, in place (output never longer than input).
  n = utf8BestFit(out, n);
  // 3. Dot segments.
  return removeDotSegments(out, n);
}

export function normalizedScratch(): Uint8Array {
  return scratch;
}

function utf8BestFit(b: Uint8Array, n: number): number {
  let w = 0;
  for (let r = 0; r < n; ) {
    const c = b[r]!;
    let need = 0;
    let cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
    }
    if (need > 0 && r + need < n) {
      let ok = true;
      for (let k = 1; k <= need; k++) {
        const cc = b[r + k]!;
        if ((cc & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (cc & 0x3f);
      }
      if (ok) {
        b[w++] = bestFit(cp);
        r += need + 1;
        continue;
      }
    }
    b[w++] = c;
    r++;
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
