/**
 * The detection engine: runs a loaded RuleSet over each packet.
 *
 * Per packet:
 *  1. Candidates: the packet's protocol bucket, then at most three rule groups (any-port,
 *     destination-port, source-port); in each, rules with a fast pattern come from one
 *     Aho-Corasick scan of the payload, rules without one from an address index
 *     (IP-reputation rules, address-index.ts) or, failing that, are always candidates.
 *     Candidates go into a bitset over rule ids, so they come out in evaluation order with no
 *     sorting and no duplicates.
 *  2. Each candidate is checked, cheapest first: IP version, payload size requirements,
 *     addresses and ports (both ways for `<>`), flow keyword, TCP flags and other header
 *     checks, flowbit conditions, then the payload inspector (content, pcre, byte_*,
 *     isdataat).
 *  3. A match runs the rule's flowbit actions, then:
 *     - pass: nothing more is inspected for this packet, nothing is logged, and the flow is
 *       passed (its later packets skip detection), as Suricata's docs describe pass;
 *     - noalert: nothing logged;
 *     - threshold / detection_filter decide on packet time whether it alerts;
 *     - otherwise the alert goes to every sink (at most MAX_ALERTS_PER_PACKET per packet, as
 *       Suricata's packet-alert-max) and is counted by severity and by rule.
 *
 * Transactions (src/detect.c DetectRunTx): rules with app-layer buffers (rule.txDir) are not
 * packet candidates; on a packet whose direction had an app-layer update (APP_UPDATED, set by
 * the stream stage or the UDP app-layer step) on a flow whose protocol serves transactions
 * (applayer/app-tx.ts: HTTP, DNS, TLS, SSH), each live tx of that direction not yet fully
 * inspected gets its candidates from the groups' per-buffer Aho-Corasick automata
 * (rule-groups.ts TxGroup; a multi-buffer such as DNS query names instance by instance) and is
 * checked buffer by buffer once the tx progress allows (a multi-buffer matches when any one
 * instance does). A (tx, rule) alerts once; a
 * rule whose final buffers failed is not evaluated again for that tx; growing bodies are
 * inspected every 32 KiB and at completion (or flow end); a tx whose side is complete is
 * marked inspected for it (so the parser can free it). `alert http` rules without buffers
 * are packet/stream rules that also need the flow's app protocol to be HTTP.
 *
 * Stream vs packet (src/detect-engine.c: DetectEngineInspectRulePayloadMatches): a TCP rule
 * whose payload keywords inspect the stream (rule.sigFlags, rule-parser.ts classifyStream)
 * runs them over the raw stream window the stream stage put on the packet (HAS_STREAM_DATA);
 * failing that, a packet that went into the stream (STREAM_ADDED) is not inspected on its own
 * unless the rule also requires the packet, and only_stream rules stop there; otherwise the
 * packet payload is inspected. Flow-end pseudo packets run stream rules only. The prefilter
 * follows the same split (rule-groups.ts RuleGroup.pkt / .stream): the stream window is scanned
 * for the stream rules' patterns, the payload of a packet that went into the stream for the
 * patterns of rules that require the packet, any other payload for both. Without a stream
 * stage no packet carries stream flags and every packet is inspected on its own, as before.
 * There is no IP defragmentation: the first fragment is inspected with the part of the payload it
 * carries, later fragments have no ports and no payload (so only port-`any` rules without
 * payload keywords can match them).
 *
 * Packets with decode problems are inspected too, as far as they decoded (Suricata's
 * behaviour, which decode-event rules rely on); one without an IP layer only by `pkthdr` rules.
 * decode-event / stream-event / app-layer-event read the packet's events (p.events).
 *
 * flow:established is the flow stage's p.flowEstablished (Suricata's FLOW_PKT_ESTABLISHED:
 * for TCP, established before this packet; for others, both directions seen).
 *
 * Per-flow state (alerted, passed) lives in a DetectFlowState registered in the flow table's
 * FlowStorage, so it is cleared when the flow ends and carried over on a rule reload.
 *
 * Nothing on this path allocates, except what sinks do for an alert and the latin1 string a
 * pcre needs (once per packet, only when a rule gets that far).
 */
import { APP_UPDATED, HAS_STREAM_DATA, STREAM_ADDED, STREAM_EST, STREAM_PSEUDO, type PacketView } from '../decode/packet-view.js';
import { AppProto, appProtoCovers } from '../applayer/app-proto.js';
import { matchAppProto } from './keywords/app-layer-protocol.js';
import type { HttpTx } from '../applayer/http/http-tx.js';
import { TxDone, isAppTxParser, txClock, type AppTx, type AppTxParser } from '../applayer/app-tx.js';
import { BUFFER_ID_MASK, TRANSFORM_DOTPREFIX } from './keywords/app-buffers.js';
import { HttpBuf } from '../applayer/http/http-buffers.js';
import { IPPROTO_SCTP } from '../decode/sctp.js';
import { matchStreamSize } from './keywords/stream-size.js';
import type { DetectStage } from '../pipeline/stages.js';
import type { FlowStorage } from '../flow/flow-storage.js';
import type { AlertSink } from './alert-sink.js';
import { DetectFlowState } from './flow-state.js';
import { FlowbitStore } from './flowbits.js';
import { matchFlow } from './keywords/flow.js';
import { FlowbitCmd, type FlowbitOp } from './keywords/flowbits.js';
import { matchFragbits, matchHeaderCheck, matchIpopts, matchSameip, matchTcpFlags } from './keywords/header.js';
import { matchEvent } from './keywords/events.js';
import { PayloadInspector } from './payload-match.js';
import { TransformScratch } from './transforms.js';
import { hdrView, headerBuffer } from './keywords/header-buffers.js';
import { matchFlowCounter, type FlowCounterSource } from './keywords/flow-counters.js';
import { XbitStore } from './xbits.js';
import type { XbitOp } from './keywords/xbits.js';
import { FlowintCmd, type FlowintOp } from './keywords/flowint.js';
import { Action, Proto, SigFlag, TxDir, type Rule, type TxBufferMatch } from './rule.js';
import type { RuleSet } from './rule-loader.js';
import { Bucket, bucketOf, buildBuckets, type PatternRules, type ProtoBucket, type RuleGroup } from './rule-groups.js';
import { ThresholdTable } from './threshold.js';
import type { CrossFlowShared } from './cross-flow-shared.js';
import type { AppLayer } from '../applayer/app-layer.js';

