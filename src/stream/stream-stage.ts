/**
 * The stream stage: TCP session tracking and reassembly per flow slot, with Suricata's
 * semantics (src/stream-tcp.c, stream-tcp-reassemble.c, stream-tcp-list.c), between flow and
 * detect. Per packet it
 *  1. runs the session state machine (handshake, midstream and async pick-up, FIN/RST),
 *  2. adds the payload to its direction's stream when the session is established
 *     (p.streamFlags STREAM_ADDED),
 *  3. takes the ACK as the other direction's last_ack,
 *  4. hands detection the raw window of the packet's own direction when one is ready
 *     (HAS_STREAM_DATA, see raw-inspection.ts);
 * and after detection (afterDetect) moves the raw progress. At flow end (timeout, eviction,
 * end of input) it sends pseudo packets (PKT_PSEUDO_STREAM_END, pkt_src "stream (flow
 * timeout)") per direction through `pseudoSink` so that data never inspected (small streams,
 * unACKed data) is inspected once, then frees the slot's segments.
 *
 * Simplifications (documented): RSTs are accepted without Suricata's per-OS sequence check;
 * window checks are not done (mirrored traffic is what the wire had); TCP Fast Open data on
 * the SYN is not stored; the session reaches CLOSED when both FINs were ACKed (Suricata:
 * LAST_ACK/TIME_WAIT + ACK) or on RST.
 *
 * Nothing here throws on any packet; nothing allocates per packet.
 */
import type { FlowStorage, FlowStorageClient } from '../flow/flow-storage.js';
import {
  APP_UPDATED,
  IPPROTO_TCP,
  IPPROTO_UDP,
  PacketView,
  STREAM_EST,
  STREAM_PSEUDO,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
} from '../decode/packet-view.js';
import { DecodeCounters } from '../decode/decode-events.js';
import { decodeFrame } from '../decode/decoder.js';
import { LINKTYPE_RAW } from '../decode/raw.js';
import type { StreamStage } from '../pipeline/stages.js';
import { RawInspection } from './raw-inspection.js';
import { Reassembler } from './reassembly.js';
import { SegmentStore } from './segment-store.js';
import { SESSION_BYTES, streamConfig, type StreamConfig } from './stream-config.js';
import { STREAM_COUNTER_NAMES, StreamCounter } from './stream-counters.js';
import { STREAM_EVENT_NAMES, StreamEvent } from './stream-events.js';
import { eventIdOf } from '../decode/event-names.js';
import { addPacketEvent } from '../decode/decode-events.js';
import { DirFlag, SsnFlag, TcpSessionTable, TcpSsnState } from './tcp-session.js';

/**
 * Who gets each direction's in-order, ACKed bytes (the app layer, applayer/app-layer.ts, which
 * the pipeline plugs in: a lower stage never imports a higher one). Directions are the flow
 * table's: toServer = flow direction 0.
 */
export interface StreamAppSink {
  open(slot: number, tcp: boolean, clientPort: number, serverPort: number): void;
  onData(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void;
  onGap(slot: number, toServer: boolean, len: number): void;
  onEnd(slot: number, toServer: boolean): void;
  /** The parser asked for raw inspection of that direction now (taken once). */
  takeRawTrigger?(slot: number, toServer: boolean): boolean;
  /** A UDP packet of a flow (datagram protocols: DNS). */
  onUdpPacket?(p: PacketView): void;
  /** The session is async (one direction only is seen). */
  oneSided?(slot: number): void;
}

/** Bytes handed to the app layer per call at most (one reused buffer). */
const APP_CHUNK = 16384;

/** What the stage needs from the flow table (FlowTable satisfies it structurally). */
export interface StreamFlowSource {
  readonly capacity: number;
  readonly keyVersion: Uint8Array;
  readonly keyAddr: Uint32Array;
  readonly keyPort: Uint16Array;
  readonly keyProto: Uint8Array;
  readonly keySession: Int32Array;
  readonly clientIsA: Uint8Array;
  readonly sessionIndex: Int32Array;
  readonly lastSec: Float64Array;
  readonly lastNsec: Uint32Array;
  readonly storage: FlowStorage;
  addFlowEndListener(fn: (slot: number, reason: string) => void): void;
  /** Asked for a TCP packet with SYN set on an existing flow: does it start a new session? */
  tcpReuse: ((slot: number, p: PacketView, toServer: boolean) => boolean) | null;
}

export class TcpStreamStage implements StreamStage, FlowStorageClient {
  readonly name = 'stream';
  readonly cfg: StreamConfig;
  readonly sessions: TcpSessionTable;
  readonly store: SegmentStore;
  readonly counters = new Float64Array(StreamCounter.Count);
  /** Receives flow-end pseudo packets (the pipeline points it at detection). */
  pseudoSink: ((p: PacketView) => void) | null = null;
  /** The app layer, null when none is attached (setApp). */
  private app: StreamAppSink | null = null;
  private readonly appBuf = new Uint8Array(APP_CHUNK);
  private readonly reasm: Reassembler;
  private readonly raw: RawInspection;
  private readonly maxSessions: number;
  private readonly flows: StreamFlowSource;

