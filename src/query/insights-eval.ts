/**
 * Runs a parsed query over rows. Leading per-row commands (filter, fields, display) are
 * applied as rows arrive, so a filter over a large file does not keep every row; the rest
 * (stats, sort, limit, dedup and anything after them) run at the end.
 *
 * Columns shown: those of the last stats, fields (cumulative) or display; with none of them,
 * @timestamp and @message, as the Insights console shows.
 */
import type { Command, Expr, NamedExpr, Query } from './insights-ast.js';
import { queryError } from './insights-lexer.js';
import { AGGREGATES, SCALARS } from './insights-functions.js';
import { compareValues, naturalCompare, toNumber, toText, truthy, Ts, valueKey, valuesEqual, type Row, type Value } from './insights-values.js';

/** Other names Insights users write for the same flow-log field. */
const FIELD_ALIASES: Record<string, string> = { startTime: 'start', endTime: 'end' };

export function getField(row: Row, name: string): Value {
  const v = row[name];
  if (v !== undefined) return v;
  const alias = FIELD_ALIASES[name];
  if (alias !== undefined) return row[alias] ?? null;
  return null;
}

export interface QueryResult {
  columns: string[];
  rows: Row[];
}

export class QueryRunner {
  private readonly streaming: Command[];
  private readonly rest: Command[];
  private readonly rows: Row[] = [];
  private columns: string[] | null = null;

  constructor(query: Query) {
    const cmds = query.commands;
    let i = 0;
    while (i < cmds.length && (cmds[i]!.k === 'filter' || cmds[i]!.k === 'fields' || cmds[i]!.k === 'display')) i++;
    this.streaming = cmds.slice(0, i);
    this.rest = cmds.slice(i);
    for (const c of this.streaming) this.columns = nextColumns(this.columns, c);
    for (const c of query.commands) checkCommand(query.text, c);
  }

  push(row: Row): void {
    for (const c of this.streaming) {
      if (c.k === 'filter') {
        if (!truthy(evalExpr(c.expr, row))) return;
      } else if (c.k === 'fields' || c.k === 'display') {
        assign(row, c.items);
      }
    }
    this.rows.push(row);
  }

  finish(): QueryResult {
    let rows = this.rows;
    let columns = this.columns;
    for (const c of this.rest) {
      switch (c.k) {
        case 'filter':
          rows = rows.filter((r) => truthy(evalExpr(c.expr, r)));
          break;
        case 'fields':
        case 'display':
          for (const r of rows) assign(r, c.items);
          break;
        case 'stats':
          rows = runStats(c.aggs, c.by, rows);
          break;
        case 'sort':
          rows = sortRows(rows, c.keys);
          break;
        case 'limit':
          rows = rows.slice(0, c.n);
          break;
        case 'dedup': {
          const seen = new Set<string>();
          rows = rows.filter((r) => {
            const k = c.fields.map((f) => valueKey(evalExpr(f, r))).join('\u0000');
            if (seen.has(k)) return false;
            seen.add(k);
            return true;
          });
          break;
        }
      }
      columns = nextColumns(columns, c);
    }
    const cols = columns ?? ['@timestamp', '@message'];
    return { columns: cols, rows: rows.map((r) => Object.fromEntries(cols.map((c) => [c, getField(r, c)]))) };
  }
}

/** Names every row has whatever the file's format (as the reader makes them). */
export const BUILTIN_FIELDS = ['@timestamp', '@message', '@log'];

/** A field a query names that no row has at that point. */
export interface UnknownField {
  field: string;
  /** The command that names it (fields, filter, stats, sort...). */
  command: string;
  /** The names rows do have there, in order. */
  known: string[];
}

function fieldNames(e: Expr, out: string[]): void {
  switch (e.k) {
    case 'field':
      out.push(e.name);
      return;
    case 'call':
      for (const a of e.args) fieldNames(a, out);
      return;
    case 'unary':
      fieldNames(e.e, out);
      return;
    case 'bin':
      fieldNames(e.l, out);
      fieldNames(e.r, out);
      return;
    case 'list':
      for (const x of e.items) fieldNames(x, out);
      return;
    default:
      return;
  }
}

/**
 * Fields the query names that rows would not have where it names them: not a column of the
 * files read (`columns`), not a built-in (@timestamp...) or alias (startTime), and not made by
 * an earlier fields/display/stats. After stats only its groups and aggregates exist. A query
 * over such a field quietly gives empty or unsorted results, so the CLI says so.
 */
