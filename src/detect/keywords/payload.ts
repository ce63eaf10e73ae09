/**
 * Payload keywords, parsed into the ordered list of operations the content inspector runs
 * (payload-match.ts): content (+ nocase, offset, depth, distance, within, startswith,
 * endswith, fast_pattern, rawbytes), pcre, byte_test, byte_jump, byte_extract, isdataat.
 *
 * Everything is precompiled: content bytes as Uint8Arrays (case-folded when nocase) with a
 * Boyer-Moore-Horspool skip table, byte_extract variable names resolved to slot numbers.
 */
import { invalidValue, refuseUnescapedQuote, RuleError } from '../rule-error.js';
import { compilePcre } from '../pcre.js';
import { Cmp } from './header.js';
import type { PcreProgram } from '../pcre-vm.js';

export const OpType = {
  Content: 0,
  Pcre: 1,
  ByteTest: 2,
  ByteJump: 3,
  ByteExtract: 4,
  Isdataat: 5,
  Base64Decode: 6,
  Entropy: 7,
  ByteMath: 8,
} as const;

export const MathOper = { Add: 0, Sub: 1, Mul: 2, Div: 3, Shl: 4, Shr: 5 } as const;

/** ASCII lower-casing table (Suricata's nocase folds ASCII letters only). */
export const FOLD = new Uint8Array(256);
for (let i = 0; i < 256; i++) FOLD[i] = i >= 0x41 && i <= 0x5a ? i + 0x20 : i;

export class ContentOp {
  readonly type = OpType.Content;
  /** The bytes as written in the rule. */
  readonly raw: Uint8Array;
  /** Bytes searched (folded when nocase); set by finalize(). */
  pattern: Uint8Array;
  /** BMH skip distances indexed by (folded) byte; set by finalize(). */
  skip: Uint16Array = new Uint16Array(0);
  nocase = false;
  negated: boolean;
  offset = 0;
  depth = 0;
  distance = 0;
  within = 0;
  hasOffset = false;
  hasDepth = false;
  hasDistance = false;
  hasWithin = false;
  /** byte_extract slot numbers, -1 when the value is literal. */
  offsetVar = -1;
  depthVar = -1;
  distanceVar = -1;
  withinVar = -1;
  startswith = false;
  endswith = false;
  /** A later keyword is relative to this match: on failure, try the next occurrence. */
  relativeNext = false;
  fastPattern = false;
  fastPatternOnly = false;
  fpChopOffset = -1;
  fpChopLength = 0;

  constructor(raw: Uint8Array, negated: boolean) {
    this.raw = raw;
    this.pattern = raw;
    this.negated = negated;
  }

  get relative(): boolean {
    return this.hasDistance || this.hasWithin;
  }

  finalize(): void {
    const m = this.raw.length;
    this.pattern = this.nocase ? this.raw.map((b) => FOLD[b]!) : this.raw;
    const skip = new Uint16Array(256).fill(Math.min(m, 0xffff));
    for (let j = 0; j < m - 1; j++) {
      const b = this.pattern[j]!;
      skip[b] = m - 1 - j;
      // For nocase the text byte is folded before lookup, so only folded bytes are indexed.
    }
    this.skip = skip;
  }
}

export class PcreOp {
  readonly type = OpType.Pcre;
  relativeNext = false;
  /** HTTP buffer flag of the pcre (U, H, ...), null for the payload. */
  buffer: string | null = null;
  constructor(
    readonly regex: RegExp,
    readonly negated: boolean,
    readonly relative: boolean,
    readonly anchored: boolean,
    readonly source: string,
    /** The bounded program the packet path runs (pcre-vm.ts). */
    readonly prog: PcreProgram,
  ) {}
}

export const ByteOper = {
  Eq: 0,
  Lt: 1,
  Gt: 2,
  And: 3,
  /** '^': Suricata tests (value ^ test) != 0. */
  Xor: 4,
  Ge: 5,
  Le: 6,
} as const;

/** Common extraction parameters of byte_test / byte_jump / byte_extract. */
export class ByteSpec {
  nbytes = 0;
  nbytesVar = -1;
  offset = 0;
  offsetVar = -1;
  relative = false;
  little = false;
  string = false;
  /** strtoull base: 0 = auto (0x.. hex, 0.. octal), 8, 10, 16. */
  base = 0;
  bitmask = 0;
  hasBitmask = false;
  bitmaskShift = 0;
  /** big/little given explicitly (byte_extract refuses it together with string). */
  endianSet = false;
  /** 'dce': byte order from the DCERPC header (refused below: no DCERPC parser). */
  dce = false;
}