/** What the engine needs from the flow table (FlowTable satisfies it structurally). */
export interface DetectFlowSource {
  /** Bumped when a slot starts a new flow (flowbits are keyed by slot and generation). */
  readonly generation: Uint32Array;
  /** Where detect registers its per-flow state (DetectFlowState). */
  readonly storage: FlowStorage;
  /** Per-slot counters for flow.pkts / flow.bytes / flow.age (FlowTable has them). */
  readonly pktsToServer?: Float64Array;
  readonly pktsToClient?: Float64Array;
  readonly bytesToServer?: Float64Array;
  readonly bytesToClient?: Float64Array;
  readonly firstSec?: Float64Array;
}

export interface DetectEngineOptions {
  /** Flowbit table entries. Default 65536. */
  flowbitCapacity?: number;
  /** Threshold table entries. Default 65536. */
  thresholdCapacity?: number;
  /** threshold / detection_filter counts and xbits shared with the other pipeline threads (detect/cross-flow-shared.ts). */
  crossFlow?: CrossFlowShared | null;
  /** Alerts logged per packet at most (Suricata's packet-alert-max). Default 15. */
  maxAlertsPerPacket?: number;
  /**
   * The engine this one replaces (rule reload). When both run over the same flow table, the
   * per-flow state carries over as it would in Suricata, where it lives in the flow: flowbits
   * (matched by name), which flows alerted and which are passed (the same DetectFlowState).
   * Thresholds start afresh (they belong to rules).
   */
  previous?: DetectEngine | null;
  /** The app layer (protocol per flow, transactions) for `alert http|dns|...` and tx rules. */
  appLayer?: AppLayer | null;
}

export const MAX_ALERTS_PER_PACKET = 15;
const TX_NOT_STARTED = 0;
const TX_NO_MATCH = 0;
const TX_MATCH = 1;
const TX_CANT_MATCH = 2;
/** Body bytes between inspections of a growing body (Suricata's minimal inspect size order). */
const BODY_INSPECT_STEP = 32768;
/** addGroup: a payload of a packet not in the stream (both prefilters), one that went into the
 * stream (the packet-requiring rules' prefilter), a stream window (the stream rules'). */
const SCAN_PKT = 0;
const SCAN_PKT_IN_STREAM = 1;
const SCAN_WINDOW = 2;

export class DetectEngine implements DetectStage {
  readonly ruleSet: RuleSet;
  readonly rules: readonly Rule[];
  readonly flow: DetectFlowSource | null;
  readonly sinks: AlertSink[];
  private readonly buckets: ProtoBucket[];
  private readonly inspector = new PayloadInspector();
  /** Scratch for sticky-buffer transforms (transforms.ts). */
  readonly transforms = new TransformScratch();
  readonly flowbits: FlowbitStore;
  /** xbits / hostbits state (per host, per IP pair). */
  readonly xbits: XbitStore;
  /** flowint variables: (flow slot, variable) → value. */
  readonly flowints: FlowbitStore;
  private readonly flowintIds = new Map<string, number>();
  readonly thresholds: ThresholdTable;
  private readonly cand: Uint32Array;
  /** Per-flow state; null without a flow table. */
  readonly flowState: DetectFlowState | null;
  private readonly maxAlerts: number;
  /** The flow's app protocol per slot (app layer state), null without an app layer. */
  private readonly alproto: Uint8Array | null;
  /** Each direction's app protocol per slot (app-layer-protocol's direction modes). */
  private readonly alprotoTs: Uint8Array | null;
  private readonly alprotoTc: Uint8Array | null;
  /** The to-server / to-client protocol detection completed since detect last saw the flow (PD-only rules). */
  private pdTs = false;
  private pdTc = false;
  /** Transaction sources by AppProto id (protocols whose parser serves AppTx). */
  private readonly txSources: (AppTxParser | undefined)[] = [];
  /** Transactions inspected by tx rules (counted per tx and packet). */
  txInspected = 0;

  // ---- counters (read by metrics) ----
  packets = 0;
  alerts = 0;
  /** Matches not logged because of threshold/detection_filter. */
  suppressed = 0;
  /** Alerts beyond maxAlertsPerPacket. */
  alertOverflow = 0;
  /** Packets of passed flows (skipped). */
  passedPackets = 0;
  /** pass rule matches. */
  passMatches = 0;
  /** Candidate rules fully checked. */
  candidatesChecked = 0;
  /** Alerts by severity (index = priority, 0..255). */
  readonly alertsBySeverity = new Float64Array(256);
  /** Alerts by rule id. */
  readonly alertsByRule: Float64Array;