  // ---- pseudo packet (its own view and frame: the current packet's view is never touched) ----
  readonly pseudo = new PacketView();
  private readonly pseudoFrame = new Uint8Array(60);
  private readonly pseudoDecode = new DecodeCounters();

  constructor(flows: StreamFlowSource, cfg: Partial<StreamConfig> = {}) {
    this.cfg = streamConfig(cfg);
    this.flows = flows;
    this.sessions = new TcpSessionTable(flows.capacity);
    this.store = new SegmentStore(flows.capacity * 2, this.cfg.reassemblyMemcap);
    this.store.compareOverlaps = this.cfg.checkOverlapDifferentData;
    this.reasm = new Reassembler(this.cfg, this.sessions, this.store, this.counters);
    this.raw = new RawInspection(this.cfg, this.sessions, this.store, this.counters);
    this.maxSessions = Math.max(1, Math.floor(this.cfg.memcap / SESSION_BYTES));
    // Flow end: the final (pseudo-packet) inspection, while the flow's other state is intact;
    // the storage registry then clears the slot whatever way it is freed.
    flows.addFlowEndListener((slot) => this.flowEnd(slot));
    flows.storage.register(this);
    flows.tcpReuse = (slot, p, toServer) => this.startsNewSession(slot, p, toServer);
  }

  /**
   * TCP session reuse (Suricata's TcpSessionReuseDoneEnough, flow-hash.c): a SYN to the server
   * with a new ISN on a session that is closing or closed (LAST_ACK and later) starts a new
   * session; with midstream or async-oneside, likewise a SYN/ACK to the client with a new ISN.
   * A retransmitted SYN (same ISN) or a live session is not a reuse.
   */
  private startsNewSession(slot: number, p: PacketView, toServer: boolean): boolean {
    const ssn = this.sessions;
    const st = ssn.state[slot]!;
    if (st === TcpSsnState.None) return false;
    const flags = p.tcpFlags & (TCP_SYN | TCP_ACK);
    let k: number;
    if (flags === TCP_SYN) {
      if (!toServer) return false;
      k = slot * 2 + ssn.clientDir[slot]!;
    } else if (flags === (TCP_SYN | TCP_ACK) && (this.cfg.midstream || this.cfg.asyncOneside)) {
      if (toServer) return false;
      k = slot * 2 + (ssn.clientDir[slot]! ^ 1);
    } else return false;
    // baseSeq holds ISN + 1 for a side whose SYN was seen.
    if ((p.tcpSeq + 1) >>> 0 === ssn.baseSeq[k]) return false;
    return st >= TcpSsnState.LastAck;
  }

  /**
   * Attach the app layer: from now on each direction's ACKed in-order data is parsed (app
   * progress, separate from raw progress; segments are kept until both passed them).
   */
  setApp(app: StreamAppSink | null): void {
    this.app = app;
    this.sessions.appOn = app !== null;
    this.sessions.rawOn = this.cfg.raw;
  }

