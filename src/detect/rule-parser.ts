/**
 * One rule's text → a compiled Rule (or a RuleError saying why not).
 *
 * Syntax as Suricata reads it:
 *   action proto src_addr src_port (->|<>) dst_addr dst_port (option; option:value; ...)
 * Options are split on every `;` not preceded by a backslash — quotes are NOT tracked, so an
 * unescaped `;` inside a quoted msg or content ends the option, exactly as in Suricata.
 * Each option is `name` or `name:value` (split at the first colon). Keywords run in order:
 * content modifiers apply to the latest content, relative keywords mark the previous
 * content/pcre so the inspector backtracks (payload-match.ts).
 *
 * Unsupported things are reported as such, never half-loaded: an app-layer protocol
 * (`alert http ...`) gives "unsupported protocol 'http'", a sticky buffer or other keyword
 * outside the supported set gives "unsupported keyword 'http.uri'".
 */
import { parseAddressSet, type AddressSet } from './address-set.js';
import type { Classification } from './classification.js';
import { parsePortSet, type PortSet } from './port-set.js';
import { Action, FlowFlag, FlowbitsRole, Proto, SigFlag, type ActionValue, type ProtoValue, type Rule } from './rule.js';
import { parseStreamSize } from './keywords/stream-size.js';
import { RuleError, RuleSkipped, invalidValue, refuseUnescapedQuote, unsupportedKeyword, unsupportedProtocol } from './rule-error.js';
import { unmetRequirement } from './keywords/requires.js';
import { FLOW_COUNTER_KEYWORDS, parseFlowCounter } from './keywords/flow-counters.js';
import { parseXbits } from './keywords/xbits.js';
import { parseFlowint } from './keywords/flowint.js';
import {
  Cmp,
  Field,
  eqCheck,
  fragoffsetCheck,
  ipProtoCheck,
  parseFragbits,
  parseIpopts,
  parseTcpFlags,
  tcpMssCheck,
  tosCheck,
  vlanIdCheck,
  uintCheck,
  windowCheck,
} from './keywords/header.js';
import {
  ByteVars,
  ContentOp,
  OpType,
  PcreOp,
  applyContentModifier,
  applyFastPattern,
  parseByteExtract,
  parseByteJump,
  parseByteTest,
  parseContent,
  parseIsdataat,
  parsePcreOp,
  parseBase64Decode,
  parseEntropy,
  parseByteMath,
  type Base64DecodeOp,
  type PayloadOp,
} from './keywords/payload.js';
import { FlowbitCmd, parseFlowbits, type FlowbitNames } from './keywords/flowbits.js';
import { parseFlow } from './keywords/flow.js';
import { parseThreshold } from './keywords/threshold.js';
import { FOLD } from './keywords/payload.js';
import { parseEventKeyword } from './keywords/events.js';
import {
  BufDir,
  CONTENT_MODIFIERS,
  PCRE_BUFFER_FLAGS,
  fastPatternPriority,
  parseLenCheck,
  parseUrilen,
  type HttpBufDef,
} from './keywords/http.js';
import { AppProto, appProtoName } from '../applayer/app-proto.js';
import {
  BUFFER_ID_MASK, INT_KEYWORDS, LEGACY_KEYWORDS, STICKY_BUFFERS, TRANSFORM_DOTPREFIX, appModule, appModuleByName, appTxEvent,
} from './keywords/app-buffers.js';
import type { ValueCheck } from './rule.js';
import { HttpBuf } from '../applayer/http/http-buffers.js';
import { TxDir, type TxBufferMatch } from './rule.js';
import { headerAppProto, noParserFor, parseAppLayerProtocol } from './keywords/app-layer-protocol.js';
import { TRANSFORM_KEYWORDS, parseTransform, type Transform } from './transforms.js';
import { HEADER_BUFFERS } from './keywords/header-buffers.js';

export interface ParseContext {
  addressVars: ReadonlyMap<string, string>;
  portVars: ReadonlyMap<string, string>;
  classifications: ReadonlyMap<string, Classification>;
  flowbits: FlowbitNames;
  /** Caches of parsed address/port fields (the same `$HOME_NET` text parses once). */
  addressCache: Map<string, AddressSet>;
  portCache: Map<string, PortSet>;
}

const ACTIONS: Record<string, ActionValue> = {
  alert: Action.Alert,
  drop: Action.Drop,
  pass: Action.Pass,
  reject: Action.Reject,
  rejectsrc: Action.Reject,
  rejectdst: Action.Reject,
  rejectboth: Action.Reject,
};

const PROTOCOLS: Record<string, ProtoValue> = {
  ip: Proto.Any,
  pkthdr: Proto.Pkthdr,
  tcp: Proto.Tcp,
  'tcp-pkt': Proto.Tcp,
  'tcp-stream': Proto.Tcp,
  udp: Proto.Udp,
  icmp: Proto.Icmp,
  icmpv4: Proto.Icmpv4,
  icmpv6: Proto.Icmpv6,
  ipv4: Proto.Ipv4,
  ip4: Proto.Ipv4,
  ipv6: Proto.Ipv6,
  ip6: Proto.Ipv6,
  sctp: Proto.Sctp,
};


/** Split the options part on `;` not preceded by `\`. Exported for tests. */
export function splitOptions(body: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === ';' && (i === 0 || body[i - 1] !== '\\')) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  const tail = body.slice(start);
  if (tail.trim() !== '') out.push(tail);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** Header tokens split on whitespace, keeping [..] lists (which may contain spaces) whole. */
