/**
 * Configuration problems: every one names where the bad value came from (the file and line, an
 * environment variable or a command-line flag), the key (`sessions[1].addresses[0]`) and what
 * is wrong. All problems are collected before failing, so one run shows them all.
 */
import { ErrorCode, MirrorsinkError, formatKeyPath, type KeyPath } from '../errors.js';

export type { KeyPath };

/** Where a key's value came from, for messages and for resolving relative paths. */
export interface KeyOrigin {
  /** Human text: `/etc/mirrorsink.yaml:12`, `environment variable MIRRORSINK_HTTP_PORT`, `--http-port`. */
  where: string;
  /** Directory relative paths in this value are resolved against. */
  baseDir: string;
}

export class ConfigProblems {
  private readonly entries: { text: string; line: number; seq: number }[] = [];

  constructor(private readonly originOf: (path: KeyPath) => KeyOrigin) {}

  add(path: KeyPath, message: string): void {
    const key = formatKeyPath(path);
    const where = this.originOf(path).where;
    // Flags and variables first, then the file in line order.
    const m = /:(\d+)$/.exec(where);
    const line = m ? Number(m[1]) : where.startsWith('-') || where.startsWith('environment') ? -1 : 0;
    this.entries.push({ text: `${where}: ${key === '' ? '(top level)' : key}: ${message}`, line, seq: this.entries.length });
  }

  /**
   * A problem in another file the configuration names (AWS CLI JSON read for `sessions`): its
   * own `file:line` and field, e.g. `TrafficMirrorSessions[2].VirtualNetworkId`.
   */
  addAt(where: string, field: string, message: string): void {
    const m = /:(\d+)$/.exec(where);
    this.entries.push({ text: `${where}: ${field === '' ? '(top level)' : field}: ${message}`, line: m ? Number(m[1]) : 0, seq: this.entries.length });
  }

  /** Every problem, in file-line order (overrides first). */
  get list(): string[] {
    return [...this.entries].sort((a, b) => a.line - b.line || a.seq - b.seq).map((e) => e.text);
  }

  origin(path: KeyPath): KeyOrigin {
    return this.originOf(path);
  }

  get count(): number {
    return this.entries.length;
  }
}

/** Thrown when the configuration is invalid; `problems` holds every problem found. */
export class ConfigError extends MirrorsinkError {
  constructor(
    readonly problems: string[],
    readonly file: string | null,
  ) {
    super(
      ErrorCode.Config,
      `invalid configuration${file !== null ? ` in ${file}` : ''} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
