/**
 * Raw stream inspection (StreamReassembleRaw / StreamReassembleRawUpdateProgress): which
 * stream bytes a packet hands to detection, and moving the progress afterwards.
 *
 *  - Only a packet in the same direction as the data inspects it, up to that direction's
 *    last_ack (readable data stops there; at flow end, or for async one-sided sessions, all
 *    stored data is readable).
 *  - It waits until ACKed uninspected data reaches the direction's chunk size (2560 by
 *    default) unless a flush condition holds: depth reached, session closed, or a pseudo
 *    (flow end) packet (StreamTcpReassembleRawCheckLimit).
 *  - A hole at the progress point is skipped (counted as tcp.reassembly_gap when the data is
 *    ACKed): the window starts at the next stored byte and ends at the next hole, so windows
 *    never join data across a gap.
 *  - After detection the progress moves to the end of the window (each byte inspected once;
 *    a pattern straddling two windows is missed, as in Suricata IDS mode) and the bytes before
 *    it are released.
 * The window is copied into one reused buffer of at most `maxWindow` bytes; a longer ready
 * range is inspected in several windows (the pseudo flush loops over them).
 */
import { HAS_STREAM_DATA, type PacketView } from '../decode/packet-view.js';
import type { StreamConfig } from './stream-config.js';
import { StreamCounter } from './stream-counters.js';
import { StreamEvent } from './stream-events.js';
import type { SegmentStore } from './segment-store.js';
import { DirFlag, SsnFlag, TcpSsnState, type TcpSessionTable } from './tcp-session.js';

export const DEFAULT_MAX_WINDOW = 65536;

export class RawInspection {
  readonly window: Uint8Array;
  /** Direction (slot*2+dir) and end offset of the window handed out, -1 when none. */
  private pendingK = -1;
  private pendingEnd = 0;

  constructor(
    private readonly cfg: StreamConfig,
    private readonly ssn: TcpSessionTable,
    private readonly store: SegmentStore,
    private readonly counters: Float64Array,
    maxWindow = DEFAULT_MAX_WINDOW,
  ) {
    this.window = new Uint8Array(maxWindow);
  }

  /**
   * Give p the raw window of direction k when one is ready. `flush`: pseudo end packet.
   * Returns true when a window was set.
   */
  prepare(p: PacketView, slot: number, k: number, flush: boolean): boolean {
    this.pendingK = -1;
    if (!this.cfg.raw) return false;
    const ssn = this.ssn;
    const st = ssn.state[slot]!;
    if (st < TcpSsnState.Established) return false;
    if (!flush) {
      const dfl = ssn.dirFlags[k]!;
      if ((dfl & DirFlag.RawDirty) === 0) return false;
      ssn.dirFlags[k] = dfl & ~DirFlag.RawDirty;
    }
    const prog = ssn.rawProgress[k]!;
    const stored = this.store.storedEnd(k);
    if (stored <= prog) return false;
    const df = ssn.dirFlags[k]!;
    const async = (ssn.flags[slot]! & SsnFlag.Async) !== 0;
    let limit = flush || async ? stored : ssn.lastAck[k]!;
    if (limit > stored) limit = stored;
    if (limit <= prog) return false;
    const closed = st === TcpSsnState.Closed;
    const chunk = (k & 1) === 0 ? this.cfg.toserverChunkSize : this.cfg.toclientChunkSize;
    if (!flush && !closed && (df & (DirFlag.DepthReached | DirFlag.RawTrigger)) === 0 && limit - prog < chunk) return false;
    let start = prog;
    if (this.store.contiguousEnd(k, prog) === prog) {
      // A hole at the progress point: skip it.
      const nd = this.store.nextDataAt(k, prog);
      if (nd < 0 || nd >= limit) return false;
      if (nd <= ssn.lastAck[k]!) {
        this.counters[StreamCounter.ReassemblyGap]++;
        ssn.dirFlags[k]! |= DirFlag.HasGap;
        p.streamEvents |= 1 << StreamEvent.ReassemblySeqGap;
      }
      start = nd;
    }
    let end = this.store.contiguousEnd(k, start);
    if (end > limit) end = limit;
    if (end - start > this.window.length) end = start + this.window.length;
    if (end <= start) return false;
    // More may be ready after this window (gaps, window size): look again next time. A
    // trigger is used up by the window it flushed.
    ssn.dirFlags[k] = (ssn.dirFlags[k]! | DirFlag.RawDirty) & ~DirFlag.RawTrigger;
    this.store.read(k, start, end - start, this.window, 0);
    p.streamBuf = this.window;
    p.streamOff = 0;
    p.streamLen = end - start;
    p.streamFlags |= HAS_STREAM_DATA;
    this.pendingK = k;
    this.pendingEnd = end;
    return true;
  }

  /**
   * After detection: move the progress past the window handed out and release bytes.
   * `release` false keeps them (the flow-end flush: the slot is cleared afterwards, and alerts
   * of its later windows log all the stream data, as Suricata's single flush packet does).
   */
  commit(release = true): void {
    const k = this.pendingK;
    if (k < 0) return;
    this.pendingK = -1;
    const ssn = this.ssn;
    if (this.pendingEnd > ssn.rawProgress[k]!) ssn.rawProgress[k] = this.pendingEnd;
    if (release) this.store.releaseBefore(k, ssn.base(k));
  }

  /** Forget a window handed out (its flow ended before commit). */
  cancel(): void {
    this.pendingK = -1;
  }
}
