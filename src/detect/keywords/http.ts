/**
 * HTTP keywords of rules (issue 13 item 3): sticky buffers (http.uri ...), the legacy content
 * modifiers (http_uri ...), pcre's buffer flags, and which direction, progress and fast-pattern
 * priority each buffer has. Buffers that exist in both directions (http.header, http.cookie,
 * ...) are named here by their request id; rule-parser.ts moves them to the response side when
 * the rule's direction is to_client.
 */
import { HttpBuf, FIRST_RESPONSE_BUF } from '../../applayer/http/http-buffers.js';
import { HttpProgress } from '../../applayer/http/http-tx.js';
import { AppProto } from '../../applayer/app-proto.js';
import { invalidValue } from '../rule-error.js';
import { Cmp, parseUintExpr } from './header.js';

/** Direction a buffer implies. */
export const BufDir = { ToServer: 1, ToClient: 2, Both: 3 } as const;

/**
 * A sticky buffer of any app-layer protocol (the generic tx mechanism: engine.ts tx pass,
 * applayer/app-tx.ts). Protocol keyword modules (http.ts, dns.ts, tls.ts, ssh.ts) declare them;
 * app-buffers.ts collects them.
 */
export interface AppBufDef {
  /** To-server id (or the only id). */
  readonly id: number;
  /** To-client id for Both buffers, else -1. */
  readonly resId: number;
  readonly dir: number;
  /** AppProto id of the protocol whose transactions serve the buffer. */
  readonly alproto: number;
  /** Transaction progress (its side) needed before the buffer is inspected, per id. */
  progress(id: number): number;
  /** For Both buffers: the side a rule without a direction inspects (default to server). */
  readonly preferDir?: number;
}
export type HttpBufDef = AppBufDef;

const ts = (id: number): HttpBufDef => ({ id, resId: -1, dir: BufDir.ToServer, alproto: AppProto.Http, progress: bufferProgress });
const tc = (id: number): HttpBufDef => ({ id, resId: -1, dir: BufDir.ToClient, alproto: AppProto.Http, progress: bufferProgress });
const both = (id: number, resId: number): HttpBufDef => ({ id, resId, dir: BufDir.Both, alproto: AppProto.Http, progress: bufferProgress });

const URI = ts(HttpBuf.Uri);
const URI_RAW = ts(HttpBuf.UriRaw);
const METHOD = ts(HttpBuf.Method);
const HOST = ts(HttpBuf.Host);
const HOST_RAW = ts(HttpBuf.HostRaw);
const UA = ts(HttpBuf.UserAgent);
const HEADER = both(HttpBuf.RequestHeader, HttpBuf.ResponseHeader);
const HEADER_RAW = both(HttpBuf.RequestHeaderRaw, HttpBuf.ResponseHeaderRaw);
const COOKIE = both(HttpBuf.RequestCookie, HttpBuf.ResponseCookie);
const CLIENT_BODY = ts(HttpBuf.RequestBody);
const SERVER_BODY = tc(HttpBuf.ResponseBody);
const STAT_CODE = tc(HttpBuf.StatCode);
const STAT_MSG = tc(HttpBuf.StatMsg);

/** HTTP sticky buffer keywords → buffer. */
export const HTTP_STICKY_BUFFERS: ReadonlyMap<string, HttpBufDef> = new Map([
  ['http.uri', URI],
  ['http.uri.raw', URI_RAW],
  ['http.method', METHOD],
  ['http.protocol', both(HttpBuf.RequestProtocol, HttpBuf.ResponseProtocol)],
  ['http.host', HOST],
  ['http.host.raw', HOST_RAW],
  ['http.user_agent', UA],
  ['http.header', HEADER],
  ['http.header.raw', HEADER_RAW],
  ['http.header_names', both(HttpBuf.RequestHeaderNames, HttpBuf.ResponseHeaderNames)],
  ['http.cookie', COOKIE],
  ['http.content_type', both(HttpBuf.RequestContentType, HttpBuf.ResponseContentType)],
  ['http.content_len', both(HttpBuf.RequestContentLen, HttpBuf.ResponseContentLen)],
  ['http.referer', ts(HttpBuf.Referer)],
  ['http.accept', ts(HttpBuf.Accept)],
  ['http.accept_lang', ts(HttpBuf.AcceptLang)],
  ['http.accept_enc', ts(HttpBuf.AcceptEnc)],
  ['http.connection', both(HttpBuf.RequestConnection, HttpBuf.ResponseConnection)],
  ['http.location', tc(HttpBuf.Location)],
  ['http.server', tc(HttpBuf.Server)],
  ['http.request_line', ts(HttpBuf.RequestLine)],
  ['http.response_line', tc(HttpBuf.ResponseLine)],
  ['http.stat_code', STAT_CODE],
  ['http.stat_msg', STAT_MSG],
  ['http.request_body', CLIENT_BODY],
  ['http.response_body', SERVER_BODY],
  ['http.start', both(HttpBuf.RequestStart, HttpBuf.ResponseStart)],
  // file.data: the response body to the client; to the server, the request body (files).
  ['file.data', both(HttpBuf.RequestBody, HttpBuf.ResponseBody)],
  ['file_data', both(HttpBuf.RequestBody, HttpBuf.ResponseBody)],
  // Older sticky names Suricata keeps as aliases.
  ['http_request_line', ts(HttpBuf.RequestLine)],
  ['http_response_line', tc(HttpBuf.ResponseLine)],
  ['http_protocol', both(HttpBuf.RequestProtocol, HttpBuf.ResponseProtocol)],
  ['http_header_names', both(HttpBuf.RequestHeaderNames, HttpBuf.ResponseHeaderNames)],
  ['http_accept', ts(HttpBuf.Accept)],
  ['http_accept_lang', ts(HttpBuf.AcceptLang)],
  ['http_accept_enc', ts(HttpBuf.AcceptEnc)],
  ['http_referer', ts(HttpBuf.Referer)],
  ['http_content_type', both(HttpBuf.RequestContentType, HttpBuf.ResponseContentType)],
  ['http_content_len', both(HttpBuf.RequestContentLen, HttpBuf.ResponseContentLen)],
  ['http_connection', both(HttpBuf.RequestConnection, HttpBuf.ResponseConnection)],
  ['http_start', both(HttpBuf.RequestStart, HttpBuf.ResponseStart)],
  ['http.request_body', CLIENT_BODY],
]);

