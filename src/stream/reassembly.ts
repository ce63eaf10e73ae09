/**
 * Adding a packet's payload to its direction's stream (StreamTcpReassembleHandleSegment):
 * sequence → stream offset, clip to what was already released (base) and to the reassembly
 * depth, insert with the BSD overlap policy, count overlaps, different data, memcap refusals
 * and depth. Sets STREAM_ADDED on the packet when the payload went into the stream; a packet
 * that did not (wholly before base, past depth, refused) is inspected on its own by detection.
 */
import { STREAM_ADDED, type PacketView } from '../decode/packet-view.js';
import type { StreamConfig } from './stream-config.js';
import { StreamCounter } from './stream-counters.js';
import { StreamEvent } from './stream-events.js';
import { InsertResult, type SegmentStore } from './segment-store.js';
import { DirFlag, type TcpSessionTable } from './tcp-session.js';

export class Reassembler {
  constructor(
    private readonly cfg: StreamConfig,
    private readonly ssn: TcpSessionTable,
    private readonly store: SegmentStore,
    private readonly counters: Float64Array,
  ) {}

  /** Add p's payload to direction k (slot*2 + dir). */
  add(p: PacketView, k: number): void {
    const len = p.payloadLen;
    if (len <= 0) return;
    const ssn = this.ssn;
    let df = ssn.dirFlags[k]!;
    if ((df & DirFlag.NoReassembly) !== 0) return;
    const start = ssn.rel(k, p.tcpSeq);
    const end = start + len;
    ssn.advance(k, end);
    const base = ssn.base(k);
    if (end <= base) {
      // Wholly before what was already inspected and released: no stream handling.
      if (end <= ssn.lastAck[k]!) p.streamEvents |= 1 << StreamEvent.PktSpuriousRetransmission;
      return;
    }
    let s = start < base ? base : start;
    let e = end;
    const depth = this.cfg.depth;
    if (depth > 0) {
      if (s >= depth) {
        if ((df & DirFlag.DepthReached) === 0) this.reachDepth(p, k);
        return;
      }
      if (e > depth) {
        e = depth;
        this.reachDepth(p, k);
        df = ssn.dirFlags[k]!;
      }
    }
    const dataOff = p.payloadOffset + (s - start);
    const r = this.store.insert(k, s, p.buf, dataOff, e - s);
    if (r === InsertResult.Memcap) {
      this.counters[StreamCounter.SegmentMemcapDrop]++;
      p.streamEvents |= 1 << StreamEvent.SegmentMemcap;
      return;
    }
    if (this.store.lastOverlaps > 0) {
      this.counters[StreamCounter.Overlap]++;
      if (this.store.lastDiffBytes > 0) {
        this.counters[StreamCounter.OverlapDiffData]++;
        p.streamEvents |= 1 << StreamEvent.ReassemblyOverlapDifferentData;
      }
    }
    if (r === InsertResult.Ok) {
      this.counters[StreamCounter.Segments]++;
      ssn.dirFlags[k]! |= DirFlag.RawDirty;
    }
    p.streamFlags |= STREAM_ADDED;
  }

  private reachDepth(p: PacketView, k: number): void {
    this.ssn.dirFlags[k]! |= DirFlag.DepthReached | DirFlag.RawDirty;
    this.counters[StreamCounter.StreamDepthReached]++;
    p.streamEvents |= 1 << StreamEvent.ReassemblyDepthReached;
  }
}
