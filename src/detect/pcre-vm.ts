/**
 * Bounded pcre matcher: the JavaScript source that pcre.ts translates a PCRE pattern to is
 * compiled once, at load, to a small backtracking program run over the payload bytes.
 *
 * Why not RegExp: V8's irregexp cannot be interrupted, so one catastrophic pattern
 * (`(a|aa)+$`, `.*.*.*.*=`) stalls the whole sink for seconds on a 25-byte payload, and no
 * pattern heuristic catches every such shape. Here the time is bounded by construction:
 *  - a search gives up after PCRE_MATCH_LIMIT steps (Suricata bounds PCRE2 the same way with
 *    its match limit; the keyword then does not match and the hit is counted);
 *  - without back references each (instruction, position) state is tried at most once per
 *    search (a visited bitmap, as RE2's BitState), so ordinary patterns cost O(program ×
 *    payload) and never come near the limit; the first match found is still the leftmost,
 *    PCRE-priority one.
 * The native `re2` binding was not adopted (README "pcre matching time"): its current release
 * needs Node >= 22, and RE2 lacks back references and lookaround, which rules and the byte-
 * exact translation use, so a bounded engine like this one is needed in any case.
 *
 * Matching runs on the bytes themselves (no per-packet string) with preallocated stacks.
 * Case folding under /i is ASCII only, as PCRE2 in byte mode with its default tables.
 */
import { RuleError } from './rule-error.js';

/** Steps (instructions executed) one search may take before it is abandoned as no match. */
export const PCRE_MATCH_LIMIT = 75_000;
/** Largest compiled program (instructions); counted repetitions are expanded. */
export const PCRE_MAX_PROGRAM = 1 << 16;
/** Largest visited bitmap (bits); past it a search runs without one, under the step limit. */
const MEMO_MAX_BITS = 1 << 25;

const OP_CHAR = 0;
const OP_CLASS = 1;
const OP_SPLIT = 2;
const OP_JMP = 3;
const OP_SAVE = 4;
const OP_BOL = 5;
const OP_EOL = 6;
const OP_WORDB = 7;
const OP_BACKREF = 8;
const OP_LOOK = 9;
const OP_MATCH = 10;

const LOOK_NEG = 1;
const LOOK_BEHIND = 2;

export class PcreProgram {
  constructor(
    /** 4 ints per instruction: op, a, b, c. */
    readonly code: Int32Array,
    /** 256 bytes per class, 1 = member. */
    readonly classes: Uint8Array,
    /** Capture slots (2 per group, group 0 unused) when the pattern has back references. */
    readonly caps: Int32Array | null,
    readonly fold: boolean,
    /** Lookbehind start offsets (fixed widths of its alternatives), by LOOK's c operand. */
    readonly lookWidths: Int32Array[],
    /** Bytes a match can start with, or null when unknown / it may be empty. */
    readonly first: Uint8Array | null,
    /** The pattern starts with ^ (not /m): only position 0 can match. */
    readonly bol: boolean,
  ) {}
  get size(): number {
    return this.code.length >> 2;
  }
  /**
   * Why a search over `len` bytes may end at the step limit rather than in linear time
   * (null: it cannot): back references, or a program too large for the visited bitmap.
   */
  limitOnly(len: number): string | null {
    if (this.caps !== null) return 'back references';
    if (this.size * (len + 1) > MEMO_MAX_BITS) return `program of ${this.size} instructions`;
    return null;
  }
}

// ---- parsing (of the translated JavaScript source) ----

type Node =
  | { t: 'set'; set: Uint8Array; op?: number; arg?: number }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; cap: number; body: Node }
  | { t: 'rep'; min: number; max: number; greedy: boolean; body: Node }
  | { t: 'bol' }
  | { t: 'eol' }
  | { t: 'wordb'; neg: boolean }
  | { t: 'backref'; n: number }
  | { t: 'look'; behind: boolean; neg: boolean; body: Node };

