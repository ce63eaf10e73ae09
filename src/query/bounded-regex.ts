/**
 * Regular expressions of a flows query (`like /.../`, `=~`), with matching time bounded: no
 * linear-time engine is a dependency (re2 would be a second native build), so JavaScript's
 * RegExp runs only on patterns whose backtracking stays polynomial and small, on text of
 * bounded length:
 *
 * - refused: backreferences (\1, \k<name>) and lookarounds, which no automaton expresses;
 * - refused: a repeated group (`(...)*`, `+`, `{n,}`, `{n,m}` with m > 1) that holds a repeat
 *   or an alternation, the shapes of exponential backtracking ((a+)+, (a|a)*, (\w+\s?)*);
 * - refused: more than MAX_REPEATS unbounded repeats (.*x.*y.*z is n^k in the worst case);
 * - text longer than MAX_MATCH_TEXT characters is matched on its first MAX_MATCH_TEXT (flow-log
 *   fields and lines are far shorter).
 *
 * With at most MAX_REPEATS flat repeats over MAX_MATCH_TEXT characters, the worst case is about
 * MAX_MATCH_TEXT^(MAX_REPEATS+1) / (MAX_REPEATS+1)! steps per value, well under a second.
 */

/** Unbounded repeats a pattern may hold. */
export const MAX_REPEATS = 3;
/** Characters of a value a pattern is matched against. */
export const MAX_MATCH_TEXT = 1024;

/** A compiled pattern: `test` sees at most MAX_MATCH_TEXT characters. */
export interface BoundedRegex {
  readonly source: string;
  test(text: string): boolean;
}

interface Group {
  /** A repeat or an alternation somewhere inside (nested groups included). */
  risky: boolean;
}

/** Why `source` is refused, or null when it is accepted. */
export function regexRefusal(source: string): string | null {
  const stack: Group[] = [{ risky: false }];
  let repeats = 0;
  /** What the last atom was: a closed group (its Group), a plain atom (null), nothing (undefined). */
  let last: Group | null | undefined;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const d = source[i + 1] ?? '';
      if (/[1-9]/.test(d) || (d === 'k' && source[i + 2] === '<')) return 'backreferences are not supported';
      i++;
      last = null;
      continue;
    }
    if (c === '[') {
      // A class is one atom: skip to its unescaped closing bracket.
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < n && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      i = j;
      last = null;
      continue;
    }
    if (c === '(') {
      if (source[i + 1] === '?') {
        const k = source[i + 2];
        if (k === '=' || k === '!' || (k === '<' && (source[i + 3] === '=' || source[i + 3] === '!'))) return 'lookarounds are not supported';
      }
      stack.push({ risky: false });
      last = undefined;
      continue;
    }
    if (c === ')') {
      const g = stack.length > 1 ? stack.pop()! : { risky: false };
      if (g.risky) stack[stack.length - 1]!.risky = true;
      last = g;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1]!.risky = true;
      last = undefined;
      continue;
    }
    // many: may repeat more than once; unbounded: with no upper limit (* + {n,}).
    let quantifier = false;
    let many = false;
    let unbounded = false;
    if (c === '*' || c === '+') {
      quantifier = many = unbounded = true;
    } else if (c === '?') {
      // '?' after a quantifier makes it lazy; on an atom it is 0 or 1 of it.
      quantifier = true;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m !== null) {
        quantifier = true;
        unbounded = m[2] !== undefined && m[3] === '';
        many = unbounded || Number(m[3] ?? m[1]) > 1;
        i += m[0].length - 1;
      }
    }
    if (!quantifier) {
      last = null;
      continue;
    }
    if (many && last !== undefined && last !== null && last.risky) {
      return 'a repeated group holding a repeat or an alternation (such as (a+)+ or (a|b)*) can take exponential time';
    }
    if (unbounded && ++repeats > MAX_REPEATS) return `more than ${MAX_REPEATS} unbounded repeats (* + {n,})`;
    if (last !== undefined) stack[stack.length - 1]!.risky = true;
    last = undefined;
  }
  return null;
}

/** Compile `source` with `flags`; throws an Error saying why a pattern is refused or invalid. */
export function boundedRegex(source: string, flags = ''): BoundedRegex {
  const refusal = regexRefusal(source);
  if (refusal !== null) throw new Error(refusal);
  const re = new RegExp(source, flags.replace(/[gy]/g, ''));
  return {
    source,
    test(text: string): boolean {
      return re.test(text.length > MAX_MATCH_TEXT ? text.slice(0, MAX_MATCH_TEXT) : text);
    },
  };
}