  constructor(ruleSet: RuleSet, flow: DetectFlowSource | null, sinks: AlertSink[] = [], opts: DetectEngineOptions = {}) {
    this.ruleSet = ruleSet;
    this.rules = ruleSet.rules;
    this.flow = flow;
    this.sinks = sinks;
    this.buckets = buildBuckets(ruleSet.rules);
    this.cand = new Uint32Array(((ruleSet.rules.length + 31) >>> 5) + 1);
    this.alertsByRule = new Float64Array(ruleSet.rules.length);
    this.flowbits = new FlowbitStore(opts.flowbitCapacity ?? 1 << 16);
    this.xbits = new XbitStore(opts.flowbitCapacity ?? 1 << 16, opts.crossFlow?.xbits ?? null);
    this.flowints = new FlowbitStore(opts.flowbitCapacity ?? 1 << 16);
    const fid = (name: string): number => {
      let i = this.flowintIds.get(name);
      if (i === undefined) {
        i = this.flowintIds.size;
        this.flowintIds.set(name, i);
      }
      return i;
    };
    for (const r of ruleSet.rules) {
      for (const op of r.xbitChecks) op.bit = this.xbits.id(op.name);
      for (const op of r.xbitActions) op.bit = this.xbits.id(op.name);
      for (const op of [...r.flowintChecks, ...r.flowintActions]) {
        op.id = fid(op.name);
        op.valueId = op.valueName !== null ? fid(op.valueName) : -1;
      }
    }
    this.thresholds = new ThresholdTable(opts.thresholdCapacity ?? 1 << 16, opts.crossFlow?.thresholds ?? null);
    this.maxAlerts = opts.maxAlertsPerPacket ?? MAX_ALERTS_PER_PACKET;
    const al = opts.appLayer ?? null;
    this.alproto = al !== null ? al.state.alproto : null;
    this.alprotoTs = al !== null ? al.state.alprotoTs : null;
    this.alprotoTc = al !== null ? al.state.alprotoTc : null;
    if (al !== null) {
      for (let proto = 1; proto < 255; proto++) {
        const parser = al.parser(proto);
        if (isAppTxParser(parser)) this.txSources[proto] = parser;
      }
    }
    const prev = opts.previous ?? null;
    if (prev !== null && flow !== null && prev.flow === flow && prev.flowState !== null) {
      this.flowState = prev.flowState;
      this.adoptFlowbits(prev);
    } else {
      this.flowState = flow !== null ? new DetectFlowState(flow.generation.length) : null;
    }
    // Registering replaces any earlier engine's state under the same name.
    if (flow !== null) flow.storage.register(this.flowState!);
  }

  /** Take over the flowbits of the engine being replaced (see DetectEngineOptions.previous). */
  private adoptFlowbits(prev: DetectEngine): void {
    const gens = this.flow!.generation;
    const oldNames = prev.ruleSet.flowbits.names;
    const newIndex = this.ruleSet.flowbits.index;
    prev.flowbits.forEachLive(gens, (slot, gen, bit) => {
      const nb = newIndex.get(oldNames[bit]!);
      // A bit no rule of the new set mentions can never be tested again: drop it.
      if (nb !== undefined) this.flowbits.set(slot, gen, nb, gens);
    });
  }

  /** pcre executions so far. */
  get pcreRuns(): number {
    return this.inspector.pcreRuns;
  }

  /** pcre searches abandoned at the match limit (the keyword did not match). */
  get pcreLimitHits(): number {
    return this.inspector.pcreLimitHits;
  }

  // candidate bitset bounds for the current packet
  private minWord = 0;
  private maxWord = -1;

  private mark(id: number): void {
    const w = id >>> 5;
    this.cand[w]! |= 1 << (id & 31);
    if (w < this.minWord) this.minWord = w;
    if (w > this.maxWord) this.maxWord = w;
  }

  /** mark() bound once, for the address index (no closure per packet). */
  private readonly markFn = (id: number): void => this.mark(id);

  /**
   * Candidates of one group for one buffer. `scan`: which of the group's prefilters run over
   * it (RuleGroup.pkt / .stream; SCAN_WINDOW is the stream window, where the rules without a
   * pattern were marked already by the payload call).
   */
  private addGroup(g: RuleGroup | null, p: PacketView, buf: Uint8Array, off: number, len: number, scan: number): void {
    if (g === null) return;
    if (scan !== SCAN_WINDOW) {
      const al = g.always;
      for (let k = 0; k < al.length; k++) this.mark(al[k]!);
      if (g.addrIndex !== null) g.addrIndex.lookup(p, this.markFn);
    }
    if (len === 0) return;
    if (scan !== SCAN_WINDOW && g.pkt !== null) this.addHits(g.pkt, buf, off, len);
    if (scan !== SCAN_PKT_IN_STREAM && g.stream !== null) this.addHits(g.stream, buf, off, len);
  }

  private addHits(pr: PatternRules, buf: Uint8Array, off: number, len: number): void {
    const ac = pr.scanner;
    const n = ac.scan(buf, off, off + len);
    if (n === 0) return;
    const hits = ac.hits;
    const start = pr.start;
    const rs = pr.rules;
    for (let h = 0; h < n; h++) {
      const pid = hits[h]!;
      for (let k = start[pid]!; k < start[pid + 1]!; k++) this.mark(rs[k]!);
    }
  }

