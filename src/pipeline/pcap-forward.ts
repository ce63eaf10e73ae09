/**
 * pcap outputs with several pipeline threads (flows.pcap / --pcap-dir, replay --pcap-out): one
 * set of files, written by the main thread as with one thread. Each worker's
 * ForwardingPcapOutput selects the bytes a pcap output stores (FrameBytes: the inner frame or
 * the outer packet) and copies them into a frame ring of its own; the main thread's
 * PcapForwardReceiver hands them to the one real output (RotatingPcapOutput, SinglePcapOutput).
 *
 * Order. replay: by frame number, so the files are byte for byte those one thread writes. A
 * worker's records come in frame order, so the smallest waiting record is written once every
 * other worker either has a later record waiting or has handled its input past that frame (its
 * ring's progress), or has handled all it was given. serve: as drained, worker by worker.
 *
 * Backpressure: a worker whose ring is full waits for the main thread (the writer is the slow
 * part, as the disk is for one thread); serve's workers wait at most a bounded time and then
 * count the frame as dropped (OutputErrors, output "pcap"), so a stuck main thread cannot stop
 * packet processing.
 */
import type { PacketView } from '../decode/packet-view.js';
import { FrameBytes, type PcapMode } from '../output/pcap-frame-bytes.js';
import { outputErrors } from '../output/output-errors.js';
import { FrameRing, RECORD_HEADER_BYTES, type FrameRingShared } from './frame-ring.js';
import type { PacketOutput } from './stages.js';

/** Which pcap output of the configuration a ring feeds. */
export type PcapForwardTarget = 'dir' | 'out';

/** Per worker and output. Large enough that the main thread drains it long before it fills. */
export const PCAP_FORWARD_RING_BYTES = 16 << 20;

/** The main thread's real output. */
export interface PcapFrameWriter {
  writeFrame(buf: Uint8Array, start: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void;
}

/** Worker side: stands where the pcap output would be in the pipeline's outputs. */
export class ForwardingPcapOutput implements PacketOutput {
  packets = 0;
  /** Nothing storable (as the file outputs count it). */
  skipped = 0;
  private readonly ring: FrameRing;
  private readonly frame = new FrameBytes();

  /** @param maxWaitMs how long a full ring may hold a frame back (Infinity: never drop, replay) */
  constructor(
    shared: FrameRingShared,
    private readonly mode: PcapMode,
    private readonly maxWaitMs: number,
  ) {
    this.ring = new FrameRing(shared);
  }

  write(p: PacketView): void {
    const f = this.frame;
    if (!f.select(p, this.mode)) {
      this.skipped++;
      return;
    }
    if (this.ring.pushFrame(f.buf, f.start, f.caplen, f.wirelen, f.linktype, p.tsSec, p.tsNsec, p.frameNo)) this.packets++;
    else this.waitAndPush(p);
  }

  /** The input is handled up to `frameNo`: publish, so the main thread can write in frame order. */
  progress(frameNo: number): void {
    this.ring.setProgress(frameNo);
  }

  /** Make what was forwarded visible to the main thread. */
  publish(): void {
    this.ring.publish();
  }

  private waitAndPush(p: PacketView): void {
    const f = this.frame;
    const started = performance.now();
    do {
      if (performance.now() - started >= this.maxWaitMs) {
        outputErrors.dropped('pcap', 1);
        return;
      }
      this.ring.waitForRoom(20);
    } while (!this.ring.pushFrame(f.buf, f.start, f.caplen, f.wirelen, f.linktype, p.tsSec, p.tsNsec, p.frameNo));
    this.packets++;
  }
}

/** Main side: the workers' rings for one output, and the output. */
export class PcapForwardReceiver {
  /** Records written. */
  written = 0;
  /** The rings to hand the workers, one each (workerData). */
  readonly shared: FrameRingShared[];
  private readonly rings: FrameRing[];
  private readonly progress: Int32Array;

  /** A ring per worker, feeding `writer`. */
  constructor(
    workers: number,
    private readonly writer: PcapFrameWriter,
  ) {
    this.shared = Array.from({ length: workers }, () => FrameRing.create(PCAP_FORWARD_RING_BYTES).shared);
    this.rings = this.shared.map((s) => new FrameRing(s));
    this.progress = new Int32Array(workers);
  }

  /** serve: write everything waiting (at most `max` records per ring per call). */
  drainUnordered(max = 8192): void {
    for (const ring of this.rings) {
      for (let n = 0; n < max; n++) {
        const pos = ring.peek();
        if (pos < 0) break;
        this.writeRecord(ring, pos);
      }
    }
  }

  /**
   * replay: write, in frame-number order, every record no worker can still precede.
   * `lastPushed[w]` is the number (| 0) of the last frame handed to worker w; `final` once
   * every worker is done (then everything waiting goes out, still in order).
   */
  drainOrdered(lastPushed: Int32Array, final = false): void {
    const rings = this.rings;
    const progress = this.progress;
    next: for (;;) {
      let best = -1;
      let bestPos = -1;
      let bestNo = 0;
      for (let w = 0; w < rings.length; w++) {
        // Progress first, then peek: a worker publishes its records before its progress.
        progress[w] = rings[w]!.progress;
        const pos = rings[w]!.peek();
        if (pos < 0) continue;
        const no = rings[w]!.frameNo(pos);
        if (best < 0 || no < bestNo) {
          best = w;
          bestPos = pos;
          bestNo = no;
        }
      }
      if (best < 0) return;
      if (!final) {
        for (let w = 0; w < rings.length; w++) {
          if (w === best) continue;
          const pos = rings[w]!.peek();
          if (pos >= 0) {
            // A record that arrived since the scan may come first.
            if (rings[w]!.frameNo(pos) < bestNo) continue next;
            continue;
          }
          const handledPast = ((progress[w]! - (bestNo | 0)) | 0) >= 0;
          if (!handledPast && progress[w] !== lastPushed[w]) return;
        }
      }
      this.writeRecord(rings[best]!, bestPos);
    }
  }

  private writeRecord(ring: FrameRing, pos: number): void {
    this.writer.writeFrame(ring.u8, pos + RECORD_HEADER_BYTES, ring.caplen(pos), ring.wirelen(pos), ring.linktype(pos), ring.tsSec(pos), ring.tsNsec(pos));
    ring.release(pos);
    this.written++;
  }
}
