/**
 * Syntax tree of the CloudWatch Logs Insights subset that flow-log users type (see
 * insights-parser.ts for the grammar).
 */
import type { BoundedRegex } from './bounded-regex.js';

export type Expr =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'regex'; re: BoundedRegex }
  | { k: 'duration'; ms: number }
  | { k: 'field'; name: string }
  | { k: 'list'; items: Expr[] }
  | { k: 'star' }
  | { k: 'call'; name: string; args: Expr[] }
  | { k: 'unary'; op: '-' | 'not'; e: Expr }
  | { k: 'bin'; op: BinOp; l: Expr; r: Expr };

export type BinOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'and'
  | 'or'
  | 'like'
  | 'not like'
  | '=~'
  | 'in'
  | 'not in';

/** An expression with the column name it produces (alias, else its source text). */
export interface NamedExpr {
  expr: Expr;
  name: string;
}

export type Command =
  | { k: 'fields'; items: NamedExpr[] }
  | { k: 'display'; items: NamedExpr[] }
  | { k: 'filter'; expr: Expr }
  | { k: 'stats'; aggs: NamedExpr[]; by: NamedExpr[] }
  | { k: 'sort'; keys: { expr: Expr; desc: boolean }[] }
  | { k: 'limit'; n: number }
  | { k: 'dedup'; fields: Expr[] };

export interface Query {
  commands: Command[];
  text: string;
}
