/**
 * Parser for the Logs Insights subset:
 *
 *   query    := command ('|' command)*
 *   command  := 'fields' named (',' named)*          named := expr ['as' name]
 *             | 'display' named (',' named)*
 *             | 'filter' expr
 *             | 'stats' named (',' named)* ['by' named (',' named)*]
 *             | 'sort' expr ['asc'|'desc'] (',' expr ['asc'|'desc'])*
 *             | 'limit' number
 *             | 'dedup' expr (',' expr)*
 *   expr     := or;  or := and ('or' and)*;  and := not ('and' not)*
 *   not      := ('not' | '!') not | cmp
 *   cmp      := add [('='|'=='|'!='|'<'|'<='|'>'|'>='|'=~') add
 *                    | ['not'] 'like' (string|regex) | ['not'] 'in' list]
 *   add      := mul (('+'|'-') mul)*;  mul := pow (('*'|'/'|'%') pow)*;  pow := unary ['^' unary]
 *   unary    := '-' unary | primary
 *   primary  := number | duration | string | regex | list | '(' expr ')' | name ['(' args ')']
 *
 * Keywords and command names are case-insensitive; field names are not.
 */
import type { BinOp, Command, Expr, NamedExpr, Query } from './insights-ast.js';
import { boundedRegex } from './bounded-regex.js';
import { queryError, tokenize, type Token } from './insights-lexer.js';

const COMPARE_OPS = new Set(['=', '==', '!=', '<', '<=', '>', '>=', '=~']);
/** Deepest expression accepted: the parser and the evaluator recurse once per level, so a
 *  query of 20 000 nested parentheses must be refused, not run out of stack. */
export const MAX_EXPR_DEPTH = 200;

/** Depth of an expression tree, walked without recursion (chains of 'and' are deep too). */
function exprDepth(root: Expr): number {
  let max = 0;
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop()!;
    if (d > max) max = d;
    if (e.k === 'bin') stack.push([e.l, d + 1], [e.r, d + 1]);
    else if (e.k === 'unary') stack.push([e.e, d + 1]);
    else if (e.k === 'call') for (const a of e.args) stack.push([a, d + 1]);
    else if (e.k === 'list') for (const a of e.items) stack.push([a, d + 1]);
  }
  return max;
}

