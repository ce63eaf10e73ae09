/**
 * The flow table: every inner conversation seen on the mirror, keyed so both directions of a
 * conversation share one slot. Struct-of-arrays (one typed array per field, indexed by slot)
 * with an open-addressing hash (linear probing, backward-shift deletion, load <= 1/2) over the
 * normalised key built from the PacketView's integers: the per-packet path allocates nothing.
 *
 * Key: (session, IP version, protocol, lower (addr,port), higher (addr,port)).
 *  - session = p.vni, not p.sessionIndex: the VNI is on every tunnelled packet even when the
 *    session is unknown, and two mirror sessions never share a VNI, so flows never merge
 *    across sessions (the same connection mirrored from both ENIs is two flows, as AWS gives
 *    two flow-log records). -1 for packets that were not tunnelled. With `mergeSessions` (on
 *    when dedup is: both ends mirrored, second copies dropped) the key leaves the VNI out, so
 *    the copies that survive from either ENI make one flow with both directions.
 *  - ICMP/ICMPv6 echo request/reply key the echo identifier as both "ports" so a ping and its
 *    reply share a flow and two pings with different ids do not; every other ICMP type keys
 *    ports 0/0 (one flow per address pair for errors and the like). VPC Flow Logs print ICMP
 *    ports as 0 anyway.
 *  - Non-first IP fragments carry no L4 header and so no ports: they are not tracked
 *    (p.flowIndex = -1, counted in FlowCounter.FragmentsUntracked). First fragments carry the
 *    ports and are tracked. Reassembly is not done here.
 *  - Packets with a decode error, or without IP, are not tracked.
 *
 * Orientation: direction 1 (to_server) is the direction of the packet that created the flow,
 * except that a flow first seen with a SYN/ACK has the receiver of that SYN/ACK as client, as
 * Suricata's SYN/ACK pick-up does. A midstream ACK pick-up first takes the sender as client;
 * when a MidstreamProbe (app-layer knowledge, injected by the assembly) says the flow's first
 * payload was sent by the server, the flow is turned round on that packet (reverse()), as
 * Suricata's protocol detection does for midstream sessions (app-layer.c TCPProtoDetect,
 * reverse_flow; only for ACK pick-ups, not SYN/ACK ones).
 *
 * p.flowEstablished is Suricata's FLOW_PKT_ESTABLISHED: for TCP, established before this
 * packet (FlowHandlePacketUpdate runs before stream handling, so the handshake-completing ACK
 * and a midstream pick-up's first packet are not established); for others, both directions
 * seen, this packet included.
 *
 * Timeouts run on packet time. Each timeout class (tcp new/established/closed, udp new/
 * established, other new/established) keeps its own least-recently-seen list: a flow moves to
 * the tail of its class list on every packet, so each list is ordered by last-seen time and
 * expire() only pops list heads that have timed out — work proportional to what expires,
 * bounded per call by `expireBatch`. A packet that finds a flow already past its timeout (not
 * yet reaped) ends it with reason 'timeout' and starts a new flow, so results never depend on
 * how often expire() runs. If packet time goes backwards (merged sources) the lists are only
 * approximately ordered; a late flow is then reaped on a later call.
 *
 * When the table is full the flow closest to its timeout (the earliest lastSeen+timeout among
 * the list heads) is ended: with reason 'timeout' if it had in fact timed out, else 'evicted'
 * (counted in FlowCounter.Evictions). With evictWhenFull false the new flow is refused instead
 * (FlowCounter.Refused).
 *
 * Ending a flow: the flow-end listeners run in registration order (the FlowReport first, then
 * outputs) while every array of the slot is intact, then `storage.clearSlot()` clears later
 * stages' per-flow state (flow-storage.ts), then the slot is freed. Reporting (unanswered
 * attempts, listing, text forms) lives in flow-report.ts, off the per-packet path.
 */
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type PacketView,
} from '../decode/packet-view.js';
import type { FlowStage } from '../pipeline/stages.js';
import { FLOW_COUNTER_COUNT, FlowCounter } from './flow-counters.js';
import { hashFinishI32, hashWord, writeFlowId } from './flow-hash.js';
import { FlowReport } from './flow-report.js';
import { FlowStorage } from './flow-storage.js';

// Re-exported so existing importers of the table keep working; they live in flow-report.ts.
export { formatFlowAddresses, protoName, type FlowAddresses, type UnansweredFlow } from './flow-report.js';

const IPPROTO_SCTP = 132;