export class ByteTestOp {
  readonly type = OpType.ByteTest;
  /** The test value as two 32-bit halves: uint64 compares exactly without BigInt. */
  readonly valueHi: number;
  readonly valueLo: number;
  constructor(
    readonly spec: ByteSpec,
    readonly oper: number,
    readonly negOp: boolean,
    /** The test value as a double (exact below 2^53; valueHi/valueLo are what is compared). */
    readonly value: number,
    readonly valueVar: number,
    valueHi = Math.floor(value / 4294967296) >>> 0,
    valueLo = value >>> 0,
  ) {
    this.valueHi = valueHi;
    this.valueLo = valueLo;
  }
}

export class ByteJumpOp {
  readonly type = OpType.ByteJump;
  multiplier = 1;
  align = false;
  fromBeginning = false;
  fromEnd = false;
  postOffset = 0;
  constructor(readonly spec: ByteSpec) {}
}

export class ByteExtractOp {
  readonly type = OpType.ByteExtract;
  multiplier = 1;
  alignValue = 0;
  constructor(
    readonly spec: ByteSpec,
    readonly slot: number,
    readonly name: string,
  ) {}
}

export class IsdataatOp {
  readonly type = OpType.Isdataat;
  constructor(
    readonly value: number,
    readonly valueVar: number,
    readonly relative: boolean,
    readonly negated: boolean,
  ) {}
}

/**
 * base64_decode:[bytes N][, offset N][, relative] (src/detect-base64-decode.c): decodes part of
 * the buffer (skipping non-alphabet bytes, Suricata's relaxed mode); fails when nothing
 * decodes. `dataOps` are the keywords after base64_data, run over the decoded bytes.
 */
export class Base64DecodeOp {
  readonly type = OpType.Base64Decode;
  readonly dataOps: PayloadOp[] = [];
  constructor(
    readonly bytes: number,
    readonly offset: number,
    readonly relative: boolean,
  ) {}
}

export function parseBase64Decode(value: string | null): Base64DecodeOp {
  let bytes = 0;
  let offset = 0;
  let relative = false;
  const seen = new Set<string>();
  if (value !== null && value.trim() !== '') {
    for (const part of value.split(',')) {
      const words = part.trim().split(/\s+/);
      const k = words[0]!;
      if (seen.has(k)) throw invalidValue('base64_decode', `'${k}' given twice`);
      seen.add(k);
      if (k === 'relative' && words.length === 1) relative = true;
      else if ((k === 'bytes' || k === 'offset') && words.length === 2 && /^\d+$/.test(words[1]!)) {
        const n = Number(words[1]);
        if (n > 65535) throw invalidValue('base64_decode', `${k} ${n} is outside 0..65535`);
        if (k === 'bytes') {
          if (n === 0) throw invalidValue('base64_decode', 'bytes 0');
          bytes = n;
        } else offset = n;
      } else throw invalidValue('base64_decode', `cannot parse '${part.trim()}' (bytes N, offset N, relative)`);
    }
  }
  return new Base64DecodeOp(bytes, offset, relative);
}

/**
 * entropy:[bytes N][, offset N], value <expr> (Suricata 8, src/detect-entropy.c): the Shannon
 * entropy (bits per byte, 0..8) of the buffer from offset (N bytes, else to the end) compared
 * with a float: N or =N, !=N, <N, <=N, >N, >=N, A-B (A < x < B), !A-B.
 */
export class EntropyOp {
  readonly type = OpType.Entropy;
  constructor(
    readonly bytes: number,
    readonly offset: number,
    /** header.ts Cmp. */
    readonly cmp: number,
    readonly a: number,
    readonly b: number,
  ) {}
}

