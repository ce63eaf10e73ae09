/**
 * Per alerting flow, its packets as DIR/<flow_id>.pcap (flows.alert_pcap_dir, replay
 * --alert-pcap-dir): what the per-flow ring held when the flow's first alert fired (the packets
 * that led to it, up to the ring's packetsPerFlow), then the flow's packets after the alert as
 * they arrive, like Suricata's conditional pcap logging (pcap-log `conditional: alerts`) which
 * keeps logging a flow once it has alerted. Later alerts of the same flow add no second file.
 *
 * Bounded: at most `maxOpen` files open at once (a new alerting flow closes the oldest open
 * one), at most `maxPacketsAfter` packets written after the alert per flow (then the file is
 * closed and `truncated` counted). A file is closed when its flow ends (FIN/RST and the closed
 * timeout, idle timeout, eviction, shutdown), which the flow table reports.
 *
 * An alert must never stop the pipeline: a failed write is counted and remembered for the logs,
 * not thrown. Per packet (write) the work is one typed-array lookup by flow slot for flows with
 * no open file; nothing is allocated.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { STREAM_PSEUDO, type PacketView } from '../decode/packet-view.js';
import type { AlertSink } from '../detect/alert-sink.js';
import type { PacketOutput } from '../pipeline/stages.js';
import type { FlowPacketRing } from './pcap-flow-ring.js';
import { FrameBytes } from './pcap-frame-bytes.js';
import { PcapWriter } from './pcap-writer.js';

export interface AlertPcapOptions {
  /** Files open at once (default 32). */
  maxOpen?: number;
  /** Packets written after the first alert, per flow (default 1000). */
  maxPacketsAfter?: number;
}

/** One sink per ring: a reload that keeps the flow table (and its ring) keeps the sink, its open
 *  files and its one flow-end listener, instead of adding a listener per reload. */
const byRing = new WeakMap<FlowPacketRing, AlertPcapSink>();

export class AlertPcapSink implements AlertSink, PacketOutput {
  /** The ring's sink for `dir`, created on first use. */
  static forRing(ring: FlowPacketRing, dir: string, opts: AlertPcapOptions = {}): AlertPcapSink {
    const had = byRing.get(ring);
    if (had !== undefined && had.dir === path.resolve(dir) && !had.closed) return had;
    had?.close();
    const sink = new AlertPcapSink(ring, dir, opts);
    byRing.set(ring, sink);
    return sink;
  }

  /** Files created (one per alerting flow). */
  written = 0;
  failed = 0;
  /** Packets written after their flow's first alert. */
  packetsAfter = 0;
  /** Files closed at maxPacketsAfter, or early to make room (maxOpen). */
  truncated = 0;
  lastError: string | null = null;

  private readonly dir: string;
  private readonly maxOpen: number;
  private readonly maxAfter: number;
  private readonly frame = new FrameBytes();
  /** Per flow slot: index of its open file, -1 when none. */
  private readonly openOf: Int32Array;
  /** Per open file: the flow slot, its generation, link type, packets after, last frame written. */
  private readonly writers: (PcapWriter | null)[];
  private readonly wSlot: Int32Array;
  private readonly wGen: Uint32Array;
  private readonly wLinktype: Int32Array;
  private readonly wAfter: Float64Array;
  private readonly wLastFrame: Float64Array;
  private readonly wOpenedAt: Float64Array;
  private opened = 0;
  private closed = false;

  constructor(
    private readonly ring: FlowPacketRing,
    dir: string,
    opts: AlertPcapOptions = {},
  ) {
    // Created when the stages are built, so a bad directory is a configuration error.
    mkdirSync(dir, { recursive: true });
    this.dir = path.resolve(dir);
    this.maxOpen = Math.max(1, opts.maxOpen ?? 32);
    this.maxAfter = Math.max(0, opts.maxPacketsAfter ?? 1000);
    const table = ring.flowTable;
    this.openOf = new Int32Array(table.capacity).fill(-1);
    this.writers = new Array<PcapWriter | null>(this.maxOpen).fill(null);
    this.wSlot = new Int32Array(this.maxOpen).fill(-1);
    this.wGen = new Uint32Array(this.maxOpen);
    this.wLinktype = new Int32Array(this.maxOpen);
    this.wAfter = new Float64Array(this.maxOpen);
    this.wLastFrame = new Float64Array(this.maxOpen);
    this.wOpenedAt = new Float64Array(this.maxOpen);
    // Before the slot is freed: the file of an ending flow is complete.
    table.addFlowEndListener((slot) => {
      if (!this.closed) this.closeFlow(slot);
    });
  }