export function unknownFields(query: Query, columns: Iterable<string>): UnknownField[] {
  let known = new Set<string>([...columns, ...BUILTIN_FIELDS]);
  for (const [alias, target] of Object.entries(FIELD_ALIASES)) if (known.has(target)) known.add(alias);
  const out: UnknownField[] = [];
  const check = (command: string, exprs: Expr[]) => {
    const names: string[] = [];
    for (const e of exprs) fieldNames(e, names);
    for (const f of names) {
      if (!known.has(f) && !out.some((u) => u.field === f && u.command === command)) out.push({ field: f, command, known: [...known] });
    }
  };
  for (const c of query.commands) {
    switch (c.k) {
      case 'fields':
      case 'display':
        check(c.k, c.items.map((it) => it.expr));
        for (const it of c.items) known.add(it.name);
        break;
      case 'filter':
        check('filter', [c.expr]);
        break;
      case 'stats':
        check('stats', [...c.aggs.map((a) => a.expr), ...c.by.map((b) => b.expr)]);
        known = new Set([...c.by.map((b) => b.name), ...c.aggs.map((a) => a.name)]);
        break;
      case 'sort':
        check('sort', c.keys.map((k) => k.expr));
        break;
      case 'dedup':
        check('dedup', c.fields);
        break;
      default:
        break;
    }
  }
  return out;
}

/** `unknown field 'HitCount' in sort (did you mean 'hitCount'?); fields there: a, b, c` */
export function unknownFieldText(u: UnknownField): string {
  const lower = u.field.toLowerCase();
  const near = u.known.find((k) => k.toLowerCase() === lower) ?? u.known.find((k) => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
  return `unknown field '${u.field}' in ${u.command}${near !== undefined ? ` (did you mean '${near}'?)` : ''}; fields there: ${u.known.join(', ')}`;
}

/** Run a query over rows in memory. */
export function runQuery(query: Query, rows: Iterable<Row>): QueryResult {
  const q = new QueryRunner(query);
  for (const r of rows) q.push(r);
  return q.finish();
}

function nextColumns(cols: string[] | null, c: Command): string[] | null {
  switch (c.k) {
    case 'fields': {
      const out = [...(cols ?? [])];
      for (const it of c.items) if (!out.includes(it.name)) out.push(it.name);
      return out;
    }
    case 'display':
      return c.items.map((it) => it.name);
    case 'stats':
      return [...c.by.map((b) => b.name), ...c.aggs.map((a) => a.name)];
    default:
      return cols;
  }
}

function containsAggregate(e: Expr): boolean {
  switch (e.k) {
    case 'call':
      return AGGREGATES.has(e.name.toLowerCase()) || e.args.some(containsAggregate);
    case 'unary':
      return containsAggregate(e.e);
    case 'bin':
      return containsAggregate(e.l) || containsAggregate(e.r);
    case 'list':
      return e.items.some(containsAggregate);
    default:
      return false;
  }
}

function checkExpr(text: string, e: Expr, aggregateAllowed: boolean): void {
  switch (e.k) {
    case 'call': {
      const n = e.name.toLowerCase();
      const agg = AGGREGATES.has(n);
      if (agg && !aggregateAllowed) throw queryError(text, 0, `${e.name}() is an aggregate: use it in stats`);
      if (!agg && n !== 'bin' && SCALARS[n] === undefined) throw queryError(text, 0, `unknown function ${e.name}()`);
      if (n === 'bin' && (e.args.length !== 1 || e.args[0]!.k !== 'duration')) throw queryError(text, 0, 'bin() needs a period such as 5m');
      if (n === 'bin' && (e.args[0] as { ms: number }).ms <= 0) throw queryError(text, 0, 'bin() needs a period above zero, such as 5m');
      // Arguments of an aggregate are per-row expressions.
      for (const a of e.args) checkExpr(text, a, agg ? false : aggregateAllowed);
      return;
    }
    case 'unary':
      return checkExpr(text, e.e, aggregateAllowed);
    case 'bin':
      checkExpr(text, e.l, aggregateAllowed);
      return checkExpr(text, e.r, aggregateAllowed);
    case 'list':
      for (const x of e.items) checkExpr(text, x, aggregateAllowed);
      return;
    case 'star':
      throw queryError(text, 0, "'*' only fits count(*)");
    default:
      return;
  }
}

function checkCommand(text: string, c: Command): void {
  switch (c.k) {
    case 'stats':
      for (const a of c.aggs) {
        if (!containsAggregate(a.expr)) throw queryError(text, 0, `stats needs an aggregate function: '${a.name}'`);
        if (a.expr.k === 'call' && a.expr.name.toLowerCase() === 'count' && a.expr.args.length === 1 && a.expr.args[0]!.k === 'star') continue;
        checkExpr(text, a.expr, true);
      }
      for (const b of c.by) checkExpr(text, b.expr, false);
      return;
    case 'filter':
      return checkExpr(text, c.expr, false);
    case 'fields':
    case 'display':
      for (const it of c.items) checkExpr(text, it.expr, false);
      return;
    case 'sort':
      for (const k of c.keys) checkExpr(text, k.expr, false);
      return;
    case 'dedup':
      for (const f of c.fields) checkExpr(text, f, false);
      return;
    default:
      return;
  }
}

function assign(row: Row, items: NamedExpr[]): void {
  for (const it of items) {
    if (it.expr.k === 'field' && it.expr.name === it.name) continue;
    row[it.name] = evalExpr(it.expr, row);
  }
}

function arith(op: string, a: Value, b: Value): Value {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === null || y === null) return null;
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return y === 0 ? null : x / y;
    case '%':
      return y === 0 ? null : x % y;
    default:
      return x ** y;
  }
}