  /** Counters by Suricata name (not for the hot path). */
  counterSnapshot(): Record<string, number> {
    const o: Record<string, number> = {};
    for (let i = 0; i < StreamCounter.Count; i++) o[STREAM_COUNTER_NAMES[i]!] = this.counters[i]!;
    o['tcp.active_sessions'] = this.sessions.active;
    o['tcp.reassembly_memuse'] = this.store.memuse;
    return o;
  }

  /** Per packet, after flow.update and before detection. */
  update(p: PacketView): void {
    // UDP flows have no stream: each datagram goes to the app layer as it comes (DNS).
    if (p.ipProto === IPPROTO_UDP) {
      if (this.app !== null && this.app.onUdpPacket !== undefined) this.app.onUdpPacket(p);
      return;
    }
    this.track(p);
    if (p.streamEvents !== 0) publishStreamEvents(p);
  }

  private track(p: PacketView): void {
    if (p.ipProto !== IPPROTO_TCP || p.flowIndex < 0 || p.flowDirection === 0 || p.tcpHeaderLen === 0) return;
    const slot = p.flowIndex;
    const d = p.flowDirection - 1;
    const ssn = this.sessions;
    const flags = p.tcpFlags;
    let st = ssn.state[slot]!;
    // FLOW_PKT_ESTABLISHED follows the session (established before this packet): the flow
    // table cannot know an async one-sided session is established.
    if (st >= TcpSsnState.Established && st !== TcpSsnState.Closed) p.flowEstablished = true;
    let addData = false;
    if (st === TcpSsnState.None) {
      if (!this.startSession(p, slot, d, flags)) return;
      st = ssn.state[slot]!;
      if (this.app !== null) {
        // Ports in the flow's orientation (direction 0 = to server).
        const cp = d === 0 ? p.sport : p.dport;
        const sp = d === 0 ? p.dport : p.sport;
        this.app.open(slot, true, cp < 0 ? 0 : cp, sp < 0 ? 0 : sp);
      }
      addData = st >= TcpSsnState.Established;
    } else {
      addData = this.stateUpdate(p, slot, d, flags);
      st = ssn.state[slot]!;
    }
    const k = slot * 2 + d;
    const o = slot * 2 + (d ^ 1);
    if (addData && (flags & TCP_RST) === 0) this.reasm.add(p, k);
    if ((flags & TCP_ACK) !== 0 && st >= TcpSsnState.SynRecv) {
      const a = ssn.rel(o, p.tcpAck);
      if (a > ssn.lastAck[o]!) {
        ssn.lastAck[o] = a;
        ssn.dirFlags[o]! |= DirFlag.RawDirty;
      }
      if ((ssn.dirFlags[o]! & DirFlag.Fin) !== 0 && a > ssn.finRel[o]!) {
        ssn.dirFlags[o]! |= DirFlag.FinAcked;
        this.checkClosed(slot);
      }
    }
    st = ssn.state[slot]!;
    if (this.app !== null && st >= TcpSsnState.Established) this.appStep(slot, d, k, o, flags, st);
    if (st >= TcpSsnState.Established) {
      p.streamFlags |= STREAM_EST;
      this.raw.prepare(p, slot, k, false);
      // New app data of this packet's direction (parsed on an earlier packet's ACK, or now):
      // its tx rules run on this packet.
      const bit = 1 << d;
      if ((ssn.appUpdated[slot]! & bit) !== 0) {
        ssn.appUpdated[slot] = ssn.appUpdated[slot]! & ~bit;
        p.streamFlags |= APP_UPDATED;
      }
    }
    this.setSizes(p, slot);
  }

  /**
   * App-layer updates of one packet (StreamTcpReassembleHandleSegment, IDS): the other
   * direction's data up to its last_ack (UPDATE_DIR_OPPOSING); the packet's own direction, to
   * what is stored, for async sessions, RSTs and depth; both directions, then their end, once
   * the session is CLOSED.
   */
  private appStep(slot: number, d: number, k: number, o: number, flags: number, st: number): void {
    const ssn = this.sessions;
    const rst = (flags & TCP_RST) !== 0;
    const closed = st === TcpSsnState.Closed;
    const async = (ssn.flags[slot]! & SsnFlag.Async) !== 0;
    if (async && this.app!.oneSided !== undefined) this.app!.oneSided(slot);
    this.appUpdate(slot, o, closed || rst);
    if (rst || closed || async || (ssn.dirFlags[k]! & DirFlag.DepthReached) !== 0) {
      this.appUpdate(slot, k, true);
    }
    if (closed) {
      this.appEnd(slot, k);
      this.appEnd(slot, o);
    }
  }

