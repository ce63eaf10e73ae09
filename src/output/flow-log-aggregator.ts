/**
 * Turns packets into VPC Flow Logs records: per flow, per direction (each direction is its own
 * record, as AWS logs them), per aggregation interval aligned on packet time
 * (floor(ts / interval) * interval). The per-packet path only adds to typed arrays indexed by
 * flow slot; records (objects, strings) are built when an interval closes or a flow ends.
 *
 * - An interval closes when a packet (or tick()) reaches a later interval: every flow with data
 *   in it gets its records then. A flow that ends (timeout, eviction, shutdown) gets its records
 *   at once, before its slot can be reused.
 * - NODATA: a network interface whose sessions saw no packet in an interval gets one NODATA
 *   record for it (fields srcaddr..bytes and action '-', start/end = the interval's first and
 *   last second), as AWS writes one per ENI; sessions sharing an ENI count as one. Intervals
 *   skipped entirely by a jump in packet time get NODATA too, at most `maxGapIntervals` of them
 *   per jump so a clock jump cannot flood the output. No NODATA is written before the clock
 *   starts: the first packet (replay) or the first tick (serve's wall clock).
 * - SKIPDATA: when getDrops() (packets the sink lost: socket/kernel drops, flows refused by a
 *   full table) grew during an interval, each interface gets a SKIPDATA record for it: we cannot
 *   tell which session the lost packets belonged to.
 * - A packet that arrives late (its interval already closed) is kept in its own interval and
 *   written at the next close.
 */
import { IPPROTO_TCP, type PacketView } from '../decode/packet-view.js';
import { formatFlowAddresses, type FlowAddresses } from '../flow/flow-report.js';
import type { FlowTable, FlowEndReason } from '../flow/flow-table.js';
import type { PacketOutput } from '../pipeline/stages.js';
import { FlowCommunityIds } from './community-id.js';
import { awsTcpFlags, type FlowLogRecord, type LogStatus } from './flow-log-record.js';
import { SessionDirectory, type SessionInfo } from '../session/session-directory.js';
import { DIR_EGRESS, DIR_INGRESS, type AwsFlowContext } from '../aws/aws-context.js';

export interface FlowLogAggregatorOptions {
  table: FlowTable;
  /** The sink's session directory (or its sessions, tests): records name the session p.sessionIndex says. */
  sessions?: SessionDirectory | readonly SessionInfo[];
  /** Aggregation interval in seconds: AWS offers 60 and 600 (default). */
  aggregationSec?: number;
  /** Receives each record (in order). */
  onRecord: (rec: FlowLogRecord) => void;
  /** Cumulative count of packets the sink lost (for SKIPDATA). */
  getDrops?: () => number;
  /** Defaults for sessions that do not say. */
  accountId?: string;
  region?: string;
  /** Write NODATA records (default true). */
  noData?: boolean;
  maxGapIntervals?: number;
  /** AWS context (aws: in the configuration): service names, traffic-path, direction, omitted traffic. */
  aws?: AwsFlowContext | null;
  /** Fill communityId (the log format has `${community-id}`) with this seed; null: leave it null. */
  communityIdSeed?: number | null;
}

const NO_INTERVAL = 0xffffffff;

export class FlowLogAggregator implements PacketOutput {
  /** Fragments have no flow: the datagram rebuilt from them is what the flow counts. */
  readonly acceptsRebuilt = true;
  readonly aggregationSec: number;
  readonly sessions: SessionDirectory;
  recordsEmitted = 0;
  /**
   * Flows holding counts not yet written as records. At most the flow table's capacity: a
   * flow's records are written when its interval closes or it ends, never kept longer.
   */
  pendingFlows = 0;
  /** Start of the open interval (packet time), -1 before the first packet. */
  currentInterval = -1;
  /** Start of the first interval (packet time), -1 before the first packet: with
   *  currentInterval, the intervals this aggregator closes (NODATA merging across workers). */
  firstInterval = -1;

  private readonly table: FlowTable;
  private readonly onRecord: (rec: FlowLogRecord) => void;
  private readonly getDrops: () => number;
  private readonly accountId: string | null;
  private readonly region: string | null;
  private readonly noData: boolean;
  private readonly maxGap: number;
  private aws: AwsFlowContext | null;
  /** Flow records left out because VPC Flow Logs never records such traffic (aws.omit_unlogged_traffic). */
  omittedRecords = 0;
  private readonly communityIdSeed: number | null;

