/**
 * `filter explain`: why would AWS mirror (or not) a given packet?
 *
 * The verdict comes from the compiled filter (the code the pipeline runs); the per-rule reasons
 * come from a separate, readable matcher over the model. The two must agree on the deciding
 * rule, and explainPacket() fails loudly if they ever do not.
 *
 * Packet syntax: `PROTO SRC -> DST [ingress|egress|unknown]`, PROTO = tcp | udp | icmp | icmpv6 |
 * another protocol name | `proto N`; SRC/DST = `10.0.0.5:443`, `10.0.0.5`, `[2001:db8::1]:443`,
 * `[2001:db8::1]` or `2001:db8::1`. Ports only with tcp/udp; tcp/udp without ports describe a
 * packet that carries none (e.g. a non-first fragment).
 */
import { Direction, PacketView } from '../decode/packet-view.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { cidrContains, parseCidr, type ParsedCidr } from '../net/cidr.js';
import { formatAddress, parseAddress, type ParsedAddress } from '../net/ip-address.js';
import { RULE_AMAZON_DNS, type CompiledFilter } from './compile.js';
import { PROTOCOL_NAMES, portRangeText, protocolName, type MirrorFilterRule, type TrafficDirection } from './model.js';

export type PacketDirection = TrafficDirection | 'unknown';

export interface PacketSpec {
  family: 4 | 6;
  protocol: number;
  src: ParsedAddress;
  dst: ParsedAddress;
  /** -1 when the packet carries no ports. */
  sport: number;
  dport: number;
  direction: PacketDirection;
}

function usage(msg: string): never {
  throw new MirrorsinkError(ErrorCode.Usage, `filter explain: --packet: ${msg} (e.g. "tcp 10.0.0.5:443 -> 10.0.1.9:51000 ingress", "udp [2001:db8::1]:53 -> [2001:db8::2]:5353 egress", "proto 47 10.0.0.1 -> 10.0.0.2")`);
}

function parseEndpoint(tok: string): { addr: ParsedAddress; port: number } {
  let host = tok;
  let portText: string | undefined;
  if (tok.startsWith('[')) {
    const close = tok.indexOf(']');
    if (close < 0) usage(`'${tok}': missing ']'`);
    host = tok.slice(1, close);
    const rest = tok.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) usage(`'${tok}': expected ':PORT' after ']'`);
      portText = rest.slice(1);
    }
  } else if ((tok.match(/:/g) ?? []).length === 1) {
    const i = tok.indexOf(':');
    host = tok.slice(0, i);
    portText = tok.slice(i + 1);
  }
  const addr = parseAddress(host);
  if (!addr) usage(`'${host}' is not an IPv4 or IPv6 address`);
  let port = -1;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) usage(`'${portText}' is not a port (0-65535)`);
    port = Number(portText);
  }
  return { addr, port };
}

export function parsePacketSpec(text: string, defaultDirection: PacketDirection = 'unknown'): PacketSpec {
  const toks = text.trim().split(/\s+/).filter((t) => t !== '');
  if (toks.length === 0) usage('empty packet description');
  let k = 0;
  let protocol: number;
  const first = toks[k++]!.toLowerCase();
  if (first === 'proto') {
    const n = toks[k++];
    if (n === undefined || !/^[0-9]{1,3}$/.test(n) || Number(n) > 255) usage(`'proto' needs a protocol number 0-255`);
    protocol = Number(n);
  } else if (/^[0-9]{1,3}$/.test(first) && Number(first) <= 255) {
    protocol = Number(first);
  } else {
    const p = PROTOCOL_NAMES[first];
    if (p === undefined) usage(`unknown protocol '${toks[0]}' (use ${Object.keys(PROTOCOL_NAMES).join(', ')} or 'proto N')`);
    protocol = p;
  }
  const srcTok = toks[k++];
  const arrow = toks[k++];
  const dstTok = toks[k++];
  if (srcTok === undefined || arrow !== '->' || dstTok === undefined) usage(`expected 'PROTO SRC -> DST [DIRECTION]', got '${text}'`);
  const src = parseEndpoint(srcTok);
  const dst = parseEndpoint(dstTok);
  let direction = defaultDirection;
  const dirTok = toks[k++];
  if (dirTok !== undefined) {
    const d = dirTok.toLowerCase();
    if (d !== 'ingress' && d !== 'egress' && d !== 'unknown') usage(`direction must be ingress, egress or unknown, got '${dirTok}'`);
    direction = d;
  }
  if (k < toks.length) usage(`unexpected '${toks.slice(k).join(' ')}'`);
  if (src.addr.family !== dst.addr.family) usage('source and destination must both be IPv4 or both IPv6');
  const hasPorts = protocol === 6 || protocol === 17;
  if (!hasPorts && (src.port >= 0 || dst.port >= 0)) usage(`ports only go with tcp or udp, not ${protocolName(protocol)}`);
  if (hasPorts && (src.port >= 0) !== (dst.port >= 0)) usage('give both ports or neither (neither = a packet without ports, e.g. a non-first fragment)');
  return { family: src.addr.family, protocol, src: src.addr, dst: dst.addr, sport: src.port, dport: dst.port, direction };
}

