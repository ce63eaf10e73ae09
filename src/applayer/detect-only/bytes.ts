/** Byte helpers of the detect-only probing parsers (no strings per packet: texts become bytes once). */

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Do the first `n` bytes at `off` equal the first `n` of `pat` (ASCII case-insensitive when `nocase`)? */
function sameBytes(buf: Uint8Array, off: number, n: number, pat: Uint8Array, nocase: boolean): boolean {
  for (let i = 0; i < n; i++) {
    let a = buf[off + i]!;
    let b = pat[i]!;
    if (nocase) {
      if (a >= 0x41 && a <= 0x5a) a |= 0x20;
      if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    }
    if (a !== b) return false;
  }
  return true;
}

/** Does `buf[off..off+len)` start with `pat` (ASCII case-insensitive when `nocase`)? */
export function startsWith(buf: Uint8Array, off: number, len: number, pat: Uint8Array, nocase = false): boolean {
  return len >= pat.length && sameBytes(buf, off, pat.length, pat, nocase);
}

/** Could `buf[off..off+len)` still grow into `pat` (a prefix of it, case-insensitive when `nocase`)? */
export function prefixOf(buf: Uint8Array, off: number, len: number, pat: Uint8Array, nocase = false): boolean {
  return len < pat.length && sameBytes(buf, off, len, pat, nocase);
}

export function u16be(buf: Uint8Array, i: number): number {
  return (buf[i]! << 8) | buf[i + 1]!;
}

export function u32be(buf: Uint8Array, i: number): number {
  return ((buf[i]! << 24) >>> 0) + ((buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!);
}

/** Index of the first LF in the range, or -1. */
export function lineEnd(buf: Uint8Array, off: number, len: number): number {
  for (let i = 0; i < len; i++) if (buf[off + i] === 0x0a) return i;
  return -1;
}

/** Is the byte an ASCII digit? */
export function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
