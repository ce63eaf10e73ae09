/**
 * Content inspection: runs a rule's payload operations over one buffer (the packet payload)
 * with Suricata's semantics:
 *  - a detection pointer ("buffer offset") that content, pcre, byte_jump and byte_extract move
 *    and that relative keywords start from;
 *  - backtracking: when a content (or pcre) is followed by keywords relative to it and those
 *    fail, the next occurrence of the content is tried (only then — otherwise one failure
 *    ends the rule, and a failed non-relative content ends it at once);
 *  - isdataat, byte_test/byte_jump/byte_extract edge cases (jump before the buffer start is
 *    clamped to 0, a jump to or past the end fails, strings parsed as strtoull would).
 * A recursion budget (Suricata's inspection-recursion-limit, 3000) bounds pathological rules.
 *
 * No allocation per call: pcre runs the bounded matcher (pcre-vm.ts) on the bytes.
 */
import {
  type Base64DecodeOp,
  type EntropyOp,
  type ByteMathOp,
  MathOper,
  ByteOper,
  FOLD,
  MAX_BYTE_VARS,
  OpType,
  type ByteExtractOp,
  type ByteJumpOp,
  type ByteSpec,
  type ByteTestOp,
  type ContentOp,
  type IsdataatOp,
  type PayloadOp,
  type PcreOp,
} from './keywords/payload.js';
import { PCRE_MAX_SCAN } from './pcre.js';
import { B64Mode, base64Decode } from './transforms.js';
import { Cmp } from './keywords/header.js';
import { PcreResult, pcreMatch, pcreSearch } from './pcre-vm.js';

const RECURSION_LIMIT = 3000;
const TWO32 = 4294967296;

export class PayloadInspector {
  /** Detection pointer, relative to the payload start. */
  bufferOffset = 0;
  /** Where the next pcre retry starts (Suricata's pcre_match_start_offset). */
  private pcreMatchStart = 0;
  /** byte_extract values of the rule being inspected. */
  readonly vals = new Float64Array(MAX_BYTE_VARS);
  private recursion = 0;

  // Extraction results (fields instead of a returned object).
  private exVal = 0;
  private exHi = 0;
  private exLo = 0;
  private exLen = 0;

  /** Bumped by the engine for every packet (kept for callers; pcre no longer needs a string). */
  stamp = 0;
  /** pcre executions (for metrics/bench). */
  pcreRuns = 0;
  /** pcre searches abandoned at PCRE_MATCH_LIMIT (Suricata counts its match-limit hits too). */
  pcreLimitHits = 0;

  /** Run `ops` over buf[base, base+len). */
  match(ops: PayloadOp[], buf: Uint8Array, base: number, len: number): boolean {
    this.bufferOffset = 0;
    this.pcreMatchStart = 0;
    this.recursion = 0;
    return this.inspect(ops, 0, buf, base, len) === 1;
  }

  /** 1 match, 0 no match, -1 no match and stop trying (discontinue). */
  private inspect(ops: PayloadOp[], i: number, buf: Uint8Array, base: number, len: number): number {
    if (++this.recursion >= RECURSION_LIMIT) return -1;
    const op = ops[i]!;
    const last = i === ops.length - 1;
    switch (op.type) {
      case OpType.Content:
        return this.content(op, ops, i, last, buf, base, len);
      case OpType.Pcre:
        return this.pcre(op, ops, i, last, buf, base, len);
      case OpType.Isdataat: {
        const r = this.isdataat(op, len);
        if (r !== 1) return r;
        break;
      }
      case OpType.ByteTest:
        if (!this.byteTest(op, buf, base, len)) return 0;
        break;
      case OpType.ByteJump:
        if (!this.byteJump(op, buf, base, len)) return 0;
        break;
      case OpType.ByteExtract:
        if (!this.byteExtract(op, buf, base, len)) return 0;
        break;
      case OpType.Base64Decode:
        if (!this.base64(op, buf, base, len)) return 0;
        break;
      case OpType.Entropy:
        if (!this.entropy(op, buf, base, len)) return 0;
        break;
      case OpType.ByteMath:
        if (!this.byteMath(op, buf, base, len)) return 0;
        break;
    }
    return last ? 1 : this.inspect(ops, i + 1, buf, base, len);
  }