/** Idle timeouts in seconds of packet time. */
export interface FlowTimeouts {
  tcpNew: number;
  /**
   * 600 s rather than Suricata's hard-coded 3600: 600 s is the longest VPC Flow Logs
   * aggregation interval, so an idle keep-alive connection ends within one interval of its last
   * packet, and the table does not fill with hour-old idle flows on a busy mirror target.
   */
  tcpEstablished: number;
  tcpClosed: number;
  udpNew: number;
  udpEstablished: number;
  otherNew: number;
  otherEstablished: number;
}

export const DEFAULT_FLOW_TIMEOUTS: Readonly<FlowTimeouts> = {
  tcpNew: 30,
  tcpEstablished: 600,
  tcpClosed: 10,
  udpNew: 30,
  udpEstablished: 300,
  otherNew: 30,
  otherEstablished: 300,
};

export interface FlowTableOptions {
  /** Capacity, rounded up to a power of two. Default 65536. */
  maxFlows?: number;
  timeouts?: Partial<FlowTimeouts>;
  /** Pick up TCP sessions whose handshake was not seen (Suricata stream.midstream). Default false. */
  midstream?: boolean;
  /** Number of configured sessions: bounds the unanswered counters. Default 0 (only "unknown"). */
  sessionCount?: number;
  /** Session names by session index, for listUnanswered(). */
  sessionNames?: readonly string[];
  /** When full: end the flow closest to timing out (true, default) or refuse the new flow. */
  evictWhenFull?: boolean;
  /** Seed of the bucket hash. Default random so that crafted traffic cannot aim at one chain.
   *  flow_id does not depend on it. */
  hashSeed?: number;
  /** Most flows expire() ends per call (per timeout class). Default 4096. */
  expireBatch?: number;
  /** Turns midstream pick-ups round when their first payload is the server's. Default none. */
  midstreamProbe?: MidstreamProbe | null;
  /** How many ended unanswered flows listUnanswered() remembers. Default 256. */
  unansweredHistory?: number;
  /** Key flows without the VNI (one flow per conversation whichever ENI mirrored it). Default false. */
  mergeSessions?: boolean;
}

/**
 * Which side sent a payload, judged from its first bytes (a request → the client, a response
 * → the server). Provided by the app-layer; the flow stage only asks it about the first
 * payloads of a midstream ACK pick-up. Must not allocate.
 */
export interface MidstreamProbe {
  /** 1: the sender is the client; 2: the sender is the server; 0: cannot tell. */
  sender(buf: Uint8Array, off: number, len: number, sport: number, dport: number): number;
}

/** Payload packets of a midstream pick-up the probe is asked about before giving up. */
const MIDSTREAM_PROBE_PACKETS = 4;

export type FlowEndReason = 'timeout' | 'evicted' | 'shutdown';
export type FlowEndListener = (slot: number, reason: FlowEndReason) => void;

/** Timeout class of a flow = the list it is on. */
export const TimeoutClass = {
  TcpNew: 0,
  TcpEstablished: 1,
  TcpClosed: 2,
  UdpNew: 3,
  UdpEstablished: 4,
  OtherNew: 5,
  OtherEstablished: 6,
} as const;
const CLASS_COUNT = 7;
const CLASS_FREE = 255;

/** TCP state as far as the flow table follows it (enough for flow:established and records). */
export const TcpState = {
  /** No handshake seen (first packet was not a SYN, and midstream is off). */
  None: 0,
  SynSent: 1,
  SynRecv: 2,
  Established: 3,
  /** One side sent FIN. */
  Closing: 4,
  /** RST seen, or FIN from both sides. */
  Closed: 5,
} as const;

