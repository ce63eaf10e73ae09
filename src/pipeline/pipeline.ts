/**
 * The packet's journey: decode → session/direction → filter → flow → stream → detect → outputs.
 * One Pipeline owns one PacketView and is fed either whole frames (capture files, libpcap) or
 * tunnel datagrams from a UDP socket. Stages are swapped atomically on reload.
 */
import { PacketView, TunnelKind } from '../decode/packet-view.js';
import { DecodeCounters } from '../decode/decode-events.js';
import { decodeFrame, decodeRebuilt, decodeTunnelPayload, fragmentHeaderOnly } from '../decode/decoder.js';
import { DefragResult, Defragmenter } from '../defrag/defragmenter.js';
import { DropCause, type DedupStage, type DetectStage, type FilterStage, type FlowStage, type FrameSink, type PacketEventSink, type PacketOutput, type SessionStage, type StreamStage, type TunnelDatagramSink } from './stages.js';

// The drop causes are part of the stage contracts (stages count into the pipeline's drops array).
export { DropCause, dropCauseNames } from './stages.js';

export interface PipelineStages {
  session?: SessionStage | null;
  dedup?: DedupStage | null;
  filter?: FilterStage | null;
  flow?: FlowStage | null;
  stream?: StreamStage | null;
  detect?: DetectStage | null;
  outputs?: PacketOutput[];
  /** IP defragmentation; undefined keeps the pipeline's own (Suricata defaults), null turns it off. */
  defrag?: Defragmenter | null;
  /** Sees every packet that carries events (EVE anomaly records), delivered or not. */
  events?: PacketEventSink | null;
}

/** Datagrams from a socket have no link layer: the tunnel header comes first. */
export const LINKTYPE_NONE = -1;

/** Packet-time granularity at which flows are expired (seconds). */
const EXPIRE_EVERY_SEC = 1;

export class Pipeline implements FrameSink, TunnelDatagramSink {
  readonly view = new PacketView();
  /** Second reused view: a datagram rebuilt from fragments (see afterDecode). */
  readonly rebuiltView = new PacketView();
  /** IP defragmentation (on by default with Suricata's defaults; null = off). */
  defrag: Defragmenter | null = new Defragmenter();
  readonly decodeCounters = new DecodeCounters();
  readonly drops = new Float64Array(DropCause.Count);
  /** Packets that went through every stage (accepted by the filter, if any). */
  delivered = 0;
  /** When true, packets the filter rejects still reach flow and detect (counted all the same). */
  keepFilterRejected = false;

  private frameCount = 0;
  private lastExpireSec = 0;
  private lastDefragExpireSec = 0;
  private session: SessionStage | null = null;
  private dedup: DedupStage | null = null;
  private filter: FilterStage | null = null;
  private flow: FlowStage | null = null;
  private stream: StreamStage | null = null;
  private detect: DetectStage | null = null;
  private outputs: PacketOutput[] = [];
  private events: PacketEventSink | null = null;
  private current: PipelineStages = {};

  constructor(stages: PipelineStages = {}) {
    this.setStages(stages);
  }

  /** Replace the stages in one step: the next packet sees the whole new set. */
  setStages(stages: PipelineStages): void {
    const oldStream = this.stream;
    const oldDetect = this.detect;
    if (oldStream !== null && oldStream !== (stages.stream ?? null)) {
      // A replaced stream stage's flows end after the swap (retire): their pseudo packets go to
      // the detect stage that ran over that flow table, not to the new one.
      oldStream.pseudoSink = oldDetect !== null ? (p: PacketView) => oldDetect.inspect(p) : null;
    }
    this.current = stages;
    this.session = stages.session ?? null;
    this.dedup = stages.dedup ?? null;
    this.filter = stages.filter ?? null;
    this.flow = stages.flow ?? null;
    this.detect = stages.detect ?? null;
    this.outputs = stages.outputs ?? [];
    this.stream = stages.stream ?? null;
    if (this.stream !== null) this.stream.pseudoSink = this.pseudoFn;
    if (stages.defrag !== undefined) this.defrag = stages.defrag;
    this.events = stages.events ?? null;
  }

  /** Flow-end pseudo packets from the stream stage: detection only (no outputs, not delivered). */
  private readonly pseudoFn = (p: PacketView): void => {
    if (this.detect !== null) this.detect.inspect(p);
  };

  get stages(): PipelineStages {
    return this.current;
  }

  get frames(): number {
    return this.frameCount;
  }