  /** Give direction k's unparsed bytes to the app layer: up to last_ack, or all stored (toEnd). */
  private appUpdate(slot: number, k: number, toEnd: boolean): void {
    const app = this.app!;
    const ssn = this.sessions;
    const store = this.store;
    if ((ssn.dirFlags[k]! & DirFlag.AppEnded) !== 0) return;
    const toServer = (k & 1) === 0;
    let prog = ssn.appProgress[k]!;
    const stored = store.storedEnd(k);
    let limit = toEnd ? stored : ssn.lastAck[k]!;
    if (limit > stored) limit = stored;
    if (limit <= prog) return;
    const start = prog;
    for (let guard = 0; guard < 1 << 16 && prog < limit; guard++) {
      const ce = store.contiguousEnd(k, prog);
      if (ce <= prog) {
        // A hole the peer ACKed (or flow end): the parser is told how much is missing.
        const nd = store.nextDataAt(k, prog);
        if (nd < 0 || nd >= limit) break;
        app.onGap(slot, toServer, nd - prog);
        prog = nd;
        continue;
      }
      let end = ce < limit ? ce : limit;
      if (end - prog > APP_CHUNK) end = prog + APP_CHUNK;
      store.read(k, prog, end - prog, this.appBuf, 0);
      app.onData(slot, toServer, this.appBuf, 0, end - prog);
      prog = end;
    }
    if (prog === start) return;
    if (app.takeRawTrigger !== undefined && app.takeRawTrigger(slot, toServer)) ssn.dirFlags[k]! |= DirFlag.RawTrigger | DirFlag.RawDirty;
    ssn.appProgress[k] = prog;
    ssn.appUpdated[slot] = ssn.appUpdated[slot]! | (1 << (k & 1));
    store.releaseBefore(k, ssn.base(k));
  }

  /** The app layer hears once that direction k has no more data. */
  private appEnd(slot: number, k: number): void {
    const ssn = this.sessions;
    if ((ssn.dirFlags[k]! & DirFlag.AppEnded) !== 0) return;
    ssn.dirFlags[k]! |= DirFlag.AppEnded;
    this.app!.onEnd(slot, (k & 1) === 0);
    ssn.appUpdated[slot] = ssn.appUpdated[slot]! | (1 << (k & 1));
  }

  /** After detection: raw progress moves past the window that was inspected. */
  afterDetect(_p: PacketView): void {
    this.raw.commit();
  }

  /** FlowStorageClient: forget slot's session and free its segments. */
  clear(slot: number): void {
    this.store.clear(slot * 2);
    this.store.clear(slot * 2 + 1);
    this.sessions.close(slot);
  }