export function parseEntropy(value: string): EntropyOp {
  let bytes = 0;
  let offset = 0;
  let expr: string | null = null;
  for (const part of value.split(',')) {
    const t = part.trim();
    const m = /^(bytes|offset|value)\s+(.+)$/.exec(t);
    if (!m) throw invalidValue('entropy', `cannot parse '${t}' (bytes N, offset N, value <expr>)`);
    if (m[1] === 'value') {
      expr = m[2]!.trim();
      continue;
    }
    if (!/^\d+$/.test(m[2]!) || Number(m[2]) > 65535) throw invalidValue('entropy', `${m[1]} '${m[2]}' is not a number in 0..65535`);
    if (m[1] === 'bytes') bytes = Number(m[2]);
    else offset = Number(m[2]);
  }
  if (expr === null) throw invalidValue('entropy', "needs 'value <expr>'");
  const num = '(\\d+(?:\\.\\d+)?)';
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^(!)?\\s*${num}\\s*-\\s*${num}$`).exec(expr))) {
    const a = Number(m[2]);
    const b = Number(m[3]);
    if (!(a < b)) throw invalidValue('entropy', `range '${expr}' is empty`);
    return new EntropyOp(bytes, offset, m[1] ? Cmp.NotRange : Cmp.Range, a, b);
  }
  if ((m = new RegExp(`^(<=|>=|<|>|!=|!|=)?\\s*${num}$`).exec(expr))) {
    const ops: Record<string, number> = { '<': Cmp.Lt, '<=': Cmp.Lte, '>': Cmp.Gt, '>=': Cmp.Gte, '!=': Cmp.Ne, '!': Cmp.Ne, '=': Cmp.Eq };
    return new EntropyOp(bytes, offset, m[1] ? ops[m[1]]! : Cmp.Eq, Number(m[2]), 0);
  }
  throw invalidValue('entropy', `cannot parse value '${expr}'`);
}

/** byte_math (src/detect-bytemath.c): extract, apply `oper rvalue`, store in a variable. */
export class ByteMathOp {
  readonly type = OpType.ByteMath;
  constructor(
    readonly spec: ByteSpec,
    readonly oper: number,
    readonly rvalue: number,
    readonly rvalueVar: number,
    readonly slot: number,
  ) {}
}

/**
 * byte_math:bytes N, offset N, oper <+|-|*|/|<<|>>>, rvalue <num|var>, result <var>
 *   [, relative][, endian big|little][, string dec|hex|oct][, bitmask N]
 */
export function parseByteMath(value: string, vars: ByteVars): ByteMathOp {
  const spec = new ByteSpec();
  let oper = -1;
  let rvalue = 0;
  let rvalueVar = -1;
  let result: string | null = null;
  let haveBytes = false;
  let haveOffset = false;
  const OPERS: Record<string, number> = { '+': MathOper.Add, '-': MathOper.Sub, '*': MathOper.Mul, '/': MathOper.Div, '<<': MathOper.Shl, '>>': MathOper.Shr };
  for (const part of splitArgs(value)) {
    const sp = part.search(/\s/);
    const k = (sp < 0 ? part : part.slice(0, sp)).toLowerCase();
    const v = sp < 0 ? '' : part.slice(sp + 1).trim();
    switch (k) {
      case 'bytes':
        if (/^\d+$/.test(v)) spec.nbytes = Number(v);
        else spec.nbytesVar = vars.lookup(v, 'byte_math');
        haveBytes = true;
        break;
      case 'offset':
        if (!/^-?\d+$/.test(v) || Math.abs(Number(v)) > 65535) throw invalidValue('byte_math', `bad offset '${v}'`);
        spec.offset = Number(v);
        haveOffset = true;
        break;
      case 'oper':
        if (OPERS[v] === undefined) throw invalidValue('byte_math', `unknown oper '${v}' (+ - * / << >>)`);
        oper = OPERS[v]!;
        break;
      case 'rvalue': {
        const n = parseCNumber(v);
        if (n !== null) rvalue = n;
        else if (/^[A-Za-z_][\w.-]*$/.test(v)) rvalueVar = vars.lookup(v, 'byte_math');
        else throw invalidValue('byte_math', `bad rvalue '${v}'`);
        break;
      }
      case 'result':
        if (!/^[A-Za-z_][\w.-]*$/.test(v)) throw invalidValue('byte_math', `bad result name '${v}'`);
        result = v;
        break;
      case 'relative':
        spec.relative = true;
        break;
      case 'endian':
        if (v !== 'big' && v !== 'little') throw invalidValue('byte_math', `endian '${v}' is not big or little`);
        spec.little = v === 'little';
        break;
      case 'string':
        spec.string = true;
        if (v === 'dec') spec.base = 10;
        else if (v === 'hex') spec.base = 16;
        else if (v === 'oct') spec.base = 8;
        else throw invalidValue('byte_math', `string '${v}' is not dec, hex or oct`);
        break;
      case 'bitmask':
        if (!byteOption(spec, part, 'byte_math')) throw invalidValue('byte_math', `bad bitmask '${v}'`);
        break;
      case 'dce':
        throw new RuleError("byte_math: 'dce' needs the DCERPC parser", "unsupported keyword 'byte_math' dce");
      default:
        throw invalidValue('byte_math', `unknown option '${part}'`);
    }
  }
  if (!haveBytes || !haveOffset || oper < 0 || result === null || (rvalueVar < 0 && !/rvalue/.test(value))) {
    throw invalidValue('byte_math', 'needs bytes, offset, oper, rvalue and result');
  }
  if (spec.nbytesVar < 0 && (spec.nbytes < 1 || spec.nbytes > (spec.string ? 10 : 4))) {
    throw invalidValue('byte_math', `bytes ${spec.nbytes} is outside 1..${spec.string ? 10 : 4}`);
  }
  return new ByteMathOp(spec, oper, rvalue, rvalueVar, vars.define(result, 'byte_math'));
}

export type PayloadOp = ContentOp | PcreOp | ByteTestOp | ByteJumpOp | ByteExtractOp | IsdataatOp | Base64DecodeOp | EntropyOp | ByteMathOp;

/** Most byte_extract variables one rule may define (Suricata's limit is lower). */
export const MAX_BYTE_VARS = 16;

// ---------------------------------------------------------------------------- helpers

/** Remove the surrounding double quotes of a keyword value, if any. */
export function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return t;
}

/**
 * Content string → bytes: `|hex hex|` sections, and the escapes Suricata allows outside them
 * (\" \; \\ \:). Non-ASCII text is UTF-8 encoded: the bytes the (UTF-8) rule file holds.
 */
export function parseContentBytes(text: string, keyword = 'content'): Uint8Array {
  const out: number[] = [];
  let i = 0;
  let inHex = false;
  let hex = '';
  while (i < text.length) {
    const c = text[i]!;
    if (inHex) {
      if (c === '|') {
        if (hex.length !== 0) throw invalidValue(keyword, `odd number of hex digits in '${text}'`);
        inHex = false;
      } else if (/[0-9a-fA-F]/.test(c)) {
        hex += c;
        if (hex.length === 2) {
          out.push(parseInt(hex, 16));
          hex = '';
        }
      } else if (c !== ' ' && c !== '\t') {
        throw invalidValue(keyword, `bad character '${c}' in hex section of '${text}'`);
      }
      i++;
      continue;
    }
    if (c === '|') {
      inHex = true;
      i++;
      continue;
    }
    if (c === '\\') {
      const e = text[i + 1];
      if (e === '"' || e === ';' || e === '\\' || e === ':') {
        out.push(e.charCodeAt(0));
        i += 2;
        continue;
      }
      throw invalidValue(keyword, `'\\${e ?? ''}' is not a valid escape (only \\" \\; \\\\ \\:) in '${text}'`);
    }
    if (c === '"') throw invalidValue(keyword, `unescaped '"' in '${text}'`);
    const code = c.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else for (const b of Buffer.from(String.fromCodePoint(code), 'utf8')) out.push(b);
    i += code > 0xffff ? 2 : 1;
  }
  if (inHex) throw invalidValue(keyword, `unterminated hex section in '${text}'`);
  if (out.length === 0) throw invalidValue(keyword, 'empty content');
  return Uint8Array.from(out);
}

