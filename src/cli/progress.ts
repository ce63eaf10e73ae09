/**
 * A progress bar on stderr for long replays: forwards frames to the pipeline and redraws at
 * most every 65 536 frames, so the cost per packet is one counter and one compare.
 */
import type { FrameSink } from '../pipeline/stages.js';

const REDRAW_EVERY = 65536;
/** pcap record header size, to estimate bytes read from captured lengths. */
const RECORD_OVERHEAD = 16;

export class ProgressSink implements FrameSink {
  private frames = 0;
  private bytes = 0;
  private readonly started = Date.now();

  constructor(
    private readonly next: FrameSink,
    private readonly totalBytes: number,
    private readonly out: NodeJS.WriteStream,
  ) {}

  onFrame(buf: Uint8Array, offset: number, caplen: number, wirelen: number, linktype: number, tsSec: number, tsNsec: number): void {
    this.next.onFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec);
    this.bytes += caplen + RECORD_OVERHEAD;
    if (++this.frames % REDRAW_EVERY === 0) this.draw();
  }

  private draw(): void {
    const fraction = Math.min(1, this.bytes / this.totalBytes);
    const width = 30;
    const filled = Math.round(fraction * width);
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? Math.round(this.frames / secs) : 0;
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${this.frames.toLocaleString('en-US')} packets  ${rate.toLocaleString('en-US')}/s`);
  }

  done(): void {
    this.out.write('\r\x1b[K');
  }
}