  /** @param frameNo the frame's number in the input (a worker of replay --workers: given by the
   *  reader, so pcap_cnt stays the file's); 0 = count here. */
  onFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number, frameNo = 0): void {
    const p = this.view;
    p.setFrame(buf, offset, caplen, wirelen, linktype);
    ++this.frameCount;
    p.frameNo = frameNo > 0 ? frameNo : this.frameCount;
    p.tsSec = tsSec;
    p.tsNsec = tsNsec;
    decodeFrame(p, this.decodeCounters);
    this.afterDecode(p);
  }

  onTunnelDatagram(
    buf: Uint8Array,
    offset: number,
    length: number,
    kind: TunnelKind,
    outerIpVersion: number,
    outerSrc4: number,
    outerDst4: number,
    outerSrc6: Uint32Array | null,
    outerSport: number,
    outerDport: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    const p = this.view;
    p.setFrame(buf, offset, length, length, LINKTYPE_NONE);
    p.frameNo = ++this.frameCount;
    p.tsSec = tsSec;
    p.tsNsec = tsNsec;
    p.outerIpVersion = outerIpVersion;
    // Sources may pass IPv4 addresses as int32 bits (`| 0`): a uint32 above 2^31 would be boxed
    // into a new HeapNumber at every call that is not inlined (172.16/12, 192.168/16 hosts).
    p.outerSrc4 = outerSrc4 >>> 0;
    p.outerDst4 = outerDst4 >>> 0;
    if (outerSrc6 !== null) p.outerSrc6.set(outerSrc6);
    p.outerSport = outerSport;
    p.outerDport = outerDport;
    decodeTunnelPayload(p, this.decodeCounters, kind, offset, offset + length);
    this.afterDecode(p);
  }

  /**
   * Fragments (defrag on): the fragment goes on as it arrived (filter, detect on its IP header
   * only, outputs: pcap files see it) but creates no flow (Suricata: fragments never reach flow
   * setup). When it completes a datagram, the rebuilt datagram is decoded into rebuiltView and
   * goes through filter → flow → detect after it, and only to outputs that ask for it
   * (acceptsRebuilt: flow logs, whose flows the fragments never reach); packet writers write
   * packets as they arrived. It counts as a packet of its flow, as Suricata's pseudo packet does.
   */
  private afterDecode(p: PacketView): void {
    if (p.error !== 0) {
      this.afterDecodeProblem(p);
      return;
    }
    if (this.session !== null && !this.session.resolve(p)) return;
    // After the session stage (each copy counts for its own session), before anything that keeps state.
    if (this.dedup !== null && this.dedup.isDuplicate(p)) {
      this.drops[DropCause.Duplicate]++;
      return;
    }
    const defrag = this.defrag;
    if (defrag === null || !p.isFragment) {
      this.processPacket(p, false);
      return;
    }
    if (p.tsSec - this.lastDefragExpireSec >= EXPIRE_EVERY_SEC) {
      this.lastDefragExpireSec = p.tsSec;
      defrag.expire(p.tsSec);
    }
    const r = defrag.insert(p, this.decodeCounters);
    this.processPacket(p, r !== DefragResult.NotFragment);
    if (r !== DefragResult.Complete) return;
    const rp = this.rebuiltView;
    decodeRebuilt(rp, p, defrag.out, defrag.outL3, defrag.outLen, this.decodeCounters);
    if (rp.error !== 0) {
      this.drops[DropCause.Malformed]++;
      return;
    }
    // The fragment's session, unless the datagram opened a tunnel of its own (outer fragments).
    if (this.session !== null && rp.tunnelDepth !== p.tunnelDepth && !this.session.resolve(rp)) return;
    this.processPacket(rp, false);
  }

  /** Filter → flow → detect → outputs. A fragment taken by defrag creates no flow and is
   *  inspected on its IP header only; a rebuilt datagram does not go to the outputs. */
  private processPacket(p: PacketView, fragment: boolean): void {
    if (this.filter !== null && !this.filter.evaluate(p)) {
      this.drops[DropCause.Filter]++;
      if (!this.keepFilterRejected) return;
    }
    if (fragment) fragmentHeaderOnly(p);
    const flow = this.flow;
    if (flow !== null && !fragment) {
      if (p.tsSec - this.lastExpireSec >= EXPIRE_EVERY_SEC) {
        this.lastExpireSec = p.tsSec;
        flow.expire(p.tsSec);
      }
      flow.update(p);
    }
    const stream = this.stream;
    if (stream !== null) stream.update(p);
    if (this.detect !== null) this.detect.inspect(p);
    if (stream !== null) stream.afterDetect(p);
    if (p.eventCount !== 0 && this.events !== null) this.events.onEvents(p);
    const outputs = this.outputs;
    if (p.rebuilt) {
      for (let i = 0; i < outputs.length; i++) if (outputs[i]!.acceptsRebuilt === true) outputs[i]!.write(p);
      return;
    }
    for (let i = 0; i < outputs.length; i++) outputs[i]!.write(p);
    this.delivered++;
  }

  /**
   * A packet whose decoding stopped early (p.error): counted as malformed and not delivered
   * (no flow, no outputs), but still inspected as far as it decoded, as Suricata does (which is
   * how `decode-event` and plain `alert ip` rules fire on it), and its events logged. The
   * session stage is asked without counting (a disallowed sender stays uninspected); the
   * mirror filter is not applied, since its rules need the layers that failed to decode.
   */
  private afterDecodeProblem(p: PacketView): void {
    this.drops[DropCause.Malformed]++;
    if (this.session !== null && !this.session.attribute(p)) return;
    if (this.detect !== null) this.detect.inspect(p);
    if (p.eventCount !== 0 && this.events !== null) this.events.onEvents(p);
  }

  /**
   * Time out flows up to packet time `tsSec` without a packet: a worker of replay --workers,
   * at the end of input, reaches the time the whole input reached (as one pipeline would).
   */
  advanceTo(tsSec: number): void {
    if (this.flow !== null && tsSec > this.lastExpireSec) {
      this.lastExpireSec = tsSec;
      this.flow.expire(tsSec);
    }
  }

  /** End of input: close every flow so that its records are emitted. */
  finish(): void {
    if (this.flow !== null) this.flow.flush();
  }
}