export function packetSpecText(s: PacketSpec): string {
  const ep = (a: ParsedAddress, port: number) => {
    const t = formatAddress(a);
    if (port < 0) return t;
    return a.family === 6 ? `[${t}]:${port}` : `${t}:${port}`;
  };
  const proto = PROTOCOL_NAMES[protocolName(s.protocol)] === s.protocol ? protocolName(s.protocol) : `proto ${s.protocol}`;
  return `${proto} ${ep(s.src, s.sport)} -> ${ep(s.dst, s.dport)} ${s.direction}`;
}

/** Fill a PacketView with the packet the spec describes (only the fields filters read). */
export function packetViewFromSpec(s: PacketSpec, p: PacketView = new PacketView()): PacketView {
  p.reset();
  p.ipVersion = s.family;
  p.ipProto = s.protocol;
  if (s.family === 4) {
    p.src4 = s.src.words[0];
    p.dst4 = s.dst.words[0];
  } else {
    p.src6.set(s.src.words);
    p.dst6.set(s.dst.words);
  }
  p.sport = s.sport;
  p.dport = s.dport;
  p.direction = s.direction === 'ingress' ? Direction.Ingress : s.direction === 'egress' ? Direction.Egress : Direction.Unknown;
  return p;
}

/** Why `rule` does not match the packet ([] = it matches). Independent of the compiled form. */
export function ruleMismatches(rule: MirrorFilterRule, s: PacketSpec): string[] {
  const src = parseCidr(rule.srcCidr) as ParsedCidr;
  const dst = parseCidr(rule.dstCidr) as ParsedCidr;
  const out: string[] = [];
  if (src.family !== s.family) out.push(`IPv${s.family} packet vs IPv${src.family} rule`);
  if (rule.protocol !== null && rule.protocol !== s.protocol) out.push(`protocol ${s.protocol} ≠ ${rule.protocol}`);
  const carriesPorts = (s.protocol === 6 || s.protocol === 17) && s.sport >= 0 && s.dport >= 0;
  const ranges = [[rule.srcPorts, s.sport, 'source'], [rule.dstPorts, s.dport, 'destination']] as const;
  if (carriesPorts) {
    for (const [range, port, what] of ranges) {
      if (range !== null && (port < range.from || port > range.to)) out.push(`${what} port ${port} not in ${range.from}-${range.to}`);
    }
  } else if (rule.srcPorts !== null || rule.dstPorts !== null) {
    // A port range needs a packet with ports; say so unless the protocol already differs.
    if (rule.protocol === null || rule.protocol === s.protocol) {
      const which = ranges.filter(([r]) => r !== null).map(([r, , what]) => `${what} port range ${portRangeText(r)}`).join(' and ');
      out.push(s.protocol === 6 || s.protocol === 17
        ? `packet carries no ports (e.g. a non-first fragment); rule has ${which}`
        : `protocol ${s.protocol} has no ports; rule has ${which}`);
    }
  }
  if (src.family === s.family) {
    if (!cidrContains(src, s.src)) out.push(`source ${formatAddress(s.src)} not in ${src.text}`);
    if (!cidrContains(dst, s.dst)) out.push(`destination ${formatAddress(s.dst)} not in ${dst.text}`);
  }
  return out;
}

export interface ExplainStep {
  ruleNumber: number;
  action: 'accept' | 'reject';
  rule: string;
  /** 'match' decided; 'no-match' with reasons; 'not-evaluated' after the decision. */
  outcome: 'match' | 'no-match' | 'not-evaluated';
  reasons: string[];
}

export interface ExplainList {
  direction: TrafficDirection;
  steps: ExplainStep[];
}

export interface Explanation {
  packet: string;
  direction: PacketDirection;
  verdict: 'accepted' | 'rejected';
  /** Deciding rule number, -1 none, -2 amazon-dns. */
  rule: number;
  /** Direction of the deciding rule's list (null for none / amazon-dns). */
  ruleDirection: TrafficDirection | null;
  summary: string;
  lists: ExplainList[];
  notes: string[];
}

function ruleLine(r: MirrorFilterRule): string {
  return `${protocolName(r.protocol)} ${r.srcCidr} port ${portRangeText(r.srcPorts)} -> ${r.dstCidr} port ${portRangeText(r.dstPorts)}`;
}