/** Legacy content modifiers → buffer (they move the preceding content there). */
export const CONTENT_MODIFIERS: ReadonlyMap<string, HttpBufDef> = new Map([
  ['http_uri', URI],
  ['http_raw_uri', URI_RAW],
  ['http_method', METHOD],
  ['http_header', HEADER],
  ['http_raw_header', HEADER_RAW],
  ['http_cookie', COOKIE],
  ['http_user_agent', UA],
  ['http_host', HOST],
  ['http_raw_host', HOST_RAW],
  ['http_client_body', CLIENT_BODY],
  ['http_server_body', SERVER_BODY],
  ['http_stat_code', STAT_CODE],
  ['http_stat_msg', STAT_MSG],
]);

/** pcre buffer flags (src/detect-pcre.c). */
export const PCRE_BUFFER_FLAGS: Readonly<Record<string, HttpBufDef>> = {
  U: URI,
  I: URI_RAW,
  P: CLIENT_BODY,
  Q: both(HttpBuf.RequestBody, HttpBuf.ResponseBody),
  H: HEADER,
  D: HEADER_RAW,
  M: METHOD,
  C: COOKIE,
  S: STAT_CODE,
  Y: STAT_MSG,
  V: UA,
  W: HOST,
  Z: HOST_RAW,
};

/**
 * Progress a transaction side must have reached before a buffer is inspected: the start line
 * buffers once the line is parsed, header-derived ones once the headers are complete, bodies
 * once the body started (src/detect-http-*.c registrations).
 */
export function bufferProgress(id: number): number {
  switch (id) {
    case HttpBuf.Uri:
    case HttpBuf.UriRaw:
    case HttpBuf.Method:
    case HttpBuf.RequestProtocol:
    case HttpBuf.RequestLine:
    case HttpBuf.ResponseProtocol:
    case HttpBuf.StatCode:
    case HttpBuf.StatMsg:
    case HttpBuf.ResponseLine:
      return HttpProgress.Line;
    default:
      return HttpProgress.Body;
  }
}

/** Fast-pattern priority (RetrieveFPForSig): lower wins; the payload is 3. */
export function fastPatternPriority(id: number): number {
  if (id < 0) return 3;
  if (id === HttpBuf.StatMsg) return 3;
  if (id === HttpBuf.Method || id === HttpBuf.StatCode) return 4;
  return 2;
}

export function isResponseBuf(id: number): boolean {
  return id >= FIRST_RESPONSE_BUF;
}

/** A length check (bsize, urilen). */
export class LenCheck {
  constructor(
    readonly cmp: number,
    readonly a: number,
    readonly b: number,
  ) {}

  test(v: number): boolean {
    switch (this.cmp) {
      case Cmp.Eq:
        return v === this.a;
      case Cmp.Lt:
        return v < this.a;
      case Cmp.Lte:
        return v <= this.a;
      case Cmp.Gt:
        return v > this.a;
      case Cmp.Gte:
        return v >= this.a;
      case Cmp.Range:
        return v > this.a && v < this.b;
      case Cmp.Ne:
        return v !== this.a;
      case Cmp.NotRange:
        return v <= this.a || v >= this.b;
      default:
        return false;
    }
  }
}

export function parseLenCheck(keyword: string, raw: string): LenCheck {
  const { cmp, a, b } = parseUintExpr(keyword, raw, 0xffffffff);
  return new LenCheck(cmp, a, b);
}

/** urilen:[<>]N[<>M][,norm|raw] → the check and whether it is on the raw URI. */
export function parseUrilen(raw: string): { check: LenCheck; raw: boolean } {
  const parts = raw.split(',').map((s) => s.trim());
  let useRaw = false;
  if (parts.length > 2) throw invalidValue('urilen', `cannot parse '${raw}'`);
  if (parts.length === 2) {
    if (parts[1] === 'raw') useRaw = true;
    else if (parts[1] !== 'norm') throw invalidValue('urilen', `expected 'raw' or 'norm', got '${parts[1]}'`);
  }
  return { check: parseLenCheck('urilen', parts[0]!), raw: useRaw };
}
