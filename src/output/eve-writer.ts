/**
 * EVE JSON (and fast.log) files: the shared buffered line writer (line-writer.ts) with the
 * "eve" output label by default. Kept as its own name because the EVE writer is what stages,
 * tests and reload (same path → same writer, reopened) talk about.
 */
import type { LineWriter } from '../detect/alert-sink.js';
import { BufferedLineWriter, STDOUT, type BufferedLineWriterOptions } from './line-writer.js';

export { STDOUT };
export type EveWriterOptions = BufferedLineWriterOptions;

export class EveWriter extends BufferedLineWriter {
  /** @param target a file path (appended to, created with its directory) or "-" for stdout */
  constructor(target: string, opts: EveWriterOptions = {}) {
    super(target, { output: 'eve', ...opts });
  }
}

/** Collects lines in memory (tests, in-process replay). */
export class MemoryLineWriter implements LineWriter {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}
