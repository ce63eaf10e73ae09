/**
 * tshark as the oracle for the output/, captures/ and send tests (see ORACLES.md): field
 * extraction with a chosen occurrence, and raw frame bytes from `-T json -x`.
 */
import { spawnSync } from 'node:child_process';

export interface FieldOptions {
  /** f = first (outer), l = last (inner), a = all joined by commas. Default a. */
  occurrence?: 'f' | 'l' | 'a';
  /** Display filter (-Y). */
  filter?: string;
  /** Extra options such as ['-o', 'ip.check_checksum:TRUE']. */
  extra?: string[];
}

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** One row per packet, one string per field (empty when absent). */
export function tsharkFields(file: string, fields: string[], opts: FieldOptions = {}): string[][] {
  const args = ['-r', file, '-n', '-T', 'fields', '-E', 'separator=/t', '-E', `occurrence=${opts.occurrence ?? 'a'}`];
  if (opts.filter) args.push('-Y', opts.filter);
  if (opts.extra) args.push(...opts.extra);
  for (const f of fields) args.push('-e', f);
  const out = tshark(args);
  if (out === '') return [];
  return out.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
}

/** Number of packets tshark reads (optionally matching a display filter). */
export function tsharkCount(file: string, filter?: string): number {
  return tsharkFields(file, ['frame.number'], { filter }).length;
}

/** Raw bytes of every frame as hex strings. */
export function tsharkFrameHex(file: string): string[] {
  const json = JSON.parse(tshark(['-r', file, '-T', 'json', '-x'])) as { _source: { layers: { frame_raw: [string, ...unknown[]] } } }[];
  return json.map((p) => p._source.layers.frame_raw[0]);
}

/** `tshark -T fields -e F | sort | uniq -c` as a map. */
export function tsharkTally(file: string, field: string, opts: FieldOptions = {}): Map<string, number> {
  const m = new Map<string, number>();
  for (const [v] of tsharkFields(file, [field], opts)) m.set(v!, (m.get(v!) ?? 0) + 1);
  return m;
}

/** One decoded packet: field name -> every occurrence (outer first); [] when absent. */
export type TsharkPacket = Record<string, string[]>;

/**
 * Read a whole file once with many fields (occurrence=a); values are split on commas, so use
 * it for fields whose values contain none (addresses, numbers, names).
 */
export function tsharkPackets(file: string, fields: string[], extra: string[] = []): TsharkPacket[] {
  return tsharkFields(file, fields, { occurrence: 'a', extra }).map((row) => {
    const p: TsharkPacket = {};
    fields.forEach((f, i) => {
      const v = row[i] ?? '';
      p[f] = v === '' ? [] : v.split(',');
    });
    return p;
  });
}
