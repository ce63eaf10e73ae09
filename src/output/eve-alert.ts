/**
 * EVE JSON alert records, in Suricata's field order (output-json-alert.c / CreateEveHeader):
 *
 *   timestamp, flow_id, pcap_cnt, event_type, src_ip, src_port, dest_ip, dest_port, proto,
 *   ip_v, [icmp_type, icmp_code instead of ports for ICMP], pkt_src, [community_id],
 *   alert {action, gid, signature_id, rev, signature, category, severity, [source, target],
 *          [metadata]},
 *   tunnel {src_ip, src_port, dest_ip, dest_port, proto, depth, pcap_cnt, pkt_src, vni, session},
 *   direction, flow {pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, start,
 *                    src_ip, dest_ip, src_port, dest_port}
 *
 * The tuple is the packet's own (as Suricata logs packet alerts); `flow` is oriented client →
 * server. IPv6 addresses are written as eight zero-padded groups, as Suricata does. `vni` and
 * `session` inside `tunnel` are additions (Suricata logs no VNI); consumers ignore unknown keys.
 *
 * alert.action: "allowed" for every action. Suricata in IDS mode logs drop rules as allowed
 * and reject rules as "blocked" because it sends resets; this sink is passive and never
 * injects anything, so nothing is blocked and reject is "allowed" too.
 *
 * Building a record allocates (strings), but only per alert; the rule's part is serialised
 * once per rule (rule-text.ts) and reused: no object + JSON.stringify per alert.
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6, STREAM_PSEUDO, type PacketView } from '../decode/packet-view.js';
import { protoName } from '../flow/flow-report.js';
import { formatIpv4, formatIpv6 } from '../net/ip-address.js';
import type { AlertSink, LineWriter } from '../detect/alert-sink.js';
import type { Rule } from '../detect/rule.js';
import { FlowCommunityIds, hasFlowKeys, packetCommunityId } from './community-id.js';
import { formatEveTimestamp } from './eve-timestamp.js';
import { eveFragmentsOf } from './rule-text.js';
import { evePacketFields, evePayloadFields, type EvePayloadOptions } from './eve-payload.js';
import { eveAppProtoFields, type AppLayer } from '../applayer/app-layer.js';
import type { HttpTx } from '../applayer/http/http-tx.js';
import type { AppTx } from '../applayer/app-tx.js';
import { AppProto } from '../applayer/app-proto.js';
import { formatHttpObject } from './eve-http.js';
import { eveAlertAppObject, type EveAppOptions } from './eve-app.js';

// Kept importable from here for existing callers.
export { ruleEveFragments } from './rule-text.js';

/** What the EVE alert needs from the flow table (FlowTable satisfies it). */
export interface EveFlowSource {
  flowId(slot: number): number;
  readonly pktsToServer: ArrayLike<number>;
  readonly pktsToClient: ArrayLike<number>;
  readonly bytesToServer: ArrayLike<number>;
  readonly bytesToClient: ArrayLike<number>;
  startSec(slot: number): number;
  startNsec(slot: number): number;
}

export interface EveAlertOptions extends EvePayloadOptions {
  flow?: EveFlowSource | null;
  /** Write pcap_cnt (p.frameNo): true when reading a capture file. Default true. */
  pcapCnt?: boolean;
  /** Default "wire/pcap", as Suricata writes for capture files and live capture. */
  pktSrc?: string;
  /** Session (mirror session) name by p.sessionIndex (-1 = unknown), for tunnel.session. */
  sessionName?: (sessionIndex: number) => string | undefined;
  /**
   * Write community_id with this seed (eve.community_id_seed); null/absent: not written. The
   * flow's (cached per flow) when the packet has one, else the packet's own tuple.
   */
  communityIdSeed?: number | null;
  /** The app layer: app_proto of the alert's flow, its TLS/SSH state. */
  appLayer?: AppLayer | null;
  /** ja3/ja4 and hassh in the tls/ssh objects of alerts (as the EVE records). */
  app?: EveAppOptions;
}

