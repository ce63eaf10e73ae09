/**
 * EVE `flow` events: one JSON line per ended flow, in Suricata's shape, so pipelines built for
 * Suricata's eve.json (Filebeat, Vector, Splunk...) take them unchanged.
 *
 *   {"timestamp":..., "flow_id":..., "event_type":"flow", "src_ip", "src_port", "dest_ip",
 *    "dest_port", "proto", ["icmp_type","icmp_code"], ["community_id"], "flow":{pkts_toserver, pkts_toclient,
 *    bytes_toserver, bytes_toclient, start, end, age, state, reason, alerted}, ["tcp":{...}]}
 *
 * `timestamp` is the packet time at which the flow ended (Suricata logs the flow manager's
 * time, which is packet time when reading captures); `start`/`end` are the first and last
 * packet. Reasons map as Suricata names them: timeout → "timeout", evicted → "forced",
 * shutdown → "shutdown". IPv6 addresses use Suricata's zero-padded spelling.
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from '../decode/packet-view.js';
import { findFlowAlerts } from '../detect/flow-state.js';
import { findAppLayer } from '../applayer/app-layer.js';
import { appProtoName } from '../applayer/app-proto.js';
import { formatFlowAddresses } from '../flow/flow-report.js';
import type { FlowEndReason, FlowTable } from '../flow/flow-table.js';
import { FlowCommunityIds } from './community-id.js';
import { formatEveTimestamp } from './eve-timestamp.js';
import type { AwsFlowContext } from '../aws/aws-context.js';

/**
 * Suricata's EVE time (local time, microseconds, numeric offset without colon): the shared
 * formatter of eve-timestamp.ts, or the same in UTC (+0000) when asked, for reproducible files.
 */
