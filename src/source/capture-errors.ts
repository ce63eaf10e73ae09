/** The one-line file errors the capture readers raise (per-packet problems never throw). */
import { ErrorCode, MirrorsinkError } from '../errors.js';

/**
 * A structurally impossible record: names the file, the format and the byte offset. The
 * records before it were already delivered, so a caller may keep their results (replay does,
 * as Suricata ends a pcap file at a read error and still logs what it saw).
 */
export class CorruptCaptureError extends MirrorsinkError {
  constructor(
    readonly path: string,
    readonly format: 'pcap' | 'pcapng',
    readonly offset: number,
    readonly problem: string,
  ) {
    super(ErrorCode.FileFormat, `${path}: corrupt ${format} file at offset ${offset}: ${problem}`);
    this.name = 'CorruptCaptureError';
  }
}

export function corruptCapture(path: string, format: 'pcap' | 'pcapng', offset: number, problem: string): CorruptCaptureError {
  return new CorruptCaptureError(path, format, offset, problem);
}
