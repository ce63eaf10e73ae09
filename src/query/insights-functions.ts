/**
 * Functions of the query language: the scalar ones (per row) and the names of the aggregate
 * ones (evaluated by stats in insights-eval.ts).
 */
import { parseIpv4, parseIpv6 } from '../net/ip-address.js';
import { toNumber, toText, Ts, type Value } from './insights-values.js';

export const AGGREGATES = new Set([
  'count',
  'count_distinct',
  'sum',
  'avg',
  'min',
  'max',
  'pct',
  'stddev',
  'earliest',
  'latest',
  'sortsfirst',
  'sortslast',
]);

export function isAggregate(name: string): boolean {
  return AGGREGATES.has(name.toLowerCase());
}

/** Address as bytes (4 or 16), or null when not an address. */
function ipBytes(text: string): Uint8Array | null {
  const v4 = parseIpv4(text, 'lenient');
  if (v4 !== null) return new Uint8Array([v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255]);
  if (!text.includes(':')) return null;
  const w = parseIpv6(text, 'lenient');
  if (w === null) return null;
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    b[4 * i] = w[i]! >>> 24;
    b[4 * i + 1] = (w[i]! >>> 16) & 255;
    b[4 * i + 2] = (w[i]! >>> 8) & 255;
    b[4 * i + 3] = w[i]! & 255;
  }
  return b;
}

export function ipInSubnet(ip: string, cidr: string, family?: 4 | 6): boolean {
  const slash = cidr.indexOf('/');
  const net = ipBytes(slash >= 0 ? cidr.slice(0, slash) : cidr);
  const addr = ipBytes(ip);
  if (net === null || addr === null || net.length !== addr.length) return false;
  if (family !== undefined && addr.length !== (family === 4 ? 4 : 16)) return false;
  const bits = slash >= 0 ? Number(cidr.slice(slash + 1)) : addr.length * 8;
  if (!Number.isInteger(bits) || bits < 0 || bits > addr.length * 8) return false;
  let left = bits;
  for (let i = 0; i < addr.length && left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((addr[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

type Scalar = (args: Value[]) => Value;

function num(v: Value | undefined): number | null {
  return v === undefined ? null : toNumber(v);
}

function str(v: Value | undefined): string | null {
  return v === undefined || v === null ? null : toText(v);
}

const math1 = (f: (x: number) => number): Scalar => (a) => {
  const x = num(a[0]);
  return x === null ? null : f(x);
};

export const SCALARS: Record<string, Scalar> = {
  isipinsubnet: (a) => (str(a[0]) === null || str(a[1]) === null ? false : ipInSubnet(str(a[0])!, str(a[1])!)),
  isipv4insubnet: (a) => (str(a[0]) === null || str(a[1]) === null ? false : ipInSubnet(str(a[0])!, str(a[1])!, 4)),
  isipv6insubnet: (a) => (str(a[0]) === null || str(a[1]) === null ? false : ipInSubnet(str(a[0])!, str(a[1])!, 6)),
  isvalidip: (a) => str(a[0]) !== null && ipBytes(str(a[0])!) !== null,
  isvalidipv4: (a) => str(a[0]) !== null && parseIpv4(str(a[0])!, 'lenient') !== null,
  isvalidipv6: (a) => str(a[0]) !== null && str(a[0])!.includes(':') && parseIpv6(str(a[0])!, 'lenient') !== null,
  strlen: (a) => (str(a[0]) === null ? null : str(a[0])!.length),
  toupper: (a) => (str(a[0]) === null ? null : str(a[0])!.toUpperCase()),
  tolower: (a) => (str(a[0]) === null ? null : str(a[0])!.toLowerCase()),
  trim: (a) => (str(a[0]) === null ? null : str(a[0])!.trim()),
  ltrim: (a) => (str(a[0]) === null ? null : str(a[0])!.trimStart()),
  rtrim: (a) => (str(a[0]) === null ? null : str(a[0])!.trimEnd()),
  concat: (a) => a.map((v) => toText(v)).join(''),
  substr: (a) => {
    const s = str(a[0]);
    const start = num(a[1]) ?? 0;
    const len = num(a[2]);
    if (s === null) return null;
    return len === null ? s.slice(start) : s.slice(start, start + len);
  },
  replace: (a) => {
    const s = str(a[0]);
    return s === null ? null : s.split(str(a[1]) ?? '').join(str(a[2]) ?? '');
  },
  strcontains: (a) => (str(a[0]) === null ? false : str(a[0])!.includes(str(a[1]) ?? '')),
  abs: math1(Math.abs),
  ceil: math1(Math.ceil),
  floor: math1(Math.floor),
  log: math1(Math.log),
  sqrt: math1(Math.sqrt),
  pow: (a) => {
    const x = num(a[0]);
    const y = num(a[1]);
    return x === null || y === null ? null : x ** y;
  },
  greatest: (a) => {
    const ns = a.map(toNumber).filter((x): x is number => x !== null);
    return ns.length === 0 ? null : Math.max(...ns);
  },
  least: (a) => {
    const ns = a.map(toNumber).filter((x): x is number => x !== null);
    return ns.length === 0 ? null : Math.min(...ns);
  },
  ispresent: (a) => a[0] !== null && a[0] !== undefined,
  isempty: (a) => a[0] === null || a[0] === undefined || a[0] === '',
  isblank: (a) => a[0] === null || a[0] === undefined || toText(a[0]).trim() === '',
  coalesce: (a) => a.find((v) => v !== null && v !== undefined) ?? null,
  frommillis: (a) => {
    const x = num(a[0]);
    return x === null ? null : new Ts(x);
  },
  tomillis: (a) => (a[0] instanceof Ts ? a[0].ms : num(a[0])),
  datefloor: (a) => {
    const t = num(a[0]);
    const p = num(a[1]);
    return t === null || p === null || p <= 0 ? null : new Ts(Math.floor(t / p) * p);
  },
  dateceil: (a) => {
    const t = num(a[0]);
    const p = num(a[1]);
    return t === null || p === null || p <= 0 ? null : new Ts(Math.ceil(t / p) * p);
  },
};