  /** DIR/<flow_id>.pcap, as documented. */
  fileFor(slot: number): string {
    return path.join(this.dir, `${this.ring.flowTable.flowId(slot)}.pcap`);
  }

  alert(p: PacketView): void {
    const slot = p.flowIndex;
    if (slot < 0 || this.closed) return;
    if (this.openFile(slot) >= 0) return; // already logging this flow
    try {
      // A flow-end pseudo packet (stream stage) is no wire packet: not recorded.
      if ((p.streamFlags & STREAM_PSEUDO) === 0) this.ring.record(p);
      const linktype = this.ring.linktypeOf(slot);
      if (linktype < 0) return;
      const w = this.take();
      const file = new PcapWriter(this.fileFor(slot), { linktype, snaplen: 65535, nanosecond: true, bufferSize: 64 * 1024 });
      this.ring.writeHeld(slot, file);
      file.flush();
      this.writers[w] = file;
      this.wSlot[w] = slot;
      this.wGen[w] = this.ring.flowTable.generation[slot]!;
      this.wLinktype[w] = linktype;
      this.wAfter[w] = 0;
      this.wLastFrame[w] = this.ring.lastFrameOf(slot);
      this.wOpenedAt[w] = this.opened++;
      this.openOf[slot] = w;
      this.written++;
    } catch (err) {
      this.failed++;
      this.lastError = (err as Error).message;
    }
  }

  /** Every packet (after the flow stage): appended to its flow's file when the flow alerted. */
  write(p: PacketView): void {
    const slot = p.flowIndex;
    if (slot < 0) return;
    const w = this.openFile(slot);
    if (w < 0 || this.wLastFrame[w] === p.frameNo) return;
    const f = this.frame;
    if (!f.select(p, this.ring.pcapMode) || f.linktype !== this.wLinktype[w]) return;
    this.wLastFrame[w] = p.frameNo;
    try {
      this.writers[w]!.writeRecord(f.buf, f.start, f.caplen, f.wirelen, p.tsSec, p.tsNsec);
      this.packetsAfter++;
      if (++this.wAfter[w]! >= this.maxAfter) {
        this.truncated++;
        this.release(w);
      }
    } catch (err) {
      this.failed++;
      this.lastError = (err as Error).message;
      this.release(w);
    }
  }

  /** Close every open file (shutdown, or the stages being replaced). */
  close(): void {
    this.closed = true;
    for (let w = 0; w < this.maxOpen; w++) if (this.writers[w] !== null) this.release(w);
  }

  /** Files open now (tests, metrics). */
  get openFiles(): number {
    let n = 0;
    for (const w of this.writers) if (w !== null) n++;
    return n;
  }

  private openFile(slot: number): number {
    const w = this.openOf[slot]!;
    if (w < 0) return -1;
    // A reused slot is a new flow: never append to the previous flow's file.
    if (this.wSlot[w] !== slot || this.wGen[w] !== this.ring.flowTable.generation[slot]) {
      this.openOf[slot] = -1;
      return -1;
    }
    return w;
  }

  private closeFlow(slot: number): void {
    const w = this.openFile(slot);
    if (w >= 0) this.release(w);
  }

  /** A free file index, closing the oldest open file when all are in use. */
  private take(): number {
    let oldest = 0;
    for (let w = 0; w < this.maxOpen; w++) {
      if (this.writers[w] === null) return w;
      if (this.wOpenedAt[w]! < this.wOpenedAt[oldest]!) oldest = w;
    }
    this.truncated++;
    this.release(oldest);
    return oldest;
  }

  private release(w: number): void {
    const file = this.writers[w];
    this.writers[w] = null;
    const slot = this.wSlot[w]!;
    if (slot >= 0 && this.openOf[slot] === w) this.openOf[slot] = -1;
    this.wSlot[w] = -1;
    if (file === null || file === undefined) return;
    try {
      file.close();
    } catch (err) {
      this.failed++;
      this.lastError = (err as Error).message;
    }
  }
}
