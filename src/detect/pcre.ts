/**
 * pcre: PCRE syntax translated to an equivalent JavaScript RegExp at load.
 *
 * The payload is matched as a latin1 string (one UTF-16 unit per byte), so byte semantics are
 * kept where JavaScript differs from PCRE in byte mode:
 *  - `.` excludes only \n (JS also excludes \r, U+2028/9) → `[^\n]`; with /s → `[\s\S]`.
 *  - `$` matches at the end or before a final \n (JS: only at the end); with /m before any \n;
 *    /E (dollar-endonly) gives the JS meaning.
 *  - `^` with /m matches after \n only (JS also after \r).
 *  - `\s` is [\t\n\v\f\r ] (JS adds \xa0); `\h`, `\v`, `\R`, `\A`, `\z`, `\Z`, `\e`, `\a`,
 *    `\x{..}`, `\Q..\E`, POSIX classes [[:alpha:]] and (?P<name>...) are rewritten.
 *  - A leading `(?i)`/`(?s)`/`(?m)`/`(?x)` becomes a flag; /x comments and whitespace are
 *    stripped.
 * Approximations (documented, rarely matter for rules): atomic groups (?>...) and possessive
 * quantifiers become ordinary ones; /i folds latin1 letters too (PCRE byte mode folds ASCII
 * only); `\S` inside a character class keeps its JS meaning.
 * Rejected (the rule is skipped with a reason): inline option changes past the start, scoped
 * options (?i:...), conditionals, recursion, \K, \G, \p{...}, backtracking verbs, /G (ungreedy)
 * and the HTTP buffer modifier K. The other buffer modifiers (U, I, P, Q, H, D, M, C, S, Y, V,
 * W, Z) are returned as `buffer` for the rule parser to place the pcre in that buffer.
 *
 * Matching time is bounded by construction: the translated source is compiled to a program
 * for the bounded matcher in pcre-vm.ts (step limit, visited bitmap), never run by RegExp on
 * the packet path. The RegExp built here validates the syntax (and serves tests/tools).
 * At most PCRE_MAX_SCAN bytes of a payload are searched.
 */
import { RuleError, invalidValue } from './rule-error.js';
import { PcreProgram, compileProgram } from './pcre-vm.js';

/** Longest payload prefix a pcre is run on (bytes); covers jumbo frames. */
export const PCRE_MAX_SCAN = 16384;

export interface PcreSpec {
  regex: RegExp;
  source: string;
  negated: boolean;
  relative: boolean;
  anchored: boolean;
  /** An HTTP buffer flag (U, I, P, Q, H, D, M, C, S, Y, V, W, Z), or null: the payload. */
  buffer: string | null;
  /** What the packet path runs (bounded). */
  prog: PcreProgram;
}

const HTTP_MODIFIERS = 'UIPQHDMCKSYVWZ';
/** The buffer flags that are supported (rule-parser.ts maps them to HTTP buffers). */
const HTTP_BUFFER_FLAGS = 'UIPQHDMCSYVWZ';

/** `what` for the reason; `category` groups the summary (default: "unsupported pcre syntax"). */
function unsupportedPcre(what: string, category = 'unsupported pcre syntax'): RuleError {
  return new RuleError(`pcre: ${what} not supported`, category);
}

/** Split `"/pattern/flags"` (quotes already removed) into pattern and flags. */
function splitPcre(value: string): { pattern: string; flags: string } {
  if (!value.startsWith('/')) {
    // m{...} delimiters are legal in PCRE tools but Suricata requires slashes.
    throw invalidValue('pcre', `expected /pattern/flags, got '${value}'`);
  }
  const last = value.lastIndexOf('/');
  if (last <= 0) throw invalidValue('pcre', `missing closing '/' in '${value}'`);
  return { pattern: value.slice(1, last), flags: value.slice(last + 1) };
}

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\x0b\\f\\r ',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
  ascii: '\\x00-\\x7f',
};

function hex2(n: number): string {
  return '\\x' + n.toString(16).padStart(2, '0');
}

function escapeLiteral(ch: string): string {
  const c = ch.charCodeAt(0);
  if (/[A-Za-z0-9 ]/.test(ch)) return ch;
  if (c < 0x20 || c > 0x7e) return c <= 0xff ? hex2(c) : ch;
  return '\\' + ch;
}

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
  x: boolean;
  E: boolean;
}

