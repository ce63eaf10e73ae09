/**
 * Tokens of the Logs Insights language: identifiers (with @ and dots, or `backquoted`),
 * numbers, durations (5m, 30s, 1h: only meaningful inside bin()), 'single' or "double" quoted
 * strings, /regex/flags, operators, and '#' comments to end of line.
 */
import { ErrorCode, MirrorsinkError } from '../errors.js';

export type TokenKind = 'ident' | 'num' | 'duration' | 'str' | 'regex' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Number value (num), milliseconds (duration). */
  value?: number;
  /** Regex flags. */
  flags?: string;
  /** Offsets of the token in the query text: [pos, end). */
  pos: number;
  end?: number;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const OPS = ['==', '!=', '<=', '>=', '=~', '|', ',', '(', ')', '[', ']', '=', '<', '>', '+', '-', '*', '/', '%', '^', '!'];

export function queryError(text: string, pos: number, msg: string): MirrorsinkError {
  return new MirrorsinkError(ErrorCode.Query, `query: ${msg} at column ${pos + 1}: ${text.slice(pos, pos + 30) || '(end)'}`);
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  /** A '/' starts a regex unless it follows something that has a value. */
  const valueBefore = () => {
    const t = out[out.length - 1];
    if (!t) return false;
    if (t.kind === 'op') return t.text === ')' || t.text === ']';
    if (t.kind === 'ident') return !['and', 'or', 'not', 'like', 'in', 'filter', 'by'].includes(t.text.toLowerCase());
    return true;
  };
  while (i < n) {
    // i is just past the previous token when that token has no end yet.
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.end === undefined) prev.end = i;
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw queryError(text, start, 'unterminated string');
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < n) {
          const e = text[i + 1]!;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (ch === c) {
          i++;
          break;
        }
        s += ch;
        i++;
      }
      out.push({ kind: 'str', text: s, pos: start });
      continue;
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw queryError(text, start, 'unterminated `name`');
      out.push({ kind: 'ident', text: text.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    if (c === '/' && !valueBefore()) {
      let j = i + 1;
      let src = '';
      for (;;) {
        if (j >= n) throw queryError(text, start, 'unterminated /regex/');
        const ch = text[j]!;
        if (ch === '\\' && j + 1 < n) {
          src += ch + text[j + 1]!;
          j += 2;
          continue;
        }
        if (ch === '/') break;
        src += ch;
        j++;
      }
      j++;
      let flags = '';
      while (j < n && /[a-z]/.test(text[j]!)) flags += text[j++]!;
      out.push({ kind: 'regex', text: src, flags, pos: start });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i;
      while (j < n && /[0-9.]/.test(text[j]!)) j++;
      if (j < n && (text[j] === 'e' || text[j] === 'E') && /[0-9+-]/.test(text[j + 1] ?? '') && !/[a-z]/i.test(text[j + 2] ?? ' ')) {
        j += 2;
        while (j < n && /[0-9]/.test(text[j]!)) j++;
      }
      const numText = text.slice(i, j);
      let k = j;
      while (k < n && /[a-z]/i.test(text[k]!)) k++;
      const unit = text.slice(j, k).toLowerCase();
      const v = Number(numText);
      if (Number.isNaN(v)) throw queryError(text, start, `bad number '${numText}'`);
      if (unit.length > 0) {
        const ms = UNIT_MS[unit];
        if (ms === undefined) throw queryError(text, start, `unknown time unit '${unit}'`);
        out.push({ kind: 'duration', text: text.slice(i, k), value: v * ms, pos: start });
        i = k;
      } else {
        out.push({ kind: 'num', text: numText, value: v, pos: start });
        i = j;
      }
      continue;
    }
    if (/[A-Za-z_@$]/.test(c)) {
      let j = i + 1;
      // No '-' in names: Insights spells flow-log fields in camelCase, and 'a-b' is a subtraction.
      while (j < n && /[A-Za-z0-9_@.$]/.test(text[j]!)) j++;
      out.push({ kind: 'ident', text: text.slice(i, j), pos: start });
      i = j;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw queryError(text, start, `unexpected character '${c}'`);
    out.push({ kind: 'op', text: op, pos: start });
    i += op.length;
  }
  const last = out[out.length - 1];
  if (last !== undefined && last.end === undefined) last.end = n;
  out.push({ kind: 'eof', text: '', pos: n, end: n });
  return out;
}
