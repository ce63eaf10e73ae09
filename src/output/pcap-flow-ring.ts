/**
 * The last packets of recent flows, kept so that when an alert fires the packets that led to
 * it can be written out (`dumpFlow`) as a pcap named by the flow_id. Memory is one
 * preallocated pool: `flows` ring entries × `packetsPerFlow` packets × `maxPacketBytes` bytes
 * (default 256 × 16 × 2 KiB = 8 MiB); longer packets are cut (the pcap keeps their wire
 * length). Recording copies bytes into the pool and allocates nothing.
 *
 * Entries go to flows in the order the flows are first recorded, round robin: the ring holds
 * the `flows` most recently started flows. An entry belongs to (slot, generation), so a flow
 * table slot reused by a new flow never shows the previous flow's packets.
 *
 * The pipeline runs outputs after detect, so at alert time the alerting packet is not recorded
 * yet: pass it as `current` to dumpFlow and it is recorded first (recording is idempotent per
 * frame number).
 */
import path from 'node:path';
import type { PacketView } from '../decode/packet-view.js';
import type { FlowTable } from '../flow/flow-table.js';
import type { PacketOutput } from '../pipeline/stages.js';
import { PcapWriter, type PcapRecordWriter } from './pcap-writer.js';
import { FrameBytes, type PcapMode } from './pcap-frame-bytes.js';

export interface FlowRingOptions {
  table: FlowTable;
  /** Ring entries (flows kept). Default 256. */
  flows?: number;
  packetsPerFlow?: number;
  maxPacketBytes?: number;
  mode?: PcapMode;
  /** Where dumpFlow writes when given no path. Default ".". */
  dir?: string;
}

export class FlowPacketRing implements PacketOutput {
  readonly entries: number;
  readonly packetsPerFlow: number;
  readonly maxPacketBytes: number;
  private readonly table: FlowTable;
  private readonly mode: PcapMode;
  private readonly dir: string;
  private readonly frame = new FrameBytes();

  private readonly pool: Uint8Array;
  private readonly capLen: Uint32Array;
  private readonly wireLen: Uint32Array;
  private readonly tsSec: Float64Array;
  private readonly tsNsec: Uint32Array;
  private readonly owner: Int32Array;
  private readonly ownerGen: Uint32Array;
  private readonly count: Float64Array;
  private readonly linktype: Int32Array;
  private readonly lastFrame: Float64Array;
  private readonly entryOf: Int32Array;
  private hand = 0;

  constructor(opts: FlowRingOptions) {
    this.table = opts.table;
    this.entries = Math.max(1, opts.flows ?? 256);
    this.packetsPerFlow = Math.max(1, opts.packetsPerFlow ?? 16);
    this.maxPacketBytes = Math.max(64, opts.maxPacketBytes ?? 2048);
    this.mode = opts.mode ?? 'inner';
    this.dir = opts.dir ?? '.';
    const n = this.entries * this.packetsPerFlow;
    this.pool = new Uint8Array(n * this.maxPacketBytes);
    this.capLen = new Uint32Array(n);
    this.wireLen = new Uint32Array(n);
    this.tsSec = new Float64Array(n);
    this.tsNsec = new Uint32Array(n);
    this.owner = new Int32Array(this.entries).fill(-1);
    this.ownerGen = new Uint32Array(this.entries);
    this.count = new Float64Array(this.entries);
    this.linktype = new Int32Array(this.entries);
    this.lastFrame = new Float64Array(this.entries).fill(-1);
    this.entryOf = new Int32Array(this.table.capacity).fill(-1);
  }

  write(p: PacketView): void {
    this.record(p);
  }

