/**
 * Capture files: classic pcap (either byte order, µs or ns) and pcapng (any number of sections
 * of either byte order, per-interface link type and if_tsresol, EPB/SPB/OPB, unknown blocks
 * skipped). The format is chosen from the magic number, never the file name.
 *
 * STUB: filled in by the source/ work. The API below is fixed.
 */
import type { FrameSink } from '../pipeline/stages.js';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureReadResult {
  format: CaptureFormat;
  frames: number;
  bytes: number;
  /** Link types seen (pcap: one; pcapng: one per interface). */
  linktypes: number[];
}

/** Detect the format from the first bytes; null when not a capture file. */
export declare function detectCaptureFormat(head: Uint8Array): CaptureFormat | null;

/**
 * Read a whole capture file synchronously, calling sink.onFrame for each packet record in
 * order. Throws MirrorsinkError(E_FILE_UNREADABLE / E_FILE_FORMAT) with a one-line reason for a
 * missing file or one that is not pcap/pcapng; a truncated last record ends reading quietly
 * (counted in the result as it is in tcpdump's "truncated dump file" warning).
 */
export declare function readCaptureFile(path: string, sink: FrameSink): CaptureReadResult;