  inspect(p: PacketView): void {
    // A packet with a decode problem is inspected as far as it decoded (Suricata runs detection
    // on it, which is how decode-event rules fire); one without an IP layer only by `pkthdr`
    // rules, and only when it carries an event.
    if (p.ipVersion === 0 && p.eventCount === 0) return;
    this.packets++;
    this.inspector.stamp++;
    const ft = this.flow;
    const fs = this.flowState;
    const slot = ft !== null ? p.flowIndex : -1;
    let gen = 0;
    if (slot >= 0) {
      gen = ft!.generation[slot]!;
      if (fs!.passed[slot] === 1) {
        this.passedPackets++;
        return;
      }
    }
    const established = slot >= 0 && p.flowEstablished;
    this.pdTs = false;
    this.pdTc = false;
    if (slot >= 0 && this.alprotoTs !== null) {
      // Suricata flags the packet on which a direction's detection completed
      // (PKT_PROTO_DETECT_TS_DONE / _TC_DONE): here, the first packet detect sees after it.
      const ts = this.alprotoTs[slot]!;
      const tc = this.alprotoTc![slot]!;
      if (ts !== fs!.seenAlprotoTs[slot]) {
        this.pdTs = true;
        fs!.seenAlprotoTs[slot] = ts;
      }
      if (tc !== fs!.seenAlprotoTc[slot]) {
        this.pdTc = true;
        fs!.seenAlprotoTc[slot] = tc;
      }
    }

    // A fragment inspected on its IP header only (defrag on) has no L4 protocol, as in
    // Suricata: tcp/udp/icmp rules wait for the rebuilt datagram, ip rules see it.
    const bucket = this.buckets[p.headerOnly ? Bucket.Other : bucketOf(p.ipProto)]!;
    const buf = p.buf;
    const off = p.payloadOffset;
    const len = p.payloadLen;
    this.minWord = 0x7fffffff;
    this.maxWord = -1;
    // A packet that went into the stream (or a flow-end pseudo packet) is inspected on its own
    // only by rules that require the packet (matchRule): only their patterns are looked for.
    const pscan = (p.streamFlags & (STREAM_ADDED | STREAM_PSEUDO)) !== 0 ? SCAN_PKT_IN_STREAM : SCAN_PKT;
    this.addGroup(bucket.any, p, buf, off, len, pscan);
    if (p.dport >= 0) this.addGroup(bucket.byDport.groupFor(p.dport), p, buf, off, len, pscan);
    if (p.sport >= 0) this.addGroup(bucket.bySport.groupFor(p.sport), p, buf, off, len, pscan);
    if ((p.streamFlags & HAS_STREAM_DATA) !== 0) {
      // PrefilterPktStream: the stream window, for the stream rules' patterns.
      const sb = p.streamBuf;
      const so = p.streamOff;
      const sl = p.streamLen;
      this.addGroup(bucket.any, p, sb, so, sl, SCAN_WINDOW);
      if (p.dport >= 0) this.addGroup(bucket.byDport.groupFor(p.dport), p, sb, so, sl, SCAN_WINDOW);
      if (p.sport >= 0) this.addGroup(bucket.bySport.groupFor(p.sport), p, sb, so, sl, SCAN_WINDOW);
    }
    this.logged = 0;
    this.now = p.tsSec + p.tsNsec / 1e9;
    txClock[0] = this.now;
    const stopped = this.maxWord >= 0 && this.runCandidates(p, established, slot, gen, null);
    // Transactions of the packet's direction that got new data (Suricata's DetectRunTx).
    if (!stopped && slot >= 0 && (p.streamFlags & APP_UPDATED) !== 0 && this.alproto !== null) {
      const src = this.txSources[this.alproto[slot]!];
      if (src !== undefined) this.txPass(src, p, bucket, established, slot, gen);
    }
  }

  private logged = 0;
  private now = 0;

