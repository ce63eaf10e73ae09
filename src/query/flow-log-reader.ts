/**
 * Reads VPC Flow Logs files into query rows: gzip, plain text or Apache Parquet (chosen by the
 * magic bytes, not the name; Parquet in flow-log-parquet.ts), the default format or any custom one announced by a header line of field names
 * (as S3 delivery writes it; a repeated header, as in concatenated files, switches format).
 * '-' becomes null; numeric fields become numbers; field names are Insights' (srcAddr,
 * logStatus, vpcId, pktSrcAddr ...). Every row also gets @timestamp (= start), @message (the
 * line) and @log (the file).
 */
import { createReadStream, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { DEFAULT_LOG_FORMAT, camelCaseFieldName, flowLogField, parseLogFormat } from '../output/flow-log-record.js';
import { Ts, type Row } from './insights-values.js';
import { isParquetHead, readParquetFlowLog } from './flow-log-parquet.js';

interface Column {
  name: string;
  numeric: boolean;
}

export interface ReadStats {
  files: number;
  lines: number;
  records: number;
  /** Lines whose field count does not match the format. */
  malformed: number;
  /** Column names of the formats records were read with (what a query may name); filled
   *  when present (readFlowLogFiles always gives one). */
  columns?: Set<string>;
}

const DEFAULT_COLUMNS: Column[] = parseLogFormat(DEFAULT_LOG_FORMAT).fields.map((f) => ({ name: f.insights, numeric: f.numeric }));
const NUMBER_TOKEN = /^-?\d+(\.\d+)?$/;
/** The default format's fields: what a query over files without records may name. */
export const DEFAULT_QUERY_FIELDS: readonly string[] = DEFAULT_COLUMNS.map((c) => c.name);

/** Columns when `tokens` is a header line, else null. */
export function headerColumns(tokens: string[]): Column[] | null {
  if (tokens.length === 0 || !tokens.every((t) => /^[a-z][a-z0-9-]*$/.test(t))) return null;
  const known = tokens.filter((t) => flowLogField(t) !== undefined).length;
  if (known * 2 < tokens.length) return null;
  return tokens.map((t) => {
    const def = flowLogField(t);
    return def ? { name: def.insights, numeric: def.numeric } : { name: camelCaseFieldName(t), numeric: false };
  });
}

function makeRow(cols: Column[], tokens: string[], line: string, file: string): Row {
  const row: Row = {};
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    const t = tokens[i]!;
    if (t === '-') row[c.name] = null;
    else if (c.numeric && NUMBER_TOKEN.test(t)) row[c.name] = Number(t);
    else row[c.name] = t;
  }
  const start = row.start;
  row['@timestamp'] = typeof start === 'number' ? new Ts(start * 1000) : null;
  row['@message'] = line;
  row['@log'] = file;
  return row;
}

/** Parse flow-log text (one file's content) into rows. */
export function parseFlowLogText(text: string, file = '-', stats?: ReadStats): Row[] {
  const rows: Row[] = [];
  const st = stats ?? { files: 0, lines: 0, records: 0, malformed: 0, columns: new Set<string>() };
  const state: FormatState = { cols: DEFAULT_COLUMNS, counted: null };
  for (const line of text.split(/\r?\n/)) handleLine(line, file, state, st, (r) => rows.push(r));
  return rows;
}

/** Numeric columns (ports, counts, times) hold numbers or '-' in every flow log: a line of
 *  prose with the right number of words does not pass for a record. */
function numbersWhereNumeric(cols: Column[], tokens: string[]): boolean {
  for (let i = 0; i < cols.length; i++) {
    if (cols[i]!.numeric && tokens[i] !== '-' && !NUMBER_TOKEN.test(tokens[i]!)) return false;
  }
  return true;
}

interface FormatState {
  cols: Column[];
  /** The columns last added to ReadStats.columns. */
  counted: Column[] | null;
}

function handleLine(line: string, file: string, state: FormatState, st: ReadStats, onRow: (r: Row) => void): void {
  const trimmed = line.trim();
  if (trimmed.length === 0) return;
  st.lines++;
  const tokens = trimmed.split(/\s+/);
  const hdr = NUMBER_TOKEN.test(tokens[0]!) ? null : headerColumns(tokens);
  if (hdr !== null) {
    state.cols = hdr;
    return;
  }
  if (tokens.length !== state.cols.length || !numbersWhereNumeric(state.cols, tokens)) {
    st.malformed++;
    return;
  }
  st.records++;
  if (state.cols !== state.counted) {
    // Once per format, not per record.
    if (st.columns !== undefined) for (const c of state.cols) st.columns.add(c.name);
    state.counted = state.cols;
  }
  onRow(makeRow(state.cols, tokens, trimmed, file));
}

/** Why a file is neither text, gzip nor Parquet (a pcap, an image...), or null. */
function binaryFile(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(512);
    const n = readSync(fd, b, 0, b.length, 0);
    if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return null;
    if (isParquetHead(b, n)) return null;
    for (let i = 0; i < n; i++) {
      const c = b[i]!;
      if (c === 0 || (c < 32 && c !== 9 && c !== 10 && c !== 13)) return `binary content (byte 0x${c.toString(16).padStart(2, '0')} at offset ${i}), expected flow-log text, gzip or Parquet`;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

function isParquet(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return isParquetHead(b, readSync(fd, b, 0, 4, 0));
  } finally {
    closeSync(fd);
  }
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Files named on the command line: directories are walked (sorted; *.tmp skipped). */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      throw new MirrorsinkError(ErrorCode.FileUnreadable, `cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const child = path.join(p, name);
        if (statSync(child).isDirectory() || !name.endsWith('.tmp')) walk(child);
      }
    } else {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

/** Stream the rows of flow-log files (and directories of them) to onRow. */
export async function readFlowLogFiles(paths: string[], onRow: (r: Row) => void): Promise<ReadStats> {
  const st: ReadStats = { files: 0, lines: 0, records: 0, malformed: 0, columns: new Set<string>() };
  for (const file of expandPaths(paths)) {
    st.files++;
    const binary = binaryFile(file);
    if (binary !== null) throw new MirrorsinkError(ErrorCode.FileFormat, `${file}: not a flow log: ${binary}`);
    if (isParquet(file)) {
      await readParquetFlowLog(file, st, onRow);
      continue;
    }
    let input: Readable = createReadStream(file);
    if (isGzip(file)) input = input.pipe(createGunzip());
    const state: FormatState = { cols: DEFAULT_COLUMNS, counted: null };
    const rl = createInterface({ input, crlfDelay: Infinity });
    const before = { records: st.records, malformed: st.malformed };
    let firstBad: number | null = null;
    let lineNo = 0;
    try {
      for await (const line of rl) {
        lineNo++;
        handleLine(line, file, state, st, onRow);
        if (firstBad === null && st.malformed > before.malformed) firstBad = lineNo;
      }
    } catch (err) {
      throw new MirrorsinkError(ErrorCode.FileFormat, `${file}: ${(err as Error).message}`);
    }
    // Lines and not one record: some other text file, not a flow log with a few bad lines.
    if (st.records === before.records && firstBad !== null) {
      throw new MirrorsinkError(
        ErrorCode.FileFormat,
        `${file}:${firstBad}: not a flow log: no line is a record of ${state.cols === DEFAULT_COLUMNS ? 'the default format' : 'its header line'} (${state.cols.length} fields, numbers where numeric) or a header line`,
      );
    }
  }
  return st;
}