  /** Flow end: pseudo packets flush what was never inspected, then the slot is cleared. */
  flowEnd(slot: number): void {
    const ssn = this.sessions;
    const est = ssn.state[slot]! >= TcpSsnState.Established;
    if (est && this.app !== null) {
      // Flow end is EOF for the app layer: everything stored is parsed, then each side ends.
      for (let d = 0; d < 2; d++) this.appUpdate(slot, slot * 2 + d, true);
      for (let d = 0; d < 2; d++) this.appEnd(slot, slot * 2 + d);
    }
    if (est && this.pseudoSink !== null && (this.cfg.raw || this.app !== null)) {
      for (let d = 0; d < 2; d++) {
        const k = slot * 2 + d;
        const appBit = 1 << d;
        const appNew = (ssn.appUpdated[slot]! & appBit) !== 0;
        if (!appNew && (!this.cfg.raw || this.store.storedEnd(k) <= ssn.rawProgress[k]!)) continue;
        const p = this.buildPseudo(slot, d);
        if (p === null) continue;
        if (appNew) {
          // Tx rules of this direction run once more on the first pseudo packet.
          ssn.appUpdated[slot] = ssn.appUpdated[slot]! & ~appBit;
          p.streamFlags = STREAM_PSEUDO | STREAM_EST | APP_UPDATED;
          p.streamEvents = 0;
          p.streamLen = 0;
          const raw = this.cfg.raw && this.raw.prepare(p, slot, k, true);
          if (raw) this.counters[StreamCounter.Pseudo]++;
          this.setSizes(p, slot);
          p.eventCount = 0;
          if (p.streamEvents !== 0) publishStreamEvents(p);
          this.pseudoSink(p);
          this.raw.commit();
          if (!raw) continue;
        }
        if (!this.cfg.raw) continue;
        // Each window once; gaps split the rest into several windows.
        for (let guard = 0; guard < 1 << 16; guard++) {
          p.streamFlags = STREAM_PSEUDO | STREAM_EST;
          p.streamEvents = 0;
          p.streamLen = 0;
          if (!this.raw.prepare(p, slot, k, true)) break;
          this.counters[StreamCounter.Pseudo]++;
          this.setSizes(p, slot);
          p.eventCount = 0;
          if (p.streamEvents !== 0) publishStreamEvents(p);
          this.pseudoSink(p);
          this.raw.commit(false);
        }
      }
    }
    this.clear(slot);
  }

  // ------------------------------------------------------------------ state machine

  /** StreamTcpPacketStateNone: returns true when a session was started. */
  private startSession(p: PacketView, slot: number, d: number, flags: number): boolean {
    const ssn = this.sessions;
    const cfg = this.cfg;
    if ((flags & TCP_RST) !== 0) {
      p.streamEvents |= 1 << StreamEvent.RstButNoSession;
      return false;
    }
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    if (!syn && (flags & TCP_FIN) !== 0 && !cfg.midstream) {
      p.streamEvents |= 1 << StreamEvent.FinButNoSession;
      return false;
    }
    let state: number;
    let sflags = 0;
    if (syn && !ack) {
      state = TcpSsnState.SynSent;
    } else if (syn && ack) {
      if (!cfg.midstream && !cfg.asyncOneside) return false;
      state = TcpSsnState.SynRecv;
      sflags = SsnFlag.Midstream | SsnFlag.MidstreamSynAck;
      // Only the server may ever be seen: its next packet establishes (StreamTcpPacketStateSynRecv).
      if (cfg.asyncOneside) sflags |= SsnFlag.Async;
    } else if (ack) {
      if (!cfg.midstream) return false;
      state = TcpSsnState.Established;
      sflags = SsnFlag.Midstream;
    } else {
      return false;
    }
    if (ssn.active >= this.maxSessions) {
      this.counters[StreamCounter.SsnMemcapDrop]++;
      return false;
    }
    this.counters[StreamCounter.Sessions]++;
    const k = slot * 2 + d;
    const o = slot * 2 + (d ^ 1);
    if (state === TcpSsnState.SynSent) {
      this.counters[StreamCounter.Syn]++;
      ssn.open(slot, state, d, 0);
      ssn.setBase(k, p.tcpSeq + 1);
    } else if (state === TcpSsnState.SynRecv) {
      // The SYN/ACK sender is the server (PacketSwap + FlowSwap in Suricata).
      this.counters[StreamCounter.SynAck]++;
      this.counters[StreamCounter.Midstream]++;
      ssn.open(slot, state, d ^ 1, sflags);
      ssn.setBase(k, p.tcpSeq + 1);
      ssn.setBase(o, p.tcpAck);
    } else {
      this.counters[StreamCounter.Midstream]++;
      ssn.open(slot, state, d, sflags);
      ssn.setBase(k, p.tcpSeq);
      ssn.setBase(o, p.tcpAck);
    }
    return true;
  }