/** Parse `content:[!]"..."` value. */
export function parseContent(value: string): ContentOp {
  let v = value.trim();
  let negated = false;
  if (v.startsWith('!')) {
    negated = true;
    v = v.slice(1).trim();
  }
  if (!(v.length >= 2 && v.startsWith('"') && v.endsWith('"'))) {
    throw invalidValue('content', `value must be quoted: '${value}'`);
  }
  refuseUnescapedQuote('content', v.slice(1, -1));
  return new ContentOp(parseContentBytes(v.slice(1, -1)), negated);
}

/** Byte variables of one rule: name → slot. */
export class ByteVars {
  readonly slots = new Map<string, number>();
  define(name: string, keyword: string): number {
    if (this.slots.has(name)) throw invalidValue(keyword, `variable '${name}' defined twice`);
    if (this.slots.size >= MAX_BYTE_VARS) throw invalidValue(keyword, `more than ${MAX_BYTE_VARS} variables`);
    const s = this.slots.size;
    this.slots.set(name, s);
    return s;
  }
  lookup(name: string, keyword: string): number {
    const s = this.slots.get(name);
    if (s === undefined) throw invalidValue(keyword, `unknown byte_extract variable '${name}'`);
    return s;
  }
}

/** An integer, or a byte_extract variable name (→ {varSlot}). */
function intOrVar(keyword: string, raw: string, vars: ByteVars, min: number, max: number): { value: number; varSlot: number } {
  const t = raw.trim();
  if (/^-?\d+$/.test(t)) {
    const v = Number(t);
    if (v < min || v > max) throw invalidValue(keyword, `${v} is outside ${min}..${max}`);
    return { value: v, varSlot: -1 };
  }
  if (/^[A-Za-z_][\w.-]*$/.test(t)) return { value: 0, varSlot: vars.lookup(t, keyword) };
  throw invalidValue(keyword, `'${raw}' is not a number or variable`);
}