class Parser {
  private i = 0;
  /** Open parentheses, brackets, calls and prefix operators around the current token. */
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly toks: Token[],
  ) {}

  private peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isKw(t: Token, kw: string): boolean {
    return t.kind === 'ident' && t.text.toLowerCase() === kw;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private expectOp(op: string): Token {
    const t = this.next();
    if (!this.isOp(t, op)) throw queryError(this.text, t.pos, `expected '${op}'`);
    return t;
  }

  private fail(t: Token, msg: string): never {
    throw queryError(this.text, t.pos, msg);
  }

  /** Run one nested level of the grammar, refusing nesting deeper than MAX_EXPR_DEPTH. */
  private nested<T>(t: Token, f: () => T): T {
    if (++this.depth > MAX_EXPR_DEPTH) this.fail(t, `expression nested too deeply (more than ${MAX_EXPR_DEPTH} levels)`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  parseQuery(): Query {
    const commands: Command[] = [];
    for (;;) {
      commands.push(this.command());
      const t = this.next();
      if (t.kind === 'eof') break;
      if (!this.isOp(t, '|')) this.fail(t, "expected '|' or end of query");
    }
    return { commands, text: this.text };
  }

  private command(): Command {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(t, 'expected a command (fields, filter, stats, sort, limit, display, dedup)');
    switch (t.text.toLowerCase()) {
      case 'fields':
        return { k: 'fields', items: this.namedList() };
      case 'display':
        return { k: 'display', items: this.namedList() };
      case 'filter':
        return { k: 'filter', expr: this.expr() };
      case 'stats': {
        const aggs = this.namedList();
        let by: NamedExpr[] = [];
        if (this.isKw(this.peek(), 'by')) {
          this.next();
          by = this.namedList();
        }
        return { k: 'stats', aggs, by };
      }
      case 'sort': {
        const keys: { expr: Expr; desc: boolean }[] = [];
        for (;;) {
          const expr = this.expr();
          let desc = false;
          if (this.isKw(this.peek(), 'desc')) {
            this.next();
            desc = true;
          } else if (this.isKw(this.peek(), 'asc')) {
            this.next();
          }
          keys.push({ expr, desc });
          if (!this.isOp(this.peek(), ',')) break;
          this.next();
        }
        return { k: 'sort', keys };
      }
      case 'limit': {
        const n = this.next();
        if (n.kind !== 'num' || !Number.isInteger(n.value) || n.value! < 0) this.fail(n, 'limit needs a whole number');
        return { k: 'limit', n: n.value! };
      }
      case 'dedup': {
        const fields: Expr[] = [this.expr()];
        while (this.isOp(this.peek(), ',')) {
          this.next();
          fields.push(this.expr());
        }
        return { k: 'dedup', fields };
      }
      case 'parse':
      case 'unmask':
      case 'pattern':
      case 'diff':
      case 'anomaly':
        return this.fail(t, `'${t.text}' is not supported`);
      default:
        return this.fail(t, `unknown command '${t.text}'`);
    }
  }

  private namedList(): NamedExpr[] {
    const items: NamedExpr[] = [];
    for (;;) {
      const start = this.peek();
      const expr = this.expr();
      const endTok = this.toks[this.i - 1]!;
      let name = this.text.slice(start.pos, endTok.end ?? endTok.pos).trim();
      if (expr.k === 'field') name = expr.name;
      if (this.isKw(this.peek(), 'as')) {
        this.next();
        const a = this.next();
        if (a.kind !== 'ident') this.fail(a, 'expected a name after as');
        name = a.text;
      }
      items.push({ expr, name });
      if (!this.isOp(this.peek(), ',')) break;
      this.next();
    }
    return items;
  }

  expr(): Expr {
    const start = this.peek();
    const e = this.or();
    if (exprDepth(e) > MAX_EXPR_DEPTH) this.fail(start, `expression nested too deeply (more than ${MAX_EXPR_DEPTH} levels)`);
    return e;
  }

  private or(): Expr {
    let l = this.and();
    while (this.isKw(this.peek(), 'or')) {
      this.next();
      l = { k: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Expr {
    let l = this.not();
    while (this.isKw(this.peek(), 'and')) {
      this.next();
      l = { k: 'bin', op: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): Expr {
    const t = this.peek();
    if (this.isKw(t, 'not') || this.isOp(t, '!')) {
      this.next();
      return { k: 'unary', op: 'not', e: this.nested(t, () => this.not()) };
    }
    return this.cmp();
  }

  private cmp(): Expr {
    const l = this.add();
    const t = this.peek();
    if (t.kind === 'op' && COMPARE_OPS.has(t.text)) {
      this.next();
      const op = (t.text === '==' ? '=' : t.text) as BinOp;
      const r = this.add();
      if (op === '=~' && r.k !== 'regex' && r.k !== 'str') this.fail(t, "'=~' needs a /regex/ or string");
      return { k: 'bin', op, l, r };
    }
    let negate = false;
    if (this.isKw(t, 'not') && (this.isKw(this.peek(1), 'like') || this.isKw(this.peek(1), 'in'))) {
      this.next();
      negate = true;
    }
    const u = this.peek();
    if (this.isKw(u, 'like')) {
      this.next();
      const r = this.primary();
      if (r.k !== 'regex' && r.k !== 'str') this.fail(u, "'like' needs a string or /regex/");
      return { k: 'bin', op: negate ? 'not like' : 'like', l, r };
    }
    if (this.isKw(u, 'in')) {
      this.next();
      const r = this.primary();
      if (r.k !== 'list') this.fail(u, "'in' needs a list: [a, b]");
      return { k: 'bin', op: negate ? 'not in' : 'in', l, r };
    }
    if (negate) this.fail(u, "expected 'like' or 'in' after 'not'");
    return l;
  }

  private add(): Expr {
    let l = this.mul();
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '+') || this.isOp(t, '-')) {
        this.next();
        l = { k: 'bin', op: t.text as BinOp, l, r: this.mul() };
      } else return l;
    }
  }

  private mul(): Expr {
    let l = this.pow();
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '*') || this.isOp(t, '/') || this.isOp(t, '%')) {
        this.next();
        l = { k: 'bin', op: t.text as BinOp, l, r: this.pow() };
      } else return l;
    }
  }

  private pow(): Expr {
    const l = this.unary();
    if (this.isOp(this.peek(), '^')) {
      this.next();
      return { k: 'bin', op: '^', l, r: this.unary() };
    }
    return l;
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.isOp(t, '-')) {
      this.next();
      return { k: 'unary', op: '-', e: this.nested(t, () => this.unary()) };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'num':
        return { k: 'num', v: t.value! };
      case 'duration':
        return { k: 'duration', ms: t.value! };
      case 'str':
        return { k: 'str', v: t.text };
      case 'regex':
        try {
          return { k: 'regex', re: boundedRegex(t.text, t.flags) };
        } catch (err) {
          return this.fail(t, `bad regex: ${(err as Error).message}`);
        }
      case 'op':
        if (t.text === '(') {
          const e = this.nested(t, () => this.expr());
          this.expectOp(')');
          return e;
        }
        if (t.text === '[') return this.nested(t, () => this.list());
        if (t.text === '*') return { k: 'star' };
        return this.fail(t, `unexpected '${t.text}'`);
      case 'ident': {
        if (this.isOp(this.peek(), '(')) {
          this.next();
          return { k: 'call', name: t.text, args: this.nested(t, () => this.args()) };
        }
        return { k: 'field', name: t.text };
      }
      default:
        return this.fail(t, 'unexpected end of query');
    }
  }

  /** `[a, b]` after its '['. */
  private list(): Expr {
    const items: Expr[] = [];
    if (!this.isOp(this.peek(), ']')) {
      for (;;) {
        items.push(this.expr());
        if (!this.isOp(this.peek(), ',')) break;
        this.next();
      }
    }
    this.expectOp(']');
    return { k: 'list', items };
  }

  /** A call's arguments after its '('. */
  private args(): Expr[] {
    const args: Expr[] = [];
    if (!this.isOp(this.peek(), ')')) {
      for (;;) {
        args.push(this.expr());
        if (!this.isOp(this.peek(), ',')) break;
        this.next();
      }
    }
    this.expectOp(')');
    return args;
  }
}

export function parseQuery(text: string): Query {
  if (text.trim().length === 0) throw queryError(text, 0, 'empty query');
  return new Parser(text, tokenize(text)).parseQuery();
}