  /** States after None. Returns true when p's payload may be added to its stream. */
  private stateUpdate(p: PacketView, slot: number, d: number, flags: number): boolean {
    const ssn = this.sessions;
    const st = ssn.state[slot]!;
    const k = slot * 2 + d;
    const o = slot * 2 + (d ^ 1);
    const fromClient = d === ssn.clientDir[slot];
    if ((flags & TCP_RST) !== 0) {
      this.counters[StreamCounter.Rst]++;
      if (st !== TcpSsnState.Closed) {
        ssn.state[slot] = TcpSsnState.Closed;
        ssn.flags[slot]! |= SsnFlag.ClosedByRst;
        this.markClosedDirty(slot);
      }
      return false;
    }
    switch (st) {
      case TcpSsnState.SynSent:
        if ((ssn.flags[slot]! & SsnFlag.FourWhs) !== 0) {
          // Split handshake (StreamTcpPacketStateSynSent, 4WHS): the client's SYN/ACK answers
          // the server's SYN; the server's ACK then establishes.
          if (fromClient && (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && (p.tcpAck >>> 0) === ssn.baseSeq[o]) {
            ssn.state[slot] = TcpSsnState.SynRecv;
          }
          return false;
        }
        if (!fromClient && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
          ssn.flags[slot]! |= SsnFlag.FourWhs;
          ssn.setBase(k, p.tcpSeq + 1);
          return false;
        }
        if (!fromClient) {
          if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && (p.tcpAck >>> 0) === ssn.baseSeq[o]) {
            this.counters[StreamCounter.SynAck]++;
            ssn.setBase(k, p.tcpSeq + 1);
            ssn.state[slot] = TcpSsnState.SynRecv;
          }
          return false;
        }
        if ((flags & TCP_SYN) !== 0) {
          // SYN again: a retransmission, or a new ISN (port reuse) — follow the latest.
          if ((p.tcpSeq + 1) >>> 0 !== ssn.baseSeq[k]) ssn.setBase(k, p.tcpSeq + 1);
          return false;
        }
        if (this.cfg.asyncOneside && (flags & TCP_ACK) !== 0) {
          // SYN then the same side's ACK: the server side is not seen.
          ssn.state[slot] = TcpSsnState.Established;
          ssn.flags[slot]! |= SsnFlag.Async;
          ssn.setBase(o, p.tcpAck);
          return true;
        }
        return false;
      case TcpSsnState.SynRecv:
        // The handshake's last ACK comes from the client, or from the server in a split
        // handshake; from either side of an async one-sided session.
        if (
          (flags & TCP_SYN) === 0 &&
          (flags & TCP_ACK) !== 0 &&
          ((ssn.flags[slot]! & SsnFlag.FourWhs) !== 0 ? !fromClient : fromClient || (ssn.flags[slot]! & SsnFlag.Async) !== 0)
        ) {
          ssn.state[slot] = TcpSsnState.Established;
          this.handleFin(p, slot, k, flags);
          return true;
        }
        return false;
      default:
        if ((flags & TCP_SYN) !== 0) return false;
        this.handleFin(p, slot, k, flags);
        return true;
    }
  }

  private handleFin(p: PacketView, slot: number, k: number, flags: number): void {
    if ((flags & TCP_FIN) === 0) return;
    const ssn = this.sessions;
    if ((ssn.dirFlags[k]! & DirFlag.Fin) === 0) {
      ssn.dirFlags[k]! |= DirFlag.Fin;
      ssn.finRel[k] = ssn.rel(k, p.tcpSeq) + p.payloadLen;
    }
    const st = ssn.state[slot]!;
    if (st === TcpSsnState.Established) {
      ssn.state[slot] = (k & 1) === ssn.clientDir[slot] ? TcpSsnState.FinWait1 : TcpSsnState.CloseWait;
    } else if (st < TcpSsnState.Closed && (ssn.dirFlags[k ^ 1]! & DirFlag.Fin) !== 0) {
      ssn.state[slot] = TcpSsnState.Closing;
    }
  }

  /** Both FINs seen and ACKed: CLOSED. */
  private checkClosed(slot: number): void {
    const ssn = this.sessions;
    const want = DirFlag.Fin | DirFlag.FinAcked;
    if ((ssn.dirFlags[slot * 2]! & want) === want && (ssn.dirFlags[slot * 2 + 1]! & want) === want && ssn.state[slot] !== TcpSsnState.Closed) {
      ssn.state[slot] = TcpSsnState.Closed;
      this.markClosedDirty(slot);
    }
  }