/** content modifier with a numeric/variable argument. */
export function applyContentModifier(op: ContentOp, name: string, value: string, vars: ByteVars): void {
  const absolute = name === 'offset' || name === 'depth';
  if (op.startswith || op.endswith) {
    if (name !== 'endswith' && name !== 'startswith') {
      throw invalidValue(name, `cannot be combined with startswith/endswith`);
    }
  }
  if (absolute && op.relative) {
    throw invalidValue(name, "can't mix absolute (offset/depth) and relative (distance/within) modifiers on one content");
  }
  if (!absolute && (op.hasOffset || op.hasDepth)) {
    throw invalidValue(name, "can't mix absolute (offset/depth) and relative (distance/within) modifiers on one content");
  }
  const min = name === 'distance' || name === 'offset' ? (name === 'distance' ? -65535 : 0) : 1;
  const { value: v, varSlot } = intOrVar(name, value, vars, min, 65535);
  switch (name) {
    case 'offset':
      if (op.hasOffset) throw invalidValue(name, 'given twice');
      op.hasOffset = true;
      op.offset = v;
      op.offsetVar = varSlot;
      break;
    case 'depth':
      if (op.hasDepth) throw invalidValue(name, 'given twice');
      if (varSlot < 0 && v < op.raw.length) throw invalidValue(name, `depth ${v} is less than the content length ${op.raw.length}`);
      op.hasDepth = true;
      op.depth = v;
      op.depthVar = varSlot;
      break;
    case 'distance':
      if (op.hasDistance) throw invalidValue(name, 'given twice');
      op.hasDistance = true;
      op.distance = v;
      op.distanceVar = varSlot;
      break;
    case 'within':
      if (op.hasWithin) throw invalidValue(name, 'given twice');
      if (varSlot < 0 && v < op.raw.length) throw invalidValue(name, `within ${v} is less than the content length ${op.raw.length}`);
      op.hasWithin = true;
      op.within = v;
      op.withinVar = varSlot;
      break;
  }
}

/** fast_pattern, fast_pattern:only, fast_pattern:<offset>,<length>. */
export function applyFastPattern(op: ContentOp, value: string | null): void {
  if (op.fastPattern) throw invalidValue('fast_pattern', 'given twice for one content');
  op.fastPattern = true;
  if (value === null || value.trim() === '') return;
  const v = value.trim();
  if (v === 'only') {
    if (op.negated) throw invalidValue('fast_pattern', "'only' on a negated content");
    op.fastPatternOnly = true;
    return;
  }
  const m = /^(\d+)\s*,\s*(\d+)$/.exec(v);
  if (!m) throw invalidValue('fast_pattern', `cannot parse '${value}'`);
  const off = Number(m[1]);
  const len = Number(m[2]);
  if (len === 0 || off + len > op.raw.length) throw invalidValue('fast_pattern', `${off},${len} is outside the content`);
  op.fpChopOffset = off;
  op.fpChopLength = len;
}

