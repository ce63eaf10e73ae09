/**
 * The packet's journey: decode → session/direction → filter → flow → detect → outputs.
 * One Pipeline owns one PacketView and is fed either whole frames (capture files, libpcap) or
 * tunnel datagrams from a UDP socket. Stages are swapped atomically on reload.
 */
import { PacketView, TunnelKind } from '../decode/packet-view.js';
import { DecodeCounters } from '../decode/decode-events.js';
import { decodeFrame, decodeTunnelPayload } from '../decode/decoder.js';
import { DropCause, type DetectStage, type FilterStage, type FlowStage, type FrameSink, type PacketEventSink, type PacketOutput, type SessionStage, type TunnelDatagramSink } from './stages.js';

// The drop causes are part of the stage contracts (stages count into the pipeline's drops array).
export { DropCause, dropCauseNames } from './stages.js';

export interface PipelineStages {
  session?: SessionStage | null;
  filter?: FilterStage | null;
  flow?: FlowStage | null;
  detect?: DetectStage | null;
  outputs?: PacketOutput[];
  /** Sees every packet that carries events (EVE anomaly records), delivered or not. */
  events?: PacketEventSink | null;
}

/** Datagrams from a socket have no link layer: the tunnel header comes first. */
export const LINKTYPE_NONE = -1;

/** Packet-time granularity at which flows are expired (seconds). */
const EXPIRE_EVERY_SEC = 1;

export class Pipeline implements FrameSink, TunnelDatagramSink {
  readonly view = new PacketView();
  readonly decodeCounters = new DecodeCounters();
  readonly drops = new Float64Array(DropCause.Count);
  /** Packets that went through every stage (accepted by the filter, if any). */
  delivered = 0;
  /** When true, packets the filter rejects still reach flow and detect (counted all the same). */
  keepFilterRejected = false;

  private frameCount = 0;
  private lastExpireSec = 0;
  private session: SessionStage | null = null;
  private filter: FilterStage | null = null;
  private flow: FlowStage | null = null;
  private detect: DetectStage | null = null;
  private outputs: PacketOutput[] = [];
  private events: PacketEventSink | null = null;
  private current: PipelineStages = {};

  constructor(stages: PipelineStages = {}) {
    this.setStages(stages);
  }

  /** Replace the stages in one step: the next packet sees the whole new set. */
  setStages(stages: PipelineStages): void {
    this.current = stages;
    this.session = stages.session ?? null;
    this.filter = stages.filter ?? null;
    this.flow = stages.flow ?? null;
    this.detect = stages.detect ?? null;
    this.outputs = stages.outputs ?? [];
    this.events = stages.events ?? null;
  }

  get stages(): PipelineStages {
    return this.current;
  }

  get frames(): number {
    return this.frameCount;
  }

  onFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    const p = this.view;
    p.setFrame(buf, offset, caplen, wirelen, linktype);
    p.frameNo = ++this.frameCount;
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

  private afterDecode(p: PacketView): void {
    if (p.error !== 0) {
      this.afterDecodeProblem(p);
      return;
    }
    if (this.session !== null && !this.session.resolve(p)) return;
    if (this.filter !== null && !this.filter.evaluate(p)) {
      this.drops[DropCause.Filter]++;
      if (!this.keepFilterRejected) return;
    }
    const flow = this.flow;
    if (flow !== null) {
      if (p.tsSec - this.lastExpireSec >= EXPIRE_EVERY_SEC) {
        this.lastExpireSec = p.tsSec;
        flow.expire(p.tsSec);
      }
      flow.update(p);
    }
    if (this.detect !== null) this.detect.inspect(p);
    if (p.eventCount !== 0 && this.events !== null) this.events.onEvents(p);
    const outputs = this.outputs;
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

  /** End of input: close every flow so that its records are emitted. */
  finish(): void {
    if (this.flow !== null) this.flow.flush();
  }
}