  private content(op: ContentOp, ops: PayloadOp[], i: number, last: boolean, buf: Uint8Array, base: number, len: number): number {
    const vals = this.vals;
    const m = op.pattern.length;
    const prevBufferOffset = this.bufferOffset;
    let prevOffset = 0;
    for (;;) {
      let depth = len;
      let offset = 0;
      if (op.hasDistance || op.hasWithin) {
        offset = prevBufferOffset;
        let distance = op.distance;
        if (op.hasDistance) {
          if (op.distanceVar >= 0) distance = vals[op.distanceVar]! | 0;
          if (distance < 0 && -distance > offset) offset = 0;
          else offset += distance;
        }
        if (op.hasWithin) {
          const w = op.withinVar >= 0 ? vals[op.withinVar]! : op.within;
          const lim = prevBufferOffset + w + distance;
          // A negative limit wraps to a huge unsigned depth in Suricata, i.e. no limit.
          if (depth > lim && lim >= 0) depth = lim;
        }
      } else {
        offset = op.hasOffset ? (op.offsetVar >= 0 ? vals[op.offsetVar]! : op.offset) : 0;
        if (op.hasDepth) depth = offset + (op.depthVar >= 0 ? vals[op.depthVar]! : op.depth);
      }
      if (prevOffset !== 0) offset = prevOffset;
      if (depth > len) depth = len;
      if (offset > depth || depth <= 0) {
        if (op.negated) return last ? 1 : this.inspect(ops, i + 1, buf, base, len);
        return 0;
      }
      let found = -1;
      if (op.endswith && depth < len) found = -1;
      else if (m <= depth - offset) found = search(op, buf, base + offset, base + depth);
      if (found < 0) {
        if (op.negated) return last ? 1 : this.inspect(ops, i + 1, buf, base, len);
        // An independent (non-relative) content that is absent: nothing else can help.
        return op.hasDistance || op.hasWithin ? 0 : -1;
      }
      const matchOffset = found - base + m;
      if (op.negated) {
        if (op.endswith && depth - offset !== matchOffset) return last ? 1 : this.inspect(ops, i + 1, buf, base, len);
        const single = !(op.hasDistance || op.hasWithin || op.relativeNext || op.hasDepth || op.hasOffset);
        return single ? -1 : 0;
      }
      this.bufferOffset = matchOffset;
      if (!op.endswith || matchOffset === len) {
        if (last) return 1;
        const r = this.inspect(ops, i + 1, buf, base, len);
        if (r === 1) return 1;
        if (r === -1) return -1;
        // Later keywords do not depend on where this matched: another occurrence won't help.
        if (!op.relativeNext) return -1;
      }
      prevOffset = matchOffset - (m - 1);
    }
  }

  private pcre(op: PcreOp, ops: PayloadOp[], i: number, last: boolean, buf: Uint8Array, base: number, len: number): number {
    const prevBufferOffset = this.bufferOffset;
    this.pcreMatchStart = 0;
    for (;;) {
      if (!this.pcreOnce(op, buf, base, len)) return 0;
      if (!op.relativeNext) return last ? 1 : this.inspect(ops, i + 1, buf, base, len);
      const prevStart = this.pcreMatchStart;
      const r = this.inspect(ops, i + 1, buf, base, len);
      if (r === 1) return 1;
      if (r === -1) return -1;
      // Negated pcre: there is no "next occurrence" to try.
      if (prevStart === 0) return 0;
      this.bufferOffset = prevBufferOffset;
      this.pcreMatchStart = prevStart;
    }
  }

  /** One pcre search; updates bufferOffset/pcreMatchStart on a (non-negated) match. */
  private pcreOnce(op: PcreOp, buf: Uint8Array, base: number, len: number): boolean {
    if (len === 0) return false;
    this.pcreRuns++;
    const total = len < PCRE_MAX_SCAN ? len : PCRE_MAX_SCAN;
    const ptr = op.relative ? this.bufferOffset : 0;
    // The subject starts at the detection pointer so that ^ and lookbehind see its start.
    if (ptr > total) return op.negated;
    let start = this.pcreMatchStart !== 0 ? this.pcreMatchStart - ptr : 0;
    if (start < 0) start = 0;
    if (start > total - ptr) return op.negated;
    const r = pcreSearch(op.prog, buf, base + ptr, total - ptr, start, op.anchored);
    // Suricata: a match-limit error is "no match" whether or not the pcre is negated.
    if (r === PcreResult.Limit) {
      this.pcreLimitHits++;
      return false;
    }
    if (r === PcreResult.NoMatch) return op.negated;
    if (op.negated) return false;
    this.bufferOffset = ptr + pcreMatch.end;
    this.pcreMatchStart = ptr + pcreMatch.start + 1;
    return true;
  }