/**
 * Translate a PCRE pattern to JS source. Throws RuleError for unsupported constructs.
 * Exported for tests.
 */
export function translatePcre(pattern: string, flags: Flags): string {
  let p = pattern;
  // Leading inline options: (?i) (?s) (?m) (?x) (?is) ...
  for (;;) {
    const m = /^\(\?([imsx]+)\)/.exec(p);
    if (!m) break;
    for (const f of m[1]!) (flags as unknown as Record<string, boolean>)[f] = true;
    p = p.slice(m[0].length);
  }
  let out = '';
  let i = 0;
  let inClass = false;
  let classStart = false;
  const n = p.length;
  const dot = () => (flags.s ? '[\\s\\S]' : '[^\\n]');
  while (i < n) {
    const c = p[i]!;
    if (!inClass && flags.x) {
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\x0b') {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < n && p[i] !== '\n') i++;
        continue;
      }
    }
    if (c === '\\') {
      if (i + 1 >= n) throw invalidValue('pcre', 'pattern ends with a backslash');
      const e = p[i + 1]!;
      i += 2;
      switch (e) {
        case 'x': {
          if (p[i] === '{') {
            const close = p.indexOf('}', i);
            if (close < 0) throw invalidValue('pcre', 'unterminated \\x{');
            const v = parseInt(p.slice(i + 1, close), 16);
            if (!(v >= 0 && v <= 0xff)) throw unsupportedPcre(`code point \\x{${p.slice(i + 1, close)}} above 0xff`);
            out += hex2(v);
            i = close + 1;
          } else {
            let h = '';
            while (h.length < 2 && i < n && /[0-9a-fA-F]/.test(p[i]!)) h += p[i++];
            out += hex2(h === '' ? 0 : parseInt(h, 16));
          }
          break;
        }
        case 'e':
          out += '\\x1b';
          break;
        case 'a':
          out += '\\x07';
          break;
        case 'h':
          out += inClass ? ' \\t\\xa0' : '[ \\t\\xa0]';
          break;
        case 'H':
          if (inClass) throw unsupportedPcre("'\\H' inside a class");
          out += '[^ \\t\\xa0]';
          break;
        case 'v':
          out += inClass ? '\\n\\x0b\\f\\r\\x85' : '[\\n\\x0b\\f\\r\\x85]';
          break;
        case 'V':
          if (inClass) throw unsupportedPcre("'\\V' inside a class");
          out += '[^\\n\\x0b\\f\\r\\x85]';
          break;
        case 'R':
          if (inClass) throw unsupportedPcre("'\\R' inside a class");
          out += '(?:\\r\\n|[\\n\\x0b\\f\\r\\x85])';
          break;
        case 's':
          out += inClass ? '\\t\\n\\x0b\\f\\r ' : '[\\t\\n\\x0b\\f\\r ]';
          break;
        case 'S':
          out += inClass ? '\\S' : '[^\\t\\n\\x0b\\f\\r ]';
          break;
        case 'A':
          out += '(?<![\\s\\S])';
          break;
        case 'z':
          out += '(?![\\s\\S])';
          break;
        case 'Z':
          out += '(?=\\n?(?![\\s\\S]))';
          break;
        case 'Q': {
          const end = p.indexOf('\\E', i);
          const lit = end < 0 ? p.slice(i) : p.slice(i, end);
          for (const ch of lit) out += escapeLiteral(ch);
          i = end < 0 ? n : end + 2;
          break;
        }
        case 'E':
          break;
        case 'G':
        case 'K':
        case 'X':
        case 'C':
          throw unsupportedPcre(`'\\${e}'`);
        case 'p':
        case 'P':
          throw unsupportedPcre('unicode properties');
        case 'o':
          throw unsupportedPcre("'\\o{}'");
        case 'g': {
          const m = /^(?:\{(-?\d+|\w+)\}|<(\w+)>|'(\w+)'|(-?\d+))/.exec(p.slice(i));
          if (!m) throw invalidValue('pcre', 'bad \\g reference');
          const ref = m[1] ?? m[2] ?? m[3] ?? m[4]!;
          if (/^\d+$/.test(ref)) out += '\\' + ref;
          else if (/^-/.test(ref)) throw unsupportedPcre('relative back references');
          else if (m[2] !== undefined || m[3] !== undefined) throw unsupportedPcre('subroutine calls');
          else out += `\\k<${ref}>`;
          i += m[0].length;
          break;
        }
        case 'k': {
          const m = /^(?:<(\w+)>|'(\w+)'|\{(\w+)\})/.exec(p.slice(i));
          if (!m) throw invalidValue('pcre', 'bad \\k reference');
          out += `\\k<${m[1] ?? m[2] ?? m[3]}>`;
          i += m[0].length;
          break;
        }
        case 'c':
          if (i < n) {
            out += '\\c' + p[i]!.toUpperCase();
            i++;
          }
          break;
        default:
          if (/[0-9]/.test(e)) {
            // \0, \0nn octal; \1-\9 back references (or octal inside a class).
            if (e === '0' || inClass) {
              let o = e;
              while (o.length < 3 && i < n && /[0-7]/.test(p[i]!)) o += p[i++];
              const v = parseInt(o, 8);
              if (Number.isNaN(v) || v > 0xff) throw invalidValue('pcre', `bad octal escape \\${o}`);
              out += hex2(v);
            } else {
              let d = e;
              while (i < n && /[0-9]/.test(p[i]!)) d += p[i++];
              out += '\\' + d;
            }
          } else if (/[dDwWbBtnrf]/.test(e)) {
            out += '\\' + e;
          } else if (/[A-Za-z]/.test(e)) {
            throw unsupportedPcre(`'\\${e}'`);
          } else {
            out += escapeLiteral(e);
          }
      }
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === ']' && !classStart) {
        inClass = false;
        out += ']';
        i++;
        continue;
      }
      if (c === ']' && classStart) {
        // PCRE: a ']' first in a class is literal; JS would close an empty class.
        out += '\\]';
        i++;
        classStart = false;
        continue;
      }
      if (c === '[' && p[i + 1] === ':') {
        const close = p.indexOf(':]', i + 2);
        if (close > 0) {
          const name = p.slice(i + 2, close);
          if (name.startsWith('^')) throw unsupportedPcre('negated POSIX classes');
          const cls = POSIX[name];
          if (cls === undefined) throw invalidValue('pcre', `unknown POSIX class [:${name}:]`);
          out += cls;
          i = close + 2;
          classStart = false;
          continue;
        }
      }
      out += c === '[' ? '\\[' : c;
      i++;
      classStart = false;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        classStart = true;
        out += '[';
        i++;
        if (p[i] === '^') {
          out += '^';
          i++;
        }
        continue;
      case '.':
        out += dot();
        i++;
        break;
      case '$':
        out += flags.m ? '(?=\\n|(?![\\s\\S]))' : flags.E ? '(?![\\s\\S])' : '(?=\\n?(?![\\s\\S]))';
        i++;
        break;
      case '^':
        out += flags.m ? '(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))' : '^';
        i++;
        break;
      case '(': {
        if (p[i + 1] === '*') throw unsupportedPcre('backtracking verbs');
        if (p[i + 1] !== '?') {
          out += '(';
          i++;
          break;
        }
        const rest = p.slice(i + 2);
        let m: RegExpExecArray | null;
        if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
          out += '(?';
          i += 2;
        } else if ((m = /^P?<(\w+)>/.exec(rest)) || (m = /^'(\w+)'/.exec(rest))) {
          out += `(?<${m[1]}>`;
          i += 2 + m[0].length;
        } else if ((m = /^P=(\w+)\)/.exec(rest))) {
          out += `\\k<${m[1]}>`;
          i += 2 + m[0].length;
        } else if (rest.startsWith('>')) {
          // Atomic group: approximated by a plain group (see the file comment).
          out += '(?:';
          i += 3;
        } else if (rest.startsWith('#')) {
          const close = p.indexOf(')', i);
          if (close < 0) throw invalidValue('pcre', 'unterminated (?# comment');
          i = close + 1;
        } else if (/^[imsxJUX-]+[):]/.test(rest)) {
          throw unsupportedPcre('inline option changes inside the pattern');
        } else {
          throw unsupportedPcre(`'(?${rest.slice(0, 2)}' groups`);
        }
        break;
      }
      case '*':
      case '+':
      case '?':
        // A lazy '?' after a quantifier is consumed below, so this is a quantifier.
        out += c;
        i++;
        // A '+' right after a quantifier makes it possessive: approximated as greedy.
        if (p[i] === '+') i++;
        else if (p[i] === '?') {
          out += '?';
          i++;
        }
        break;
      case '{': {
        const m = /^\{\d*(,\d*)?\}/.exec(p.slice(i));
        if (m && m[0] !== '{}' && m[0] !== '{,}') {
          out += m[0];
          i += m[0].length;
          if (p[i] === '+') i++;
          else if (p[i] === '?') {
            out += '?';
            i++;
          }
        } else {
          out += '\\{';
          i++;
        }
        break;
      }
      case '}':
        out += '\\}';
        i++;
        break;
      case '/':
        out += '\\/';
        i++;
        break;
      default:
        out += c;
        i++;
    }
  }
  if (inClass) throw invalidValue('pcre', "unterminated '['");
  return out;
}

