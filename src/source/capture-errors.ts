/** The one-line file errors the capture readers raise (per-packet problems never throw). */
import { ErrorCode, MirrorsinkError } from '../errors.js';

/** A structurally impossible file: names the file, the format and the byte offset. */
export function corruptCapture(path: string, format: 'pcap' | 'pcapng', offset: number, problem: string): MirrorsinkError {
  return new MirrorsinkError(ErrorCode.FileFormat, `${path}: corrupt ${format} file at offset ${offset}: ${problem}`);
}