function matches(v: Value, pattern: Expr): boolean {
  if (v === null) return false;
  const s = toText(v);
  if (pattern.k === 'regex') {
    return pattern.re.test(s);
  }
  return pattern.k === 'str' ? s.includes(pattern.v) : false;
}

export function evalExpr(e: Expr, row: Row): Value {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'str':
      return e.v;
    case 'duration':
      return e.ms;
    case 'regex':
      return e.re.source;
    case 'field':
      return getField(row, e.name);
    case 'star':
      return null;
    case 'list':
      return null;
    case 'unary': {
      const v = evalExpr(e.e, row);
      if (e.op === 'not') return !truthy(v);
      const n = toNumber(v);
      return n === null ? null : -n;
    }
    case 'call': {
      const n = e.name.toLowerCase();
      if (n === 'bin') {
        const period = (e.args[0] as { ms: number }).ms;
        const t = toNumber(getField(row, '@timestamp'));
        return t === null ? null : new Ts(Math.floor(t / period) * period);
      }
      const f = SCALARS[n];
      if (f === undefined) return null;
      return f(e.args.map((a) => evalExpr(a, row)));
    }
    case 'bin':
      return evalBinary(e.op, e.l, e.r, (x) => evalExpr(x, row));
  }
}

function evalBinary(op: string, l: Expr, r: Expr, ev: (x: Expr) => Value): Value {
  switch (op) {
    case 'and':
      return truthy(ev(l)) && truthy(ev(r));
    case 'or':
      return truthy(ev(l)) || truthy(ev(r));
    case 'like':
    case '=~':
      return matches(ev(l), r);
    case 'not like':
      return !matches(ev(l), r);
    case 'in':
    case 'not in': {
      const v = ev(l);
      const found = v !== null && r.k === 'list' && r.items.some((it) => valuesEqual(v, ev(it)));
      // Like '!=', a missing value is 'not in' any list.
      return op === 'in' ? found : !found;
    }
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const a = ev(l);
      const b = ev(r);
      if (op === '!=') {
        // A missing field differs from any value (so "action != 'REJECT'" keeps NODATA rows).
        if (a === null || b === null) return a !== b;
        return compareValues(a, b) !== 0;
      }
      const c = compareValues(a, b);
      if (c === null) return false;
      return op === '=' ? c === 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
    default:
      return arith(op, ev(l), ev(r));
  }
}

// ---------------------------------------------------------------- stats

function runStats(aggs: NamedExpr[], by: NamedExpr[], rows: Row[]): Row[] {
  const groups = new Map<string, { key: Value[]; rows: Row[] }>();
  for (const r of rows) {
    const key = by.map((b) => evalExpr(b.expr, r));
    const k = key.map(valueKey).join('\u0000');
    let g = groups.get(k);
    if (g === undefined) {
      g = { key, rows: [] };
      groups.set(k, g);
    }
    g.rows.push(r);
  }
  // Without "by", stats over no rows still gives one row (count 0), as Insights does.
  if (by.length === 0 && groups.size === 0) groups.set('', { key: [], rows: [] });
  const out: Row[] = [];
  for (const g of groups.values()) {
    const row: Row = {};
    by.forEach((b, i) => (row[b.name] = g.key[i]!));
    for (const a of aggs) row[a.name] = evalAgg(a.expr, g.rows);
    out.push(row);
  }
  return out;
}