function roundPow2(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

function isEchoRequest(proto: number, type: number): boolean {
  return (proto === IPPROTO_ICMP && type === 8) || (proto === IPPROTO_ICMPV6 && type === 128);
}

function isEcho(proto: number, type: number): boolean {
  return proto === IPPROTO_ICMP ? type === 8 || type === 0 : type === 128 || type === 129;
}

export class FlowTable implements FlowStage {
  /** Number of slots (a power of two). */
  readonly capacity: number;
  readonly mergeSessions: boolean;
  readonly midstream: boolean;
  readonly timeouts: Readonly<FlowTimeouts>;
  /** Seconds per TimeoutClass. */
  readonly classTimeout = new Float64Array(CLASS_COUNT);
  /** See FlowCounter. */
  readonly counters = new Float64Array(FLOW_COUNTER_COUNT);
  /** Per-flow state of later stages, cleared when a slot is freed (after the flow-end listeners). */
  readonly storage: FlowStorage;
  /** Unanswered attempts: counters, history, listing (the first flow-end listener). */
  readonly report: FlowReport;

  /** Called before a slot is freed, in registration order; the slot's arrays are intact. */
  private readonly endListeners: FlowEndListener[] = [];

  // ---- key (per slot) ----
  readonly keySession: Int32Array;
  readonly keyVersion: Uint8Array;
  readonly keyProto: Uint8Array;
  /** 8 words per slot: address A (the lower endpoint) then address B. IPv4 uses word 0 only. */
  readonly keyAddr: Uint32Array;
  /** 2 per slot: port of A, port of B. */
  readonly keyPort: Uint16Array;
  private readonly slotHash: Int32Array;

  // ---- flow state (per slot) ----
  /** 1 when endpoint A is the client. */
  readonly clientIsA: Uint8Array;
  readonly pktsToServer: Float64Array;
  readonly pktsToClient: Float64Array;
  /** Bytes are IP lengths (IP header included), as EVE and VPC Flow Logs count them. */
  readonly bytesToServer: Float64Array;
  readonly bytesToClient: Float64Array;
  /** OR of TCP flags per direction. */
  readonly tcpFlagsToServer: Uint8Array;
  readonly tcpFlagsToClient: Uint8Array;
  readonly firstSec: Float64Array;
  readonly firstNsec: Uint32Array;
  readonly lastSec: Float64Array;
  readonly lastNsec: Uint32Array;
  readonly flowIds: Float64Array;
  /** Incremented each time a slot starts a new flow (first flow in a slot has generation 1). */
  readonly generation: Uint32Array;
  readonly tcpState: Uint8Array;
  /** 1 once established (TCP handshake / midstream pick-up; others: both directions seen). Stays 1. */
  readonly established: Uint8Array;
  /** 1 once any to_client packet was seen. */
  readonly replied: Uint8Array;
  /** 1 when the flow's first packet is an attempt that expects a reply (TCP SYN, UDP, ICMP echo request). */
  readonly attempt: Uint8Array;
  private readonly finMask: Uint8Array;
  /** Payload packets the midstream probe may still look at (0: orientation settled). */
  private readonly probeLeft: Uint8Array;
  private readonly probe: MidstreamProbe | null;
  /**
   * Set by the stream stage: whether a SYN (or, with midstream, a SYN/ACK) on this TCP flow
   * starts a new session on the same ports (Suricata's TCP session reuse, flow-hash.c): then
   * the old flow ends and the packet starts a new one. Asked only for packets with SYN set.
   */
  tcpReuse: ((slot: number, p: PacketView, toServer: boolean) => boolean) | null = null;
  /** Session index and Direction (ingress/egress) of the first packet. */
  readonly sessionIndex: Int32Array;
  readonly firstDirection: Uint8Array;
  readonly firstIcmpType: Int16Array;
  readonly firstIcmpCode: Int16Array;
  /** TimeoutClass of the slot, 255 when free. */
  readonly slotClass: Uint8Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly listHead = new Int32Array(CLASS_COUNT).fill(-1);
  private readonly listTail = new Int32Array(CLASS_COUNT).fill(-1);

  // ---- hash ----
  private readonly buckets: Int32Array;
  private readonly bucketMask: number;
  private readonly seed: number;

  // ---- free slots ----
  private readonly freeStack: Int32Array;
  private freeTop: number;

  private readonly evictWhenFull: boolean;
  private readonly expireBatch: number;
  /** Latest packet (or expire) time seen, seconds. */
  now = 0;

  // ---- scratch for the lookup (reused, never reallocated) ----
  private readonly sAddr = new Uint32Array(4);
  private readonly dAddr = new Uint32Array(4);

  constructor(opts: FlowTableOptions = {}) {
    const cap = roundPow2(Math.max(1, Math.floor(opts.maxFlows ?? 65536)));
    this.capacity = cap;
    this.midstream = opts.midstream ?? false;
    this.mergeSessions = opts.mergeSessions ?? false;
    const t: FlowTimeouts = { ...DEFAULT_FLOW_TIMEOUTS, ...opts.timeouts };
    this.timeouts = t;
    this.classTimeout[TimeoutClass.TcpNew] = t.tcpNew;
    this.classTimeout[TimeoutClass.TcpEstablished] = t.tcpEstablished;
    this.classTimeout[TimeoutClass.TcpClosed] = t.tcpClosed;
    this.classTimeout[TimeoutClass.UdpNew] = t.udpNew;
    this.classTimeout[TimeoutClass.UdpEstablished] = t.udpEstablished;
    this.classTimeout[TimeoutClass.OtherNew] = t.otherNew;
    this.classTimeout[TimeoutClass.OtherEstablished] = t.otherEstablished;
    this.evictWhenFull = opts.evictWhenFull ?? true;
    this.expireBatch = Math.max(1, opts.expireBatch ?? 4096);
    this.seed = (opts.hashSeed ?? Math.floor(Math.random() * 0x100000000)) | 0;

    this.keySession = new Int32Array(cap);
    this.keyVersion = new Uint8Array(cap);
    this.keyProto = new Uint8Array(cap);
    this.keyAddr = new Uint32Array(cap * 8);
    this.keyPort = new Uint16Array(cap * 2);
    this.slotHash = new Int32Array(cap);
    this.clientIsA = new Uint8Array(cap);
    this.pktsToServer = new Float64Array(cap);
    this.pktsToClient = new Float64Array(cap);
    this.bytesToServer = new Float64Array(cap);
    this.bytesToClient = new Float64Array(cap);
    this.tcpFlagsToServer = new Uint8Array(cap);
    this.tcpFlagsToClient = new Uint8Array(cap);
    this.firstSec = new Float64Array(cap);
    this.firstNsec = new Uint32Array(cap);
    this.lastSec = new Float64Array(cap);
    this.lastNsec = new Uint32Array(cap);
    this.flowIds = new Float64Array(cap);
    this.generation = new Uint32Array(cap);
    this.tcpState = new Uint8Array(cap);
    this.established = new Uint8Array(cap);
    this.replied = new Uint8Array(cap);
    this.attempt = new Uint8Array(cap);
    this.finMask = new Uint8Array(cap);
    this.probeLeft = new Uint8Array(cap);
    this.probe = opts.midstreamProbe ?? null;
    this.sessionIndex = new Int32Array(cap);
    this.firstDirection = new Uint8Array(cap);
    this.firstIcmpType = new Int16Array(cap);
    this.firstIcmpCode = new Int16Array(cap);
    this.slotClass = new Uint8Array(cap).fill(CLASS_FREE);
    this.prev = new Int32Array(cap).fill(-1);
    this.next = new Int32Array(cap).fill(-1);

    const tableSize = cap * 2;
    this.buckets = new Int32Array(tableSize).fill(-1);
    this.bucketMask = tableSize - 1;

    // Slot 0 is handed out first: the stack pops from the top.
    this.freeStack = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.freeStack[i] = cap - 1 - i;
    this.freeTop = cap;

    this.storage = new FlowStorage(cap);
    this.report = new FlowReport(this, opts);
    this.endListeners.push((slot) => this.report.flowEnded(slot));
  }

  /** Flows in the table now. */
  get activeCount(): number {
    return this.counters[FlowCounter.Active]!;
  }

  /** Register a flow-end listener (called in registration order, before the slot is freed). */
  addFlowEndListener(fn: FlowEndListener): void {
    this.endListeners.push(fn);
  }

  // ------------------------------------------------------------------ per packet

  update(p: PacketView): void {
    p.flowIndex = -1;
    p.flowDirection = 0;
    p.flowEstablished = false;
    const ver = p.ipVersion;
    const proto = p.ipProto;
    if ((ver !== 4 && ver !== 6) || proto < 0 || p.error !== 0) return;
    if (p.isFragment && p.fragOffset > 0) {
      this.counters[FlowCounter.FragmentsUntracked]++;
      return;
    }
    const tsSec = p.tsSec;
    if (tsSec > this.now) this.now = tsSec;

    let sp = 0;
    let dp = 0;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      if (p.sport >= 0 && p.dport >= 0) {
        sp = p.sport;
        dp = p.dport;
      }
    } else if ((proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) && p.icmpId >= 0 && isEcho(proto, p.icmpType)) {
      sp = p.icmpId;
      dp = p.icmpId;
    }

    const s = this.sAddr;
    const d = this.dAddr;
    if (ver === 4) {
      s[0] = p.src4;
      d[0] = p.dst4;
      s[1] = s[2] = s[3] = 0;
      d[1] = d[2] = d[3] = 0;
    } else {
      const s6 = p.src6;
      const d6 = p.dst6;
      s[0] = s6[0]!;
      s[1] = s6[1]!;
      s[2] = s6[2]!;
      s[3] = s6[3]!;
      d[0] = d6[0]!;
      d[1] = d6[1]!;
      d[2] = d6[2]!;
      d[3] = d6[3]!;
    }
    // Normalise: A = the lower (address, port) endpoint.
    let cmp = 0;
    for (let i = 0; i < 4; i++) {
      const x = s[i]!;
      const y = d[i]!;
      if (x !== y) {
        cmp = x < y ? -1 : 1;
        break;
      }
    }
    if (cmp === 0) cmp = sp < dp ? -1 : sp > dp ? 1 : 0;
    const srcIsA = cmp <= 0;
    const a = srcIsA ? s : d;
    const b = srcIsA ? d : s;
    const pa = srcIsA ? sp : dp;
    const pb = srcIsA ? dp : sp;
    const session = this.mergeSessions ? 0 : p.vni;

    let h = hashWord(this.seed, session);
    h = hashWord(h, (ver << 8) | proto);
    h = hashWord(h, a[0]!);
    h = hashWord(h, b[0]!);
    if (ver === 6) {
      h = hashWord(h, a[1]!);
      h = hashWord(h, a[2]!);
      h = hashWord(h, a[3]!);
      h = hashWord(h, b[1]!);
      h = hashWord(h, b[2]!);
      h = hashWord(h, b[3]!);
    }
    h = hashWord(h, (pa << 16) | pb);
    // Kept as an int32: it is passed to initSlot, and a uint32 above 2^31 would be boxed.
    h = hashFinishI32(h, 40);

    let slot = this.find(h, session, ver, proto, a, b, pa, pb);
    if (slot >= 0 && this.lastSec[slot]! + this.classTimeout[this.slotClass[slot]!]! < tsSec) {
      // Stale: it timed out before this packet; start over as Suricata does.
      this.counters[FlowCounter.Timeouts]++;
      this.endFlow(slot, 'timeout');
      slot = -1;
    } else if (slot >= 0 && proto === IPPROTO_TCP && (p.tcpFlags & TCP_SYN) !== 0 && this.tcpReuse !== null && this.tcpReuse(slot, p, (srcIsA ? 1 : 0) === this.clientIsA[slot])) {
      // The old session is over (closed, or reset) and a new one starts on its ports. Suricata
      // leaves the old flow to time out; it is ended here at once, as a timeout.
      this.endFlow(slot, 'timeout');
      slot = -1;
    }
    let created = false;
    if (slot < 0) {
      slot = this.allocSlot(p);
      if (slot < 0) {
        this.counters[FlowCounter.Refused]++;
        return;
      }
      created = true;
      this.initSlot(slot, h, session, ver, proto, a, b, pa, pb, srcIsA, p);
    }

    let toServer = (srcIsA ? 1 : 0) === this.clientIsA[slot];
    if (this.probeLeft[slot] !== 0 && p.payloadLen > 0) {
      this.probeLeft[slot]--;
      const sender = this.probe!.sender(p.buf, p.payloadOffset, p.payloadLen, sp, dp);
      if (sender !== 0) {
        this.probeLeft[slot] = 0;
        if ((sender === 1) !== toServer) {
          this.reverse(slot);
          toServer = !toServer;
        }
      }
    }
    const len = p.ipLen;
    const flags = p.tcpFlags;
    if (toServer) {
      this.pktsToServer[slot]++;
      this.bytesToServer[slot] += len;
      if (proto === IPPROTO_TCP) this.tcpFlagsToServer[slot] |= flags;
    } else {
      this.pktsToClient[slot]++;
      this.bytesToClient[slot] += len;
      if (proto === IPPROTO_TCP) this.tcpFlagsToClient[slot] |= flags;
      this.replied[slot] = 1;
    }
    if (tsSec > this.lastSec[slot]! || (tsSec === this.lastSec[slot]! && p.tsNsec > this.lastNsec[slot]!)) {
      this.lastSec[slot] = tsSec;
      this.lastNsec[slot] = p.tsNsec;
    }

    let cls: number;
    // FLOW_PKT_ESTABLISHED: for TCP as it was before this packet's own state change (Suricata's
    // FlowHandlePacketUpdate runs before stream handling); for others after counting it.
    let pktEst = this.established[slot] === 1;
    if (proto === IPPROTO_TCP) {
      const st = this.tcpUpdate(slot, flags, toServer, created);
      cls = st === TcpState.Closed ? TimeoutClass.TcpClosed : this.established[slot] ? TimeoutClass.TcpEstablished : TimeoutClass.TcpNew;
    } else {
      if (this.established[slot] === 0 && this.pktsToServer[slot]! > 0 && this.pktsToClient[slot]! > 0) this.established[slot] = 1;
      const est = this.established[slot] === 1;
      pktEst = est;
      cls = proto === IPPROTO_UDP ? (est ? TimeoutClass.UdpEstablished : TimeoutClass.UdpNew) : est ? TimeoutClass.OtherEstablished : TimeoutClass.OtherNew;
    }
    // Move to the tail of its class list: lists stay ordered by last-seen time.
    if (this.listTail[cls] !== slot) {
      this.unlink(slot);
      this.linkTail(slot, cls);
    }

    p.flowIndex = slot;
    p.flowDirection = toServer ? 1 : 2;
    p.flowEstablished = pktEst;
  }

  /**
   * Turn flow `slot` round (Suricata's FlowSwap): the server becomes the client, and the
   * per-direction counters and flags follow. The caller sets the current packet's direction.
   */
  reverse(slot: number): void {
    this.clientIsA[slot] ^= 1;
    let x = this.pktsToServer[slot]!;
    this.pktsToServer[slot] = this.pktsToClient[slot]!;
    this.pktsToClient[slot] = x;
    x = this.bytesToServer[slot]!;
    this.bytesToServer[slot] = this.bytesToClient[slot]!;
    this.bytesToClient[slot] = x;
    x = this.tcpFlagsToServer[slot]!;
    this.tcpFlagsToServer[slot] = this.tcpFlagsToClient[slot]!;
    this.tcpFlagsToClient[slot] = x;
    const fm = this.finMask[slot]!;
    this.finMask[slot] = ((fm & 1) << 1) | ((fm & 2) >> 1);
    this.replied[slot] = this.pktsToClient[slot]! > 0 ? 1 : 0;
    this.probeLeft[slot] = 0;
    this.counters[FlowCounter.MidstreamReversed]++;
  }

  private tcpUpdate(slot: number, flags: number, toServer: boolean, first: boolean): number {
    const c = this.counters;
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    if (syn) {
      if (ack) c[FlowCounter.TcpSynAck]++;
      else c[FlowCounter.TcpSyn]++;
    }
    if (rst) c[FlowCounter.TcpRst]++;
    let st = this.tcpState[slot]!;
    switch (st) {
      case TcpState.None:
        if (first) {
          if (syn && !ack) {
            st = TcpState.SynSent;
            this.attempt[slot] = 1;
          } else if (syn && ack) {
            // SYN/ACK pick-up needs midstream, as in Suricata; orientation was flipped in initSlot.
            if (this.midstream) st = TcpState.SynRecv;
          } else if (this.midstream && !rst) {
            st = TcpState.Established;
          }
        } else if (syn && !ack && toServer) {
          // Flow began with stray packets (midstream off) and now the client opens properly.
          st = TcpState.SynSent;
        }
        break;
      case TcpState.SynSent:
        if (syn && ack && !toServer) st = TcpState.SynRecv;
        break;
      case TcpState.SynRecv:
        if (ack && !syn && toServer) st = TcpState.Established;
        break;
      default:
        break;
    }
    if (st === TcpState.Established && this.established[slot] === 0) {
      this.established[slot] = 1;
      c[FlowCounter.TcpSessions]++;
    }
    if (st !== TcpState.Closed) {
      if (rst) {
        st = TcpState.Closed;
      } else if ((flags & TCP_FIN) !== 0) {
        const m = this.finMask[slot]! | (toServer ? 1 : 2);
        this.finMask[slot] = m;
        if (m === 3) st = TcpState.Closed;
        else if (st === TcpState.Established) st = TcpState.Closing;
      }
    }
    this.tcpState[slot] = st;
    return st;
  }

  private find(h: number, session: number, ver: number, proto: number, a: Uint32Array, b: Uint32Array, pa: number, pb: number): number {
    const buckets = this.buckets;
    const mask = this.bucketMask;
    let i = h & mask;
    for (;;) {
      const s = buckets[i]!;
      if (s < 0) return -1;
      if (
        this.slotHash[s] === h &&
        this.keySession[s] === session &&
        this.keyVersion[s] === ver &&
        this.keyProto[s] === proto &&
        this.keyPort[2 * s] === pa &&
        this.keyPort[2 * s + 1] === pb
      ) {
        const k = this.keyAddr;
        const o = 8 * s;
        if (
          k[o] === a[0] &&
          k[o + 1] === a[1] &&
          k[o + 2] === a[2] &&
          k[o + 3] === a[3] &&
          k[o + 4] === b[0] &&
          k[o + 5] === b[1] &&
          k[o + 6] === b[2] &&
          k[o + 7] === b[3]
        ) {
          return s;
        }
      }
      i = (i + 1) & mask;
    }
  }

  /** Takes the packet, not its time: a double argument would be boxed on every new flow. */
  private allocSlot(p: PacketView): number {
    if (this.freeTop > 0) return this.freeStack[--this.freeTop]!;
    if (!this.evictWhenFull) return -1;
    // The victim: the list head (oldest in its class) closest to its timeout.
    let victim = -1;
    let best = Infinity;
    for (let c = 0; c < CLASS_COUNT; c++) {
      const hd = this.listHead[c]!;
      if (hd < 0) continue;
      const due = this.lastSec[hd]! + this.classTimeout[c]!;
      if (due < best) {
        best = due;
        victim = hd;
      }
    }
    if (victim < 0) return -1;
    if (best < p.tsSec) {
      this.counters[FlowCounter.Timeouts]++;
      this.endFlow(victim, 'timeout');
    } else {
      this.counters[FlowCounter.Evictions]++;
      this.endFlow(victim, 'evicted');
    }
    return this.freeTop > 0 ? this.freeStack[--this.freeTop]! : -1;
  }

  private initSlot(
    slot: number,
    h: number,
    session: number,
    ver: number,
    proto: number,
    a: Uint32Array,
    b: Uint32Array,
    pa: number,
    pb: number,
    srcIsA: boolean,
    p: PacketView,
  ): void {
    this.keySession[slot] = session;
    this.keyVersion[slot] = ver;
    this.keyProto[slot] = proto;
    const o = 8 * slot;
    const k = this.keyAddr;
    k[o] = a[0]!;
    k[o + 1] = a[1]!;
    k[o + 2] = a[2]!;
    k[o + 3] = a[3]!;
    k[o + 4] = b[0]!;
    k[o + 5] = b[1]!;
    k[o + 6] = b[2]!;
    k[o + 7] = b[3]!;
    this.keyPort[2 * slot] = pa;
    this.keyPort[2 * slot + 1] = pb;
    this.slotHash[slot] = h;

    // Client = sender of the first packet, except a first SYN/ACK whose receiver is the client.
    let senderIsClient = true;
    if (proto === IPPROTO_TCP && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) senderIsClient = false;
    this.clientIsA[slot] = srcIsA === senderIsClient ? 1 : 0;

    this.pktsToServer[slot] = 0;
    this.pktsToClient[slot] = 0;
    this.bytesToServer[slot] = 0;
    this.bytesToClient[slot] = 0;
    this.tcpFlagsToServer[slot] = 0;
    this.tcpFlagsToClient[slot] = 0;
    this.firstSec[slot] = p.tsSec;
    this.firstNsec[slot] = p.tsNsec;
    this.lastSec[slot] = p.tsSec;
    this.lastNsec[slot] = p.tsNsec;
    // flow_id from a seedless hash of the key so it is reproducible run to run (replay tests,
    // correlation across restarts); only the bucket hash is seeded.
    let kh = hashWord(0x2545f491, session);
    kh = hashWord(kh, (ver << 8) | proto);
    for (let w = 0; w < 8; w++) kh = hashWord(kh, k[o + w]!);
    kh = hashFinishI32(hashWord(kh, (pa << 16) | pb), 44);
    writeFlowId(this.flowIds, slot, kh, p);
    this.generation[slot] = (this.generation[slot]! + 1) >>> 0;
    this.tcpState[slot] = TcpState.None;
    this.established[slot] = 0;
    this.replied[slot] = 0;
    this.attempt[slot] =
      proto === IPPROTO_UDP || ((proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) && isEchoRequest(proto, p.icmpType)) ? 1 : 0;
    this.finMask[slot] = 0;
    // Only an ACK pick-up (no SYN, no RST) may be turned round; it needs midstream on.
    this.probeLeft[slot] =
      this.probe !== null && this.midstream && proto === IPPROTO_TCP && (p.tcpFlags & (TCP_SYN | TCP_RST)) === 0 ? MIDSTREAM_PROBE_PACKETS : 0;
    this.sessionIndex[slot] = p.sessionIndex;
    this.firstDirection[slot] = p.direction;
    this.firstIcmpType[slot] = p.icmpType;
    this.firstIcmpCode[slot] = p.icmpCode;

    // Insert into the hash: first empty bucket of the probe sequence.
    const mask = this.bucketMask;
    let i = h & mask;
    while (this.buckets[i]! >= 0) i = (i + 1) & mask;
    this.buckets[i] = slot;

    const c = this.counters;
    if (proto === IPPROTO_TCP) c[FlowCounter.TotalTcp]++;
    else if (proto === IPPROTO_UDP) c[FlowCounter.TotalUdp]++;
    else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) c[FlowCounter.TotalIcmp]++;
    else c[FlowCounter.TotalOther]++;
    c[FlowCounter.Active]++;
    // Linked into a class list by update() right after.
    this.slotClass[slot] = proto === IPPROTO_TCP ? TimeoutClass.TcpNew : proto === IPPROTO_UDP ? TimeoutClass.UdpNew : TimeoutClass.OtherNew;
    this.linkTail(slot, this.slotClass[slot]!);
  }

  // ------------------------------------------------------------------ lists

  private unlink(slot: number): void {
    const cls = this.slotClass[slot]!;
    const pv = this.prev[slot]!;
    const nx = this.next[slot]!;
    if (pv >= 0) this.next[pv] = nx;
    else this.listHead[cls] = nx;
    if (nx >= 0) this.prev[nx] = pv;
    else this.listTail[cls] = pv;
    this.prev[slot] = -1;
    this.next[slot] = -1;
  }

  private linkTail(slot: number, cls: number): void {
    this.slotClass[slot] = cls;
    const tl = this.listTail[cls]!;
    this.prev[slot] = tl;
    this.next[slot] = -1;
    if (tl >= 0) this.next[tl] = slot;
    else this.listHead[cls] = slot;
    this.listTail[cls] = slot;
  }

  // ------------------------------------------------------------------ ending flows

  /** End one flow now: listeners run, then the slot is freed. */
  private endFlow(slot: number, reason: FlowEndReason): void {
    const ls = this.endListeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(slot, reason);
    // After the listeners, so outputs could still read every stage's state of the flow.
    this.storage.clearSlot(slot);

    // Remove from the hash with backward-shift deletion (no tombstones, probes stay short).
    const buckets = this.buckets;
    const mask = this.bucketMask;
    let i = this.slotHash[slot]! & mask;
    while (buckets[i] !== slot) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const sj = buckets[j]!;
      if (sj < 0) break;
      const home = this.slotHash[sj]! & mask;
      // Move sj back into the hole at i unless its home lies cyclically in (i, j].
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!inRange) {
        buckets[i] = sj;
        i = j;
      }
    }
    buckets[i] = -1;

    this.unlink(slot);
    this.slotClass[slot] = CLASS_FREE;
    this.freeStack[this.freeTop++] = slot;
    this.counters[FlowCounter.Active]--;
  }

  /** End flows idle past their timeout at packet time nowSec (at most expireBatch per class). */
  expire(nowSec: number): void {
    if (nowSec > this.now) this.now = nowSec;
    for (let c = 0; c < CLASS_COUNT; c++) {
      const to = this.classTimeout[c]!;
      let budget = this.expireBatch;
      for (;;) {
        const hd = this.listHead[c]!;
        if (hd < 0 || budget === 0 || this.lastSec[hd]! + to >= nowSec) break;
        this.counters[FlowCounter.Timeouts]++;
        this.endFlow(hd, 'timeout');
        budget--;
      }
    }
  }

  /** End every flow (end of input / shutdown). */
  flush(): void {
    for (let c = 0; c < CLASS_COUNT; c++) {
      for (;;) {
        const hd = this.listHead[c]!;
        if (hd < 0) break;
        this.counters[FlowCounter.ShutdownEnds]++;
        this.endFlow(hd, 'shutdown');
      }
    }
  }

  // ------------------------------------------------------------------ accessors

  isActive(i: number): boolean {
    return this.slotClass[i] !== CLASS_FREE;
  }

  isEstablished(i: number): boolean {
    return this.established[i] === 1;
  }

  flowId(i: number): number {
    return this.flowIds[i]!;
  }

  startSec(i: number): number {
    return this.firstSec[i]!;
  }

  startNsec(i: number): number {
    return this.firstNsec[i]!;
  }

  /** True when the packet travels client → server (its source is the flow's client). */
  clientIsSrc(p: PacketView): boolean {
    return p.flowDirection === 1;
  }

  /** EVE flow "state": new / established / closed. */
  stateName(i: number): 'new' | 'established' | 'closed' {
    const c = this.slotClass[i];
    if (c === TimeoutClass.TcpClosed) return 'closed';
    return this.established[i] === 1 ? 'established' : 'new';
  }

  /** Slots of all active flows (not hot: allocates the result). */
  activeSlots(): number[] {
    const out: number[] = [];
    for (let c = 0; c < CLASS_COUNT; c++) {
      for (let s = this.listHead[c]!; s >= 0; s = this.next[s]!) out.push(s);
    }
    return out;
  }
}