function headerTokens(header: string): string[] {
  const out: string[] = [];
  let start = -1;
  let depth = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header.charCodeAt(i);
    if (c === 0x5b) depth++;
    else if (c === 0x5d) depth--;
    const space = c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
    if (space && depth <= 0) {
      if (start >= 0) out.push(header.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(header.slice(start));
  return out;
}

/** Best-effort sid of a rule text that failed to parse (for the failure report). */
export function sniffSid(text: string): number | null {
  const m = /[(;]\s*sid\s*:\s*(\d+)\s*;/.exec(text);
  return m ? Number(m[1]) : null;
}

/** msg text: quotes removed, \x escapes resolved to x. */
function parseMsg(value: string): string {
  const t = value.trim();
  if (!(t.length >= 2 && t.startsWith('"') && t.endsWith('"'))) throw invalidValue('msg', 'value must be quoted');
  const inner = t.slice(1, -1);
  refuseUnescapedQuote('msg', inner);
  return inner.replace(/\\(.)/g, '$1');
}


function positiveInt(keyword: string, value: string, min: number, max: number): number {
  const t = value.trim();
  if (!/^\d+$/.test(t)) throw invalidValue(keyword, `'${value}' is not a number`);
  const n = Number(t);
  if (n < min || n > max) throw invalidValue(keyword, `${n} is outside ${min}..${max}`);
  return n;
}

/** Keywords that are recognised Suricata keywords this engine deliberately does not run. */
const SUPPORTED = new Set([
  'msg', 'sid', 'rev', 'gid', 'classtype', 'priority', 'reference', 'metadata', 'target',
  'content', 'nocase', 'offset', 'depth', 'distance', 'within', 'fast_pattern', 'startswith', 'endswith', 'rawbytes',
  'pcre', 'byte_test', 'byte_jump', 'byte_extract', 'isdataat', 'pkt_data',
  'flow', 'flowbits', 'noalert', 'threshold', 'detection_filter',
  'ttl', 'tos', 'id', 'ipopts', 'fragbits', 'fragoffset', 'ip_proto', 'sameip', 'window', 'seq', 'ack',
  'itype', 'icode', 'icmp_id', 'icmp_seq', 'flags', 'dsize', 'decode-event', 'stream-event', 'app-layer-event', 'engine-event', 'stream_size',
  'uricontent', 'urilen', 'bsize', 'requires', 'base64_decode', 'base64_data', 'xbits', 'hostbits', 'entropy', 'app-layer-protocol', 'byte_math', 'flowint', 'tcp.flags', 'tcp.mss', 'vlan.id', 'prefilter',
  ...STICKY_BUFFERS.keys(),
  ...CONTENT_MODIFIERS.keys(),
  ...TRANSFORM_KEYWORDS.keys(),
  ...HEADER_BUFFERS.keys(),
  ...FLOW_COUNTER_KEYWORDS,
  ...INT_KEYWORDS.keys(),
  ...LEGACY_KEYWORDS.keys(),
  'dotprefix',
]);

export function isSupportedKeyword(name: string): boolean {
  return SUPPORTED.has(name);
}

export interface RuleLocation {
  file: string;
  line: number;
  loadIndex: number;
}

/** Parse and compile one rule (already joined across continuation lines). */
export function parseRule(text: string, ctx: ParseContext, loc: RuleLocation): Rule {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new RuleError("rule has no '(options)' part", 'syntax');
  if (text.slice(close + 1).trim() !== '') throw new RuleError("text after the closing ')'", 'syntax');
  const options = splitOptions(text.slice(open + 1, close));
  // `requires` first (as Suricata): an unmet one skips the rule whatever else it holds.
  for (const opt of options) {
    const colon = opt.indexOf(':');
    if (colon < 0 || opt.slice(0, colon).trim().toLowerCase() !== 'requires') continue;
    const unmet = unmetRequirement(opt.slice(colon + 1), isSupportedKeyword);
    if (unmet !== null) throw new RuleSkipped(unmet);
  }
  const tokens = headerTokens(text.slice(0, open).trim());
  if (tokens.length === 0) throw new RuleError('empty rule header', 'syntax');

  const actionText = tokens[0]!.toLowerCase();
  const action = ACTIONS[actionText];
  if (action === undefined) throw new RuleError(`unknown action '${tokens[0]}'`, 'unknown action');
  if (tokens.length < 2) throw new RuleError('rule header has no protocol', 'syntax');
  const protoText = tokens[1]!.toLowerCase();
  // App-layer protocols of the rule header: a parsed protocol's keyword module
  // (keywords/app-buffers.ts) or a detect-only one (`alert smtp`); the transport plus the flow's
  // app protocol (AppProtoEquals).
  const appMod = appModuleByName(protoText);
  const hdrApp = appMod === undefined ? headerAppProto(protoText) : undefined;
  const alproto = appMod?.alproto ?? hdrApp?.alproto ?? 0;
  const proto = appMod !== undefined ? (appMod.udp ? Proto.TcpUdp : Proto.Tcp) : hdrApp !== undefined ? hdrApp.proto : PROTOCOLS[protoText];
  if (proto === undefined) {
    if (/^[a-z][a-z0-9_.-]*$/.test(protoText)) throw unsupportedProtocol(protoText);
    throw new RuleError(`bad protocol '${tokens[1]}'`, 'syntax');
  }
  if (tokens.length !== 7) {
    throw new RuleError(`rule header needs 'action proto src sport dir dst dport', got ${tokens.length} fields`, 'syntax');
  }
  const dir = tokens[4]!;
  if (dir !== '->' && dir !== '<>') {
    if (dir === '=>') throw new RuleError("transactional direction '=>' not supported", "unsupported direction '=>'");
    throw new RuleError(`bad direction '${dir}'`, 'syntax');
  }

  const address = (t: string): AddressSet => {
    let s = ctx.addressCache.get(t);
    if (!s) {
      s = parseAddressSet(t, ctx.addressVars);
      ctx.addressCache.set(t, s);
    }
    return s;
  };
  const port = (t: string): PortSet => {
    let s = ctx.portCache.get(t);
    if (!s) {
      s = parsePortSet(t, ctx.portVars);
      ctx.portCache.set(t, s);
    }
    return s;
  };
  const src = address(tokens[2]!);
  const sp = port(tokens[3]!);
  const dst = address(tokens[5]!);
  const dp = port(tokens[6]!);
  if (!(sp.any && dp.any) && proto !== Proto.Tcp && proto !== Proto.Udp && proto !== Proto.TcpUdp && proto !== Proto.Sctp && proto !== Proto.Any && proto !== Proto.Pkthdr && proto !== Proto.Ipv4 && proto !== Proto.Ipv6) {
    throw new RuleError(`ports given for protocol '${protoText}', which has none`, 'syntax');
  }

  const rule: Rule = {
    id: -1,
    gid: 1,
    sid: 0,
    rev: 0,
    msg: '',
    classtype: null,
    category: '',
    priority: 3,
    action,
    references: [],
    metadata: [],
    target: null,
    file: loc.file,
    line: loc.line,
    loadIndex: loc.loadIndex,
    proto,
    src,
    dst,
    sp,
    dp,
    bidir: dir === '<>',
    headerChecks: [],
    tcpFlags: null,
    fragbits: null,
    ipopts: null,
    sameip: false,
    events: [],
    flow: 0,
    flowCounters: [],
    requirePayload: false,
    sigFlags: 0,
    streamSize: null,
    requireNoPayload: false,
    payload: [],
    pktBuffers: [],
    byteVars: 0,
    prefilterPattern: null,
    alproto,
    appProtoChecks: [],
    pdOnly: false,
    txBuffers: [],
    txDir: TxDir.None,
    prefilterBuffer: -1,
    prefilterBufferTc: -1,
    flowbitChecks: [],
    flowbitActions: [],
    xbitChecks: [],
    xbitActions: [],
    flowintChecks: [],
    flowintActions: [],
    flowbitsRole: FlowbitsRole.None,
    noalert: false,
    threshold: null,
    detectionFilter: null,
  };

  let haveSid = false;
  let priorityKeyword: number | null = null;
  const payload: PayloadOp[] = [];
  // HTTP buffers: ops per buffer list (request-side id for two-sided buffers, see
  // keywords/http.ts). A list key is the buffer id, or for a transformed instance started by a
  // transform after the buffer already has keywords, id + 256 * n (its own TxBufferMatch).
  const bufOps = new Map<number, PayloadOp[]>();
  const bufDefs = new Map<number, HttpBufDef>();
  const bufLen = new Map<number, ValueCheck>();
  const bufXf = new Map<number, Transform[]>();
  let xfInstances = 0;
  /** The sticky buffer content goes to (null: the payload), and its list key. */
  let sticky: HttpBufDef | null = null;
  let stickyKey = -1;
  /** Header sticky buffer (keywords/header-buffers.ts HdrBuf), -1 when none. */
  let hdrSticky = -1;
  const hdrOps = new Map<number, PayloadOp[]>();
  /** The last base64_decode, and whether base64_data made its decoded bytes the buffer. */
  let lastB64: Base64DecodeOp | null = null;
  let b64Sticky = false;
  const listOf = (def: HttpBufDef | null, key: number = def === null ? -1 : def.id): PayloadOp[] => {
    if (def === null) return payload;
    let l = bufOps.get(key);
    if (l === undefined) {
      l = [];
      bufOps.set(key, l);
      bufDefs.set(key, def);
    }
    return l;
  };
  /** The list the current sticky buffer (header, HTTP, or the payload) collects keywords in. */
  const cur = (): PayloadOp[] => {
    if (b64Sticky) return lastB64!.dataOps;
    if (hdrSticky >= 0) {
      let l = hdrOps.get(hdrSticky);
      if (l === undefined) {
        l = [];
        hdrOps.set(hdrSticky, l);
      }
      return l;
    }
    return listOf(sticky, stickyKey);
  };
  /** Where the latest content was put (legacy modifiers move it). */
  let lastContentList: PayloadOp[] | null = null;
  const vars = new ByteVars();
  let lastContent: ContentOp | null = null;
  /** The last content or pcre: the anchor later relative keywords depend on. */
  let lastAnchor: ContentOp | PcreOp | null = null;
  /** The content/pcre before lastContent (what a relative lastContent depends on). */
  let anchorBeforeLastContent: ContentOp | PcreOp | null = null;
  let haveFlow = false;
  let dsizeSeen = false;

  const needContent = (kw: string): ContentOp => {
    if (lastContent === null) throw invalidValue(kw, 'needs a preceding content');
    return lastContent;
  };
  const markRelative = (anchor: ContentOp | PcreOp | null) => {
    if (anchor !== null) anchor.relativeNext = true;
  };

  for (const opt of options) {
    const colon = opt.indexOf(':');
    const name = (colon < 0 ? opt : opt.slice(0, colon)).trim().toLowerCase();
    const value = colon < 0 ? null : opt.slice(colon + 1).trim();
    if (!SUPPORTED.has(name)) throw unsupportedKeyword(name);
    const need = (): string => {
      if (value === null || value === '') throw invalidValue(name, 'needs a value');
      return value;
    };
    const stickyDef = STICKY_BUFFERS.get(name);
    if (hdrApp !== undefined && (stickyDef !== undefined || CONTENT_MODIFIERS.has(name) || name === 'uricontent' || name === 'urilen')) {
      // A detect-only protocol has no buffers: Suricata would inspect its parser's.
      throw noParserFor(name, alproto);
    }
    if (stickyDef !== undefined) {
      checkBufferProtocol(name, stickyDef, rule, protoText);
      sticky = stickyDef;
      stickyKey = stickyDef.id;
      hdrSticky = -1;
      b64Sticky = false;
      listOf(sticky);
      continue;
    }
    const hdrDef = HEADER_BUFFERS.get(name);
    if (hdrDef !== undefined) {
      if (value !== null) throw invalidValue(name, 'takes no value');
      sticky = null;
      stickyKey = -1;
      hdrSticky = hdrDef;
      b64Sticky = false;
      cur();
      continue;
    }
    if (TRANSFORM_KEYWORDS.has(name)) {
      // Transforms work on the sticky buffer selected before them (Suricata: not on the
      // packet payload or header buffers here).
      if (sticky === null || b64Sticky) throw invalidValue(name, 'a transform needs a sticky buffer (http.uri, file.data, ...) before it');
      const t = parseTransform(name, value);
      const curOps = bufOps.get(stickyKey)!;
      if (curOps.length > 0 || bufLen.has(stickyKey)) {
        // Keywords already inspect the buffer as it was: the transformed buffer is a new
        // instance, carrying the transforms so far.
        const prev = bufXf.get(stickyKey) ?? [];
        stickyKey = sticky.id + 256 * ++xfInstances;
        listOf(sticky, stickyKey);
        bufXf.set(stickyKey, [...prev]);
      }
      let chain = bufXf.get(stickyKey);
      if (chain === undefined) {
        chain = [];
        bufXf.set(stickyKey, chain);
      }
      chain.push(t);
      continue;
    }
    const intKw = INT_KEYWORDS.get(name);
    if (intKw !== undefined) {
      // An integer keyword of a protocol's tx (dns.opcode, tls.version ...): a value check.
      checkBufferProtocol(name, intKw.def, rule, protoText);
      listOf(intKw.def);
      if (bufLen.has(intKw.def.id)) throw invalidValue(name, 'given twice');
      bufLen.set(intKw.def.id, intKw.parse(value));
      continue;
    }
    const legacy = LEGACY_KEYWORDS.get(name);
    if (legacy !== undefined) {
      checkBufferProtocol(name, legacy.def, rule, protoText);
      const op = legacyContent(name, need(), legacy.mode);
      if (legacy.nocase === true) op.nocase = true;
      listOf(legacy.def).push(op);
      continue;
    }
    if (name === 'dotprefix') {
      // A transform: the buffer gets a leading '.'; it must come before the buffer's matches.
      if (sticky === null) throw invalidValue(name, 'needs a sticky buffer before it');
      if ((sticky.id & TRANSFORM_DOTPREFIX) !== 0) throw invalidValue(name, 'given twice');
      const base = sticky;
      const ops = bufOps.get(base.id);
      if ((ops !== undefined && ops.length > 0) || bufLen.has(base.id)) throw invalidValue(name, "must come before the buffer's content");
      if (ops !== undefined) {
        bufOps.delete(base.id);
        bufDefs.delete(base.id);
      }
      sticky = {
        ...base,
        id: base.id | TRANSFORM_DOTPREFIX,
        resId: base.resId >= 0 ? base.resId | TRANSFORM_DOTPREFIX : -1,
        progress: (id: number) => base.progress(id & BUFFER_ID_MASK),
      };
      stickyKey = sticky.id;
      listOf(sticky);
      continue;
    }
    const modDef = CONTENT_MODIFIERS.get(name);
    if (modDef !== undefined) {
      const c = needContent(name);
      if (lastContentList === null || lastContentList[lastContentList.length - 1] !== c) throw invalidValue(name, 'must follow its content');
      const target = listOf(modDef);
      if (target !== lastContentList) {
        lastContentList.pop();
        target.push(c);
        lastContentList = target;
      }
      continue;
    }
    switch (name) {
      case 'msg':
        rule.msg = parseMsg(need());
        break;
      case 'sid':
        rule.sid = positiveInt('sid', need(), 1, 0xffffffff);
        haveSid = true;
        break;
      case 'rev':
        rule.rev = positiveInt('rev', need(), 0, 0xffffffff);
        break;
      case 'gid':
        rule.gid = positiveInt('gid', need(), 0, 0xffffffff);
        break;
      case 'priority':
        priorityKeyword = positiveInt('priority', need(), 1, 255);
        break;
      case 'classtype': {
        const ct = need().trim().toLowerCase();
        const c = ctx.classifications.get(ct);
        if (!c) throw new RuleError(`unknown classtype '${ct}'`, 'unknown classtype');
        rule.classtype = c.name;
        rule.category = c.description;
        rule.priority = c.priority;
        break;
      }
      case 'reference':
        rule.references.push(need());
        break;
      case 'metadata':
        for (const item of need().split(',')) {
          const t = item.trim();
          const sp2 = t.indexOf(' ');
          if (sp2 <= 0) continue; // Suricata skips entries without a value.
          const k = t.slice(0, sp2).trim();
          const v = t.slice(sp2 + 1).trim();
          if (k !== '' && v !== '') rule.metadata.push([k, v]);
        }
        break;
      case 'app-layer-protocol':
        rule.appProtoChecks.push(parseAppLayerProtocol(need()));
        break;
      case 'prefilter':
        // Suricata: use the previous keyword as the rule's prefilter engine. A performance
        // hint only (what matches does not change), and this engine chooses its own prefilter.
        if (value !== null) throw invalidValue(name, 'takes no value');
        break;
      case 'target': {
        const t = need().trim();
        if (t === 'src_ip') rule.target = 'src';
        else if (t === 'dest_ip') rule.target = 'dest';
        else throw invalidValue('target', `expected src_ip or dest_ip, got '${t}'`);
        break;
      }

      // ---- payload ----
      case 'content':
      case 'uricontent': {
        const op = parseContent(need());
        anchorBeforeLastContent = lastAnchor;
        lastContent = op;
        lastAnchor = op;
        // uricontent:"x" is content:"x"; http_uri.
        const l = name === 'uricontent' ? listOf(CONTENT_MODIFIERS.get('http_uri')!) : cur();
        l.push(op);
        lastContentList = l;
        break;
      }
      case 'urilen': {
        const u = parseUrilen(need());
        const def = STICKY_BUFFERS.get(u.raw ? 'http.uri.raw' : 'http.uri')!;
        listOf(def);
        if (bufLen.has(def.id)) throw invalidValue(name, 'given twice');
        bufLen.set(def.id, u.check);
        break;
      }
      case 'bsize': {
        if (sticky === null) throw invalidValue(name, 'needs a sticky buffer (http.uri, ...) before it');
        if (bufLen.has(stickyKey)) throw invalidValue(name, 'given twice for one buffer');
        bufLen.set(stickyKey, parseLenCheck(name, need()));
        break;
      }
      case 'nocase': {
        const c = needContent(name);
        if (c.nocase) throw invalidValue(name, 'given twice');
        c.nocase = true;
        break;
      }
      case 'rawbytes':
        needContent(name);
        break;
      case 'offset':
      case 'depth':
        applyContentModifier(needContent(name), name, need(), vars);
        break;
      case 'distance':
      case 'within': {
        const c = needContent(name);
        if (c.fastPatternOnly) throw invalidValue(name, "can't be used with fast_pattern:only");
        applyContentModifier(c, name, need(), vars);
        markRelative(anchorBeforeLastContent);
        break;
      }
      case 'startswith': {
        const c = needContent(name);
        if (c.hasOffset || c.hasDepth || c.hasDistance || c.hasWithin) {
          throw invalidValue(name, "can't be combined with offset/depth/distance/within");
        }
        c.startswith = true;
        c.hasDepth = true;
        c.depth = c.raw.length;
        break;
      }
      case 'endswith':
        needContent(name).endswith = true;
        break;
      case 'fast_pattern':
        applyFastPattern(needContent(name), value);
        break;
      case 'prefilter':
        break;
      case 'pkt_data':
        // Switches inspection back to the packet payload.
        sticky = null;
        stickyKey = -1;
        hdrSticky = -1;
        b64Sticky = false;
        break;
      case 'pcre': {
        const op = parsePcreOp(need());
        if (op.relative) markRelative(lastAnchor);
        lastAnchor = op;
        if (op.buffer !== null) {
          const def = PCRE_BUFFER_FLAGS[op.buffer]!;
          if ((sticky !== null && sticky.id !== def.id) || hdrSticky >= 0) throw invalidValue(name, `buffer flag '${op.buffer}' inside another sticky buffer`);
          (sticky !== null ? cur() : listOf(def)).push(op);
        } else cur().push(op);
        break;
      }
      case 'byte_test': {
        const op = parseByteTest(need(), vars);
        if (op.spec.relative) markRelative(lastAnchor);
        cur().push(op);
        break;
      }
      case 'byte_jump': {
        const op = parseByteJump(need(), vars);
        if (op.spec.relative) markRelative(lastAnchor);
        cur().push(op);
        break;
      }
      case 'byte_extract': {
        const op = parseByteExtract(need(), vars);
        if (op.spec.relative) markRelative(lastAnchor);
        cur().push(op);
        break;
      }
      case 'entropy':
        cur().push(parseEntropy(need()));
        break;
      case 'byte_math': {
        const op = parseByteMath(need(), vars);
        if (op.spec.relative) markRelative(lastAnchor);
        cur().push(op);
        break;
      }
      case 'isdataat': {
        const op = parseIsdataat(need(), vars);
        if (op.relative) markRelative(lastAnchor);
        cur().push(op);
        break;
      }

      // ---- flow ----
      case 'flow':
        if (haveFlow) throw invalidValue(name, 'given twice');
        haveFlow = true;
        rule.flow = parseFlow(need());
        break;
      case 'flowbits': {
        const op = parseFlowbits(need(), ctx.flowbits);
        if (op === null) rule.noalert = true;
        else if (op.isCheck) rule.flowbitChecks.push(op);
        else rule.flowbitActions.push(op);
        break;
      }
      case 'noalert':
        rule.noalert = true;
        break;
      case 'flowint': {
        const op = parseFlowint(need());
        if (op.isModifier) rule.flowintActions.push(op);
        else rule.flowintChecks.push(op);
        break;
      }
      case 'xbits':
      case 'hostbits': {
        const op = parseXbits(name, need());
        if (op === null) rule.noalert = true;
        else if (op.isCheck) rule.xbitChecks.push(op);
        else rule.xbitActions.push(op);
        break;
      }
      case 'threshold':
        if (rule.threshold || rule.detectionFilter) throw invalidValue(name, 'only one threshold/detection_filter per rule');
        rule.threshold = parseThreshold('threshold', need());
        break;
      case 'detection_filter':
        if (rule.threshold || rule.detectionFilter) throw invalidValue(name, 'only one threshold/detection_filter per rule');
        rule.detectionFilter = parseThreshold('detection_filter', need());
        break;

      // ---- header ----
      case 'ttl':
        rule.headerChecks.push(uintCheck(Field.Ttl, name, need(), 255));
        break;
      case 'tos':
        rule.headerChecks.push(tosCheck(need()));
        break;
      case 'id':
        rule.headerChecks.push(eqCheck(Field.IpId, name, need(), 65535));
        break;
      case 'ipopts':
        if (rule.ipopts) throw invalidValue(name, 'given twice');
        rule.ipopts = parseIpopts(need());
        break;
      case 'fragbits':
        if (rule.fragbits) throw invalidValue(name, 'given twice');
        rule.fragbits = parseFragbits(need());
        break;
      case 'fragoffset':
        rule.headerChecks.push(fragoffsetCheck(need()));
        break;
      case 'ip_proto':
        rule.headerChecks.push(ipProtoCheck(need()));
        break;
      case 'sameip':
        rule.sameip = true;
        break;
      case 'app-layer-event': {
        // A protocol's transaction event (dns.z_flag_set): an integer check on its event buffer.
        const ev = appTxEvent(need());
        if (ev !== undefined) {
          if (ev.id < 0) throw new RuleError(`app-layer-event '${need().trim()}' is not an event Suricata knows`, `unsupported app-layer-event '${need().trim()}'`);
          checkBufferProtocol(name, ev.def, rule, protoText);
          listOf(ev.def);
          if (bufLen.has(ev.def.id)) throw invalidValue(name, 'only one event of a protocol per rule');
          const want = ev.id;
          bufLen.set(ev.def.id, { test: (v: number) => v === want });
          break;
        }
        rule.events.push(parseEventKeyword(name, need()));
        break;
      }
      case 'decode-event':
      case 'stream-event':
      case 'engine-event':
        rule.events.push(parseEventKeyword(name, need()));
        break;
      case 'window':
        rule.headerChecks.push(windowCheck(need()));
        break;
      case 'seq':
        rule.headerChecks.push(eqCheck(Field.Seq, name, need(), 0xffffffff));
        break;
      case 'ack':
        rule.headerChecks.push(eqCheck(Field.Ack, name, need(), 0xffffffff));
        break;
      case 'itype':
        rule.headerChecks.push(uintCheck(Field.Itype, name, need(), 255));
        break;
      case 'icode':
        rule.headerChecks.push(uintCheck(Field.Icode, name, need(), 255));
        break;
      case 'icmp_id':
        rule.headerChecks.push(eqCheck(Field.IcmpId, name, need(), 65535));
        break;
      case 'icmp_seq':
        rule.headerChecks.push(eqCheck(Field.IcmpSeq, name, need(), 65535));
        break;
      case 'requires':
        // Evaluated (and met) before the loop.
        break;
      case 'base64_decode': {
        if (b64Sticky) throw invalidValue(name, 'inside base64_data');
        const op = parseBase64Decode(value);
        if (op.relative) markRelative(lastAnchor);
        cur().push(op);
        lastB64 = op;
        break;
      }
      case 'base64_data':
        if (value !== null) throw invalidValue(name, 'takes no value');
        if (lastB64 === null) throw invalidValue(name, 'needs a base64_decode before it');
        b64Sticky = true;
        lastContent = null;
        lastAnchor = null;
        break;
      case 'flow.pkts':
      case 'flow.bytes':
      case 'flow.pkts_toserver':
      case 'flow.pkts_toclient':
      case 'flow.bytes_toserver':
      case 'flow.bytes_toclient':
      case 'flow.age':
        rule.flowCounters.push(parseFlowCounter(name, need()));
        break;
      case 'tcp.mss':
        rule.headerChecks.push(tcpMssCheck(need()));
        break;
      case 'vlan.id':
        rule.headerChecks.push(vlanIdCheck(need()));
        break;
      case 'flags':
      case 'tcp.flags':
        if (rule.tcpFlags) throw invalidValue(name, 'given twice');
        rule.tcpFlags = parseTcpFlags(need());
        break;
      case 'dsize': {
        if (dsizeSeen) throw invalidValue(name, 'given twice');
        dsizeSeen = true;
        const c = uintCheck(Field.Dsize, name, need(), 65535);
        rule.headerChecks.push(c);
        // Suricata's signature mask: these forms cannot match an empty payload (nor does
        // `!N`), dsize:0 needs an empty one; < and <= say nothing.
        if (c.cmp === Cmp.Range || c.cmp === Cmp.Gt || c.cmp === Cmp.Gte || c.cmp === Cmp.Ne || (c.cmp === Cmp.Eq && c.a > 0)) {
          rule.requirePayload = true;
        } else if (c.cmp === Cmp.Eq && c.a === 0) {
          rule.requireNoPayload = true;
        }
        break;
      }
      case 'stream_size':
        if (rule.streamSize !== null) throw invalidValue(name, 'given twice');
        rule.streamSize = parseStreamSize(need());
        break;
      default:
        throw unsupportedKeyword(name);
    }
  }

  if (!haveSid) throw new RuleError('rule has no sid', 'missing sid');
  if (priorityKeyword !== null) rule.priority = priorityKeyword;

  // ---- app-layer buffers: direction, then the tx buffer list ----
  // (Only pcre's HTTP flags reach here in a detect-only protocol's rule.)
  if (hdrApp !== undefined && bufOps.size > 0) throw noParserFor('pcre', alproto);
  if (bufOps.size > 0) finishTxBuffers(rule, protoText, bufOps, bufDefs, bufLen, bufXf, payload);
  for (const [kind, ops] of hdrOps) {
    if (ops.length === 0) throw invalidValue('hdr', 'header buffer with nothing to match in it');
    rule.pktBuffers.push({ kind, ops });
  }

  // ---- payload finalisation ----
  let fpCount = 0;
  const allOps: PayloadOp[] = [...payload];
  for (const tb of rule.txBuffers) allOps.push(...tb.ops);
  for (const pb of rule.pktBuffers) allOps.push(...pb.ops);
  for (let i = 0; i < allOps.length; i++) {
    const op = allOps[i]!;
    if (op.type === OpType.Base64Decode) allOps.push(...op.dataOps);
  }
  for (const op of allOps) {
    if (op.type !== OpType.Content) continue;
    op.finalize();
    if (op.fastPattern) {
      fpCount++;
      if (op.fastPatternOnly && (op.relative || op.hasOffset || op.hasDepth || op.relativeNext)) {
        throw invalidValue('fast_pattern', "'only' on a content with position modifiers");
      }
    }
  }
  if (fpCount > 1) throw invalidValue('fast_pattern', 'set on more than one content');
  rule.payload = payload;
  rule.byteVars = vars.slots.size;
  if (payload.length > 0) rule.requirePayload = true;
  if (rule.requirePayload && rule.requireNoPayload) throw new RuleError('rule needs a payload and no payload at once', 'contradiction');
  if (rule.txBuffers.length > 0) {
    const fp = chooseTxPrefilter(rule);
    rule.prefilterPattern = fp.pattern;
    rule.prefilterBuffer = fp.buffer;
    rule.prefilterBufferTc = rule.txBuffers.find((b) => b.buf === fp.buffer)?.resBuf ?? fp.buffer;
  } else rule.prefilterPattern = choosePrefilterPattern(payload);
  rule.sigFlags = classifyStream(rule, protoText);
  if ((rule.sigFlags & SigFlag.OnlyStream) !== 0 && (rule.sigFlags & SigFlag.RequirePacket) !== 0) {
    // SigValidatePacketStream: packet-only keywords with only_stream / tcp-stream.
    throw new RuleError('packet keywords (dsize, header keywords, no_stream, tcp-pkt) with only_stream/tcp-stream', 'contradiction');
  }

  // ---- flowbits role for ordering ----
  // xbits/hostbits order like flowbits (Suricata orders by them too).
  const reads = rule.flowbitChecks.length > 0 || rule.xbitChecks.length > 0 || rule.flowintChecks.length > 0;
  const writes =
    rule.flowbitActions.some((a) => a.cmd === FlowbitCmd.Set || a.cmd === FlowbitCmd.Unset || a.cmd === FlowbitCmd.Toggle) ||
    rule.xbitActions.length > 0 ||
    rule.flowintActions.length > 0;
  rule.flowbitsRole = reads && writes ? FlowbitsRole.SetRead : writes ? FlowbitsRole.Set : reads ? FlowbitsRole.Read : FlowbitsRole.None;
  rule.pdOnly = isPdOnly(rule);
  return rule;
}

/**
 * Suricata's SignatureIsPDOnly: no header app protocol, no payload or buffers, and besides
 * app-layer-protocol only flow and flowbits keywords.
 */
function isPdOnly(rule: Rule): boolean {
  return (
    rule.appProtoChecks.length > 0 &&
    rule.alproto === 0 &&
    rule.payload.length === 0 &&
    rule.txBuffers.length === 0 &&
    rule.pktBuffers.length === 0 &&
    rule.headerChecks.length === 0 &&
    rule.flowCounters.length === 0 &&
    rule.tcpFlags === null &&
    rule.fragbits === null &&
    rule.ipopts === null &&
    !rule.sameip &&
    rule.events.length === 0 &&
    rule.streamSize === null &&
    !rule.requirePayload &&
    !rule.requireNoPayload
  );
}

/**
 * A sticky buffer fits the rule: its protocol is the header's (or the header names a transport
 * the protocol runs on: HTTP over tcp, DNS over tcp or udp).
 */
function checkBufferProtocol(name: string, def: HttpBufDef, rule: Rule, protoText: string): void {
  if (rule.alproto !== 0) {
    if (def.alproto !== rule.alproto) throw invalidValue(name, `${appProtoName(def.alproto)} buffer in a '${protoText}' rule`);
    return;
  }
  const udp = appModule(def.alproto)?.udp === true;
  const ok = rule.proto === Proto.Tcp || rule.proto === Proto.Any || (udp && (rule.proto === Proto.Udp || rule.proto === Proto.TcpUdp));
  if (!ok) throw invalidValue(name, `${def.alproto === AppProto.Http ? 'HTTP' : appProtoName(def.alproto)} buffer in a '${protoText}' rule`);
}

/**
 * The rule's app-layer buffers in rule.txBuffers (all of one protocol): two-sided buffers (http.header, file.data, ...) go
 * to the side the rule inspects, which is the one its one-sided buffers name, else its flow
 * direction, else to the server (file.data: to the client). Buffers of both directions need
 * Suricata's `=>` rules, which are refused. Payload contents next to HTTP buffers stay in
 * rule.payload: the tx pass matches them on the packet's stream window or payload, else on the
 * transaction's raw start line + headers or body (engine.ts matchTxRule).
 */
function finishTxBuffers(
  rule: Rule,
  protoText: string,
  bufOps: Map<number, PayloadOp[]>,
  bufDefs: Map<number, HttpBufDef>,
  bufLen: Map<number, ValueCheck>,
  bufXf: Map<number, Transform[]>,
  payload: PayloadOp[],
): void {
  let bufProto = 0;
  for (const def of bufDefs.values()) {
    if (bufProto !== 0 && def.alproto !== bufProto) {
      throw new RuleError(`buffers of two app-layer protocols (${appProtoName(bufProto)}, ${appProtoName(def.alproto)}) in one rule`, 'buffers of two protocols');
    }
    bufProto = def.alproto;
  }
  const udp = appModule(bufProto)?.udp === true;
  if (rule.proto !== Proto.Tcp && rule.proto !== Proto.Any && !(udp && (rule.proto === Proto.Udp || rule.proto === Proto.TcpUdp))) {
    throw invalidValue(bufProto === AppProto.Http ? 'http' : appProtoName(bufProto)!, `${bufProto === AppProto.Http ? 'HTTP' : appProtoName(bufProto)} buffers in a '${protoText}' rule`);
  }
  const what = bufProto === AppProto.Http ? 'HTTP' : appProtoName(bufProto)!.toUpperCase();
  let fixed = 0;
  let onlyFileData = true;
  let preferClient = true;
  // Every buffer the same on both sides (DNS names, opcode, events): the rule inspects either.
  let symmetric = true;
  for (const def of bufDefs.values()) {
    if (def.dir !== BufDir.Both || def.resId !== def.id) symmetric = false;
    if (def.preferDir !== BufDir.ToClient) preferClient = false;
    if (def.dir !== BufDir.Both) fixed |= def.dir;
    if (def.id !== HttpBuf.RequestBody || def.resId !== HttpBuf.ResponseBody) onlyFileData = false;
  }
  if (fixed === (BufDir.ToServer | BufDir.ToClient)) {
    throw new RuleError(`${what} buffers of both directions in one rule (needs a => rule)`, `${what.toLowerCase()} buffers of both directions`);
  }
  const flowDir = (rule.flow & FlowFlag.ToServer) !== 0 ? BufDir.ToServer : (rule.flow & FlowFlag.ToClient) !== 0 ? BufDir.ToClient : 0;
  let dir = fixed !== 0 ? fixed : flowDir !== 0 ? flowDir : onlyFileData || preferClient ? BufDir.ToClient : BufDir.ToServer;
  if (fixed !== 0 && flowDir !== 0 && fixed !== flowDir) {
    throw new RuleError(`flow direction and ${what} buffer direction disagree`, `${what.toLowerCase()} buffer direction`);
  }
  if (dir === BufDir.Both) dir = BufDir.ToServer;
  // No direction anywhere and buffers of both sides: either side (HTTP keeps its default side).
  const either = fixed === 0 && flowDir === 0 && (symmetric || bufProto !== AppProto.Http);
  for (const [id, ops] of bufOps) {
    const def = bufDefs.get(id)!;
    const buf = !either && def.dir === BufDir.Both && dir === BufDir.ToClient ? def.resId : def.id;
    const resBuf = either && def.resId >= 0 ? def.resId : buf;
    const len = bufLen.get(id) ?? null;
    if (ops.length === 0 && len === null) throw invalidValue(what.toLowerCase(), `sticky buffer with nothing to match in it`);
    const xf = bufXf.get(id);
    const tb: TxBufferMatch = { buf, ops, len, progress: def.progress(buf), resBuf, transforms: xf !== undefined && xf.length > 0 ? xf : null };
    rule.txBuffers.push(tb);
  }
  rule.txDir = either ? TxDir.Both : dir === BufDir.ToClient ? TxDir.ToClient : TxDir.ToServer;
  if (rule.alproto === 0) rule.alproto = bufProto;
}

/**
 * A legacy value keyword's content (`tls.subject:"CN=x"`, `!"..."` negates): the value's bytes
 * as a content, anchored for 'startswith' and 'exact' modes.
 */
function legacyContent(name: string, raw: string, mode: 'contains' | 'startswith' | 'exact'): ContentOp {
  let v = raw.trim();
  const negated = v.startsWith('!');
  if (negated) v = v.slice(1).trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  if (v === '') throw invalidValue(name, 'needs a value');
  // The value is literal text: characters that mean something in a content go in as hex.
  const text = v.replace(/[|";\\]/g, (c) => `|${c.charCodeAt(0).toString(16).padStart(2, '0')}|`);
  const op = parseContent(`${negated ? '!' : ''}"${text}"`);
  if (mode !== 'contains') {
    op.startswith = true;
    op.hasDepth = true;
    op.depth = op.raw.length;
  }
  if (mode === 'exact') op.endswith = true;
  return op;
}

/**
 * The fast pattern of a tx rule (RetrieveFPForSig): an explicit fast_pattern; else among the
 * buffers with non-negated content and the lowest priority (keywords/http.ts), the longest
 * pattern. Negated contents only when nothing else exists... and then none (always a candidate).
 */
function chooseTxPrefilter(rule: Rule): { pattern: Uint8Array | null; buffer: number } {
  let best: ContentOp | null = null;
  let bestBuf = -1;
  let bestPrio = 99;
  // A transformed buffer's patterns are not in the raw buffer the prefilter scans.
  for (const tb of rule.txBuffers) {
    if (tb.transforms !== null) continue;
    for (const op of tb.ops) {
      if (op.type !== OpType.Content) continue;
      if (op.fastPattern) return { pattern: foldPattern(op), buffer: tb.buf };
    }
  }
  for (const tb of rule.txBuffers) {
    if (tb.transforms !== null) continue;
    const prio = fastPatternPriority(tb.buf);
    for (const op of tb.ops) {
      if (op.type !== OpType.Content || op.negated) continue;
      const better =
        best === null ||
        prio < bestPrio ||
        (prio === bestPrio && (op.raw.length > best.raw.length || (op.raw.length === best.raw.length && strength(op.raw) > strength(best.raw))));
      if (better) {
        best = op;
        bestBuf = tb.buf;
        bestPrio = prio;
      }
    }
  }
  if (best === null) return { pattern: null, buffer: -1 };
  return { pattern: foldPattern(best), buffer: bestBuf };
}

function foldPattern(op: ContentOp): Uint8Array {
  let bytes = op.raw;
  if (op.fpChopOffset >= 0) bytes = bytes.subarray(op.fpChopOffset, op.fpChopOffset + op.fpChopLength);
  return Uint8Array.from(bytes, (b) => FOLD[b]!);
}

/**
 * Stream vs packet inspection (src/detect-parse.c: SigConsolidateTcpBuffer and the keywords'
 * setup functions): dsize, flow:no_stream, tcp-pkt and header keywords require the packet;
 * flow:only_stream and tcp-stream require the stream only. A TCP rule with payload keywords
 * and neither already set inspects the stream, and also the packet when a content has
 * depth/offset or the rule has stream_size. Rules of other protocols inspect packets (0).
 */
export function classifyStream(rule: Rule, protoText: string): number {
  let f = 0;
  if (
    (rule.flow & FlowFlag.NoStream) !== 0 ||
    protoText === 'tcp-pkt' ||
    rule.headerChecks.length > 0 ||
    rule.pktBuffers.length > 0 ||
    rule.tcpFlags !== null ||
    rule.fragbits !== null ||
    rule.ipopts !== null
  ) {
    f |= SigFlag.RequirePacket;
  }
  if ((rule.flow & FlowFlag.OnlyStream) !== 0 || protoText === 'tcp-stream') f |= SigFlag.RequireStream | SigFlag.OnlyStream;
  if (rule.proto === Proto.Tcp && rule.payload.length > 0 && (f & (SigFlag.RequirePacket | SigFlag.RequireStream)) === 0) {
    f |= SigFlag.RequireStream;
    if (rule.streamSize !== null) f |= SigFlag.RequirePacket;
    for (const op of rule.payload) {
      if (op.type === OpType.Content && (op.hasDepth || op.hasOffset)) f |= SigFlag.RequirePacket;
    }
  }
  if (rule.proto !== Proto.Tcp) f &= ~(SigFlag.RequireStream | SigFlag.OnlyStream);
  return f;
}

/** Distinct byte values: Suricata-style tie breaker for equally long patterns. */
function strength(b: Uint8Array): number {
  const seen = new Set<number>();
  for (const x of b) seen.add(x);
  return seen.size;
}

/**
 * The pattern the multi-pattern prefilter looks for: the content marked fast_pattern, else
 * the longest non-negated content (Suricata's default); chopped by fast_pattern:N,M; case
 * folded (the prefilter always matches case-insensitively: it only selects candidates, the
 * inspector then checks case). Null when the rule has no usable content.
 */
export function choosePrefilterPattern(payload: PayloadOp[]): Uint8Array | null {
  let best: ContentOp | null = null;
  for (const op of payload) {
    if (op.type !== OpType.Content || op.negated) continue;
    if (op.fastPattern) {
      best = op;
      break;
    }
    if (best === null || op.raw.length > best.raw.length || (op.raw.length === best.raw.length && strength(op.raw) > strength(best.raw))) {
      best = op;
    }
  }
  if (best === null) return null;
  let bytes = best.raw;
  if (best.fpChopOffset >= 0) bytes = bytes.subarray(best.fpChopOffset, best.fpChopOffset + best.fpChopLength);
  return Uint8Array.from(bytes, (b) => FOLD[b]!);
}
