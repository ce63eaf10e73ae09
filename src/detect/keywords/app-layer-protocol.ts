/**
 * App-layer protocols in rules, for the protocols mirrorsink detects without parsing them
 * (applayer/detect-only): the rule header (`alert smtp ...`: the transports the protocol is
 * detected on plus an app_proto check, Suricata's SigParseProto + AppProtoEquals) and the
 * `app-layer-protocol:[!]name[|name...][,mode][,exact]` keyword
 * (src/detect-app-layer-protocol.c).
 *
 * Keyword semantics: the mode picks which protocol is compared: `direction` (default) the
 * packet direction's (alproto_ts / alproto_tc), `final` and `original` the flow's, `either` any
 * side, `to_server` / `to_client` that side's. While the compared protocol is unknown nothing
 * matches, negated or not, except the name `unknown`, which matches exactly then. `failed`
 * matches flows whose detection gave up. Names compare with AppProtoEquals (`http` covers
 * http2, `dcerpc` covers smb) unless `exact`.
 */
import { AppProto, appProtoByName, appProtoCovers, appProtoName } from '../../applayer/app-proto.js';
import { PROTOCOLS } from '../../applayer/registry.js';
import { RuleError, invalidValue, unsupportedProtocol } from '../rule-error.js';
import { Proto, type ProtoValue } from '../rule.js';

export const AlprotoMode = { Direction: 0, Final: 1, Original: 2, Either: 3, ToServer: 4, ToClient: 5 } as const;

const MODES: Record<string, number> = {
  direction: AlprotoMode.Direction,
  final: AlprotoMode.Final,
  original: AlprotoMode.Original,
  either: AlprotoMode.Either,
  to_server: AlprotoMode.ToServer,
  to_client: AlprotoMode.ToClient,
};

/** One `app-layer-protocol` keyword. */
export interface AppProtoCheck {
  /** AppProto ids; AppProto.Unknown for `unknown`, AppProto.Failed for `failed`. */
  readonly protos: readonly number[];
  readonly negated: boolean;
  readonly mode: number;
  readonly exact: boolean;
}

export function parseAppLayerProtocol(value: string): AppProtoCheck {
  let v = value.trim();
  let negated = false;
  if (v.startsWith('!')) {
    negated = true;
    v = v.slice(1).trim();
  }
  const parts = v.split(',').map((s) => s.trim());
  const protos: number[] = [];
  for (const name of parts[0]!.split('|').map((s) => s.trim().toLowerCase())) {
    if (name === '') throw invalidValue('app-layer-protocol', 'empty protocol name');
    let id: number | undefined;
    if (name === 'unknown') {
      if (negated) throw invalidValue('app-layer-protocol', "can't negate 'unknown'");
      id = AppProto.Unknown;
    } else id = appProtoByName(name);
    if (id === undefined) throw invalidValue('app-layer-protocol', `unknown protocol '${name}'`);
    protos.push(id);
  }
  let mode = -1;
  let exact = false;
  for (const q of parts.slice(1)) {
    const lq = q.toLowerCase();
    if (lq === 'exact' && !exact) exact = true;
    else if (MODES[lq] !== undefined && mode < 0) mode = MODES[lq]!;
    else throw invalidValue('app-layer-protocol', `unknown or repeated mode '${q}'`);
  }
  return { protos, negated, mode: mode < 0 ? AlprotoMode.Direction : mode, exact };
}

function equals(check: AppProtoCheck, flowProto: number): boolean {
  const ps = check.protos;
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p === AppProto.Unknown ? flowProto === AppProto.Unknown : check.exact ? p === flowProto : appProtoCovers(p, flowProto)) return true;
  }
  return false;
}

function wantsUnknown(check: AppProtoCheck): boolean {
  return check.protos.indexOf(AppProto.Unknown) >= 0;
}

/**
 * Does the flow's protocol satisfy `check` on a packet going `toServer`? `final` is the flow's
 * protocol, `ts`/`tc` each side's. mirrorsink keeps no separate original protocol (it never
 * changes protocol mid-flow), so `original` reads the flow's.
 */
export function matchAppProto(check: AppProtoCheck, toServer: boolean, final: number, ts: number, tc: number): boolean {
  let r: boolean;
  if (check.mode === AlprotoMode.Either) {
    if (ts === AppProto.Unknown && tc === AppProto.Unknown) return wantsUnknown(check);
    r = equals(check, ts) || equals(check, tc);
  } else {
    const a =
      check.mode === AlprotoMode.Direction ? (toServer ? ts : tc)
      : check.mode === AlprotoMode.ToServer ? ts
      : check.mode === AlprotoMode.ToClient ? tc
      : final;
    if (a === AppProto.Unknown) return wantsUnknown(check);
    r = equals(check, a);
  }
  return r !== check.negated;
}

/** What the rule header makes of an app-layer protocol name. */
export interface HeaderAppProto {
  readonly alproto: number;
  readonly proto: ProtoValue;
}

/** Header names left to their own modules (HTTP here in the rule parser; DNS/TLS/SSH get parsers). */
const OWNED_ELSEWHERE = new Set(['http', 'http1', 'dns', 'tls', 'ssh']);

/**
 * The rule header's app-layer protocol for a detect-only protocol, undefined when the name is
 * no app-layer protocol. Throws for a protocol mirrorsink knows by name but cannot detect.
 */
export function headerAppProto(name: string): HeaderAppProto | undefined {
  if (OWNED_ELSEWHERE.has(name)) return undefined;
  const id = appProtoByName(name);
  if (id === undefined || id === AppProto.Failed) return undefined;
  if (id === AppProto.FtpData) {
    throw new RuleError(
      "unsupported protocol 'ftp-data': Suricata finds FTP data connections by the expectation an FTP PORT/PASV exchange sets up, which needs the FTP parser mirrorsink lacks",
      "unsupported protocol 'ftp-data'",
    );
  }
  let tcp = false;
  let udp = false;
  for (const def of PROTOCOLS) {
    if (def.proto !== id) continue;
    tcp ||= def.tcp;
    udp ||= def.udp;
  }
  if (!tcp && !udp) {
    const e = unsupportedProtocol(name);
    throw new RuleError(`${e.reason}: ${appProtoName(id)} is not detected by mirrorsink`, e.category);
  }
  return { alproto: id, proto: tcp && udp ? Proto.TcpUdp : udp ? Proto.Udp : Proto.Tcp };
}

/**
 * A rule keyword that inspects what the HTTP parser produces (sticky buffers, http_* content
 * modifiers, uricontent, urilen) in a rule whose header names a protocol mirrorsink does not
 * parse: Suricata would inspect that protocol's own buffer (smtp file_data, ...).
 */
export function noParserFor(keyword: string, alproto: number): RuleError {
  const proto = appProtoName(alproto) ?? String(alproto);
  return new RuleError(`'${keyword}' in a '${proto}' rule needs the ${proto} parser, which mirrorsink lacks (${proto} is detected only)`, `no ${proto} parser for '${keyword}'`);
}