  /** CLOSED flushes at once: both directions are worth a look. */
  private markClosedDirty(slot: number): void {
    this.sessions.dirFlags[slot * 2]! |= DirFlag.RawDirty;
    this.sessions.dirFlags[slot * 2 + 1]! |= DirFlag.RawDirty;
  }

  private setSizes(p: PacketView, slot: number): void {
    const ssn = this.sessions;
    if (ssn.state[slot] === TcpSsnState.None) return;
    // next_seq - isn: data bytes plus the SYN.
    p.streamSizeToServer = ssn.nextRel[slot * 2]! + 1;
    p.streamSizeToClient = ssn.nextRel[slot * 2 + 1]! + 1;
  }

  // ------------------------------------------------------------------ pseudo packets

  /** A header-only TCP packet in flow direction d of slot, decoded into this.pseudo. */
  private buildPseudo(slot: number, d: number): PacketView | null {
    const f = this.flows;
    const v = f.keyVersion[slot]!;
    const buf = this.pseudoFrame;
    buf.fill(0);
    // Client = A when clientIsA; to_server (d 0) goes client -> server.
    const srcIsA = (f.clientIsA[slot] === 1) === (d === 0);
    const sa = 8 * slot + (srcIsA ? 0 : 4);
    const da = 8 * slot + (srcIsA ? 4 : 0);
    const sport = f.keyPort[2 * slot + (srcIsA ? 0 : 1)]!;
    const dport = f.keyPort[2 * slot + (srcIsA ? 1 : 0)]!;
    let l4: number;
    let len: number;
    if (v === 4) {
      buf[0] = 0x45;
      buf[3] = 40;
      buf[8] = 64;
      buf[9] = IPPROTO_TCP;
      writeU32(buf, 12, f.keyAddr[sa]!);
      writeU32(buf, 16, f.keyAddr[da]!);
      l4 = 20;
      len = 40;
    } else if (v === 6) {
      buf[0] = 0x60;
      buf[5] = 20;
      buf[6] = IPPROTO_TCP;
      buf[7] = 64;
      for (let w = 0; w < 4; w++) {
        writeU32(buf, 8 + 4 * w, f.keyAddr[sa + w]!);
        writeU32(buf, 24 + 4 * w, f.keyAddr[da + w]!);
      }
      l4 = 40;
      len = 60;
    } else {
      return null;
    }
    buf[l4] = sport >> 8;
    buf[l4 + 1] = sport & 255;
    buf[l4 + 2] = dport >> 8;
    buf[l4 + 3] = dport & 255;
    buf[l4 + 12] = 0x50;
    buf[l4 + 13] = TCP_ACK;
    const p = this.pseudo;
    p.setFrame(buf, 0, len, len, LINKTYPE_RAW);
    decodeFrame(p, this.pseudoDecode);
    if (p.error !== 0) return null;
    p.frameNo = 0;
    p.tsSec = f.lastSec[slot]!;
    p.tsNsec = f.lastNsec[slot]!;
    p.vni = f.keySession[slot]!;
    p.sessionIndex = f.sessionIndex[slot]!;
    p.flowIndex = slot;
    p.flowDirection = d + 1;
    // Only built for sessions that reached ESTABLISHED (flowEnd checks): FLOW_PKT_ESTABLISHED.
    p.flowEstablished = true;
    return p;
  }
}

/** StreamEvent bit → id in the packet's one event list (Suricata's stream.* table), -1 = none. */
const STREAM_EVENT_IDS = Int32Array.from(STREAM_EVENT_NAMES, (name) => eventIdOf('stream', name));

/** The packet's stream events (a bitmask while the stage works) into its event list. */
function publishStreamEvents(p: PacketView): void {
  let bits = p.streamEvents;
  while (bits !== 0) {
    const low = bits & -bits;
    bits ^= low;
    const id = STREAM_EVENT_IDS[31 - Math.clz32(low)]!;
    if (id >= 0) addPacketEvent(p, id);
  }
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}