function alertCommunityId(p: PacketView, slot: number, flow: EveFlowSource | null, seed: number): string | null {
  if (slot >= 0 && flow !== null && hasFlowKeys(flow)) return FlowCommunityIds.of(flow, seed).get(slot);
  return packetCommunityId(p, seed);
}

/** Source/destination address of the (inner) packet as EVE text. */
export function packetAddress(p: PacketView, src: boolean): string {
  if (p.ipVersion === 4) return formatIpv4(src ? p.src4 : p.dst4);
  return formatIpv6(src ? p.src6 : p.dst6, 0, 'full');
}

/**
 * Whether the EVE header has ports: decoded ports (not ICMP), or, as Suricata writes them
 * (as 0), TCP/UDP/SCTP packets whose header failed to decode (see eveSrcPort).
 */
export function hasPorts(p: PacketView): boolean {
  if (p.sport >= 0) return p.ipProto !== IPPROTO_ICMP && p.ipProto !== IPPROTO_ICMPV6;
  return p.error !== 0 && (p.ipProto === 6 || p.ipProto === 17 || p.ipProto === 132);
}

export function eveSrcPort(p: PacketView): number {
  return p.sport >= 0 ? p.sport : 0;
}

export function eveDestPort(p: PacketView): number {
  return p.dport >= 0 ? p.dport : 0;
}

function isIcmp(p: PacketView): boolean {
  return p.ipProto === IPPROTO_ICMP || p.ipProto === IPPROTO_ICMPV6;
}

function sourceTarget(p: PacketView, rule: Rule, srcIp: string, dstIp: string): string {
  const ports = hasPorts(p);
  const ep = (ip: string, port: number) => `{"ip":"${ip}"${ports ? `,"port":${port}` : ''}}`;
  const s = ep(srcIp, p.sport);
  const d = ep(dstIp, p.dport);
  // target:dest_ip → the destination is the target, the source the attacker; src_ip reverses.
  return rule.target === 'dest' ? `,"source":${s},"target":${d}` : `,"source":${d},"target":${s}`;
}

/**
 * One EVE alert line (no trailing newline). `tx`: the app-layer transaction a tx rule matched.
 * `streamMatch`: the rule matched on stream data (the engine tells the sink); it picks what
 * `payload` shows and sets `stream`.
 */