function bad(what: string): RuleError {
  return new RuleError(`pcre: ${what} not supported by the bounded matcher`, 'unsupported pcre syntax');
}

const isWordByte = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

function rangeSet(set: Uint8Array, lo: number, hi: number): void {
  for (let c = lo; c <= hi && c <= 255; c++) set[c] = 1;
}

/** JS meanings of \d \w \s over latin1 (\s adds 0xa0 in JS). */
function escapeSet(e: string, set: Uint8Array): boolean {
  const lower = e.toLowerCase();
  if (lower !== 'd' && lower !== 'w' && lower !== 's') return false;
  const tmp = new Uint8Array(256);
  if (lower === 'd') rangeSet(tmp, 48, 57);
  else if (lower === 'w') for (let c = 0; c < 256; c++) tmp[c] = isWordByte(c) ? 1 : 0;
  else {
    rangeSet(tmp, 9, 13);
    tmp[32] = 1;
    tmp[0xa0] = 1;
  }
  const neg = e !== lower;
  for (let c = 0; c < 256; c++) if (tmp[c] !== (neg ? 1 : 0)) set[c] = 1;
  return true;
}

class Parser {
  i = 0;
  groups = 0;
  names = new Map<string, number>();
  totalGroups = 0;
  hasBackref = false;
  constructor(readonly s: string) {
    // Group numbers in order of '(' (named ones included), for \N and \k<name>.
    let inClass = false;
    let n = 0;
    for (let j = 0; j < s.length; j++) {
      const c = s[j];
      if (c === '\\') j++;
      else if (inClass) inClass = c !== ']';
      else if (c === '[') {
        inClass = true;
        if (s[j + 1] === '^') j++;
      } else if (c === '(') {
        if (s[j + 1] !== '?') n++;
        else {
          const m = /^\(\?<([A-Za-z_]\w*)>/.exec(s.slice(j));
          if (m) this.names.set(m[1]!, ++n);
        }
      }
    }
    this.totalGroups = n;
  }

  parse(): Node {
    const node = this.alt();
    if (this.i < this.s.length) throw bad(`unbalanced ')'`);
    return node;
  }

  private alt(): Node {
    const alts = [this.seq()];
    while (this.s[this.i] === '|') {
      this.i++;
      alts.push(this.seq());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private seq(): Node {
    const items: Node[] = [];
    const s = this.s;
    while (this.i < s.length && s[this.i] !== '|' && s[this.i] !== ')') {
      let atom = this.atom();
      for (;;) {
        const q = this.quant();
        if (q === null) break;
        if (atom.t === 'bol' || atom.t === 'eol' || atom.t === 'wordb' || atom.t === 'look') throw bad('a quantified assertion');
        atom = { t: 'rep', min: q[0], max: q[1], greedy: q[2], body: atom };
      }
      items.push(atom);
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private quant(): [number, number, boolean] | null {
    const s = this.s;
    const c = s[this.i];
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, -1];
    else if (c === '+') [min, max] = [1, -1];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i, this.i + 24));
      if (!m) return null;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
      if (max !== -1 && max < min) throw new RuleError(`pcre: numbers out of order in {${m[1]}${m[2]}}`, "invalid 'pcre'");
      this.i += m[0].length - 1;
    } else return null;
    this.i++;
    let greedy = true;
    if (s[this.i] === '?') {
      greedy = false;
      this.i++;
    }
    return [min, max, greedy];
  }

  private atom(): Node {
    const s = this.s;
    const c = s[this.i]!;
    this.i++;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.cls();
      case '^':
        return { t: 'bol' };
      case '$':
        return { t: 'eol' };
      case '.': {
        const set = new Uint8Array(256).fill(1);
        set[10] = 0;
        set[13] = 0;
        return { t: 'set', set };
      }
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw new RuleError(`pcre: nothing to repeat before '${c}'`, "invalid 'pcre'");
      default:
        return this.lit(c.charCodeAt(0));
    }
  }

  private lit(code: number): Node {
    const set = new Uint8Array(256);
    if (code <= 255) set[code] = 1;
    return { t: 'set', set };
  }

