/**
 * Regular expressions of a flows query (`like /.../`, `=~`), matched in time linear in the
 * text by construction: the pattern becomes a Thompson automaton, simulated over the text with
 * every live state at once (a Pike VM without captures), so no pattern can backtrack. Only
 * "does it match" is asked, so greedy and lazy repeats are the same, and groups only group.
 *
 * JavaScript syntax: literals, escapes (\d \w \s and their negations, \b \B, \t \n \r \f \v
 * \0, \xHH, \uHHHH, \u{...}, escaped punctuation), '.', classes with ranges and negation,
 * ^ $, groups ((...), (?:...), (?<name>...)), alternation, * + ? {n} {n,} {n,m} (lazy too).
 * Flags: i, m, s (g, y, u, d are accepted and change nothing for a yes/no match).
 * Refused, with the reason: backreferences and lookarounds (no automaton expresses them),
 * \p{...} classes, and patterns whose counted repeats expand past MAX_PROGRAM instructions.
 * Each step costs at most the program's size: a match is O(text × pattern).
 */

/** Largest automaton (instructions) a pattern may compile to: a{1000}{1000} is refused. */
export const MAX_PROGRAM = 20_000;

/** A compiled pattern. */
export interface BoundedRegex {
  readonly source: string;
  test(text: string): boolean;
}

type Pred = (c: number) => boolean;

type Node =
  | { t: 'char'; pred: Pred }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'bol' }
  | { t: 'eol' }
  | { t: 'wordb'; neg: boolean };

const isDigit: Pred = (c) => c >= 48 && c <= 57;
const isWord: Pred = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: Pred = (c) =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
const isLineEnd = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

class RegexSyntaxError extends Error {}

/** Deepest group nesting: the parser and compiler recurse once per level. */
const MAX_GROUP_DEPTH = 100;