export function parsePcreOp(value: string): PcreOp {
  let v = value.trim();
  let negated = false;
  if (v.startsWith('!')) {
    negated = true;
    v = v.slice(1).trim();
  }
  // Quotes are optional (detect-pcre.c's parse regex finds /.../ either way): `pcre:/x/U;`.
  const quoted = v.length >= 2 && v.startsWith('"') && v.endsWith('"');
  if (!quoted && !(v.startsWith('/') && !v.includes('"'))) throw invalidValue('pcre', `value must be /regex/flags, quoted or not: '${value}'`);
  // Suricata unescapes \" and \; only (the rest belongs to the regex).
  const body = (quoted ? v.slice(1, -1) : v).replace(/\\([";])/g, '$1');
  const spec = compilePcre(body, negated);
  const op = new PcreOp(spec.regex, negated, spec.relative, spec.anchored, spec.source, spec.prog);
  op.buffer = spec.buffer;
  return op;
}

function splitArgs(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

/** Shared option words of byte_test/byte_jump/byte_extract. Returns false when unknown. */
function byteOption(spec: ByteSpec, word: string, keyword: string): boolean {
  const w = word.toLowerCase();
  switch (w) {
    case 'relative':
      spec.relative = true;
      return true;
    case 'little':
      spec.little = true;
      spec.endianSet = true;
      return true;
    case 'big':
      spec.little = false;
      spec.endianSet = true;
      return true;
    case 'string':
      spec.string = true;
      return true;
    case 'dec':
      spec.base = 10;
      return true;
    case 'hex':
      spec.base = 16;
      return true;
    case 'oct':
      spec.base = 8;
      return true;
    case 'dce':
      spec.dce = true;
      return true;
  }
  const bm = /^bitmask\s+(0x[0-9a-f]+|\d+)$/i.exec(word);
  if (bm) {
    const v = Number(bm[1]);
    if (!(v >= 0 && v <= 0xffffffff)) throw invalidValue(keyword, `bad bitmask '${bm[1]}'`);
    spec.hasBitmask = true;
    spec.bitmask = v >>> 0;
    let s = 0;
    if (v !== 0) while (((v >>> s) & 1) === 0) s++;
    spec.bitmaskShift = s;
    return true;
  }
  return false;
}

function checkNbytes(keyword: string, spec: ByteSpec): void {
  if (spec.dce) {
    // Suricata refuses these combinations as conflicting before it needs DCERPC at all.
    if (spec.string || spec.endianSet || spec.base !== 0) {
      throw invalidValue(keyword, "'dce' with string, big, little or a base");
    }
    throw new RuleError(`${keyword}: 'dce' needs the DCERPC parser`, `unsupported keyword '${keyword}' dce`);
  }
  if (spec.nbytesVar >= 0) return;
  if (spec.string ? spec.nbytes > 23 : spec.nbytes > 8) {
    throw invalidValue(keyword, `cannot extract ${spec.nbytes} bytes${spec.string ? ' as a string (max 23)' : ' (max 8)'}`);
  }
  if (!spec.string && spec.base !== 0) throw invalidValue(keyword, 'a base (dec/hex/oct) needs "string"');
}

/** Result of parseStrtoull: the uint64 as two 32-bit halves. */
export interface U64 {
  hi: number;
  lo: number;
}

/**
 * A byte_test value as Suricata reads it (ByteExtractStringUint64, base 0, unbounded): strtoull
 * over the numeric prefix of the token (0x.. hex, 0.. octal, else decimal; a leading '-'
 * wraps modulo 2^64 as strtoull does; trailing text such as "ULL" is ignored). null when the
 * token has no digits; 'range' when it does not fit in 64 bits (strtoull's ERANGE).
 */
export function parseStrtoull(t: string): U64 | null | 'range' {
  let i = 0;
  const s = t.trim();
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let b = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-f]/i.test(s[i + 2] ?? '')) {
    b = 16;
    i += 2;
  } else if (s[i] === '0') b = 8;
  let hi = 0;
  let lo = 0;
  const start = i;
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 16);
    if (Number.isNaN(d) || d >= b) break;
    const l = lo * b + d;
    const carry = Math.floor(l / 4294967296);
    lo = l - carry * 4294967296;
    hi = hi * b + carry;
    if (hi >= 4294967296) return 'range';
  }
  if (i === start) return null;
  if (neg && (hi !== 0 || lo !== 0)) {
    // Two's complement of the 64-bit value.
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
  return { hi, lo };
}

/** A C integer literal (decimal, 0x hex, 0 octal) as byte_math's rvalue; null when not one. */
function parseCNumber(t: string): number | null {
  const s = t.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s.slice(2), 16);
  if (/^0[0-7]+$/.test(s)) return parseInt(s, 8);
  if (/^\d+$/.test(s)) return Number(s);
  return null;
}