  private group(): Node {
    const s = this.s;
    let node: Node;
    if (s[this.i] === '?') {
      const rest = s.slice(this.i + 1, this.i + 3);
      if (rest[0] === ':') {
        this.i += 2;
        node = this.alt();
      } else if (rest[0] === '=' || rest[0] === '!') {
        this.i += 2;
        node = { t: 'look', behind: false, neg: rest[0] === '!', body: this.alt() };
      } else if (rest === '<=' || rest === '<!') {
        this.i += 3;
        node = { t: 'look', behind: true, neg: rest === '<!', body: this.alt() };
      } else {
        const m = /^\?<([A-Za-z_]\w*)>/.exec(s.slice(this.i));
        if (!m) throw bad(`'(?${rest}' groups`);
        this.i += m[0].length;
        const cap = ++this.groups;
        node = { t: 'group', cap, body: this.alt() };
      }
    } else {
      const cap = ++this.groups;
      node = { t: 'group', cap, body: this.alt() };
    }
    if (s[this.i] !== ')') throw new RuleError("pcre: missing ')'", "invalid 'pcre'");
    this.i++;
    return node;
  }

  /** One escape value inside or outside a class: a code, or -1 when it was a set (added). */
  private escCode(e: string, set: Uint8Array | null): number {
    const s = this.s;
    switch (e) {
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'v':
        return 11;
      case 'f':
        return 12;
      case 'r':
        return 13;
      case '0':
        return 0;
      case 'x':
      case 'u': {
        const n = e === 'x' ? 2 : 4;
        const h = s.slice(this.i, this.i + n);
        if (h.length === n && /^[0-9a-fA-F]+$/.test(h)) {
          this.i += n;
          const v = parseInt(h, 16);
          return v <= 255 ? v : 0x100;
        }
        return e.charCodeAt(0);
      }
      case 'c': {
        const l = s[this.i];
        if (l !== undefined && /[A-Za-z]/.test(l)) {
          this.i++;
          return l.charCodeAt(0) % 32;
        }
        return 92; // a lone "\c" is a backslash and a 'c' in annex B; keep the backslash
      }
      default:
        if (set !== null && escapeSet(e, set)) return -1;
        return e.charCodeAt(0);
    }
  }

  private escape(): Node {
    const s = this.s;
    const e = s[this.i];
    if (e === undefined) throw new RuleError('pcre: pattern ends with a backslash', "invalid 'pcre'");
    this.i++;
    if (e === 'b' || e === 'B') return { t: 'wordb', neg: e === 'B' };
    if (e >= '1' && e <= '9') {
      let d = e;
      while (this.i < s.length && /[0-9]/.test(s[this.i]!)) d += s[this.i++];
      const n = Number(d);
      if (n > this.totalGroups) throw bad(`back reference \\${d} to a missing group`);
      this.hasBackref = true;
      return { t: 'backref', n };
    }
    if (e === 'k') {
      const m = /^<([A-Za-z_]\w*)>/.exec(s.slice(this.i));
      const n = m ? this.names.get(m[1]!) : undefined;
      if (!m || n === undefined) throw bad('\\k without a named group');
      this.i += m[0].length;
      this.hasBackref = true;
      return { t: 'backref', n };
    }
    const set = new Uint8Array(256);
    const code = this.escCode(e, set);
    if (code === -1) return { t: 'set', set };
    return this.lit(code);
  }

