/**
 * Write failures of the outputs (EVE, fast.log, flow logs), counted by (output, errno code),
 * and lines dropped because a target did not take them. Outputs never throw on a write error:
 * they count it here, the service logs what is new once per interval and /metrics publishes
 * mirrorsink_output_write_errors_total{output,code}. Not on the per-packet path (only failed
 * writes and drops land here), so a Map is fine.
 */

export interface OutputErrorEntry {
  output: string;
  code: string;
  count: number;
  /** Last message seen (path and errno text). */
  message: string;
}

export class OutputErrors {
  private readonly errors = new Map<string, OutputErrorEntry>();
  private readonly drops = new Map<string, number>();
  /** Errors since the last takeReport(), same keys. */
  private fresh = new Map<string, OutputErrorEntry>();
  private freshDrops = new Map<string, number>();

  error(output: string, code: string, message: string): void {
    const key = `${output}\u0000${code}`;
    const e = this.errors.get(key);
    if (e === undefined) this.errors.set(key, { output, code, count: 1, message });
    else {
      e.count++;
      e.message = message;
    }
    const f = this.fresh.get(key);
    if (f === undefined) this.fresh.set(key, { output, code, count: 1, message });
    else {
      f.count++;
      f.message = message;
    }
  }

  dropped(output: string, lines: number): void {
    if (lines <= 0) return;
    this.drops.set(output, (this.drops.get(output) ?? 0) + lines);
    this.freshDrops.set(output, (this.freshDrops.get(output) ?? 0) + lines);
  }

  errorSeries(): { output: string; code: string; count: number }[] {
    return [...this.errors.values()].map((e) => ({ output: e.output, code: e.code, count: e.count }));
  }

  dropSeries(): { output: string; count: number }[] {
    return [...this.drops].map(([output, count]) => ({ output, count }));
  }

  /** Total errors of one output (any code), or of every output. */
  total(output?: string): number {
    let n = 0;
    for (const e of this.errors.values()) if (output === undefined || e.output === output) n += e.count;
    return n;
  }

  /**
   * What happened since the last call (one entry per output and code, with dropped lines of
   * that output), for logging once per interval instead of once per failed write.
   */
  takeReport(): (OutputErrorEntry & { dropped: number })[] {
    const out = [...this.fresh.values()].map((e) => ({ ...e, dropped: this.freshDrops.get(e.output) ?? 0 }));
    for (const [output, n] of this.freshDrops) {
      if (!out.some((e) => e.output === output)) out.push({ output, code: 'dropped', count: 0, message: 'lines dropped', dropped: n });
    }
    this.fresh = new Map();
    this.freshDrops = new Map();
    return out;
  }
}

/** The process's counters: every writer counts here unless given its own (tests). */
export const outputErrors = new OutputErrors();

/** The errno code of a failure ("EIO" when it has none). */
export function errnoCode(err: unknown): string {
  const c = (err as NodeJS.ErrnoException | null)?.code;
  return typeof c === 'string' && c !== '' ? c : 'EIO';
}
