/**
 * One VPC Flow Logs file in Apache Parquet, as AWS delivers them with FileFormat `parquet`:
 * one column per field of the log format, named as AWS names them (the field name with `_` for
 * `-`: account_id, log_status, pkt_src_aws_service...), typed as the VPC user guide's "Parquet
 * data type" says (INT_32: version, srcport, dstport, protocol, tcp-flags, traffic-path; INT_64:
 * packets, bytes, start, end; STRING: the rest), every column OPTIONAL, pages GZIP-compressed.
 * A field that does not apply (`-` in text) is a Parquet null.
 *
 * Writer: hyparquet-writer (see README "Parquet flow logs" for why this one), in a worker
 * thread (parquet-encoder.ts). Records are buffered per column (plain arrays, reused) and
 * handed to the encoder as one row group every `rowGroupRows` records and at close: memory is
 * bounded by one row group per open file plus the encoder's short queue, and the event loop
 * only copies a row group into a message.
 */
import type { ColumnValues, ParquetEncoder, ParquetFileHandle, ParquetSchemaElement } from './parquet-encoder.js';
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

export class ParquetFlowLogFile {
  /** Records added (encoded or buffered). */
  records = 0;
  private readonly file: ParquetFileHandle;
  private readonly fields: readonly FlowLogFieldDef[];
  private readonly names: string[];
  private readonly types: ParquetColumnType[];
  private readonly cols: ColumnValues[];
  private readonly rowGroupRows: number;
  private n = 0;
  private done = false;

  /** Opens `path` on `encoder` (throws when its thread cannot start). */
  constructor(
    path: string,
    private readonly format: FlowLogFormat,
    encoder: ParquetEncoder,
    rowGroupRows = DEFAULT_ROW_GROUP_ROWS,
  ) {
    this.fields = format.fields;
    this.names = this.fields.map(parquetColumnName);
    this.types = this.fields.map(parquetTypeOf);
    this.rowGroupRows = rowGroupRows;
    this.cols = this.types.map((t) => (t === 'STRING' ? new Array<string | null>(rowGroupRows) : new Float64Array(rowGroupRows)));
    const schema: ParquetSchemaElement[] = [
      { name: 'schema', num_children: this.fields.length },
      ...this.fields.map((_d, i): ParquetSchemaElement =>
        this.types[i] === 'STRING'
          ? { name: this.names[i]!, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }
          : { name: this.names[i]!, type: this.types[i] as 'INT32' | 'INT64', repetition_type: 'OPTIONAL' },
      ),
    ];
    this.file = encoder.open(path, schema);
  }

  /** Records buffered, not yet handed to the encoder (at most one row group). */
  get buffered(): number {
    return this.n;
  }

  add(rec: FlowLogRecord): void {
    const i = this.n;
    const fs = this.fields;
    for (let c = 0; c < fs.length; c++) {
      const v = fieldValue(rec, fs[c]!, this.format.version);
      const col = this.cols[c]!;
      if (col instanceof Float64Array) {
        // NaN = null; a value that is not a safe integer (never for our records) too.
        col[i] = typeof v === 'number' && Number.isSafeInteger(v) ? v : NaN;
      } else {
        col[i] = v === null ? null : typeof v === 'string' ? v : String(v);
      }
    }
    this.n = i + 1;
    this.records++;
    if (this.n === this.rowGroupRows) this.flushRowGroup();
  }

  private flushRowGroup(): void {
    if (this.n === 0) return;
    const n = this.n;
    this.n = 0;
    // Numbers travel as copies of the typed arrays (transferred, so the originals are reused);
    // strings are copied into the message.
    this.file.writeRowGroup(
      this.names,
      this.types,
      this.cols.map((c) => (c instanceof Float64Array ? c.slice(0, n) : n === this.rowGroupRows ? c : c.slice(0, n))),
    );
  }

  /** Hand over what is buffered and close: resolves once the file is complete on disk. */
  close(): Promise<void> {
    if (this.done) return Promise.resolve();
    this.done = true;
    this.flushRowGroup();
    return this.file.close();
  }

  /** Give up (a write failed): keep nothing. */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    this.file.abandon();
  }
}