  /**
   * Check the marked candidates (against the packet, or against `tx` in the tx pass), emit
   * alerts, clear the marks. Returns true when a pass rule stopped inspection.
   */
  private runCandidates(p: PacketView, established: boolean, slot: number, gen: number, tx: AppTx | null): boolean {
    const cand = this.cand;
    const rules = this.rules;
    const fs = this.flowState;
    let stopped = false;
    for (let w = this.minWord; w <= this.maxWord; w++) {
      let bits = cand[w]!;
      if (bits === 0) continue;
      cand[w] = 0;
      if (stopped) continue;
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const rule = rules[(w << 5) | (31 - Math.clz32(low))]!;
        this.candidatesChecked++;
        if (tx === null) {
          if (!this.matchRule(rule, p, established, slot, gen)) continue;
        } else {
          if (tx.hasMatched(rule.id)) continue;
          const r = this.txMatch(rule, p, established, slot, gen, tx);
          // An either-side rule that cannot match one side may still match the other (one
          // TLS/SSH tx serves both): only a match ends it.
          if (r === TX_CANT_MATCH && rule.txDir !== TxDir.Both) tx.addMatched(~rule.id);
          if (r !== TX_MATCH) continue;
          tx.addMatched(rule.id);
        }
        if (rule.flowbitActions.length > 0 && slot >= 0) this.applyFlowbits(rule.flowbitActions, slot, gen);
        if (rule.xbitActions.length > 0) this.applyXbits(rule.xbitActions, p);
        if (rule.flowintActions.length > 0 && slot >= 0) this.applyFlowints(rule.flowintActions, slot, gen);
        if (rule.action === Action.Pass) {
          this.passMatches++;
          if (slot >= 0) fs!.passed[slot] = 1;
          stopped = true;
          break;
        }
        if (rule.noalert) continue;
        const spec = rule.threshold ?? rule.detectionFilter;
        if (spec !== null && !this.thresholds.check(spec, rule.id, p, this.now, gen)) {
          this.suppressed++;
          continue;
        }
        if (this.logged >= this.maxAlerts) {
          this.alertOverflow++;
          continue;
        }
        this.logged++;
        this.alerts++;
        this.alertsByRule[rule.id]!++;
        this.alertsBySeverity[rule.priority & 255]!++;
        if (slot >= 0) fs!.alerted[slot] = 1;
        const sinks = this.sinks;
        for (let k = 0; k < sinks.length; k++) sinks[k]!.alert(p, rule, tx, tx !== null || this.streamMatched);
      }
    }
    this.minWord = 0x7fffffff;
    this.maxWord = -1;
    return stopped;
  }

  /** Scratch for transformed buffers (grows to the largest one seen; always a plain Uint8Array). */
  private xbuf = new Uint8Array(256);

  /**
   * Instance k of buffer `id` of a tx: its length (-1 absent). A plain id leaves the bytes in
   * tx.bytes at tx.offset; a transformed id (dotprefix: the base buffer with a '.' in front)
   * builds them in this.xbuf at 0 (no per-packet object either way).
   */
  private instance(tx: AppTx, id: number, k: number): number {
    if ((id & TRANSFORM_DOTPREFIX) === 0) return tx.bufferAt(id, k);
    const n = tx.bufferAt(id & BUFFER_ID_MASK, k);
    if (n < 0) return n;
    if (this.xbuf.length < n + 1) this.xbuf = new Uint8Array(Math.max(n + 1, this.xbuf.length * 2));
    const x = this.xbuf;
    const src = tx.bytes;
    const o = tx.offset;
    x[0] = 0x2e;
    for (let i = 0; i < n; i++) x[i + 1] = src[o + i]!;
    return n + 1;
  }

  /** Body inspection of this tx pass may run (see txPass). */
  private bodyReady = false;

  /** Mark the tx rules of one group and direction: buffers' fast patterns and the rest. */
  private addTxGroup(g: RuleGroup | null, dir: number, tx: AppTx): void {
    if (g === null) return;
    const tg = g.tx[dir];
    if (tg === null || tg === undefined) return;
    const al = tg.always;
    for (let k = 0; k < al.length; k++) this.mark(al[k]!);
    const ids = tg.bufIds;
    for (let b = 0; b < ids.length; b++) {
      const id = ids[b]!;
      if (!this.bodyReady && isHttpBody(id)) continue;
      // A multi-buffer (DNS names) is scanned instance by instance.
      const count = tx.bufferCount(id & BUFFER_ID_MASK);
      for (let inst = 0; inst < count; inst++) {
        const len = this.instance(tx, id, inst);
        if (len <= 0) continue;
        const ac = tg.acs[b]!;
        const n = (id & TRANSFORM_DOTPREFIX) === 0 ? ac.scan(tx.bytes, tx.offset, tx.offset + len) : ac.scan(this.xbuf, 0, len);
        if (n === 0) continue;
        const hits = ac.hits;
        const start = tg.patRuleStart[b]!;
        const rs = tg.patRules[b]!;
        for (let h = 0; h < n; h++) {
          const pid = hits[h]!;
          for (let k = start[pid]!; k < start[pid + 1]!; k++) this.mark(rs[k]!);
        }
      }
    }
  }

  /**
   * Tx rules over the flow's live transactions in the packet's direction: each (tx, rule)
   * alerts at most once; a tx whose side is complete is marked inspected for that side (and
   * then never looked at again, nor kept for detection's sake).
   */
  private txPass(parser: AppTxParser, p: PacketView, bucket: ProtoBucket, established: boolean, slot: number, gen: number): void {
    const toServer = p.flowDirection === 1;
    const dir = toServer ? TxDir.ToServer : TxDir.ToClient;
    const doneBit = toServer ? TxDone.InspectedToServer : TxDone.InspectedToClient;
    const complete = parser.completeProgress;
    const n = parser.txCount(slot);
    let completed: AppTx | null = null;
    for (let i = 0; i < n; i++) {
      const tx = parser.getTx(slot, i)!;
      if ((tx.done & doneBit) !== 0) continue;
      const prog = tx.sideProgress(toServer);
      if (prog === TX_NOT_STARTED) continue;
      // HTTP bodies grow: they are inspected in windows (httpBodyReady).
      this.bodyReady = tx.alproto === AppProto.Http ? httpBodyReady(tx as HttpTx, toServer, prog === complete || (p.streamFlags & STREAM_PSEUDO) !== 0) : true;
      this.txInspected++;
      this.inspector.stamp++;
      this.minWord = 0x7fffffff;
      this.maxWord = -1;
      this.addTxGroup(bucket.any, dir, tx);
      if (p.dport >= 0) this.addTxGroup(bucket.byDport.groupFor(p.dport), dir, tx);
      if (p.sport >= 0) this.addTxGroup(bucket.bySport.groupFor(p.sport), dir, tx);
      const stopped = this.maxWord >= 0 && this.runCandidates(p, established, slot, gen, tx);
      if (prog === complete) {
        tx.done |= doneBit;
        completed = tx;
      }
      if (stopped) break;
    }
    // Free what every consumer is done with (the parser reaps from the front).
    if (completed !== null) parser.markDone(slot, completed, 0);
  }

  /** A tx rule against one transaction (header checks as for packets, then its buffers). */
  matchTxRule(rule: Rule, p: PacketView, established: boolean, slot: number, gen: number, tx: AppTx): boolean {
    this.bodyReady = true;
    return this.txMatch(rule, p, established, slot, gen, tx) === TX_MATCH;
  }

  /**
   * TX_MATCH, TX_NO_MATCH (may match later: buffers not there yet, a body still growing,
   * flowbits), or TX_CANT_MATCH: a buffer that will not change any more did not match.
   */
  private txMatch(rule: Rule, p: PacketView, established: boolean, slot: number, gen: number, tx: AppTx): number {
    // A rule of another protocol's buffers never matches this tx (groups mix protocols).
    if (rule.alproto !== tx.alproto) return TX_CANT_MATCH;
    if (!this.txPacketChecks(rule, p, established, slot, gen)) return TX_NO_MATCH;
    const sideTs = rule.txDir === TxDir.Both ? p.flowDirection === 1 : rule.txDir === TxDir.ToServer;
    const prog = tx.sideProgress(sideTs);
    const complete = prog === (this.txSources[tx.alproto]?.completeProgress ?? -1);
    const tbs = rule.txBuffers;
    // Cheap, final buffers first; bodies (which may still grow) after them.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < tbs.length; i++) {
        const tb = tbs[i]!;
        // Either-side rules read the to-client id of their buffers on the to-client side.
        const buf = sideTs ? tb.buf : tb.resBuf;
        const body = tx.alproto === AppProto.Http && isHttpBody(buf);
        if (body !== (pass === 1)) continue;
        if (prog < tb.progress) return TX_NO_MATCH;
        if (body && !this.bodyReady) return TX_NO_MATCH;
        const final = !body || complete;
        if (!this.bufferMatches(tx, tb, buf)) return final ? TX_CANT_MATCH : TX_NO_MATCH;
      }
    }
    if (rule.payload.length > 0 && !this.matchTxPayload(rule, p, tx)) return TX_NO_MATCH;
    return TX_MATCH;
  }

  /** Does one buffer of a tx rule match: any instance (a multi-buffer's; a single buffer has one)? */
  private bufferMatches(tx: AppTx, tb: TxBufferMatch, buf: number): boolean {
    const count = tx.bufferCount(buf & BUFFER_ID_MASK);
    for (let k = 0; k < count; k++) {
      const len = this.instance(tx, buf, k);
      if (len < 0) continue;
      let bytes = tx.bytes;
      let off = tx.offset;
      let n = len;
      if ((buf & TRANSFORM_DOTPREFIX) !== 0) {
        bytes = this.xbuf;
        off = 0;
      }
      // TRANSFORM HOOK: the one place a buffer is transformed before bsize and its keywords.
      if (tb.transforms !== null) {
        n = this.transforms.apply(tb.transforms, bytes, off, n);
        bytes = this.transforms.out;
        off = 0;
      }
      if (tb.len !== null && !tb.len.test(n)) continue;
      if (tb.ops.length > 0 && !this.inspector.match(tb.ops, bytes, off, n)) continue;
      return true;
    }
    return false;
  }

  /** The packet-side checks of a tx rule: addresses, ports, flow, header keywords, flowbits, stream_size. */
  private txPacketChecks(rule: Rule, p: PacketView, established: boolean, slot: number, gen: number): boolean {
    if (!matchAddressesPorts(rule, p)) return false;
    if (rule.flow !== 0 && !matchFlow(rule.flow, p.flowDirection, established, p.rebuilt)) return false;
    const hc = rule.headerChecks;
    for (let i = 0; i < hc.length; i++) if (!matchHeaderCheck(hc[i]!, p)) return false;
    if (rule.appProtoChecks.length > 0 && !this.matchAppProtoChecks(rule, p, slot)) return false;
    const fc = rule.flowbitChecks;
    for (let i = 0; i < fc.length; i++) if (!this.checkFlowbits(fc[i]!, slot, gen)) return false;
    if (rule.xbitChecks.length > 0 && !this.checkXbits(rule.xbitChecks, p)) return false;
    if (rule.flowintChecks.length > 0 && !this.checkFlowints(rule.flowintChecks, slot, gen)) return false;
    return rule.streamSize === null || matchStreamSize(rule.streamSize, p);
  }

  /**
   * Payload keywords of a tx rule. Suricata runs them as a stream inspect engine of the tx
   * (raw stream of that direction, flushed on request completion); here: the packet's stream
   * window or payload, else the transaction's raw start line + headers, else its body
   * (an approximation of the raw bytes the tx came in).
   */
  private matchTxPayload(rule: Rule, p: PacketView, tx: AppTx): boolean {
    const ops = rule.payload;
    const insp = this.inspector;
    if ((p.streamFlags & HAS_STREAM_DATA) !== 0 && insp.match(ops, p.streamBuf, p.streamOff, p.streamLen)) return true;
    if (p.payloadLen > 0 && insp.match(ops, p.buf, p.payloadOffset, p.payloadLen)) return true;
    if (tx.alproto !== AppProto.Http) return false;
    const toServer = rule.txDir === TxDir.Both ? p.flowDirection === 1 : rule.txDir === TxDir.ToServer;
    let len = tx.bufferAt(toServer ? HttpBuf.RequestStart : HttpBuf.ResponseStart, 0);
    if (len > 0 && insp.match(ops, tx.bytes, tx.offset, len)) return true;
    len = tx.bufferAt(toServer ? HttpBuf.RequestBody : HttpBuf.ResponseBody, 0);
    return len > 0 && insp.match(ops, tx.bytes, tx.offset, len);
  }

  /** Whether the last matchRule() matched on the stream window (for the alert sinks). */
  private streamMatched = false;

  /** Does `rule` match packet `p`? (Exposed for tests; the engine calls it per candidate.) */
  matchRule(rule: Rule, p: PacketView, established: boolean, slot: number, gen: number): boolean {
    this.streamMatched = false;
    // `alert http ...` (AppProtoEquals): the flow's protocol, known only on established TCP.
    // UDP flows know their protocol from the first datagram, TCP once established.
    if (rule.alproto !== 0 && (slot < 0 || this.alproto === null || !appProtoCovers(rule.alproto, this.alproto[slot]!) || (p.ipProto === 6 && (p.streamFlags & STREAM_EST) === 0))) return false;
    const proto = rule.proto;
    if (proto === Proto.Ipv4 ? p.ipVersion !== 4 : proto === Proto.Ipv6 ? p.ipVersion !== 6 : false) return false;
    if (p.ipVersion === 0 && proto !== Proto.Pkthdr) return false;
    if (proto === Proto.Sctp && p.ipProto !== IPPROTO_SCTP) return false;
    if (proto === Proto.TcpUdp && p.ipProto !== 6 && p.ipProto !== 17) return false;
    const sf = p.streamFlags;
    const stream = (rule.sigFlags & SigFlag.RequireStream) !== 0;
    // Pseudo (flow-end) packets carry only stream data: packet rules are skipped on them.
    if ((sf & STREAM_PSEUDO) !== 0 && !stream) return false;
    if (rule.requirePayload && p.payloadLen === 0 && !(stream && (sf & HAS_STREAM_DATA) !== 0)) return false;
    if (rule.requireNoPayload && p.payloadLen !== 0) return false;
    if (!matchAddressesPorts(rule, p)) return false;
    if (rule.flow !== 0 && !matchFlow(rule.flow, slot >= 0 ? p.flowDirection : 0, established, p.rebuilt)) return false;
    if (rule.tcpFlags !== null && !matchTcpFlags(rule.tcpFlags, p)) return false;
    if (rule.fragbits !== null && !matchFragbits(rule.fragbits, p)) return false;
    if (rule.ipopts !== null && !matchIpopts(rule.ipopts, p)) return false;
    if (rule.sameip && !matchSameip(p)) return false;
    if (rule.appProtoChecks.length > 0 && !this.matchAppProtoChecks(rule, p, slot)) return false;
    const ev = rule.events;
    for (let i = 0; i < ev.length; i++) if (!matchEvent(ev[i]!, p)) return false;
    const hc = rule.headerChecks;
    for (let i = 0; i < hc.length; i++) if (!matchHeaderCheck(hc[i]!, p)) return false;
    const fc = rule.flowbitChecks;
    for (let i = 0; i < fc.length; i++) if (!this.checkFlowbits(fc[i]!, slot, gen)) return false;
    if (rule.xbitChecks.length > 0 && !this.checkXbits(rule.xbitChecks, p)) return false;
    if (rule.flowintChecks.length > 0 && !this.checkFlowints(rule.flowintChecks, slot, gen)) return false;
    if (rule.streamSize !== null && !matchStreamSize(rule.streamSize, p)) return false;
    const fcs = rule.flowCounters;
    if (fcs.length > 0) {
      const src = this.flow;
      if (slot < 0 || src === null || src.pktsToServer === undefined) return false;
      for (let i = 0; i < fcs.length; i++) if (!matchFlowCounter(fcs[i]!, src as FlowCounterSource, slot, p)) return false;
    }
    const pb = rule.pktBuffers;
    for (let i = 0; i < pb.length; i++) {
      const b = pb[i]!;
      if (!headerBuffer(b.kind, p) || !this.inspector.match(b.ops, p.buf, hdrView.off, hdrView.len)) return false;
    }
    if (rule.payload.length > 0) {
      if (stream) {
        if ((sf & HAS_STREAM_DATA) !== 0 && this.inspector.match(rule.payload, p.streamBuf, p.streamOff, p.streamLen)) {
          this.streamMatched = true;
          return true;
        }
        if ((rule.sigFlags & SigFlag.OnlyStream) !== 0) return false;
        if ((sf & (STREAM_ADDED | STREAM_PSEUDO)) !== 0 && (rule.sigFlags & SigFlag.RequirePacket) === 0) return false;
        if (p.payloadLen === 0) return false;
      }
      return this.inspector.match(rule.payload, p.buf, p.payloadOffset, p.payloadLen);
    }
    return true;
  }

  /** The rule's app-layer-protocol keywords (PD-only rules: only when a detection completed). */
  private matchAppProtoChecks(rule: Rule, p: PacketView, slot: number): boolean {
    if (slot < 0 || this.alproto === null) return false;
    let toServer = p.flowDirection !== 2;
    if (rule.pdOnly) {
      if (!this.pdTs && !this.pdTc) return false;
      // The side whose detection completed: in IDS mode a direction's data (and so its
      // detection) comes with the other side's ACK, so the packet's own side may be unknown.
      if (this.pdTs !== this.pdTc) toServer = this.pdTs;
    }
    const ac = rule.appProtoChecks;
    for (let i = 0; i < ac.length; i++) {
      if (!matchAppProto(ac[i]!, toServer, this.alproto[slot]!, this.alprotoTs![slot]!, this.alprotoTc![slot]!)) return false;
    }
    return true;
  }

  private checkFlowbits(op: FlowbitOp, slot: number, gen: number): boolean {
    const bits = op.bits;
    const wantSet = op.cmd === FlowbitCmd.Isset;
    // No flow, no flowbits: Suricata fails isset and isnotset alike for such packets.
    if (slot < 0) return false;
    const fb = this.flowbits;
    if (op.all) {
      for (let i = 0; i < bits.length; i++) if (fb.isSet(slot, gen, bits[i]!) !== wantSet) return false;
      return true;
    }
    for (let i = 0; i < bits.length; i++) if (fb.isSet(slot, gen, bits[i]!) === wantSet) return true;
    return false;
  }

  private checkFlowints(ops: FlowintOp[], slot: number, gen: number): boolean {
    // No flow, no variables: every flowint condition fails.
    if (slot < 0) return false;
    const st = this.flowints;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const v = st.value(slot, gen, op.id);
      if (op.cmd === FlowintCmd.Isset) {
        if (v !== v) return false;
        continue;
      }
      if (op.cmd === FlowintCmd.Notset) {
        if (v === v) return false;
        continue;
      }
      const t = op.valueId >= 0 ? st.value(slot, gen, op.valueId) : op.value;
      // NaN (unset) on either side fails every comparison, != included.
      if (v !== v || t !== t) return false;
      let ok: boolean;
      switch (op.cmd) {
        case FlowintCmd.Eq:
          ok = v === t;
          break;
        case FlowintCmd.Ne:
          ok = v !== t;
          break;
        case FlowintCmd.Lt:
          ok = v < t;
          break;
        case FlowintCmd.Le:
          ok = v <= t;
          break;
        case FlowintCmd.Gt:
          ok = v > t;
          break;
        default:
          ok = v >= t;
      }
      if (!ok) return false;
    }
    return true;
  }

  private applyFlowints(ops: FlowintOp[], slot: number, gen: number): void {
    const st = this.flowints;
    const gens = this.flow!.generation;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const t = op.valueId >= 0 ? st.value(slot, gen, op.valueId) : op.value;
      if (t !== t) continue; // from an unset variable: nothing to do
      const cur = st.value(slot, gen, op.id);
      let v = t;
      if (cur === cur) {
        if (op.cmd === FlowintCmd.Add) v = (cur + t) % 4294967296;
        else if (op.cmd === FlowintCmd.Sub) v = (cur - t + 4294967296) % 4294967296;
      }
      st.setValue(slot, gen, op.id, v, gens);
    }
  }

  private checkXbits(ops: XbitOp[], p: PacketView): boolean {
    const now = p.tsSec + p.tsNsec / 1e9;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (this.xbits.isSet(op.bit, op.track, p, now) !== (op.cmd === FlowbitCmd.Isset)) return false;
    }
    return true;
  }

  private applyXbits(ops: XbitOp[], p: PacketView): void {
    const now = p.tsSec + p.tsNsec / 1e9;
    const xb = this.xbits;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.cmd === FlowbitCmd.Set) xb.set(op.bit, op.track, p, now, op.expire);
      else if (op.cmd === FlowbitCmd.Unset) xb.unset(op.bit, op.track, p);
      else if (op.cmd === FlowbitCmd.Toggle) xb.toggle(op.bit, op.track, p, now, op.expire);
    }
  }

  private applyFlowbits(ops: FlowbitOp[], slot: number, gen: number): void {
    const fb = this.flowbits;
    const gens = this.flow!.generation;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const bits = op.bits;
      for (let k = 0; k < bits.length; k++) {
        const b = bits[k]!;
        if (op.cmd === FlowbitCmd.Set) fb.set(slot, gen, b, gens);
        else if (op.cmd === FlowbitCmd.Unset) fb.unset(slot, gen, b);
        else if (op.cmd === FlowbitCmd.Toggle) fb.toggle(slot, gen, b, gens);
      }
    }
  }

  /** Is flowbit `name` set on the packet's flow? (tests/debugging) */
  isFlowbitSet(slot: number, name: string): boolean {
    const id = this.ruleSet.flowbits.index.get(name);
    if (id === undefined || this.flow === null || slot < 0) return false;
    return this.flowbits.isSet(slot, this.flow.generation[slot]!, id);
  }
}