  private cls(): Node {
    const s = this.s;
    const set = new Uint8Array(256);
    let neg = false;
    if (s[this.i] === '^') {
      neg = true;
      this.i++;
    }
    let first = true;
    for (;;) {
      if (this.i >= s.length) throw new RuleError("pcre: unterminated '['", "invalid 'pcre'");
      let c = s[this.i]!;
      if (c === ']' && first) {
        // JS: '[]' never matches, '[^]' matches anything.
        this.i++;
        break;
      }
      if (c === ']') {
        this.i++;
        break;
      }
      first = false;
      this.i++;
      let lo: number;
      if (c === '\\') {
        const e = s[this.i++];
        if (e === undefined) throw new RuleError("pcre: unterminated '['", "invalid 'pcre'");
        lo = e === 'b' ? 8 : this.escCode(e, set);
        if (lo === -1) continue;
      } else lo = c.charCodeAt(0);
      if (s[this.i] === '-' && s[this.i + 1] !== ']' && this.i + 1 < s.length) {
        this.i++;
        c = s[this.i++]!;
        let hi: number;
        if (c === '\\') {
          const e = s[this.i++]!;
          hi = e === 'b' ? 8 : this.escCode(e, set);
          if (hi === -1) {
            // [a-\d]: JS annex B treats '-' literally.
            if (lo <= 255) set[lo] = 1;
            set[45] = 1;
            continue;
          }
        } else hi = c.charCodeAt(0);
        if (hi < lo) throw new RuleError('pcre: range out of order in character class', "invalid 'pcre'");
        rangeSet(set, lo, hi);
      } else if (lo <= 255) set[lo] = 1;
    }
    if (neg) for (let c = 0; c < 256; c++) set[c] = set[c] ? 0 : 1;
    return { t: 'set', set };
  }
}

// ---- compilation ----

/** Fixed width of a node in bytes, or -1 when it varies. */
function width(n: Node): number {
  switch (n.t) {
    case 'set':
      return 1;
    case 'seq': {
      let w = 0;
      for (const it of n.items) {
        const x = width(it);
        if (x < 0) return -1;
        w += x;
      }
      return w;
    }
    case 'alt': {
      const w = width(n.alts[0]!);
      for (const a of n.alts) if (width(a) !== w) return -1;
      return w;
    }
    case 'group':
      return width(n.body);
    case 'rep': {
      const w = width(n.body);
      return n.min === n.max && w >= 0 ? w * n.min : w === 0 ? 0 : -1;
    }
    case 'backref':
      return -1;
    default:
      return 0;
  }
}

class Compiler {
  code: number[] = [];
  classes: Uint8Array[] = [];
  classIndex = new Map<string, number>();
  lookWidths: Int32Array[] = [];
  constructor(
    readonly fold: boolean,
    readonly caps: boolean,
  ) {}

  emit(op: number, a = 0, b = 0, c = 0): number {
    const pc = this.code.length >> 2;
    if (pc >= PCRE_MAX_PROGRAM) throw new RuleError(`pcre: pattern too large for the bounded matcher (over ${PCRE_MAX_PROGRAM} instructions)`, 'pcre too large');
    this.code.push(op, a, b, c);
    return pc;
  }

  get pc(): number {
    return this.code.length >> 2;
  }

  patch(pc: number, slot: 1 | 2, v: number): void {
    this.code[pc * 4 + slot] = v;
  }

  /** Emits CHAR or CLASS for a set node; the choice is cached on the node (repetitions are expanded). */
  set(n: { set: Uint8Array; op?: number; arg?: number }): void {
    if (n.op === undefined) this.resolve(n);
    this.emit(n.op!, n.arg!);
  }

  private resolve(n: { set: Uint8Array; op?: number; arg?: number }): void {
    const set = n.set;
    let s = set;
    if (this.fold) {
      s = set.slice();
      for (let c = 65; c <= 90; c++) if (set[c] || set[c + 32]) s[c] = s[c + 32] = 1;
    }
    let count = 0;
    let only = 0;
    for (let c = 0; c < 256; c++) if (s[c]) (count++, (only = c));
    if (count === 1) {
      n.op = OP_CHAR;
      n.arg = only;
      return;
    }
    const key = Buffer.from(s).toString('latin1');
    let idx = this.classIndex.get(key);
    if (idx === undefined) {
      idx = this.classes.length;
      this.classes.push(s);
      this.classIndex.set(key, idx);
    }
    n.op = OP_CLASS;
    n.arg = idx;
  }