function walk(rules: readonly MirrorFilterRule[], s: PacketSpec): { steps: ExplainStep[]; decided: MirrorFilterRule | null } {
  let decided: MirrorFilterRule | null = null;
  const steps = rules.map((r): ExplainStep => {
    const base = { ruleNumber: r.ruleNumber, action: r.action, rule: ruleLine(r) };
    if (decided) return { ...base, outcome: 'not-evaluated', reasons: [] };
    const reasons = ruleMismatches(r, s);
    if (reasons.length === 0) {
      decided = r;
      return { ...base, outcome: 'match', reasons };
    }
    return { ...base, outcome: 'no-match', reasons };
  });
  return { steps, decided };
}

/** Explain the verdict of `compiled` for the packet. Does not touch the filter's counters'
 *  meaning beyond one evaluation (use a filter compiled for explaining). */
export function explainPacket(compiled: CompiledFilter, s: PacketSpec): Explanation {
  const p = packetViewFromSpec(s);
  const accepted = compiled.evaluate(p, p.direction);
  const notes = compiled.notes().filter((n) => n.startsWith('amazon-dns'));
  const base = { packet: packetSpecText(s), direction: s.direction, verdict: accepted ? 'accepted' as const : 'rejected' as const, rule: p.filterRule, notes };
  if (p.filterRule === RULE_AMAZON_DNS) {
    const which = compiled.amazonDnsAddresses.find((a) => a === formatAddress(s.src)) ? `source ${formatAddress(s.src)}` : `destination ${formatAddress(s.dst)}`;
    return { ...base, ruleDirection: null, lists: [], summary: `accepted (mirrored) by network service amazon-dns: ${which} is the Amazon DNS resolver; rules are not evaluated` };
  }
  let order: TrafficDirection[];
  if (s.direction === 'unknown') {
    const pol = compiled.directionUnknown;
    order = pol === 'ingress' ? ['ingress'] : pol === 'egress' ? ['egress'] : pol === 'either' ? ['ingress', 'egress'] : [];
  } else {
    order = [s.direction];
  }
  const lists: ExplainList[] = [];
  let deciding: { dir: TrafficDirection; rule: MirrorFilterRule } | null = null;
  const sorted = { ingress: compiled.ingress.rules, egress: compiled.egress.rules };
  const results = order.map((dir) => ({ dir, ...walk(sorted[dir], s) }));
  for (const r of results) lists.push({ direction: r.dir, steps: r.steps });
  if (s.direction === 'unknown' && compiled.directionUnknown === 'either') {
    const acc = results.find((r) => r.decided?.action === 'accept');
    const rej = results.find((r) => r.decided !== null);
    const pick = acc ?? rej;
    if (pick?.decided) deciding = { dir: pick.dir, rule: pick.decided };
  } else if (results[0]?.decided) {
    deciding = { dir: results[0].dir, rule: results[0].decided };
  }
  const expectRule = deciding ? deciding.rule.ruleNumber : -1;
  const expectAccept = deciding ? deciding.rule.action === 'accept' : false;
  if (expectRule !== p.filterRule || expectAccept !== accepted) {
    throw new Error(`filter explain: internal disagreement: compiled filter says rule ${p.filterRule} (${accepted ? 'accept' : 'reject'}), rule walk says ${expectRule}`);
  }
  let summary: string;
  const verdictText = accepted ? 'accepted (mirrored)' : 'rejected (not mirrored)';
  if (deciding) {
    summary = `${verdictText} by ${deciding.dir} rule ${deciding.rule.ruleNumber} (${deciding.rule.action})`;
  } else if (order.length === 0) {
    summary = `${verdictText}: the direction is unknown and the policy for unknown directions is 'reject'`;
  } else {
    const empty = order.filter((d) => sorted[d].length === 0);
    summary = `${verdictText}: no ${order.join(' or ')} rule matched` + (empty.length > 0 ? ` (${empty.join(' and ')} has no rules)` : '');
  }
  return { ...base, ruleDirection: deciding?.dir ?? null, lists, summary };
}

export function formatExplanation(e: Explanation, filterLabel: string): string {
  const lines = [`packet:    ${e.packet}`, `filter:    ${filterLabel}`];
  for (const n of e.notes) lines.push(`note:      ${n}`);
  for (const l of e.lists) {
    lines.push(`${l.direction} rules (ascending rule number, first match decides):`);
    if (l.steps.length === 0) lines.push('  (none: nothing is mirrored in this direction)');
    for (const s of l.steps) {
      const head = `  rule ${String(s.ruleNumber).padStart(5)} ${s.action.padEnd(6)} ${s.rule}`;
      if (s.outcome === 'match') lines.push(`${head}\n      MATCH → ${s.action}`);
      else if (s.outcome === 'no-match') lines.push(`${head}\n      no match: ${s.reasons.join('; ')}`);
      else lines.push(`${head}\n      not evaluated`);
    }
  }
  lines.push(`verdict:   ${e.summary}`);
  return lines.join('\n');
}
