/**
 * Building blocks of the app-layer keyword modules (dns.ts, tls.ts, ssh.ts): buffer
 * definitions, integer keywords (a value check on an integer "buffer" of the tx) and legacy
 * value keywords (`tls.subject:"x"`: a content in a buffer).
 */
import type { ValueCheck } from '../rule.js';
import { BufDir, type AppBufDef } from './http.js';

export function bufDef(alproto: number, dir: number, id: number, resId: number, progress: number, preferDir?: number): AppBufDef {
  const d: AppBufDef = { id, resId, dir, alproto, progress: () => progress, ...(preferDir !== undefined ? { preferDir } : {}) };
  return d;
}

export const ts = (alproto: number, id: number, progress: number): AppBufDef => bufDef(alproto, BufDir.ToServer, id, -1, progress);
export const tc = (alproto: number, id: number, progress: number): AppBufDef => bufDef(alproto, BufDir.ToClient, id, -1, progress);
export const both = (alproto: number, id: number, resId: number, progress: number, preferDir?: number): AppBufDef =>
  bufDef(alproto, BufDir.Both, id, resId, progress, preferDir);

/** An integer keyword: its buffer and the parser of its value (throws a RuleError). */
export interface IntKeyword {
  readonly def: AppBufDef;
  parse(value: string | null): ValueCheck;
}

/** A legacy value keyword: the value becomes a content in `def` (how: substring, prefix, exact). */
export interface LegacyKeyword {
  readonly def: AppBufDef;
  readonly mode: 'contains' | 'startswith' | 'exact';
  /** Compared without case (tls.fingerprint: hex digits either case). */
  readonly nocase?: boolean;
}

/** A check from a function (integer keywords whose matching is not a plain comparison). */
export class FnCheck implements ValueCheck {
  constructor(private readonly fn: (v: number) => boolean) {}
  test(v: number): boolean {
    return this.fn(v);
  }
}
