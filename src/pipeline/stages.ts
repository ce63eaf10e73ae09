/**
 * The contracts between pipeline stages. Each stage reads and annotates the one PacketView;
 * none of these methods may allocate per packet.
 */
import type { PacketView, TunnelKind } from '../decode/packet-view.js';

/** Why the pipeline dropped a packet (index into Pipeline.drops, which stages count into). */
export const enum DropCause {
  UnknownVni = 0,
  DisallowedSender = 1,
  Malformed = 2,
  Filter = 3,
  /** The second mirror copy of a packet (dedup). */
  Duplicate = 4,
  Count = 5,
}

export const dropCauseNames: readonly string[] = ['unknown_vni', 'disallowed_sender', 'malformed', 'filter', 'duplicate'];

/** The pipeline's datagram entry point (what a UDP listener feeds): a tunnel payload with its
 *  outer tuple; IPv4 addresses are int32 bits (see Pipeline.onTunnelDatagram). */
export interface TunnelDatagramSink {
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
  ): void;
  /** The end of one receive batch (a recvmmsg batch, or one dgram message): a dispatcher publishes its rings. */
  endBatch?(): void;
}

/** Receives frames from a capture file, a UDP socket or libpcap. */
export interface FrameSink {
  onFrame(
    buf: Uint8Array,
    offset: number,
    caplen: number,
    wirelen: number,
    linktype: number,
    tsSec: number,
    tsNsec: number,
  ): void;
}

/** session/: sets p.sessionIndex and p.direction. Returns false when the packet is dropped
 *  (unknown VNI under the drop policy, disallowed sender); the resolver counts why. */
export interface SessionStage {
  resolve(p: PacketView): boolean;
  /**
   * For a packet that is inspected but not delivered (a decode problem, counted as malformed):
   * the same verdict and p.sessionIndex/p.direction as resolve, counting nothing.
   */
  attribute(p: PacketView): boolean;
}

/** dedup/: true when the packet is a second mirror copy of one already seen (then dropped). */
export interface DedupStage {
  isDuplicate(p: PacketView): boolean;
}

/** filter/: sets p.filterVerdict and p.filterRule; returns true when the packet would be mirrored. */
export interface FilterStage {
  evaluate(p: PacketView): boolean;
}

/** flow/: sets p.flowIndex and p.flowDirection; expires flows on packet time. */
export interface FlowStage {
  update(p: PacketView): void;
  /** Called with packet time (seconds) at most once per second of packet time. */
  expire(nowSec: number): void;
  /** End of input: close every flow (emits records). */
  flush(): void;
}

/** stream/: TCP session tracking and reassembly (sets p.streamFlags, the raw window and
 *  stream events). Runs after flow.update and before detect; afterDetect() runs after detect
 *  (Suricata's DetectRunCleanup -> StreamReassembleRawUpdateProgress). At flow end it sends
 *  pseudo packets (flushed stream data) to pseudoSink, which the pipeline points at detect. */
export interface StreamStage {
  update(p: PacketView): void;
  afterDetect(p: PacketView): void;
  pseudoSink: ((p: PacketView) => void) | null;
}

/** detect/: runs rules over the packet (and its flow). */
export interface DetectStage {
  inspect(p: PacketView): void;
}

/** output/: something that sees every packet that got through (pcap writer...). */
export interface PacketOutput {
  write(p: PacketView): void;
  /** Also give me datagrams rebuilt from fragments (p.rebuilt), after the fragments themselves.
   *  Packet writers leave it unset: they write packets as they arrived. */
  readonly acceptsRebuilt?: boolean;
}

/** output/: something that sees every packet carrying events (p.eventCount > 0). */
export interface PacketEventSink {
  onEvents(p: PacketView): void;
}

/** Anything that holds buffered records and must be flushed on shutdown. */
export interface Flushable {
  flush(): void | Promise<void>;
  close?(): void | Promise<void>;
}