/** byte_test:<nbytes>,[!]<op>,<value>,<offset>[,relative][,big|little][,string[,dec|hex|oct]][,bitmask N] */
export function parseByteTest(value: string, vars: ByteVars): ByteTestOp {
  const a = splitArgs(value);
  if (a.length < 4) throw invalidValue('byte_test', `needs nbytes, operator, value, offset: '${value}'`);
  const spec = new ByteSpec();
  if (!/^\d+$/.test(a[0]!)) throw invalidValue('byte_test', `bad byte count '${a[0]}'`);
  spec.nbytes = Number(a[0]);
  let opText = a[1]!.replace(/\s+/g, '');
  let negOp = false;
  if (opText.startsWith('!')) {
    negOp = true;
    opText = opText.slice(1);
  }
  const OPS: Record<string, number> = { '=': ByteOper.Eq, '<': ByteOper.Lt, '>': ByteOper.Gt, '&': ByteOper.And, '^': ByteOper.Xor, '>=': ByteOper.Ge, '<=': ByteOper.Le };
  const oper = opText === '' && negOp ? ByteOper.Eq : OPS[opText];
  if (oper === undefined) throw invalidValue('byte_test', `unknown operator '${a[1]}'`);
  let valueVar = -1;
  let vnum: U64 | null | 'range' = null;
  // Suricata: a value starting with a letter names a byte_extract/byte_math variable.
  if (/^[A-Za-z]/.test(a[2]!)) valueVar = vars.lookup(a[2]!, 'byte_test');
  else {
    vnum = parseStrtoull(a[2]!);
    if (vnum === 'range') throw invalidValue('byte_test', `value '${a[2]}' does not fit in 64 bits`);
    if (vnum === null) throw invalidValue('byte_test', `bad value '${a[2]}'`);
  }
  const off = intOrVar('byte_test', a[3]!, vars, -65535, 65535);
  spec.offset = off.value;
  spec.offsetVar = off.varSlot;
  for (const w of a.slice(4)) {
    if (!byteOption(spec, w, 'byte_test')) throw invalidValue('byte_test', `unknown option '${w}'`);
  }
  checkNbytes('byte_test', spec);
  // nbytes 0 is accepted as Suricata does: with "string" it reads the whole number there
  // (ByteExtractString's unbounded length), without it the value is 0.
  if (vnum === null) return new ByteTestOp(spec, oper, negOp, 0, valueVar);
  return new ByteTestOp(spec, oper, negOp, vnum.hi * 4294967296 + vnum.lo, -1, vnum.hi, vnum.lo);
}

/** byte_jump:<nbytes>,<offset>[,relative][,multiplier N][,big|little][,string[,base]][,align][,from_beginning|from_end][,post_offset N][,bitmask N] */
export function parseByteJump(value: string, vars: ByteVars): ByteJumpOp {
  const a = splitArgs(value);
  if (a.length < 2) throw invalidValue('byte_jump', `needs nbytes and offset: '${value}'`);
  const spec = new ByteSpec();
  const nb = intOrVar('byte_jump', a[0]!, vars, 0, 23);
  spec.nbytes = nb.value;
  spec.nbytesVar = nb.varSlot;
  const off = intOrVar('byte_jump', a[1]!, vars, -65535, 65535);
  spec.offset = off.value;
  spec.offsetVar = off.varSlot;
  const op = new ByteJumpOp(spec);
  for (const w of a.slice(2)) {
    if (byteOption(spec, w, 'byte_jump')) continue;
    const lw = w.toLowerCase();
    let m: RegExpExecArray | null;
    if (lw === 'align') op.align = true;
    else if (lw === 'from_beginning') op.fromBeginning = true;
    else if (lw === 'from_end') op.fromEnd = true;
    else if ((m = /^multiplier\s+(\d+)$/i.exec(w))) {
      // Suricata parses the multiplier as a uint32 (0 included).
      const v = Number(m[1]);
      if (v > 0xffffffff) throw invalidValue('byte_jump', `bad multiplier '${m[1]}'`);
      op.multiplier = v;
    } else if ((m = /^post_offset\s+(-?\d+)$/i.exec(w))) {
      // ... and post_offset as an int32.
      const v = Number(m[1]);
      if (v < -2147483648 || v > 2147483647) throw invalidValue('byte_jump', `bad post_offset '${m[1]}'`);
      op.postOffset = v;
    } else throw invalidValue('byte_jump', `unknown option '${w}'`);
  }
  if (op.fromBeginning && op.fromEnd) throw invalidValue('byte_jump', "'from_beginning' and 'from_end' together");
  checkNbytes('byte_jump', spec);
  return op;
}