  // per slot. Seconds fit in Uint32 (to 2106): 1 M slots cost ~61 MB instead of ~81 MB.
  /** Start of the interval the slot's counts belong to; NO_INTERVAL when none. */
  private readonly ivStart: Uint32Array;
  private readonly dirty: Uint8Array;
  private dirtyList: Int32Array;
  private dirtyCount = 0;
  // per slot*2 + (0 to_server, 1 to_client)
  private readonly pkts: Float64Array;
  private readonly bytes: Float64Array;
  private readonly first: Uint32Array;
  private readonly last: Uint32Array;
  private readonly flags: Uint8Array;
  private readonly eniDir: Uint8Array;
  // per session
  private readonly sessPkts: Float64Array;
  /**
   * Per session, the first session mirroring the same ENI (itself when none before it does):
   * NODATA and SKIPDATA are per network interface, as AWS writes them, so sessions sharing an
   * ENI (one per direction, say) give one status record, and none when any of them saw traffic.
   */
  private readonly eniGroup: Int32Array;
  private readonly groupPkts: Float64Array;
  private dropsAtStart = 0;
  private closed = false;

  constructor(opts: FlowLogAggregatorOptions) {
    const agg = opts.aggregationSec ?? 600;
    if (!Number.isInteger(agg) || agg <= 0) throw new RangeError(`aggregation interval must be a positive integer, got ${agg}`);
    this.aggregationSec = agg;
    this.table = opts.table;
    this.sessions = opts.sessions instanceof SessionDirectory ? opts.sessions : new SessionDirectory(opts.sessions ?? []);
    this.onRecord = opts.onRecord;
    this.getDrops = opts.getDrops ?? (() => 0);
    this.accountId = opts.accountId ?? null;
    this.region = opts.region ?? null;
    this.noData = opts.noData ?? true;
    this.maxGap = opts.maxGapIntervals ?? 1440;
    this.aws = opts.aws ?? null;
    this.communityIdSeed = opts.communityIdSeed ?? null;
    if (this.communityIdSeed !== null) FlowCommunityIds.of(this.table, this.communityIdSeed);
    const n = this.table.capacity;
    this.ivStart = new Uint32Array(n).fill(NO_INTERVAL);
    this.dirty = new Uint8Array(n);
    this.dirtyList = new Int32Array(Math.max(16, n));
    this.pkts = new Float64Array(2 * n);
    this.bytes = new Float64Array(2 * n);
    this.first = new Uint32Array(2 * n);
    this.last = new Uint32Array(2 * n);
    this.flags = new Uint8Array(2 * n);
    this.eniDir = new Uint8Array(2 * n);
    this.sessPkts = new Float64Array(this.sessions.sessions.length);
    this.groupPkts = new Float64Array(this.sessions.sessions.length);
    this.eniGroup = new Int32Array(this.sessions.sessions.length);
    const firstByEni = new Map<string, number>();
    this.sessions.sessions.forEach((info, i) => {
      // Sessions without an ENI ('-') stand alone.
      const first = info.eniId !== '-' ? firstByEni.get(info.eniId) : undefined;
      this.eniGroup[i] = first ?? i;
      if (first === undefined && info.eniId !== '-') firstByEni.set(info.eniId, i);
    });
    this.table.addFlowEndListener((slot: number, _reason: FlowEndReason) => this.onFlowEnd(slot));
  }

  write(p: PacketView): void {
    if (this.closed) return;
    const ts = p.tsSec;
    const agg = this.aggregationSec;
    const iv = ts - (ts % agg);
    if (this.currentInterval < 0) {
      this.currentInterval = iv;
      this.firstInterval = iv;
      this.dropsAtStart = this.getDrops();
    } else if (iv > this.currentInterval) {
      this.advance(iv);
    }
    const si = this.sessions.indexOf(p.sessionIndex);
    // A rebuilt datagram's fragments were counted for the session already.
    if (si >= 0 && !p.rebuilt) this.sessPkts[si]++;

    const slot = p.flowIndex;
    if (slot < 0) return;
    if (this.ivStart[slot] !== iv) {
      if (this.dirty[slot] === 1) this.emitSlot(slot);
      this.ivStart[slot] = iv;
    }
    const k = 2 * slot + (p.flowDirection === 1 ? 0 : 1);
    if (this.pkts[k] === 0) {
      this.first[k] = ts;
      this.last[k] = ts;
    } else {
      if (ts < this.first[k]!) this.first[k] = ts;
      if (ts > this.last[k]!) this.last[k] = ts;
    }
    this.pkts[k]++;
    this.bytes[k] += p.ipLen;
    if (p.ipProto === IPPROTO_TCP) this.flags[k] |= awsTcpFlags(p.tcpFlags);
    this.eniDir[k] = p.direction;
    if (this.dirty[slot] === 0) {
      this.dirty[slot] = 1;
      this.pendingFlows++;
      if (this.dirtyCount === this.dirtyList.length) this.compactDirtyList();
      this.dirtyList[this.dirtyCount++] = slot;
    }
  }

