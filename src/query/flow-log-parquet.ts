/**
 * Reads VPC Flow Logs Parquet files (AWS's FileFormat `parquet`, and mirrorsink's own) into the
 * same query rows as the text reader: AWS's column names (account_id, log_status...) map back
 * to the fields (Insights names: accountId, logStatus...), Parquet nulls become null (text's
 * '-'), INT_64 columns become numbers. @message is the record as its text line would read (the
 * columns in file order, '-' for null), so `parse @message` works on either format.
 *
 * A file is read one row group at a time (the footer first): rows are streamed, not all held.
 */
import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { camelCaseFieldName, flowLogField } from '../output/flow-log-record.js';
import { Ts, type Row } from './insights-values.js';

/** Minimal view of ReadStats (flow-log-reader.ts owns the type). */
interface Stats {
  lines: number;
  records: number;
  columns?: Set<string>;
}

const MAGIC = 0x31524150; // "PAR1"

/** hyparquet decodes SNAPPY itself; AWS's files are GZIP (Node's zlib), BROTLI costs nothing more. */
const decompressors = {
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(brotliDecompressSync(input)),
};

/** A Parquet file starts and ends with PAR1. */
export function isParquetHead(b: Uint8Array, n: number): boolean {
  return n >= 4 && b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31;
}

interface Col {
  column: string;
  name: string;
  numeric: boolean;
}

function columnsOf(names: string[]): Col[] {
  return names.map((column) => {
    const def = flowLogField(column.replace(/_/g, '-'));
    return def ? { column, name: def.insights, numeric: def.numeric } : { column, name: camelCaseFieldName(column.replace(/_/g, '-')), numeric: false };
  });
}

function plain(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

/** Stream the rows of one Parquet flow-log file to onRow. Throws MirrorsinkError E_FILE_FORMAT. */
export async function readParquetFlowLog(file: string, st: Stats, onRow: (r: Row) => void): Promise<void> {
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  if (ab.byteLength < 12 || new DataView(ab).getUint32(ab.byteLength - 4, true) !== MAGIC) {
    throw new MirrorsinkError(ErrorCode.FileFormat, `${file}: not a complete Parquet file (no PAR1 footer)`);
  }
  let meta;
  try {
    meta = parquetMetadata(ab);
  } catch (err) {
    throw new MirrorsinkError(ErrorCode.FileFormat, `${file}: Parquet footer unreadable: ${(err as Error).message}`);
  }
  const top = meta.schema[0]?.num_children ?? 0;
  const names = meta.schema.slice(1, 1 + top).map((e) => e.name);
  const cols = columnsOf(names);
  if (!cols.some((c) => flowLogField(c.column.replace(/_/g, '-')) !== undefined)) {
    throw new MirrorsinkError(ErrorCode.FileFormat, `${file}: not a flow log: no column is a flow-log field (columns: ${names.join(', ')})`);
  }
  if (st.columns !== undefined) for (const c of cols) st.columns.add(c.name);
  let rowStart = 0;
  for (const rg of meta.row_groups) {
    const rowEnd = rowStart + Number(rg.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: ab, metadata: meta, rowStart, rowEnd, compressors: decompressors });
    } catch (err) {
      throw new MirrorsinkError(ErrorCode.FileFormat, `${file}: Parquet rows ${rowStart}-${rowEnd}: ${(err as Error).message}`);
    }
    rowStart = rowEnd;
    for (const raw of rows) {
      st.lines++;
      st.records++;
      const row: Row = {};
      let msg = '';
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i]!;
        let v = plain(raw[c.column]);
        if (c.numeric && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) v = Number(v);
        row[c.name] = v;
        msg += (i > 0 ? ' ' : '') + (v === null ? '-' : String(v));
      }
      const start = row.start;
      row['@timestamp'] = typeof start === 'number' ? new Ts(start * 1000) : null;
      row['@message'] = msg;
      row['@log'] = file;
      onRow(row);
    }
  }
}