/**
 * True when a quantified group contains an unbounded quantifier (nested quantifiers: the
 * classic exponential backtracking shape). Works on the PCRE source. No longer a reason to
 * refuse a rule (the matcher is bounded); kept for tools that want to flag the shape.
 */
export function hasNestedQuantifier(pattern: string): boolean {
  const unbounded: boolean[] = [false];
  let inClass = false;
  let i = 0;
  const n = pattern.length;
  const quantAt = (j: number): 'unbounded' | 'multi' | null => {
    const c = pattern[j];
    if (c === '*' || c === '+') return 'unbounded';
    if (c === '{') {
      const m = /^\{(\d*),(\d*)\}/.exec(pattern.slice(j));
      if (m) return m[2] === '' ? 'unbounded' : Number(m[2]) > 1 ? 'multi' : null;
      const e = /^\{(\d+)\}/.exec(pattern.slice(j));
      if (e && Number(e[1]) > 1) return 'multi';
    }
    return null;
  };
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      continue;
    }
    if (c === '(') {
      unbounded.push(false);
      i++;
      continue;
    }
    if (c === ')') {
      const inner = unbounded.length > 1 ? unbounded.pop()! : false;
      const q = quantAt(i + 1);
      if (inner && q !== null) return true;
      if (inner || q === 'unbounded') unbounded[unbounded.length - 1] = true;
      i++;
      continue;
    }
    if (quantAt(i) === 'unbounded') unbounded[unbounded.length - 1] = true;
    i++;
  }
  return false;
}