  /** Copy the packet into its flow's ring (once per frame). */
  record(p: PacketView): void {
    const slot = p.flowIndex;
    if (slot < 0) return;
    const f = this.frame;
    if (!f.select(p, this.mode)) return;
    let e = this.entryFor(slot);
    if (e < 0) {
      e = this.hand;
      this.hand = (this.hand + 1) % this.entries;
      const prev = this.owner[e]!;
      if (prev >= 0 && this.entryOf[prev] === e) this.entryOf[prev] = -1;
      this.owner[e] = slot;
      this.ownerGen[e] = this.table.generation[slot]!;
      this.count[e] = 0;
      this.linktype[e] = f.linktype;
      this.lastFrame[e] = -1;
      this.entryOf[slot] = e;
    }
    if (this.lastFrame[e] === p.frameNo || this.linktype[e] !== f.linktype) return;
    this.lastFrame[e] = p.frameNo;
    const i = e * this.packetsPerFlow + (this.count[e]! % this.packetsPerFlow);
    const n = f.caplen < this.maxPacketBytes ? f.caplen : this.maxPacketBytes;
    const pool = this.pool;
    const src = f.buf;
    const off = i * this.maxPacketBytes;
    // Byte loop rather than set(subarray()): no view object per packet.
    for (let k = 0; k < n; k++) pool[off + k] = src[f.start + k]!;
    this.capLen[i] = n;
    this.wireLen[i] = f.wirelen;
    this.tsSec[i] = p.tsSec;
    this.tsNsec[i] = p.tsNsec;
    this.count[e]++;
  }

  private entryFor(slot: number): number {
    const e = this.entryOf[slot]!;
    if (e >= 0 && this.owner[e] === slot && this.ownerGen[e] === this.table.generation[slot]) return e;
    return -1;
  }

  /** Packets held for the flow in `slot` (0 when it has no ring entry). */
  packetsHeld(slot: number): number {
    const e = this.entryFor(slot);
    return e < 0 ? 0 : Math.min(this.count[e]!, this.packetsPerFlow);
  }

  /** The flow table whose slots the ring follows. */
  get flowTable(): FlowTable {
    return this.table;
  }

  /** Inner frames or outer tunnel packets (as the ring records them). */
  get pcapMode(): PcapMode {
    return this.mode;
  }

  /** The link type of the flow's held packets, or -1 when it has no ring entry. */
  linktypeOf(slot: number): number {
    const e = this.entryFor(slot);
    return e < 0 ? -1 : this.linktype[e]!;
  }

  /** Frame number of the last packet held for the flow (-1 when none). */
  lastFrameOf(slot: number): number {
    const e = this.entryFor(slot);
    return e < 0 ? -1 : this.lastFrame[e]!;
  }

  /** Write the flow's held packets, oldest first, to `w`; returns how many. */
  writeHeld(slot: number, w: PcapRecordWriter): number {
    const e = this.entryFor(slot);
    if (e < 0) return 0;
    const total = this.count[e]!;
    const held = Math.min(total, this.packetsPerFlow);
    const first = total - held;
    for (let j = 0; j < held; j++) {
      const i = e * this.packetsPerFlow + ((first + j) % this.packetsPerFlow);
      w.writeRecord(this.pool, i * this.maxPacketBytes, this.capLen[i]!, this.wireLen[i]!, this.tsSec[i]!, this.tsNsec[i]!);
    }
    return held;
  }

  /**
   * Write the flow's kept packets (oldest first) to `file` (default DIR/flow-<flow_id>.pcap).
   * Returns the path, or null when nothing is held for the flow. Not for the per-packet path.
   */
  dumpFlow(slot: number, file?: string, current?: PacketView): string | null {
    if (current !== undefined && current.flowIndex === slot) this.record(current);
    const e = this.entryFor(slot);
    if (e < 0 || this.count[e] === 0) return null;
    const out = file ?? path.join(this.dir, `flow-${this.table.flowId(slot)}.pcap`);
    const w = new PcapWriter(out, { linktype: this.linktype[e]!, snaplen: this.maxPacketBytes, nanosecond: true });
    try {
      this.writeHeld(slot, w);
    } finally {
      w.close();
    }
    return out;
  }
}