  private isdataat(op: IsdataatOp, len: number): number {
    let dataat = op.value;
    if (op.valueVar >= 0) {
      const v = this.vals[op.valueVar]!;
      if (v >= 100000000) return op.negated ? 1 : 0;
      dataat = v;
    }
    if (op.relative) {
      if (this.bufferOffset + dataat > len) {
        if (op.negated) return 1;
        return op.valueVar < 0 ? -1 : 0;
      }
      return op.negated ? 0 : 1;
    }
    if (dataat < len) {
      if (op.negated) return op.valueVar < 0 ? -1 : 0;
      return 1;
    }
    if (op.negated) return 1;
    return op.valueVar < 0 ? -1 : 0;
  }

  private readonly byteCounts = new Uint32Array(256);

  private entropy(op: EntropyOp, buf: Uint8Array, base: number, len: number): boolean {
    if (op.offset >= len) return false;
    const n = op.bytes > 0 && op.offset + op.bytes < len ? op.bytes : len - op.offset;
    const counts = this.byteCounts;
    counts.fill(0);
    const start = base + op.offset;
    for (let i = 0; i < n; i++) counts[buf[start + i]!]!++;
    let e = 0;
    for (let b = 0; b < 256; b++) {
      const c = counts[b]!;
      if (c !== 0) {
        const p = c / n;
        e -= p * Math.log2(p);
      }
    }
    switch (op.cmp) {
      case Cmp.Eq:
        return e === op.a;
      case Cmp.Ne:
        return e !== op.a;
      case Cmp.Lt:
        return e < op.a;
      case Cmp.Lte:
        return e <= op.a;
      case Cmp.Gt:
        return e > op.a;
      case Cmp.Gte:
        return e >= op.a;
      case Cmp.Range:
        return e > op.a && e < op.b;
      case Cmp.NotRange:
        return e <= op.a || e >= op.b;
      default:
        return false;
    }
  }

  /** Decoded bytes of the last base64_decode (grown when a larger decode is first met). */
  private b64 = new Uint8Array(4096);

  /** base64_decode, then its base64_data keywords over the decoded bytes. */
  private base64(op: Base64DecodeOp, buf: Uint8Array, base: number, len: number): boolean {
    let start = op.offset + (op.relative ? this.bufferOffset : 0);
    if (start >= len) return false;
    let end = op.bytes > 0 && start + op.bytes < len ? start + op.bytes : len;
    start += base;
    end += base;
    const need = (((end - start) * 3) >> 2) + 3;
    if (this.b64.length < need) this.b64 = new Uint8Array(Math.max(need, this.b64.length * 2));
    const d = this.b64;
    const k = base64Decode(buf, start, end, d, B64Mode.Rfc2045);
    if (k <= 0) return false;
    if (op.dataOps.length === 0) return true;
    // A nested inspection with its own detection pointer; the outer one is restored after.
    const savedOffset = this.bufferOffset;
    const savedPcre = this.pcreMatchStart;
    const savedRec = this.recursion;
    this.bufferOffset = 0;
    this.pcreMatchStart = 0;
    const r = this.inspect(op.dataOps, 0, d, 0, k) === 1;
    this.bufferOffset = savedOffset;
    this.pcreMatchStart = savedPcre;
    if (this.recursion < savedRec) this.recursion = savedRec;
    return r;
  }

  /** Start of the bytes to extract (relative to payload) or -1; leaves room check to callers. */
  private extractAt(spec: ByteSpec, nbytes: number, len: number): number {
    const offset = spec.offsetVar >= 0 ? this.vals[spec.offsetVar]! | 0 : spec.offset;
    let ptr: number;
    let rem: number;
    if (spec.relative) {
      ptr = this.bufferOffset + offset;
      rem = len - this.bufferOffset - offset;
      if (rem <= 0) return -1;
    } else {
      ptr = offset;
      rem = len - offset;
    }
    if (ptr < 0 || nbytes > rem) return -1;
    return ptr;
  }

  /**
   * Extract into exHi/exLo (the exact uint64 as two 32-bit halves), exVal (the same as a double,
   * exact below 2^53) and exLen; false when the bytes are not a number or overflow 64 bits.
   * `end` bounds a string read of unbounded length (nbytes 0).
   */
  private extract(spec: ByteSpec, nbytes: number, buf: Uint8Array, pos: number, end: number, base: number): boolean {
    if (spec.string) return this.extractString(buf, pos, nbytes === 0 ? end : pos + nbytes, base);
    let hi = 0;
    let lo = 0;
    for (let k = 0; k < nbytes; k++) {
      const b = buf[spec.little ? pos + nbytes - 1 - k : pos + k]!;
      hi = ((hi << 8) | (lo >>> 24)) >>> 0;
      lo = ((lo << 8) | b) >>> 0;
    }
    this.exHi = hi;
    this.exLo = lo;
    this.exVal = hi * TWO32 + lo;
    this.exLen = nbytes;
    return true;
  }