/** byte_extract:<nbytes>,<offset>,<name>[,relative][,multiplier N][,big|little][,string[,base]][,align 2|4] */
export function parseByteExtract(value: string, vars: ByteVars): ByteExtractOp {
  const a = splitArgs(value);
  if (a.length < 3) throw invalidValue('byte_extract', `needs nbytes, offset and a name: '${value}'`);
  const spec = new ByteSpec();
  if (!/^\d+$/.test(a[0]!)) throw invalidValue('byte_extract', `bad byte count '${a[0]}'`);
  spec.nbytes = Number(a[0]);
  if (!/^-?\d+$/.test(a[1]!) || Math.abs(Number(a[1])) > 65535) throw invalidValue('byte_extract', `bad offset '${a[1]}'`);
  spec.offset = Number(a[1]);
  const name = a[2]!;
  if (!/^[A-Za-z_][\w.-]*$/.test(name)) throw invalidValue('byte_extract', `bad variable name '${name}'`);
  let multiplier = 1;
  let alignValue = 0;
  for (const w of a.slice(3)) {
    const lw = w.toLowerCase();
    // Suricata: the base must follow "string" ("string, hex", not "hex, string").
    if ((lw === 'dec' || lw === 'hex' || lw === 'oct') && !spec.string) {
      throw invalidValue('byte_extract', `base '${w}' before "string" (write "string, ${lw}")`);
    }
    if (byteOption(spec, w, 'byte_extract')) continue;
    let m: RegExpExecArray | null;
    if ((m = /^multiplier\s+(\d+)$/i.exec(w))) {
      multiplier = Number(m[1]);
      if (multiplier < 1 || multiplier > 65535) throw invalidValue('byte_extract', `bad multiplier '${m[1]}'`);
    } else if ((m = /^align\s+(\d+)$/i.exec(w))) {
      alignValue = Number(m[1]);
      if (alignValue !== 2 && alignValue !== 4) throw invalidValue('byte_extract', `align must be 2 or 4, got '${m[1]}'`);
    } else throw invalidValue('byte_extract', `unknown option '${w}'`);
  }
  if (spec.string && spec.base === 0) spec.base = 10;
  if (spec.string && spec.endianSet) throw invalidValue('byte_extract', '"string" with an endianness (big/little)');
  checkNbytes('byte_extract', spec);
  // byte_extract's string limits depend on the base: the most digits a uint64 has in it.
  const maxDigits = spec.base === 8 ? 23 : spec.base === 16 ? 14 : 20;
  if (spec.string && spec.nbytes > maxDigits) {
    throw invalidValue('byte_extract', `cannot extract ${spec.nbytes} bytes as a base-${spec.base} string (max ${maxDigits})`);
  }
  const op = new ByteExtractOp(spec, vars.define(name, 'byte_extract'), name);
  op.multiplier = multiplier;
  op.alignValue = alignValue;
  return op;
}

/** isdataat:[!]<n|var>[,relative][,rawbytes] */
export function parseIsdataat(value: string, vars: ByteVars): IsdataatOp {
  const a = splitArgs(value);
  let first = a[0]!;
  let negated = false;
  if (first.startsWith('!')) {
    negated = true;
    first = first.slice(1).trim();
  }
  const v = intOrVar('isdataat', first, vars, 0, 65535);
  let relative = false;
  for (const w of a.slice(1)) {
    if (w === 'relative') relative = true;
    else if (w === 'rawbytes') continue;
    else throw invalidValue('isdataat', `unknown option '${w}'`);
  }
  return new IsdataatOp(v.value, v.varSlot, relative, negated);
}