  /** Use a new AWS context (a reload read the configuration and ip-ranges file again). */
  setAwsContext(aws: AwsFlowContext | null): void {
    this.aws = aws;
  }

  /**
   * Advance the clock without a packet (serve: call every few seconds with wall time). The first
   * tick starts the clock, so idle sessions get NODATA from the start as AWS gives them, and
   * every pipeline thread covers the same intervals whether or not its share of flows has begun.
   */
  tick(nowSec: number): void {
    if (this.closed) return;
    const iv = nowSec - (nowSec % this.aggregationSec);
    if (this.currentInterval < 0) {
      this.currentInterval = iv;
      this.firstInterval = iv;
      this.dropsAtStart = this.getDrops();
    } else if (iv > this.currentInterval) this.advance(iv);
  }

  /** Close the open interval and write everything pending. */
  close(): void {
    if (this.closed) return;
    if (this.currentInterval >= 0) this.closeInterval(this.currentInterval);
    this.closed = true;
  }

  private onFlowEnd(slot: number): void {
    if (this.dirty[slot] === 1) this.emitSlot(slot);
    this.ivStart[slot] = NO_INTERVAL;
  }

  private advance(iv: number): void {
    const agg = this.aggregationSec;
    const old = this.currentInterval;
    this.closeInterval(old);
    const skipped = Math.min((iv - old) / agg - 1, this.maxGap);
    for (let g = 1; g <= skipped; g++) this.statusRecords(old + g * agg, 'NODATA', null);
    this.currentInterval = iv;
  }