/** Parse a pcre keyword value (quotes removed by the caller, `!` already split off). */
export function compilePcre(value: string, negated: boolean): PcreSpec {
  const { pattern, flags } = splitPcre(value);
  const f: Flags = { i: false, s: false, m: false, x: false, E: false };
  let relative = false;
  let anchored = false;
  let buffer: string | null = null;
  for (const ch of flags) {
    switch (ch) {
      case 'i':
      case 's':
      case 'm':
      case 'x':
      case 'E':
        f[ch] = true;
        break;
      case 'A':
        anchored = true;
        break;
      case 'R':
        relative = true;
        break;
      case 'B':
      case 'O':
        // rawbytes (packet payload is already raw) / match-limit override: no effect here.
        break;
      case 'G':
        throw unsupportedPcre("modifier 'G' (ungreedy)", 'unsupported pcre modifier');
      default:
        if (HTTP_BUFFER_FLAGS.includes(ch)) {
          if (buffer !== null && buffer !== ch) throw invalidValue('pcre', `two buffer modifiers '${buffer}' and '${ch}'`);
          buffer = ch;
          break;
        }
        if (HTTP_MODIFIERS.includes(ch)) throw unsupportedPcre(`modifier '${ch}' (app-layer buffer)`, 'unsupported pcre modifier');
        throw invalidValue('pcre', `unknown modifier '${ch}'`);
    }
  }
  const source = translatePcre(pattern, f);
  let regex: RegExp;
  try {
    regex = new RegExp(source, (f.i ? 'i' : '') + (anchored ? 'y' : 'g'));
  } catch (err) {
    throw invalidValue('pcre', `'${pattern}' does not compile: ${err instanceof Error ? err.message : String(err)}`);
  }
  const prog = compileProgram(source, f.i);
  return { regex, source, negated, relative, anchored, buffer, prog };
}
