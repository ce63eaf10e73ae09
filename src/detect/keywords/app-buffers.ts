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
import type { IntKeyword, LegacyKeyword } from './app-keyword.js';
import { dnsKeywords } from './dns.js';
import { tlsKeywords } from './tls.js';
import { sshKeywords } from './ssh.js';
import { TlsBuf } from '../../applayer/tls/tls-buffers.js';
import { SshBuf } from '../../applayer/ssh/ssh-buffers.js';

export interface AppKeywordModule {
  readonly alproto: number;
  /** Rule header names of the protocol (`alert http`, `alert http1`). */
  readonly names: readonly string[];
  /** Rules of the protocol may match UDP flows too (DNS), not only TCP. */
  readonly udp: boolean;
  readonly sticky: ReadonlyMap<string, AppBufDef>;
  /** Integer keywords (`dns.opcode:4`): a value check on an integer buffer of the tx. */
  readonly ints?: ReadonlyMap<string, IntKeyword>;
  /** Legacy value keywords (`tls.subject:"x"`): a content in a buffer. */
  readonly legacy?: ReadonlyMap<string, LegacyKeyword>;
  /** Transaction events (`app-layer-event:dns.z_flag_set`): the event buffer and the names. */
  readonly events?: { readonly def: AppBufDef; readonly names: readonly string[]; readonly aliases?: Readonly<Record<string, string>> };
}

const modules: AppKeywordModule[] = [
  { alproto: AppProto.Http, names: ['http', 'http1'], udp: false, sticky: HTTP_STICKY_BUFFERS },
  dnsKeywords,
  tlsKeywords,
  sshKeywords,
];

const sticky = new Map<string, AppBufDef>();
const ints = new Map<string, IntKeyword>();
const legacy = new Map<string, LegacyKeyword>();
const byProto: (AppKeywordModule | undefined)[] = [];
const byName = new Map<string, AppKeywordModule>();

function index(m: AppKeywordModule): void {
  for (const [k, v] of m.sticky) sticky.set(k, v);
  if (m.ints !== undefined) for (const [k, v] of m.ints) ints.set(k, v);
  if (m.legacy !== undefined) for (const [k, v] of m.legacy) legacy.set(k, v);
  byProto[m.alproto] = m;
  for (const n of m.names) byName.set(n, m);
}
for (const m of modules) index(m);

/** Sticky buffer keywords of all protocols → buffer. */
export const STICKY_BUFFERS: ReadonlyMap<string, AppBufDef> = sticky;
export const INT_KEYWORDS: ReadonlyMap<string, IntKeyword> = ints;
export const LEGACY_KEYWORDS: ReadonlyMap<string, LegacyKeyword> = legacy;

/**
 * Transforms change a buffer's bytes before inspection; a transformed buffer has its own id
 * (base id | flag) so it gets its own prefilter automaton. `dotprefix` prepends a '.'.
 */
export const TRANSFORM_DOTPREFIX = 0x10000;
export const BUFFER_ID_MASK = 0xffff;

/**
 * `app-layer-event:<proto>.<event>` of a protocol with transaction events: the event buffer and
 * the event's index (what the buffer's instances are), undefined when the protocol has none;
 * -1 when the protocol has events but not this one.
 */
export function appTxEvent(value: string): { def: AppBufDef; id: number } | undefined {
  const t = value.trim().toLowerCase();
  const dot = t.indexOf('.');
  if (dot <= 0) return undefined;
  const m = byName.get(t.slice(0, dot));
  if (m === undefined || m.events === undefined) return undefined;
  let name = t.slice(dot + 1);
  name = m.events.aliases?.[name] ?? name;
  return { def: m.events.def, id: m.events.names.indexOf(name) };
}

/** The module of a rule-header protocol name (`dns`, `tls`, `http`), undefined if none. */
export function appModuleByName(name: string): AppKeywordModule | undefined {
  return byName.get(name);
}

export function appModule(alproto: number): AppKeywordModule | undefined {
  return byProto[alproto];
}

/** A JA3/JA3S/JA4 buffer (a rule using one turns fingerprints on in EVE, as in Suricata). */
export function isFingerprintBuffer(id: number): boolean {
  const b = id & BUFFER_ID_MASK;
  return b >= TlsBuf.Ja3Hash && b <= TlsBuf.Ja4Hash;
}

/** A hassh buffer. */
export function isHasshBuffer(id: number): boolean {
  const b = id & BUFFER_ID_MASK;
  return b >= SshBuf.Hassh && b <= SshBuf.HasshServerString;
}