function evalAgg(e: Expr, rows: Row[]): Value {
  if (e.k === 'call') {
    const n = e.name.toLowerCase();
    if (AGGREGATES.has(n)) return aggregate(n, e.args, rows);
    if (n === 'bin') return rows.length > 0 ? evalExpr(e, rows[0]!) : null;
    const f = SCALARS[n];
    return f === undefined ? null : f(e.args.map((a) => evalAgg(a, rows)));
  }
  if (e.k === 'unary') {
    const v = evalAgg(e.e, rows);
    if (e.op === 'not') return !truthy(v);
    const n = toNumber(v);
    return n === null ? null : -n;
  }
  if (e.k === 'bin') return evalBinary(e.op, e.l, e.r, (x) => evalAgg(x, rows));
  return rows.length > 0 ? evalExpr(e, rows[0]!) : evalExpr(e, {});
}

function aggregate(name: string, args: Expr[], rows: Row[]): Value {
  const arg = args[0];
  const values = (): Value[] => (arg === undefined ? [] : rows.map((r) => evalExpr(arg, r)).filter((v) => v !== null));
  const numbers = (): number[] => values().map(toNumber).filter((x): x is number => x !== null);
  switch (name) {
    case 'count':
      if (arg === undefined || arg.k === 'star') return rows.length;
      return values().length;
    case 'count_distinct':
      return new Set(values().map(valueKey)).size;
    case 'sum': {
      const ns = numbers();
      return ns.length === 0 ? null : ns.reduce((x, y) => x + y, 0);
    }
    case 'avg': {
      const ns = numbers();
      return ns.length === 0 ? null : ns.reduce((x, y) => x + y, 0) / ns.length;
    }
    case 'stddev': {
      const ns = numbers();
      if (ns.length < 2) return ns.length === 1 ? 0 : null;
      const m = ns.reduce((x, y) => x + y, 0) / ns.length;
      return Math.sqrt(ns.reduce((s, x) => s + (x - m) ** 2, 0) / (ns.length - 1));
    }
    case 'min':
    case 'max': {
      const vs = values();
      if (vs.length === 0) return null;
      let best: Value = vs[0]!;
      for (const v of vs) {
        const c = compareValues(v, best);
        if (c !== null && (name === 'min' ? c < 0 : c > 0)) best = v;
      }
      return best;
    }
    case 'pct': {
      const p = args[1] === undefined ? null : toNumber(evalExpr(args[1], {}));
      const ns = numbers().sort((x, y) => x - y);
      if (p === null || ns.length === 0) return null;
      // Nearest rank.
      const rank = Math.min(ns.length, Math.max(1, Math.ceil((p / 100) * ns.length)));
      return ns[rank - 1]!;
    }
    case 'earliest':
    case 'latest': {
      let best: Row | null = null;
      let bestT = 0;
      for (const r of rows) {
        const t = toNumber(getField(r, '@timestamp'));
        if (t === null) continue;
        if (best === null || (name === 'earliest' ? t < bestT : t > bestT)) {
          best = r;
          bestT = t;
        }
      }
      return best === null || arg === undefined ? null : evalExpr(arg, best);
    }
    case 'sortsfirst':
    case 'sortslast': {
      const vs = values().filter((v): v is Exclude<Value, null> => v !== null).sort(naturalCompare);
      return vs.length === 0 ? null : name === 'sortsfirst' ? vs[0]! : vs[vs.length - 1]!;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------- sort

function sortRows(rows: Row[], keys: { expr: Expr; desc: boolean }[]): Row[] {
  const decorated = rows.map((r, i) => ({ r, i, k: keys.map((k) => evalExpr(k.expr, r)) }));
  decorated.sort((a, b) => {
    for (let j = 0; j < keys.length; j++) {
      const x = a.k[j]!;
      const y = b.k[j]!;
      if (x === null || y === null) {
        if (x === y) continue;
        return x === null ? 1 : -1; // missing last
      }
      const c = naturalCompare(x, y);
      if (c !== 0) return keys[j]!.desc ? -c : c;
    }
    return a.i - b.i;
  });
  return decorated.map((d) => d.r);
}