  node(n: Node): void {
    switch (n.t) {
      case 'set':
        this.set(n);
        return;
      case 'seq':
        for (const it of n.items) this.node(it);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let k = 0; k < n.alts.length; k++) {
          if (k < n.alts.length - 1) {
            const split = this.emit(OP_SPLIT);
            this.patch(split, 1, this.pc);
            this.node(n.alts[k]!);
            jumps.push(this.emit(OP_JMP));
            this.patch(split, 2, this.pc);
          } else this.node(n.alts[k]!);
        }
        for (const j of jumps) this.patch(j, 1, this.pc);
        return;
      }
      case 'group':
        if (this.caps) this.emit(OP_SAVE, 2 * n.cap);
        this.node(n.body);
        if (this.caps) this.emit(OP_SAVE, 2 * n.cap + 1);
        return;
      case 'rep': {
        for (let k = 0; k < n.min; k++) this.node(n.body);
        if (n.max === -1) {
          const split = this.emit(OP_SPLIT);
          const body = this.pc;
          this.node(n.body);
          this.emit(OP_JMP, split);
          this.patch(split, n.greedy ? 1 : 2, body);
          this.patch(split, n.greedy ? 2 : 1, this.pc);
        } else {
          const splits: number[] = [];
          for (let k = n.min; k < n.max; k++) {
            const split = this.emit(OP_SPLIT);
            splits.push(split);
            this.patch(split, n.greedy ? 1 : 2, this.pc);
            this.node(n.body);
          }
          for (const sp of splits) this.patch(sp, n.greedy ? 2 : 1, this.pc);
        }
        return;
      }
      case 'bol':
        this.emit(OP_BOL);
        return;
      case 'eol':
        this.emit(OP_EOL);
        return;
      case 'wordb':
        this.emit(OP_WORDB, n.neg ? 1 : 0);
        return;
      case 'backref':
        this.emit(OP_BACKREF, n.n);
        return;
      case 'look': {
        let widx = 0;
        if (n.behind) {
          const alts = n.body.t === 'alt' ? n.body.alts : [n.body];
          const ws = new Set<number>();
          for (const a of alts) {
            const w = width(a);
            if (w < 0) throw bad('variable-length lookbehind');
            ws.add(w);
          }
          widx = this.lookWidths.length;
          this.lookWidths.push(Int32Array.from(ws));
        }
        const look = this.emit(OP_LOOK, 0, (n.neg ? LOOK_NEG : 0) | (n.behind ? LOOK_BEHIND : 0), widx);
        const jmp = this.emit(OP_JMP);
        this.patch(look, 1, this.pc);
        this.node(n.body);
        this.emit(OP_MATCH);
        this.patch(jmp, 1, this.pc);
        return;
      }
    }
  }
}

function firstBytes(code: Int32Array, classes: Uint8Array): Uint8Array | null {
  const set = new Uint8Array(256);
  const seen = new Uint8Array(code.length >> 2);
  const todo = [0];
  while (todo.length > 0) {
    const pc = todo.pop()!;
    if (seen[pc] === 1) continue;
    seen[pc] = 1;
    const k = pc * 4;
    switch (code[k]) {
      case OP_CHAR:
        set[code[k + 1]!] = 1;
        break;
      case OP_CLASS: {
        const at = code[k + 1]! * 256;
        for (let c = 0; c < 256; c++) if (classes[at + c] === 1) set[c] = 1;
        break;
      }
      case OP_SPLIT:
        todo.push(code[k + 1]!, code[k + 2]!);
        break;
      case OP_JMP:
        todo.push(code[k + 1]!);
        break;
      case OP_LOOK:
        todo.push(code[k + 5]!); // the JMP over the body
        break;
      case OP_SAVE:
      case OP_BOL:
      case OP_EOL:
      case OP_WORDB:
        todo.push(pc + 1);
        break;
      default:
        return null; // MATCH (empty match possible) or BACKREF
    }
  }
  return set;
}

/**
 * Compile translated JavaScript regex source (see translatePcre) with the /i flag `fold`.
 * Throws RuleError for what it cannot run.
 */