  /**
   * strtoull over buf[pos, end) (whitespace, optional sign, base prefix), as Suricata's
   * ByteExtractString: no digits or a value past 2^64-1 (ERANGE) is not a number.
   */
  private extractString(buf: Uint8Array, pos: number, end: number, base: number): boolean {
    let i = pos;
    while (i < end && (buf[i] === 0x20 || (buf[i]! >= 0x09 && buf[i]! <= 0x0d))) i++;
    let neg = false;
    if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) {
      neg = buf[i] === 0x2d;
      i++;
    }
    let b = base;
    if ((b === 0 || b === 16) && i + 1 < end && buf[i] === 0x30 && (buf[i + 1] === 0x78 || buf[i + 1] === 0x58) && i + 2 < end && hexVal(buf[i + 2]!) >= 0) {
      i += 2;
      b = 16;
    } else if (b === 0) {
      b = i < end && buf[i] === 0x30 ? 8 : 10;
    }
    const digitsStart = i;
    let hi = 0;
    let lo = 0;
    let overflow = false;
    while (i < end) {
      const d = hexVal(buf[i]!);
      if (d < 0 || d >= b) break;
      // (hi, lo) * b + d in two halves; lo * 16 + 15 stays far below 2^53.
      const l = lo * b + d;
      const carry = Math.floor(l / TWO32);
      lo = l - carry * TWO32;
      hi = hi * b + carry;
      if (hi >= TWO32) overflow = true;
      i++;
    }
    if (i === digitsStart || overflow) return false;
    if (neg && (hi !== 0 || lo !== 0)) {
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    }
    this.exHi = hi;
    this.exLo = lo;
    this.exVal = hi * TWO32 + lo;
    this.exLen = i - pos;
    return true;
  }

  /** Apply a bitmask (32-bit, as Suricata's) and its right shift to exHi/exLo/exVal. */
  private applyBitmask(spec: ByteSpec): void {
    let v = (this.exLo & spec.bitmask) >>> 0;
    if (v !== 0 && spec.bitmaskShift !== 0) v >>>= spec.bitmaskShift;
    this.exHi = 0;
    this.exLo = v;
    this.exVal = v;
  }

  private byteTest(op: ByteTestOp, buf: Uint8Array, base: number, len: number): boolean {
    if (len === 0) return false;
    const spec = op.spec;
    const ptr = this.extractAt(spec, spec.nbytes, len);
    if (ptr < 0) return false;
    if (!this.extract(spec, spec.nbytes, buf, base + ptr, base + len, spec.base)) return false;
    if (spec.hasBitmask) this.applyBitmask(spec);
    const vh = this.exHi;
    const vl = this.exLo;
    let th = op.valueHi;
    let tl = op.valueLo;
    if (op.valueVar >= 0) {
      const v = this.vals[op.valueVar]!;
      th = Math.floor(v / TWO32) >>> 0;
      tl = v >>> 0;
    }
    // Unsigned 64-bit comparison on the halves: -1, 0, 1.
    const cmp = vh !== th ? (vh < th ? -1 : 1) : vl !== tl ? (vl < tl ? -1 : 1) : 0;
    let m: boolean;
    switch (op.oper) {
      case ByteOper.Eq:
        m = cmp === 0;
        break;
      case ByteOper.Lt:
        m = cmp < 0;
        break;
      case ByteOper.Gt:
        m = cmp > 0;
        break;
      case ByteOper.And:
        m = (vh & th) !== 0 || (vl & tl) !== 0;
        break;
      case ByteOper.Xor:
        m = cmp !== 0;
        break;
      case ByteOper.Ge:
        m = cmp >= 0;
        break;
      case ByteOper.Le:
        m = cmp <= 0;
        break;
      default:
        m = false;
    }
    return op.negOp ? !m : m;
  }

  private byteJump(op: ByteJumpOp, buf: Uint8Array, base: number, len: number): boolean {
    if (len === 0) return false;
    const spec = op.spec;
    const nbytes = spec.nbytesVar >= 0 ? this.vals[spec.nbytesVar]! : spec.nbytes;
    if (nbytes > (spec.string ? 23 : 8)) return false;
    const ptr = this.extractAt(spec, nbytes, len);
    if (ptr < 0) return false;
    if (!this.extract(spec, nbytes, buf, base + ptr, base + len, spec.base)) return false;
    if (spec.hasBitmask) this.applyBitmask(spec);
    // A double is enough here: any jump past 2^53 is far outside the buffer either way.
    let val = this.exVal;
    val *= op.multiplier;
    if (op.align && val % 4 !== 0) val += 4 - (val % 4);
    val += op.postOffset;
    let jump: number;
    if (op.fromBeginning) jump = val;
    else if (op.fromEnd) jump = len + val;
    else jump = ptr + val + this.exLen;
    if (jump < 0) jump = 0;
    else if (jump >= len) return false;
    this.bufferOffset = jump;
    return true;
  }

  /** byte_math: the result goes to its variable; the detection pointer does not move. */
  private byteMath(op: ByteMathOp, buf: Uint8Array, base: number, len: number): boolean {
    if (len === 0) return false;
    const spec = op.spec;
    const nbytes = spec.nbytesVar >= 0 ? this.vals[spec.nbytesVar]! : spec.nbytes;
    if (nbytes < 1 || nbytes > (spec.string ? 10 : 4)) return false;
    const ptr = this.extractAt(spec, nbytes, len);
    if (ptr < 0) return false;
    if (!this.extract(spec, nbytes, buf, base + ptr, base + len, spec.base === 0 && spec.string ? 10 : spec.base)) return false;
    if (spec.hasBitmask) this.applyBitmask(spec);
    let val = this.exVal;
    const r = op.rvalueVar >= 0 ? this.vals[op.rvalueVar]! : op.rvalue;
    switch (op.oper) {
      case MathOper.Add:
        val += r;
        break;
      case MathOper.Sub:
        val -= r;
        break;
      case MathOper.Mul:
        val *= r;
        break;
      case MathOper.Div:
        if (r === 0) return false;
        val = Math.floor(val / r);
        break;
      case MathOper.Shl:
        val *= 2 ** r;
        break;
      case MathOper.Shr:
        val = Math.floor(val / 2 ** r);
        break;
    }
    // Suricata computes in uint64_t: a negative difference wraps (held here as a double).
    if (val < 0) val += 18446744073709551616;
    else if (val >= 18446744073709551616) val %= 18446744073709551616;
    // A wrap can round up to 2^64 itself, which the 32-bit halves would read as 0: keep the
    // largest double below 2^64 (inexact past 2^53, like any value held as a double here).
    if (val >= 18446744073709551616) val = 18446744073709549568;
    this.vals[op.slot] = val;
    return true;
  }

  private byteExtract(op: ByteExtractOp, buf: Uint8Array, base: number, len: number): boolean {
    if (len === 0) return false;
    const spec = op.spec;
    const ptr = this.extractAt(spec, spec.nbytes, len);
    if (ptr < 0) return false;
    if (!this.extract(spec, spec.nbytes, buf, base + ptr, base + len, spec.base)) return false;
    let val = this.exVal * op.multiplier;
    if (op.alignValue !== 0 && val % op.alignValue !== 0) val += op.alignValue - (val % op.alignValue);
    this.bufferOffset = ptr + this.exLen;
    this.vals[op.slot] = val;
    return true;
  }
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * First occurrence of op.pattern starting in [from, to - m] (absolute indices into buf);
 * Boyer-Moore-Horspool, case-folded for nocase. Returns the absolute start or -1.
 */
