/**
 * Reporting on the flow table, kept out of the per-packet table: counts of connection attempts
 * that ended unanswered, a short history of them, the unanswered listing for the API, and the
 * text forms (addresses, protocol names) outputs print. Runs per ended flow (as the table's
 * first flow-end listener) or on request, never per packet.
 */
import { DIRECTION_NAMES, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../decode/packet-view.js';
import { formatIpv4, formatIpv6, type Ipv6Style } from '../net/ip-address.js';
import type { FlowTable } from './flow-table.js';

const IPPROTO_SCTP = 132;
const IPPROTO_IPIP = 4;

export interface FlowAddresses {
  srcIp: string;
  srcPort: number;
  destIp: string;
  destPort: number;
  /** EVE spelling: "TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP" or the protocol number. */
  proto: string;
  protoNumber: number;
  ipVersion: number;
  /** ICMP type/code of the flow's first packet; -1 when not ICMP. */
  icmpType: number;
  icmpCode: number;
}

export interface UnansweredFlow {
  session: string;
  sessionIndex: number;
  vni: number;
  direction: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  proto: string;
  /** ISO 8601 UTC time of the first packet. */
  first_seen: string;
  packets: number;
  /** false when the flow has already ended (kept in a short history). */
  active: boolean;
}

export interface FlowReportOptions {
  /** Number of configured sessions: bounds the unanswered counters. Default 0 (only "unknown"). */
  sessionCount?: number;
  /** Session names by session index, for listUnanswered(). */
  sessionNames?: readonly string[];
  /** How many ended unanswered flows listUnanswered() remembers. Default 256. */
  unansweredHistory?: number;
}

/** Protocol as Suricata spells it in EVE (flow and alert records) and fast.log. */
export function protoName(proto: number): string {
  switch (proto) {
    case IPPROTO_TCP:
      return 'TCP';
    case IPPROTO_UDP:
      return 'UDP';
    case IPPROTO_ICMP:
      return 'ICMP';
    case IPPROTO_ICMPV6:
      return 'IPv6-ICMP';
    case IPPROTO_SCTP:
      return 'SCTP';
    case IPPROTO_IPIP:
      return 'IP-in-IP';
    default:
      return String(proto);
  }
}

/** Client (src) and server (dest) of flow `i` of table `t` as text. Not for the per-packet path. */
export function formatFlowAddresses(t: FlowTable, i: number, ipv6Style: Ipv6Style = 'full'): FlowAddresses {
  const ca = t.clientIsA[i] === 1;
  const o = 8 * i;
  const so = o + (ca ? 0 : 4);
  const dof = o + (ca ? 4 : 0);
  const ver = t.keyVersion[i]!;
  const fmt = (off: number) => (ver === 4 ? formatIpv4(t.keyAddr[off]!) : formatIpv6(t.keyAddr, off, ipv6Style));
  const proto = t.keyProto[i]!;
  const hasPorts = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP;
  return {
    srcIp: fmt(so),
    srcPort: hasPorts ? t.keyPort[2 * i + (ca ? 0 : 1)]! : 0,
    destIp: fmt(dof),
    destPort: hasPorts ? t.keyPort[2 * i + (ca ? 1 : 0)]! : 0,
    proto: protoName(proto),
    protoNumber: proto,
    ipVersion: ver,
    icmpType: t.firstIcmpType[i]!,
    icmpCode: t.firstIcmpCode[i]!,
  };
}

/** Unanswered connection attempts of one flow table: counters, history, listing. */
/** Largest |seconds| a JavaScript Date holds (±8.64e15 ms). */
const MAX_DATE_SEC = 8.64e12;

/**
 * A packet time as ISO 8601. A capture may carry times no Date can hold (a pcapng interface
 * with if_tsresol 0 or a huge if_tsoffset): those are written as `unix:<seconds>` rather than
 * thrown as a RangeError at the end of a replay.
 */
export function isoTime(sec: number): string {
  if (!Number.isFinite(sec) || Math.abs(sec) > MAX_DATE_SEC) return `unix:${sec}`;
  return new Date(sec * 1000).toISOString();
}

export class FlowReport {
  /** Flows that ended with no reply seen, index (sessionIndex+1)*3 + Direction of the first packet. */
  readonly unanswered: Float64Array;
  readonly sessionCount: number;
  sessionNames: readonly string[];

  // ---- history of ended unanswered flows (ring, typed arrays) ----
  private readonly histCap: number;
  private histNext = 0;
  private histCount = 0;
  private readonly histSession: Int32Array;
  private readonly histVni: Int32Array;
  private readonly histDir: Uint8Array;
  private readonly histVer: Uint8Array;
  private readonly histProto: Uint8Array;
  private readonly histAddr: Uint32Array;
  private readonly histPort: Uint16Array;
  private readonly histFirst: Float64Array;
  private readonly histPkts: Float64Array;

  constructor(
    private readonly table: FlowTable,
    opts: FlowReportOptions = {},
  ) {
    this.sessionCount = Math.max(0, opts.sessionCount ?? 0);
    this.sessionNames = opts.sessionNames ?? [];
    this.unanswered = new Float64Array((this.sessionCount + 1) * 3);
    const hc = Math.max(0, opts.unansweredHistory ?? 256);
    this.histCap = hc;
    this.histSession = new Int32Array(hc);
    this.histVni = new Int32Array(hc);
    this.histDir = new Uint8Array(hc);
    this.histVer = new Uint8Array(hc);
    this.histProto = new Uint8Array(hc);
    this.histAddr = new Uint32Array(hc * 8);
    this.histPort = new Uint16Array(hc * 2);
    this.histFirst = new Float64Array(hc);
    this.histPkts = new Float64Array(hc);
  }

  /** Index into `unanswered` for a session index (-1 = unknown) and Direction. */
  unansweredIndex(sessionIndex: number, direction: number): number {
    const si = sessionIndex >= 0 && sessionIndex < this.sessionCount ? sessionIndex + 1 : 0;
    return si * 3 + (direction >= 0 && direction <= 2 ? direction : 0);
  }

  /** Flow-end listener (the table registers it first): count and remember unanswered attempts. */
  flowEnded(slot: number): void {
    const t = this.table;
    if (t.attempt[slot] !== 1 || t.replied[slot] !== 0) return;
    this.unanswered[this.unansweredIndex(t.sessionIndex[slot]!, t.firstDirection[slot]!)]++;
    this.remember(slot);
  }

  private remember(slot: number): void {
    if (this.histCap === 0) return;
    const t = this.table;
    const h = this.histNext;
    this.histSession[h] = t.sessionIndex[slot]!;
    this.histVni[h] = t.keySession[slot]!;
    this.histDir[h] = t.firstDirection[slot]!;
    this.histVer[h] = t.keyVersion[slot]!;
    this.histProto[h] = t.keyProto[slot]!;
    const ca = t.clientIsA[slot] === 1;
    const so = 8 * slot + (ca ? 0 : 4);
    const doff = 8 * slot + (ca ? 4 : 0);
    for (let w = 0; w < 4; w++) {
      this.histAddr[8 * h + w] = t.keyAddr[so + w]!;
      this.histAddr[8 * h + 4 + w] = t.keyAddr[doff + w]!;
    }
    this.histPort[2 * h] = t.keyPort[2 * slot + (ca ? 0 : 1)]!;
    this.histPort[2 * h + 1] = t.keyPort[2 * slot + (ca ? 1 : 0)]!;
    this.histFirst[h] = t.firstSec[slot]! + t.firstNsec[slot]! / 1e9;
    this.histPkts[h] = t.pktsToServer[slot]!;
    this.histNext = (h + 1) % this.histCap;
    if (this.histCount < this.histCap) this.histCount++;
  }

  /**
   * Connection attempts with no reply seen: active ones, then the most recently ended ones (a
   * short history), newest first. For GET /api/flows/unanswered.
   */
  listUnanswered(limit = 100): UnansweredFlow[] {
    const t = this.table;
    const rows: UnansweredFlow[] = [];
    // As the session directory names it: a packet no session claims is 'unknown', whatever its VNI.
    const sessionLabel = (idx: number, _vni: number) => (idx >= 0 && idx < this.sessionNames.length ? this.sessionNames[idx]! : 'unknown');
    for (const s of t.activeSlots()) {
      if (t.attempt[s] !== 1 || t.replied[s] !== 0) continue;
      const a = formatFlowAddresses(t, s, 'compressed');
      rows.push({
        session: sessionLabel(t.sessionIndex[s]!, t.keySession[s]!),
        sessionIndex: t.sessionIndex[s]!,
        vni: t.keySession[s]!,
        direction: DIRECTION_NAMES[t.firstDirection[s]!] ?? 'unknown',
        src: a.srcIp,
        sport: a.srcPort,
        dst: a.destIp,
        dport: a.destPort,
        proto: a.proto,
        first_seen: isoTime(t.firstSec[s]! + t.firstNsec[s]! / 1e9),
        packets: t.pktsToServer[s]!,
        active: true,
      });
    }
    for (let n = 0; n < this.histCount; n++) {
      const h = (this.histNext - 1 - n + this.histCap) % this.histCap;
      const ver = this.histVer[h]!;
      const fmt = (off: number) => (ver === 4 ? formatIpv4(this.histAddr[off]!) : formatIpv6(this.histAddr, off, 'compressed'));
      const proto = this.histProto[h]!;
      const hasPorts = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP;
      rows.push({
        session: sessionLabel(this.histSession[h]!, this.histVni[h]!),
        sessionIndex: this.histSession[h]!,
        vni: this.histVni[h]!,
        direction: DIRECTION_NAMES[this.histDir[h]!] ?? 'unknown',
        src: fmt(8 * h),
        sport: hasPorts ? this.histPort[2 * h]! : 0,
        dst: fmt(8 * h + 4),
        dport: hasPorts ? this.histPort[2 * h + 1]! : 0,
        proto: protoName(proto),
        first_seen: isoTime(this.histFirst[h]!),
        packets: this.histPkts[h]!,
        active: false,
      });
    }
    rows.sort((x, y) => (x.first_seen < y.first_seen ? 1 : x.first_seen > y.first_seen ? -1 : 0));
    return rows.slice(0, Math.max(0, limit));
  }
}