class PatternParser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly src: string,
    private readonly dotAll: boolean,
  ) {}

  parse(): Node {
    const n = this.alt();
    if (this.i < this.src.length) throw new RegexSyntaxError(`unmatched ')' at ${this.i + 1}`);
    return n;
  }

  private alt(): Node {
    const items = [this.cat()];
    while (this.src[this.i] === '|') {
      this.i++;
      items.push(this.cat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private cat(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') items.push(this.repeat(this.atom()));
    return { t: 'cat', items };
  }

  private repeat(node: Node): Node {
    for (;;) {
      const c = this.src[this.i];
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (m === null) return node; // a literal '{'
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) throw new RegexSyntaxError('numbers out of order in {} quantifier');
        this.i += m[0].length - 1;
      } else return node;
      this.i++;
      if (this.src[this.i] === '?') this.i++; // lazy: the same for a yes/no match
      if (node.t === 'bol' || node.t === 'eol' || node.t === 'wordb') throw new RegexSyntaxError('nothing to repeat');
      node = { t: 'rep', node, min, max };
    }
  }

  private atom(): Node {
    const c = this.src[this.i]!;
    this.i++;
    switch (c) {
      case '^':
        return { t: 'bol' };
      case '$':
        return { t: 'eol' };
      case '.':
        return { t: 'char', pred: this.dotAll ? () => true : (x) => !isLineEnd(x) };
      case '[':
        return { t: 'char', pred: this.cls() };
      case '(': {
        if (this.src[this.i] === '?') {
          const k = this.src[this.i + 1];
          const k2 = this.src[this.i + 2];
          if (k === '=' || k === '!' || (k === '<' && (k2 === '=' || k2 === '!'))) throw new RegexSyntaxError('lookarounds are not supported');
          if (k === ':') this.i += 2;
          else if (k === '<') {
            const end = this.src.indexOf('>', this.i);
            if (end < 0) throw new RegexSyntaxError('unterminated group name');
            this.i = end + 1;
          } else throw new RegexSyntaxError(`unsupported group (?${k ?? ''}`);
        }
        if (++this.depth > MAX_GROUP_DEPTH) throw new RegexSyntaxError(`groups nested more than ${MAX_GROUP_DEPTH} deep`);
        const inner = this.alt();
        this.depth--;
        if (this.src[this.i] !== ')') throw new RegexSyntaxError("missing ')'");
        this.i++;
        return inner;
      }
      case ')':
        throw new RegexSyntaxError("unmatched ')'");
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError('nothing to repeat');
      case '\\':
        return this.escape(false);
      default: {
        const code = this.codePointBack();
        return { t: 'char', pred: (x) => x === code };
      }
    }
  }

  /** The code point of the character just consumed (a surrogate pair is one character). */
  private codePointBack(): number {
    const cp = this.src.codePointAt(this.i - 1)!;
    if (cp > 0xffff) this.i++;
    return cp;
  }

  /** After a backslash: an assertion, a class or one character. */
  private escape(inClass: boolean): Node {
    const c = this.src[this.i];
    if (c === undefined) throw new RegexSyntaxError('\\ at end of pattern');
    this.i++;
    switch (c) {
      case 'd':
        return { t: 'char', pred: isDigit };
      case 'D':
        return { t: 'char', pred: (x) => !isDigit(x) };
      case 'w':
        return { t: 'char', pred: isWord };
      case 'W':
        return { t: 'char', pred: (x) => !isWord(x) };
      case 's':
        return { t: 'char', pred: isSpace };
      case 'S':
        return { t: 'char', pred: (x) => !isSpace(x) };
      case 'b':
        if (inClass) return lit(8);
        return { t: 'wordb', neg: false };
      case 'B':
        if (inClass) throw new RegexSyntaxError('\\B in a class');
        return { t: 'wordb', neg: true };
      case 't':
        return lit(9);
      case 'n':
        return lit(10);
      case 'v':
        return lit(11);
      case 'f':
        return lit(12);
      case 'r':
        return lit(13);
      case '0':
        if (/[0-9]/.test(this.src[this.i] ?? '')) throw new RegexSyntaxError('octal escapes are not supported');
        return lit(0);
      case 'x': {
        const m = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
        if (m === null) return lit(120);
        this.i += 2;
        return lit(parseInt(m[0], 16));
      }
      case 'u': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(this.src.slice(this.i));
        if (braced !== null) {
          this.i += braced[0].length;
          return lit(parseInt(braced[1]!, 16));
        }
        const m = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.i));
        if (m === null) return lit(117);
        this.i += 4;
        return lit(parseInt(m[0], 16));
      }
      case 'k':
        if (this.src[this.i] === '<') throw new RegexSyntaxError('backreferences are not supported');
        return lit(107);
      case 'p':
      case 'P':
        throw new RegexSyntaxError(`\\${c}{...} classes are not supported`);
      case 'c':
        throw new RegexSyntaxError('\\c control escapes are not supported');
      default:
        if (c >= '1' && c <= '9') throw new RegexSyntaxError('backreferences are not supported');
        return lit(this.codePointBack());
    }
  }

  /** A class after its '[': one predicate. */
  private cls(): Pred {
    let negate = false;
    if (this.src[this.i] === '^') {
      negate = true;
      this.i++;
    }
    const parts: Pred[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) throw new RegexSyntaxError("missing ']'");
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      if (c === ']' && first) {
        // JavaScript: [] matches nothing, [^] anything.
        this.i++;
        return negate ? () => true : () => false;
      }
      first = false;
      const lo = this.classAtom();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.src[this.i + 1] !== undefined && typeof lo === 'number') {
        this.i++;
        const hi = this.classAtom();
        if (typeof hi !== 'number') throw new RegexSyntaxError('a class range ends in a class');
        if (hi < lo) throw new RegexSyntaxError('range out of order in character class');
        parts.push((x) => x >= lo && x <= hi);
      } else if (typeof lo === 'number') parts.push((x) => x === lo);
      else parts.push(lo);
    }
    const any: Pred = (x) => {
      for (const p of parts) if (p(x)) return true;
      return false;
    };
    return negate ? (x) => !any(x) : any;
  }

  /** One member of a class: a code point, or a predicate for \d \w \s and negations. */
  private classAtom(): number | Pred {
    const c = this.src[this.i]!;
    this.i++;
    if (c !== '\\') return this.codePointBack();
    const n = this.escape(true);
    if (n.t !== 'char') throw new RegexSyntaxError('an assertion in a class');
    return (n as { code?: number }).code ?? n.pred;
  }
}

function lit(code: number): Node & { code: number } {
  return { t: 'char', pred: (x) => x === code, code };
}

// ---------------------------------------------------------------- the automaton

const OP_CHAR = 0;
const OP_SPLIT = 1;
const OP_JMP = 2;
const OP_MATCH = 3;
const OP_BOL = 4;
const OP_EOL = 5;
const OP_WORDB = 6;
const OP_NWORDB = 7;

class Program {
  op: number[] = [];
  x: number[] = [];
  y: number[] = [];
  preds: Pred[] = [];

  emit(op: number, x = 0, y = 0): number {
    if (this.op.length >= MAX_PROGRAM) throw new RegexSyntaxError(`pattern too large (its repeats expand past ${MAX_PROGRAM} states)`);
    this.op.push(op);
    this.x.push(x);
    this.y.push(y);
    return this.op.length - 1;
  }

