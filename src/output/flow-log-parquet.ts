/**
 * One VPC Flow Logs file in Apache Parquet, as AWS delivers them with FileFormat `parquet`:
 * one column per field of the log format, named as AWS names them (the field name with `_` for
 * `-`: account_id, log_status, pkt_src_aws_service...), typed as the VPC user guide's "Parquet
 * data type" says (INT_32: version, srcport, dstport, protocol, tcp-flags, traffic-path; INT_64:
 * packets, bytes, start, end; STRING: the rest), every column OPTIONAL, pages GZIP-compressed.
 * A field that does not apply (`-` in text) is a Parquet null.
 *
 * Writer: hyparquet-writer (see README "Parquet flow logs" for why this one). Records are
 * buffered per column (plain arrays, reused) and encoded as one row group every `rowGroupRows`
 * records and at close: memory is bounded by one row group per open file, and the event loop
 * is held at most for one row group's encoding (tens of milliseconds for the default 8192
 * rows), not for a whole 5-minute file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { FlowLogFieldCode as Field, type FlowLogFieldDef, type FlowLogFormat } from '../config/flow-log-format.js';
import { fieldValue, type FlowLogRecord } from './flow-log-record.js';

export type ParquetColumnType = 'INT32' | 'INT64' | 'STRING';

/** AWS's Parquet type of a field (VPC user guide, "Flow log records", Parquet data type). */
export function parquetTypeOf(def: FlowLogFieldDef): ParquetColumnType {
  switch (def.code) {
    case Field.Version:
    case Field.Srcport:
    case Field.Dstport:
    case Field.Protocol:
    case Field.TcpFlags:
    case Field.TrafficPath:
      return 'INT32';
    case Field.Packets:
    case Field.Bytes:
    case Field.Start:
    case Field.End:
      return 'INT64';
    default:
      return 'STRING';
  }
}

/** The Parquet column name of a field (AWS: `-` becomes `_`). */
export function parquetColumnName(def: FlowLogFieldDef): string {
  return def.name.replace(/-/g, '_');
}

/** Default records per row group. */
export const DEFAULT_ROW_GROUP_ROWS = 8192;
/** gzip level of pages: 1 keeps encoding short (the event loop) for ~10% more bytes than 6. */
const GZIP_LEVEL = 1;

const compressors = { GZIP: (b: Uint8Array): Uint8Array => new Uint8Array(gzipSync(b, { level: GZIP_LEVEL })) };

/** hyparquet-writer's Writer over a file descriptor: written out in ~1 MB synchronous chunks. */
function fdWriter(fd: number): ByteWriter {
  const w = new ByteWriter(1 << 16);
  const flushAt = 1 << 20;
  const flush = () => {
    if (w.index > 0) writeSync(fd, new Uint8Array(w.buffer, 0, w.index));
    w.index = 0;
  };
  const grow = w.ensure.bind(w);
  w.ensure = (size: number) => {
    if (w.index > flushAt) flush();
    grow(size);
  };
  w.finish = flush;
  return w;
}

export class ParquetFlowLogFile {
  /** Records added (encoded or buffered). */
  records = 0;
  private readonly fd: number;
  private readonly writer: ParquetWriter;
  private readonly fields: readonly FlowLogFieldDef[];
  private readonly names: string[];
  private readonly types: ParquetColumnType[];
  private readonly cols: (number | bigint | string | null)[][];
  private readonly rowGroupRows: number;
  private n = 0;
  private done = false;

  constructor(
    path: string,
    private readonly format: FlowLogFormat,
    rowGroupRows = DEFAULT_ROW_GROUP_ROWS,
  ) {
    this.fields = format.fields;
    this.names = this.fields.map(parquetColumnName);
    this.types = this.fields.map(parquetTypeOf);
    this.rowGroupRows = rowGroupRows;
    this.cols = this.fields.map(() => new Array(rowGroupRows));
    const schema = [
      { name: 'schema', num_children: this.fields.length },
      ...this.fields.map((_d, i) =>
        this.types[i] === 'STRING'
          ? { name: this.names[i]!, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const }
          : { name: this.names[i]!, type: this.types[i] as 'INT32' | 'INT64', repetition_type: 'OPTIONAL' as const },
      ),
    ];
    this.fd = openSync(path, 'w');
    try {
      this.writer = new ParquetWriter({ writer: fdWriter(this.fd), schema, codec: 'GZIP', compressors, createdBy: 'mirrorsink' });
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** Records buffered, not yet encoded (at most one row group). */
  get buffered(): number {
    return this.n;
  }

  add(rec: FlowLogRecord): void {
    const i = this.n;
    const fs = this.fields;
    for (let c = 0; c < fs.length; c++) {
      const v = fieldValue(rec, fs[c]!, this.format.version);
      const t = this.types[c]!;
      let out: number | bigint | string | null;
      if (v === null) out = null;
      else if (t === 'STRING') out = typeof v === 'string' ? v : String(v);
      else if (typeof v !== 'number' || !Number.isSafeInteger(v)) out = null; // never for our records
      else out = t === 'INT64' ? BigInt(v) : v;
      this.cols[c]![i] = out;
    }
    this.n = i + 1;
    this.records++;
    if (this.n === this.rowGroupRows) this.flushRowGroup();
  }

  private flushRowGroup(): void {
    if (this.n === 0) return;
    const n = this.n;
    this.n = 0;
    this.writer.write({
      columnData: this.names.map((name, c) => ({ name, data: n === this.rowGroupRows ? this.cols[c]! : this.cols[c]!.slice(0, n) })),
      rowGroupSize: n,
    });
  }

  /** Encode what is buffered, write the footer, close the file. Throws on write errors. */
  close(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.flushRowGroup();
      this.writer.finish();
    } finally {
      closeSync(this.fd);
    }
  }

  /** Give up (a write failed): close the descriptor, keep nothing. */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already gone.
    }
  }
}
