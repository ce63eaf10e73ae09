/** Query results as an aligned text table or as JSON lines (one object per row). */
import { Ts, type Value } from './insights-values.js';
import type { QueryResult } from './insights-eval.js';

function cell(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));
  return String(v);
}

export function formatTable(r: QueryResult): string {
  const widths = r.columns.map((c) => c.length);
  const cells = r.rows.map((row) =>
    r.columns.map((c, i) => {
      const s = cell(row[c] ?? null);
      if (s.length > widths[i]!) widths[i] = s.length;
      return s;
    }),
  );
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(r.columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  return out.join('\n') + '\n';
}

function jsonValue(v: Value): unknown {
  if (v instanceof Ts) return v.toString();
  return v;
}

export function formatJsonLines(r: QueryResult): string {
  return r.rows.map((row) => JSON.stringify(Object.fromEntries(r.columns.map((c) => [c, jsonValue(row[c] ?? null)])))).join('\n') + (r.rows.length > 0 ? '\n' : '');
}