  compile(n: Node): void {
    switch (n.t) {
      case 'char':
        this.preds.push(n.pred);
        this.emit(OP_CHAR, this.preds.length - 1);
        return;
      case 'bol':
        this.emit(OP_BOL);
        return;
      case 'eol':
        this.emit(OP_EOL);
        return;
      case 'wordb':
        this.emit(n.neg ? OP_NWORDB : OP_WORDB);
        return;
      case 'cat':
        for (const it of n.items) this.compile(it);
        return;
      case 'alt': {
        // SPLIT a, next; a: item; JMP end; next: SPLIT ...
        const jumps: number[] = [];
        for (let k = 0; k < n.items.length; k++) {
          if (k < n.items.length - 1) {
            const split = this.emit(OP_SPLIT);
            this.x[split] = split + 1;
            this.compile(n.items[k]!);
            jumps.push(this.emit(OP_JMP));
            this.y[split] = this.op.length;
          } else this.compile(n.items[k]!);
        }
        for (const j of jumps) this.x[j] = this.op.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) this.compile(n.node);
        if (n.max === Infinity) {
          const split = this.emit(OP_SPLIT);
          this.x[split] = split + 1;
          this.compile(n.node);
          this.emit(OP_JMP, split);
          this.y[split] = this.op.length;
          return;
        }
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          const split = this.emit(OP_SPLIT);
          this.x[split] = split + 1;
          splits.push(split);
          this.compile(n.node);
        }
        for (const s of splits) this.y[s] = this.op.length;
        return;
      }
    }
  }
}

function foldCase(c: number): number {
  const s = String.fromCodePoint(c);
  const l = s.toLowerCase();
  const u = s.toUpperCase();
  if (l.length === s.length && l !== s) return l.codePointAt(0)!;
  if (u.length === s.length && u !== s) return u.codePointAt(0)!;
  return c;
}

/** Compile `source` with `flags`; throws an Error saying why a pattern is refused or invalid. */
export function boundedRegex(source: string, flags = ''): BoundedRegex {
  for (const f of flags) if (!'gimsuyd'.includes(f)) throw new Error(`unknown flag '${f}'`);
  // JavaScript's own parser says what is invalid the way users know it (compiled, never run).
  try {
    new RegExp(source, flags.replace(/[gy]/g, ''));
  } catch (err) {
    throw new Error((err as Error).message.replace(/^Invalid regular expression: /, ''));
  }
  let ast: Node;
  const prog = new Program();
  try {
    ast = new PatternParser(source, flags.includes('s')).parse();
    prog.compile(ast);
    prog.emit(OP_MATCH);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new Error(err.message);
    throw err;
  }
  const ignoreCase = flags.includes('i');
  const multiline = flags.includes('m');
  const { op, x, y, preds } = prog;
  const size = op.length;
  let clist = new Int32Array(size);
  let nlist = new Int32Array(size);
  const mark = new Uint32Array(size);
  const stack = new Int32Array(size * 2 + 2);
  let gen = 0;

  return {
    source,
    test(text: string): boolean {
      const n = text.length;
      let ccount = 0;
      let ncount = 0;
      // Follow jumps, splits and assertions from `pc` at position `i`; add the CHAR and MATCH
      // states reached to `list`. Returns true when MATCH is reached.
      const add = (list: Int32Array, count: number, start: number, i: number): number => {
        let sp = 0;
        stack[sp++] = start;
        while (sp > 0) {
          const pc = stack[--sp]!;
          if (mark[pc] === gen) continue;
          mark[pc] = gen;
          switch (op[pc]) {
            case OP_JMP:
              stack[sp++] = x[pc]!;
              break;
            case OP_SPLIT:
              stack[sp++] = y[pc]!;
              stack[sp++] = x[pc]!;
              break;
            case OP_BOL:
              if (i === 0 || (multiline && isLineEnd(text.charCodeAt(i - 1)))) stack[sp++] = pc + 1;
              break;
            case OP_EOL:
              if (i === n || (multiline && isLineEnd(text.charCodeAt(i)))) stack[sp++] = pc + 1;
              break;
            case OP_WORDB:
            case OP_NWORDB: {
              const a = i > 0 && isWord(text.charCodeAt(i - 1));
              const b = i < n && isWord(text.charCodeAt(i));
              if ((a !== b) === (op[pc] === OP_WORDB)) stack[sp++] = pc + 1;
              break;
            }
            default:
              list[count++] = pc; // CHAR or MATCH
          }
        }
        return count;
      };
      gen++;
      ccount = add(clist, 0, 0, 0);
      for (let i = 0; ; ) {
        for (let k = 0; k < ccount; k++) if (op[clist[k]!] === OP_MATCH) return true;
        if (i >= n) return false;
        const c = text.codePointAt(i)!;
        const width = c > 0xffff ? 2 : 1;
        const alt = ignoreCase ? foldCase(c) : c;
        gen++;
        ncount = 0;
        for (let k = 0; k < ccount; k++) {
          const pc = clist[k]!;
          if (op[pc] !== OP_CHAR) continue;
          const p = preds[x[pc]!]!;
          if (p(c) || (alt !== c && p(alt))) ncount = add(nlist, ncount, pc + 1, i + width);
        }
        i += width;
        // Unanchored search: a match may also start here.
        ncount = add(nlist, ncount, 0, i);
        const t = clist;
        clist = nlist;
        nlist = t;
        ccount = ncount;
      }
    },
  };
}

/** Why `source` is refused, or null when it compiles. */
export function regexRefusal(source: string, flags = ''): string | null {
  try {
    boundedRegex(source, flags);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