export function compileProgram(source: string, fold: boolean, captures = false): PcreProgram {
  const p = new Parser(source);
  const ast = p.parse();
  // `captures`: record groups even without back references (pcrexform reads group 1).
  const c = new Compiler(fold, p.hasBackref || captures);
  c.node(ast);
  c.emit(OP_MATCH);
  const code = Int32Array.from(c.code);
  const classes = new Uint8Array(c.classes.length * 256);
  c.classes.forEach((s, k) => classes.set(s, k * 256));
  // Bytes a match can start with: the union of what the instructions reachable from the start
  // without consuming accept (assertions are passed through, which only widens the set). An
  // empty match or a back reference first leaves it unknown.
  const first = firstBytes(code, classes);
  let pc = 0;
  while (code[pc * 4] === OP_SAVE) pc++;
  const caps = p.hasBackref || captures ? new Int32Array(2 * (p.totalGroups + 1)) : null;
  return new PcreProgram(code, classes, caps, fold, c.lookWidths, first, code[pc * 4] === OP_BOL);
}

// ---- matching ----

// Shared scratch (single-threaded): each step pushes at most one 2-int entry.
const stack = new Int32Array(2 * (PCRE_MATCH_LIMIT + 64));
let sp = 0;
let memo = new Uint32Array(1024);
const dirty = new Int32Array(PCRE_MATCH_LIMIT + 64);
let nDirty = 0;
let steps = 0;
export function pcreLastSteps(): number {
  return steps;
}
let limitHit = false;

/** Start and end (exclusive) of the last match found by pcreSearch. */
export const pcreMatch = { start: 0, end: 0 };

const isWordAt = (buf: Uint8Array, base: number, pos: number, len: number) => pos >= 0 && pos < len && isWordByte(buf[base + pos]!);

function foldEq(a: number, b: number): boolean {
  if (a === b) return true;
  const la = a >= 65 && a <= 90 ? a + 32 : a;
  const lb = b >= 65 && b <= 90 ? b + 32 : b;
  return la === lb && la >= 97 && la <= 122;
}

/**
 * Depth-first, priority-ordered run from (pc0, pos0). Returns the end position of the first
 * path reaching MATCH (at `target` when >= 0), or -1. memoW > 0 enables the visited bitmap.
 */