export function formatEveAlert(p: PacketView, rule: Rule, opts: EveAlertOptions = {}, tx: AppTx | null = null, streamMatch = false): string {
  const srcIp = packetAddress(p, true);
  const dstIp = packetAddress(p, false);
  const flow = opts.flow ?? null;
  const slot = flow !== null ? p.flowIndex : -1;
  let s = `{"timestamp":"${formatEveTimestamp(p.tsSec, p.tsNsec)}"`;
  if (slot >= 0) s += `,"flow_id":${flow!.flowId(slot)}`;
  if (opts.pcapCnt !== false && p.frameNo > 0) s += `,"pcap_cnt":${p.frameNo}`;
  s += `,"event_type":"alert"`;
  // VLAN tags outermost first, as in Suricata's EVE header (detect-vlan-id checks vlan[i]).
  if (p.vlanCount > 0) {
    s += `,"vlan":[${p.vlanIds[0]}`;
    for (let i = 1; i < p.vlanCount; i++) s += `,${p.vlanIds[i]}`;
    s += ']';
  }
  const ports = hasPorts(p);
  // A packet without an IP layer (a `pkthdr` rule on a decode problem) has no tuple.
  if (p.ipVersion !== 0) {
    s += `,"src_ip":"${srcIp}"`;
    if (ports) s += `,"src_port":${eveSrcPort(p)}`;
    s += `,"dest_ip":"${dstIp}"`;
    if (ports) s += `,"dest_port":${eveDestPort(p)}`;
    s += `,"proto":"${protoName(p.ipProto)}","ip_v":${p.ipVersion}`;
    if (isIcmp(p) && p.icmpType >= 0) s += `,"icmp_type":${p.icmpType},"icmp_code":${p.icmpCode}`;
  }
  // Suricata's pseudo packets: flow-end stream flushes and datagrams rebuilt from fragments.
  const pktSrc = (p.streamFlags & STREAM_PSEUDO) !== 0 ? 'stream (flow timeout)' : p.rebuilt ? 'defrag' : (opts.pktSrc ?? 'wire/pcap');
  s += `,"pkt_src":"${pktSrc}"`;
  const seed = opts.communityIdSeed ?? null;
  if (seed !== null) {
    const cid = alertCommunityId(p, slot, flow, seed);
    if (cid !== null) s += `,"community_id":"${cid}"`;
  }
  if (tx !== null) s += `,"tx_id":${tx.id}`;

  const frags = eveFragmentsOf(rule);
  s += `,"alert":${frags.head}`;
  if (rule.target !== null) s += sourceTarget(p, rule, srcIp, dstIp);
  s += frags.tail;

  if (p.tunnelDepth > 0) {
    const v6 = p.outerIpVersion === 6;
    const osrc = v6 ? formatIpv6(p.outerSrc6, 0, 'full') : formatIpv4(p.outerSrc4);
    const odst = v6 ? formatIpv6(p.outerDst6, 0, 'full') : formatIpv4(p.outerDst4);
    s += `,"tunnel":{"src_ip":"${osrc}","src_port":${p.outerSport},"dest_ip":"${odst}","dest_port":${p.outerDport},"proto":"UDP","depth":${p.tunnelDepth}`;
    // The tunnel object names the packet that arrived (for a rebuilt datagram, the fragment).
    const rootNo = p.rebuilt ? p.rootFrameNo : p.frameNo;
    if (opts.pcapCnt !== false && rootNo > 0) s += `,"pcap_cnt":${rootNo}`;
    s += `,"pkt_src":"${pktSrc}"`;
    if (p.vni >= 0) s += `,"vni":${p.vni}`;
    // The session directory names unknown sessions too ('unknown'), as metrics and flow logs do.
    const name = opts.sessionName ? opts.sessionName(p.sessionIndex) : undefined;
    if (name !== undefined) s += `,"session":${JSON.stringify(name)}`;
    s += '}';
  }

  if (tx !== null && tx.alproto === AppProto.Http) s += `,"http":${formatHttpObject(tx as HttpTx)}`;
  else s += eveAlertAppObject(tx, opts.appLayer ?? null, slot, opts.app);
  if (slot >= 0) s += eveAppProtoFields(opts.appLayer ?? null, slot);
  if (slot >= 0) {
    const toServer = p.flowDirection === 1;
    s += `,"direction":"${toServer ? 'to_server' : 'to_client'}"`;
    const f = flow!;
    s += `,"flow":{"pkts_toserver":${f.pktsToServer[slot]},"pkts_toclient":${f.pktsToClient[slot]},"bytes_toserver":${f.bytesToServer[slot]},"bytes_toclient":${f.bytesToClient[slot]}`;
    s += `,"start":"${formatEveTimestamp(f.startSec(slot), f.startNsec(slot))}"`;
    s += toServer ? `,"src_ip":"${srcIp}","dest_ip":"${dstIp}"` : `,"src_ip":"${dstIp}","dest_ip":"${srcIp}"`;
    if (ports) s += toServer ? `,"src_port":${p.sport},"dest_port":${p.dport}` : `,"src_port":${p.dport},"dest_port":${p.sport}`;
    s += '}';
  }
  // Suricata's order: payload fields and `stream`, then `packet` (output-json-alert.c AlertJson).
  s += evePayloadFields(p, streamMatch, opts);
  if (opts.packet === true) s += evePacketFields(p);
  return s + '}';
}

/** Alert sink writing EVE lines. */
export class EveAlertSink implements AlertSink {
  /** Lines written. */
  count = 0;
  constructor(
    private readonly out: LineWriter,
    private readonly opts: EveAlertOptions = {},
  ) {
    // The per-flow cache is sized by the table: allocate it now, not at the first alert.
    const seed = opts.communityIdSeed ?? null;
    if (seed !== null && opts.flow && hasFlowKeys(opts.flow)) FlowCommunityIds.of(opts.flow, seed);
  }

  alert(p: PacketView, rule: Rule, tx?: AppTx | null, streamMatch = false): void {
    this.count++;
    this.out.write(formatEveAlert(p, rule, this.opts, tx ?? null, streamMatch));
  }
}