export function search(op: ContentOp, buf: Uint8Array, from: number, to: number): number {
  const pat = op.pattern;
  const m = pat.length;
  const lastIdx = m - 1;
  const end = to - m;
  let i = from;
  if (end < from) return -1;
  if (op.nocase) {
    if (m === 1) {
      const c = pat[0]!;
      for (; i <= end; i++) if (FOLD[buf[i]!] === c) return i;
      return -1;
    }
    const skip = op.skip;
    const lastByte = pat[lastIdx]!;
    while (i <= end) {
      const b = FOLD[buf[i + lastIdx]!]!;
      if (b === lastByte) {
        let j = lastIdx - 1;
        while (j >= 0 && FOLD[buf[i + j]!] === pat[j]) j--;
        if (j < 0) return i;
      }
      i += skip[b]!;
    }
    return -1;
  }
  if (m === 1) {
    const c = pat[0]!;
    for (; i <= end; i++) if (buf[i] === c) return i;
    return -1;
  }
  const skip = op.skip;
  const lastByte = pat[lastIdx]!;
  while (i <= end) {
    const b = buf[i + lastIdx]!;
    if (b === lastByte) {
      let j = lastIdx - 1;
      while (j >= 0 && buf[i + j] === pat[j]) j--;
      if (j < 0) return i;
    }
    i += skip[b]!;
  }
  return -1;
}