function isHttpBody(id: number): boolean {
  return id === HttpBuf.RequestBody || id === HttpBuf.ResponseBody;
}

/**
 * HTTP body inspect windows (request/response-body-minimal-inspect-size): a growing body is
 * inspected again once BODY_INSPECT_STEP more bytes arrived, and when the side completes or
 * the flow ends (`final`: it may never complete). Records what was inspected.
 */
function httpBodyReady(tx: HttpTx, toServer: boolean, final: boolean): boolean {
  const half = toServer ? tx.req : tx.res;
  const last = toServer ? tx.bodyInspectedReq : tx.bodyInspectedRes;
  const ready = final ? last !== half.bodyLen || half.bodyLen === 0 : half.bodyLen > 0 && (last < 0 ? half.bodyLen >= BODY_INSPECT_STEP : half.bodyLen - last >= BODY_INSPECT_STEP);
  if (ready) {
    if (toServer) tx.bodyInspectedReq = half.bodyLen;
    else tx.bodyInspectedRes = half.bodyLen;
  }
  return ready;
}

function matchAddressesPorts(rule: Rule, p: PacketView): boolean {
  if (rule.src.matchPacket(p, true) && rule.dst.matchPacket(p, false) && rule.sp.match(p.sport) && rule.dp.match(p.dport)) {
    return true;
  }
  if (!rule.bidir) return false;
  return rule.src.matchPacket(p, false) && rule.dst.matchPacket(p, true) && rule.sp.match(p.dport) && rule.dp.match(p.sport);
}

/** The detect stage for the pipeline (see DetectEngine). */
export function createDetectStage(ruleSet: RuleSet, flowTable: DetectFlowSource | null, sinks: AlertSink[] = [], opts: DetectEngineOptions = {}): DetectEngine {
  return new DetectEngine(ruleSet, flowTable, sinks, opts);
}
