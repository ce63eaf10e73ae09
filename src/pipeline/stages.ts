/**
 * The contracts between pipeline stages. Each stage reads and annotates the one PacketView;
 * none of these methods may allocate per packet.
 */
import type { PacketView } from '../decode/packet-view.js';

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

/** Anything that holds buffered records and must be flushed on shutdown. */
export interface Flushable {
  flush(): void | Promise<void>;
  close?(): void | Promise<void>;
}