export function eveTimestamp(sec: number, nsec: number, utc = false): string {
  if (!utc) return formatEveTimestamp(sec, nsec);
  const iso = new Date(Math.floor(sec) * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}+0000`;
}

const REASONS: Record<FlowEndReason, string> = { timeout: 'timeout', evicted: 'forced', shutdown: 'shutdown' };

/** Indexed by TcpState (flow-table.ts); spelled as Suricata's stream states. */
const TCP_STATE_NAMES = ['none', 'syn_sent', 'syn_recv', 'established', 'closing', 'closed'];

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function tcpFlagBools(flags: number): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (flags & 0x01) out.fin = true;
  if (flags & 0x02) out.syn = true;
  if (flags & 0x04) out.rst = true;
  if (flags & 0x08) out.psh = true;
  if (flags & 0x10) out.ack = true;
  if (flags & 0x20) out.urg = true;
  if (flags & 0x40) out.ecn = true;
  if (flags & 0x80) out.cwr = true;
  return out;
}

export interface EveFlowOptions {
  /** Print times in UTC (+0000) instead of local time. */
  utc?: boolean;
  /** AWS context (aws: in the configuration, current after reloads): adds `aws.src_service` / `aws.dest_service`. */
  aws?: () => AwsFlowContext | null;
  /** Write community_id with this seed (eve.community_id_seed); null/absent: not written. */
  communityIdSeed?: number | null;
}

/** Build the EVE flow event of a slot that is ending (call from a flow-end listener). */
export function eveFlowEvent(t: FlowTable, slot: number, reason: FlowEndReason, opts: EveFlowOptions = {}): Record<string, unknown> {
  const a = formatFlowAddresses(t, slot, 'full');
  const utc = opts.utc ?? false;
  const startSec = t.firstSec[slot]!;
  const startNsec = t.firstNsec[slot]!;
  const endSec = t.lastSec[slot]!;
  const endNsec = t.lastNsec[slot]!;
  const nowSec = Math.max(t.now, endSec);
  const ev: Record<string, unknown> = {
    timestamp: eveTimestamp(nowSec, nowSec === endSec ? endNsec : 0, utc),
    flow_id: t.flowId(slot),
    event_type: 'flow',
    src_ip: a.srcIp,
  };
  const isIcmp = a.protoNumber === IPPROTO_ICMP || a.protoNumber === IPPROTO_ICMPV6;
  if (!isIcmp) ev.src_port = a.srcPort;
  ev.dest_ip = a.destIp;
  if (!isIcmp) ev.dest_port = a.destPort;
  ev.proto = a.proto;
  if (isIcmp) {
    ev.icmp_type = a.icmpType;
    ev.icmp_code = a.icmpCode;
  }
  const seed = opts.communityIdSeed ?? null;
  if (seed !== null) ev.community_id = FlowCommunityIds.of(t, seed).get(slot);
  // app_proto (+ _ts/_tc when a side differs), as Suricata's EveAddAppProto; absent while unknown.
  const al = findAppLayer(t.storage);
  if (al !== null) {
    const st = al.state;
    const fp = st.alproto[slot]!;
    const name = appProtoName(fp);
    if (name !== undefined) {
      ev.app_proto = name;
      const ts = st.alprotoTs[slot]!;
      const tc = st.alprotoTc[slot]!;
      if (ts !== fp && ts !== 0) ev.app_proto_ts = appProtoName(ts);
      if (tc !== fp && tc !== 0) ev.app_proto_tc = appProtoName(tc);
    }
  }
  ev.flow = {
    pkts_toserver: t.pktsToServer[slot]!,
    pkts_toclient: t.pktsToClient[slot]!,
    bytes_toserver: t.bytesToServer[slot]!,
    bytes_toclient: t.bytesToClient[slot]!,
    start: eveTimestamp(startSec, startNsec, utc),
    end: eveTimestamp(endSec, endNsec, utc),
    age: Math.max(0, Math.floor(endSec - startSec)),
    state: t.stateName(slot),
    reason: REASONS[reason],
    // Detect's per-flow state, still intact: the table clears storage after its listeners.
    alerted: findFlowAlerts(t.storage)?.isAlerted(slot) ?? false,
  };
  if (a.protoNumber === IPPROTO_TCP) {
    const ts = t.tcpFlagsToServer[slot]!;
    const tc = t.tcpFlagsToClient[slot]!;
    ev.tcp = {
      tcp_flags: hex2(ts | tc),
      tcp_flags_ts: hex2(ts),
      tcp_flags_tc: hex2(tc),
      ...tcpFlagBools(ts | tc),
      state: TCP_STATE_NAMES[t.tcpState[slot]!] ?? 'none',
    };
  }
  const aws = opts.aws?.() ?? null;
  if (aws !== null && aws.ranges !== null) {
    // The flow-log fields pkt-src/dst-aws-service, for the client (src) and server (dest).
    const ca = t.clientIsA[slot] === 1;
    const ver = t.keyVersion[slot]!;
    const src = aws.serviceOf(ver, t.keyAddr, 8 * slot + (ca ? 0 : 4));
    const dest = aws.serviceOf(ver, t.keyAddr, 8 * slot + (ca ? 4 : 0));
    if (src !== null || dest !== null) {
      const o: Record<string, string> = {};
      if (src !== null) o.src_service = src;
      if (dest !== null) o.dest_service = dest;
      ev.aws = o;
    }
  }
  return ev;
}

/** Writes one EVE flow line per ended flow to `writeLine`. */
export class EveFlowWriter {
  events = 0;

  constructor(
    private readonly table: FlowTable,
    private readonly writeLine: (line: string) => void,
    private readonly opts: EveFlowOptions = {},
  ) {
    // The per-flow cache is sized by the table: allocate it now, not at the first record.
    if (opts.communityIdSeed != null) FlowCommunityIds.of(table, opts.communityIdSeed);
    table.addFlowEndListener((slot, reason) => {
      this.writeLine(JSON.stringify(eveFlowEvent(this.table, slot, reason, this.opts)));
      this.events++;
    });
  }
}

