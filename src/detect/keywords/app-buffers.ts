/**
 * The sticky buffers of every app-layer protocol, in one table for the rule parser. Each
 * protocol's keyword module declares its buffers (AppBufDef: name → protocol, buffer id,
 * direction, progress) and, for the rule header (`alert dns ...`), whether its rules run on
 * TCP only or on UDP too. The engine then inspects them through applayer/app-tx.ts.
 *
 * Buffer id ranges (one space, so rule groups keep one automaton per buffer id):
 *   HTTP 0..63 (applayer/http/http-buffers.ts), DNS 64..95, TLS 96..159, SSH 160..191.
 */
import type { AppBufDef } from './http.js';
import { HTTP_STICKY_BUFFERS } from './http.js';
import { AppProto } from '../../applayer/app-proto.js';

export interface AppKeywordModule {
  readonly alproto: number;
  /** Rule header names of the protocol (`alert http`, `alert http1`). */
  readonly names: readonly string[];
  /** Rules of the protocol may match UDP flows too (DNS), not only TCP. */
  readonly udp: boolean;
  readonly sticky: ReadonlyMap<string, AppBufDef>;
}

const modules: AppKeywordModule[] = [{ alproto: AppProto.Http, names: ['http', 'http1'], udp: false, sticky: HTTP_STICKY_BUFFERS }];

const sticky = new Map<string, AppBufDef>();
const byProto: (AppKeywordModule | undefined)[] = [];
const byName = new Map<string, AppKeywordModule>();

function index(m: AppKeywordModule): void {
  for (const [k, v] of m.sticky) sticky.set(k, v);
  byProto[m.alproto] = m;
  for (const n of m.names) byName.set(n, m);
}
for (const m of modules) index(m);

/** Add a protocol's keyword module (called once per module at load of keywords/index). */
export function registerAppKeywords(m: AppKeywordModule): void {
  modules.push(m);
  index(m);
}

/** Sticky buffer keywords of all protocols → buffer. */
export const STICKY_BUFFERS: ReadonlyMap<string, AppBufDef> = sticky;

/** The module of a rule-header protocol name (`dns`, `tls`, `http`), undefined if none. */
export function appModuleByName(name: string): AppKeywordModule | undefined {
  return byName.get(name);
}

export function appModule(alproto: number): AppKeywordModule | undefined {
  return byProto[alproto];
}