  private closeInterval(iv: number): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      const s = this.dirtyList[i]!;
      if (this.dirty[s] === 1) this.emitSlot(s);
    }
    this.dirtyCount = 0;
    const drops = this.getDrops();
    if (drops > this.dropsAtStart) this.statusRecords(iv, 'SKIPDATA', null);
    this.dropsAtStart = drops;
    if (this.noData) this.statusRecords(iv, 'NODATA', this.sessPkts);
    this.sessPkts.fill(0);
  }

  /** NODATA/SKIPDATA records for interval iv: for every session (NODATA: only idle ones). */
  private statusRecords(iv: number, status: LogStatus, pktsBySession: Float64Array | null): void {
    const list = this.sessions.sessions;
    if (status === 'NODATA' && !this.noData) return;
    if (list.length === 0) {
      if (status === 'SKIPDATA') this.emit(this.statusRecord(null, iv, status));
      return;
    }
    const group = this.eniGroup;
    const groupPkts = this.groupPkts;
    groupPkts.fill(0);
    if (pktsBySession !== null) for (let i = 0; i < list.length; i++) groupPkts[group[i]!]! += pktsBySession[i]!;
    for (let i = 0; i < list.length; i++) {
      if (group[i] !== i || groupPkts[i]! > 0) continue;
      this.emit(this.statusRecord(list[i]!, iv, status));
    }
  }

  private statusRecord(s: SessionInfo | null, iv: number, status: LogStatus): FlowLogRecord {
    return this.record(s, null, null, null, null, null, null, null, iv, iv + this.aggregationSec - 1, null, status, null, null, null, null, null, null, null);
  }

  /**
   * Every record is built here, as one literal with every field in one order: a single object
   * shape. (Spreading the session fields into a literal and adding the rest gave each record a
   * slow dictionary-like path: about half of a 1 M-flow replay's time.)
   */
  private record(
    s: SessionInfo | null,
    srcaddr: string | null,
    dstaddr: string | null,
    srcport: number | null,
    dstport: number | null,
    protocol: number | null,
    packets: number | null,
    bytes: number | null,
    start: number,
    end: number,
    action: FlowLogRecord['action'],
    logStatus: LogStatus,
    tcpFlags: number | null,
    type: FlowLogRecord['type'],
    flowDirection: FlowLogRecord['flowDirection'],
    pktSrcAwsService: string | null,
    pktDstAwsService: string | null,
    trafficPath: number | null,
    communityId: string | null,
  ): FlowLogRecord {
    return {
      accountId: s?.accountId ?? this.accountId,
      interfaceId: s?.eniId ?? null,
      vpcId: s?.vpcId ?? null,
      subnetId: s?.subnetId ?? null,
      instanceId: s?.instanceId ?? null,
      region: s?.region ?? this.region,
      azId: s?.azId ?? null,
      session: s?.name ?? null,
      srcaddr,
      dstaddr,
      srcport,
      dstport,
      protocol,
      packets,
      bytes,
      start,
      end,
      action,
      logStatus,
      tcpFlags,
      type,
      pktSrcaddr: srcaddr,
      pktDstaddr: dstaddr,
      flowDirection,
      pktSrcAwsService,
      pktDstAwsService,
      trafficPath,
      communityId,
    };
  }

  private emitSlot(slot: number): void {
    const t = this.table;
    this.dirty[slot] = 0;
    this.pendingFlows--;
    let addrs: FlowAddresses | null = null;
    const aws = this.aws;
    // keyAddr offsets of the client and server addresses (flow-report's layout).
    const ca = t.clientIsA[slot] === 1;
    const cOff = 8 * slot + (ca ? 0 : 4);
    const sOff = 8 * slot + (ca ? 4 : 0);
    const ver = t.keyVersion[slot]!;
    let omit = false;
    if (aws !== null && aws.omitUnlogged) {
      omit = aws.isUnlogged(ver, t.keyAddr, cOff, sOff, t.keyProto[slot]!, t.keyPort[2 * slot]!, t.keyPort[2 * slot + 1]!);
    }
    for (let d = 0; d < 2; d++) {
      const k = 2 * slot + d;
      if (this.pkts[k] === 0) continue;
      if (omit) {
        // VPC Flow Logs never records this traffic (detection has seen it all the same).
        this.omittedRecords++;
        this.clearCounts(k);
        continue;
      }
      if (addrs === null) addrs = formatFlowAddresses(t, slot, 'compressed');
      const toServer = d === 0;
      const src = toServer ? addrs.srcIp : addrs.destIp;
      const dst = toServer ? addrs.destIp : addrs.srcIp;
      const sess = this.sessions.info(t.sessionIndex[slot]!);
      const srcOff = toServer ? cOff : sOff;
      const dstOff = toServer ? sOff : cOff;
      let ed = this.eniDir[k]!;
      if (ed !== DIR_INGRESS && ed !== DIR_EGRESS && aws !== null) ed = aws.directionOf(ver, t.keyAddr, srcOff, dstOff);
      this.emit(
        this.record(
          sess,
          src,
          dst,
          toServer ? addrs.srcPort : addrs.destPort,
          toServer ? addrs.destPort : addrs.srcPort,
          addrs.protoNumber,
          this.pkts[k]!,
          this.bytes[k]!,
          this.first[k]!,
          this.last[k]!,
          'ACCEPT',
          'OK',
          addrs.protoNumber === IPPROTO_TCP ? this.flags[k]! : 0,
          addrs.ipVersion === 6 ? 'IPv6' : 'IPv4',
          ed === DIR_INGRESS ? 'ingress' : ed === DIR_EGRESS ? 'egress' : null,
          aws !== null ? aws.serviceOf(ver, t.keyAddr, srcOff) : null,
          aws !== null ? aws.serviceOf(ver, t.keyAddr, dstOff) : null,
          // AWS gives the path of egress traffic only.
          aws !== null && ed === DIR_EGRESS ? aws.trafficPath(ver, t.keyAddr, dstOff) : null,
          // Cached per flow: hashed once per flow, not per record or packet.
          this.communityIdSeed !== null ? FlowCommunityIds.of(t, this.communityIdSeed).get(slot) : null,
        ),
      );
      this.clearCounts(k);
    }
  }

  private clearCounts(k: number): void {
    this.pkts[k] = 0;
    this.bytes[k] = 0;
    this.flags[k] = 0;
    this.eniDir[k] = 0;
  }

  private emit(rec: FlowLogRecord): void {
    this.recordsEmitted++;
    this.onRecord(rec);
  }

  private compactDirtyList(): void {
    let n = 0;
    for (let s = 0; s < this.dirty.length; s++) if (this.dirty[s] === 1) this.dirtyList[n++] = s;
    this.dirtyCount = n;
  }
}
