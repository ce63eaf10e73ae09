/**
 * Values flowing through a query: numbers, strings, booleans, null (a missing field or a flow
 * log's '-') and timestamps (Ts: @timestamp and bin() results, printed the way the Insights
 * console prints them). Comparison rules live here so filter, sort and stats agree.
 */
export class Ts {
  constructor(readonly ms: number) {}

  valueOf(): number {
    return this.ms;
  }

  /** "2023-11-14 22:15:00.000" (UTC), as the Insights console shows @timestamp. */
  toString(): string {
    // A flow log's start may be any number: past Date's range it is shown as it is.
    if (!Number.isFinite(this.ms) || Math.abs(this.ms) > 8.64e15) return String(this.ms / 1000);
    const iso = new Date(this.ms).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }
}

export type Value = number | string | boolean | null | Ts;
export type Row = Record<string, Value>;

const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The number a value stands for: numbers, timestamps (ms), numeric strings; else null. */
export function toNumber(v: Value): number | null {
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (v instanceof Ts) return v.ms;
  if (typeof v === 'string' && NUMERIC.test(v.trim())) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

export function toText(v: Value): string {
  if (v === null) return '';
  return String(v);
}

export function truthy(v: Value): boolean {
  if (v === null || v === false || v === '' || v === 0) return false;
  return true;
}

/** Ordering for = < > ...: numeric when both sides are numbers (or numeric text), else text. null when either is missing. */
export function compareValues(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  const an = toNumber(a);
  const bn = toNumber(b);
  if (an !== null && bn !== null) return an < bn ? -1 : an > bn ? 1 : 0;
  const as = String(a);
  const bs = String(b);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

export function valuesEqual(a: Value, b: Value): boolean {
  return compareValues(a, b) === 0;
}

/** Key of a value for grouping and distinct counts. */
export function valueKey(v: Value): string {
  if (v === null) return 'n';
  if (v instanceof Ts) return `t${v.ms}`;
  if (typeof v === 'number') return `d${v}`;
  if (typeof v === 'boolean') return `b${v}`;
  return `s${v}`;
}

function isNumberValue(v: Value): boolean {
  return typeof v === 'number' || v instanceof Ts || (typeof v === 'string' && NUMERIC.test(v));
}

/**
 * Insights' sort order (ascending): values that are not numbers first, compared "naturally"
 * (runs of digits by length then value, other runs by code point), then numbers by value.
 * Missing values go last whichever the direction.
 */
export function naturalCompare(a: Value, b: Value): number {
  const an = isNumberValue(a);
  const bn = isNumberValue(b);
  if (an && bn) {
    const x = toNumber(a)!;
    const y = toNumber(b)!;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (an !== bn) return an ? 1 : -1;
  return naturalTextCompare(String(a), String(b));
}

function chunks(s: string): string[] {
  return s.match(/\d+|\D+/g) ?? [];
}

function naturalTextCompare(a: string, b: string): number {
  const ca = chunks(a);
  const cb = chunks(b);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const tx = x.replace(/^0+(?=\d)/, '');
      const ty = y.replace(/^0+(?=\d)/, '');
      if (tx.length !== ty.length) return tx.length - ty.length;
      if (tx !== ty) return tx < ty ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}