function run(prog: PcreProgram, pc0: number, pos0: number, buf: Uint8Array, base: number, len: number, target: number, memoW: number): number {
  const code = prog.code;
  const classes = prog.classes;
  const caps = prog.caps;
  const baseSp = sp;
  stack[sp++] = pc0;
  stack[sp++] = pos0;
  while (sp > baseSp) {
    let pos = stack[--sp]!;
    let pc = stack[--sp]!;
    if (pc < 0) {
      caps![-pc - 1] = pos;
      continue;
    }
    thread: for (;;) {
      if (memoW > 0) {
        const bit = pc * memoW + pos;
        const w = bit >>> 5;
        const m = 1 << (bit & 31);
        const v = memo[w]!;
        if ((v & m) !== 0) break;
        if (v === 0) dirty[nDirty++] = w;
        memo[w] = v | m;
      }
      if (++steps > PCRE_MATCH_LIMIT) {
        limitHit = true;
        sp = baseSp;
        return -1;
      }
      const k = pc << 2;
      switch (code[k]) {
        case OP_CHAR:
          if (pos < len && buf[base + pos] === code[k + 1]) {
            pc++;
            pos++;
            continue;
          }
          break thread;
        case OP_CLASS:
          if (pos < len && classes[(code[k + 1]! << 8) + buf[base + pos]!] === 1) {
            pc++;
            pos++;
            continue;
          }
          break thread;
        case OP_SPLIT:
          stack[sp++] = code[k + 2]!;
          stack[sp++] = pos;
          pc = code[k + 1]!;
          continue;
        case OP_JMP:
          pc = code[k + 1]!;
          continue;
        case OP_SAVE: {
          const slot = code[k + 1]!;
          stack[sp++] = -slot - 1;
          stack[sp++] = caps![slot]!;
          caps![slot] = pos;
          pc++;
          continue;
        }
        case OP_BOL:
          if (pos !== 0) break thread;
          pc++;
          continue;
        case OP_EOL:
          if (pos !== len) break thread;
          pc++;
          continue;
        case OP_WORDB: {
          const at = isWordAt(buf, base, pos - 1, len) !== isWordAt(buf, base, pos, len);
          if (at === (code[k + 1] === 1)) break thread;
          pc++;
          continue;
        }
        case OP_BACKREF: {
          const n = code[k + 1]!;
          const s = caps![2 * n]!;
          const e = caps![2 * n + 1]!;
          // PCRE: a reference to a group that has not matched fails.
          if (s < 0 || e < s) break thread;
          const l = e - s;
          if (pos + l > len) break thread;
          for (let j = 0; j < l; j++) {
            const a = buf[base + s + j]!;
            const b = buf[base + pos + j]!;
            if (a !== b && !(prog.fold && foldEq(a, b))) break thread;
          }
          pos += l;
          pc++;
          continue;
        }
        case OP_LOOK: {
          const flags = code[k + 2]!;
          let ok = false;
          // Lookaround bodies run without the bitmap: a success there leaves marks behind.
          if ((flags & LOOK_BEHIND) === 0) ok = run(prog, code[k + 1]!, pos, buf, base, len, -1, 0) >= 0;
          else {
            const ws = prog.lookWidths[code[k + 3]!]!;
            for (let j = 0; j < ws.length && !ok; j++) {
              const from = pos - ws[j]!;
              if (from >= 0) ok = run(prog, code[k + 1]!, from, buf, base, len, pos, 0) >= 0;
              if (limitHit) break;
            }
          }
          if (limitHit) {
            sp = baseSp;
            return -1;
          }
          if ((flags & LOOK_NEG) !== 0) ok = !ok;
          if (!ok) break thread;
          pc = code[k + 5]!; // the target of the JMP over the body
          continue;
        }
        case OP_MATCH:
          if (target >= 0 && pos !== target) break thread;
          sp = baseSp;
          return pos;
        default:
          break thread;
      }
    }
  }
  return -1;
}

/** What pcreSearch found. */
export const PcreResult = { NoMatch: 0, Match: 1, Limit: -1 } as const;

/**
 * Leftmost match of `prog` in buf[base, base+len) starting at `start` (only there when
 * `anchored`). 1: match (pcreMatch holds it), 0: none, -1: PCRE_MATCH_LIMIT reached.
 */
export function pcreSearch(prog: PcreProgram, buf: Uint8Array, base: number, len: number, start: number, anchored: boolean): number {
  steps = 0;
  limitHit = false;
  sp = 0;
  nDirty = 0;
  const caps = prog.caps;
  let memoW = 0;
  if (caps === null) {
    const bits = prog.size * (len + 1);
    if (bits <= MEMO_MAX_BITS) {
      const words = (bits + 31) >>> 5;
      if (memo.length < words) memo = new Uint32Array(Math.max(words, memo.length * 2));
      memoW = len + 1;
    }
  }
  const first = prog.first;
  if (prog.bol && start > 0) return PcreResult.NoMatch;
  const last = anchored || prog.bol ? start : len;
  let result: number = PcreResult.NoMatch;
  for (let s = start; s <= last; s++) {
    if (first !== null && (s >= len || first[buf[base + s]!] !== 1)) continue;
    if (caps !== null) caps.fill(-1);
    const end = run(prog, 0, s, buf, base, len, -1, memoW);
    if (end >= 0) {
      pcreMatch.start = s;
      pcreMatch.end = end;
      result = PcreResult.Match;
      break;
    }
    if (limitHit) {
      result = PcreResult.Limit;
      break;
    }
  }
  for (let j = 0; j < nDirty; j++) memo[dirty[j]!] = 0;
  return result;
}
