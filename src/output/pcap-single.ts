/**
 * `--pcap-out FILE`: every delivered packet into one classic pcap file, decapsulated inner
 * frames by default or the outer packets. A pcap file has one link type: the first packet's;
 * packets of another link type are counted in `skipped` (inner frames are always Ethernet for
 * VXLAN, so this only happens with mixed captures).
 */
import type { PacketView } from '../decode/packet-view.js';
import type { PacketOutput } from '../pipeline/stages.js';
import { PcapWriter } from './pcap-writer.js';
import { FrameBytes, type PcapMode } from './pcap-frame-bytes.js';

export interface SinglePcapOptions {
  path: string;
  mode?: PcapMode;
  snaplen?: number;
  nanosecond?: boolean;
}

export class SinglePcapOutput implements PacketOutput {
  packets = 0;
  skipped = 0;
  private writer: PcapWriter | null = null;
  private linktype = -1;
  private readonly frame = new FrameBytes();
  private closed = false;

  constructor(private readonly opts: SinglePcapOptions) {}

  write(p: PacketView): void {
    if (this.closed) return;
    const f = this.frame;
    if (!f.select(p, this.opts.mode ?? 'inner')) {
      this.skipped++;
      return;
    }
    this.writeFrame(f.buf, f.start, f.caplen, f.wirelen, f.linktype, p.tsSec, p.tsNsec);
  }

  /** Store bytes already selected (FrameBytes): a pipeline thread's frames, written by the main thread. */
  writeFrame(buf: Uint8Array, start: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    if (this.closed) return;
    if (this.writer === null) {
      this.linktype = linktype;
      this.writer = new PcapWriter(this.opts.path, { linktype, snaplen: this.opts.snaplen, nanosecond: this.opts.nanosecond });
    } else if (linktype !== this.linktype) {
      this.skipped++;
      return;
    }
    this.writer.writeRecord(buf, start, caplen, wirelen, tsSec, tsNsec);
    this.packets++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // An empty capture still produces a valid (empty) Ethernet pcap file.
    if (this.writer === null) this.writer = new PcapWriter(this.opts.path, { linktype: 1, snaplen: this.opts.snaplen, nanosecond: this.opts.nanosecond });
    this.writer.close();
  }
}
