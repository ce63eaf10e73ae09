/**
 * Problems found while loading a filter file: each names its location as a JSON path
 * (`TrafficMirrorFilters[0].IngressFilterRules[2].DestinationPortRange`) plus the line in the
 * file, and every problem is collected before failing, so one run shows them all.
 */
import { LineCounter, type Document } from 'yaml';
import { ErrorCode, MirrorsinkError, formatKeyPath, type KeyPath } from '../errors.js';

/** A field's JSON path in a filter file. */
export type Path = KeyPath;

export interface FilterProblem {
  severity: 'error' | 'warning';
  /** JSON path of the offending value, '' for the whole file. */
  path: string;
  /** 1-based line in the file, null when unknown. */
  line: number | null;
  message: string;
}

export function problemText(p: FilterProblem): string {
  const loc = p.path === '' ? 'file' : p.path;
  return p.line === null ? `${loc}: ${p.message}` : `${loc} (line ${p.line}): ${p.message}`;
}

/** Problems in file order (by line, then as found); problems without a line first. */
export function sortProblems(problems: readonly FilterProblem[]): FilterProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

/** Thrown when a filter file has errors; `problems` holds every error (and the warnings). */
export class FilterValidationError extends MirrorsinkError {
  constructor(
    readonly sourceName: string,
    problems: FilterProblem[],
  ) {
    problems = sortProblems(problems);
    const errors = problems.filter((p) => p.severity === 'error');
    super(
      ErrorCode.Filter,
      `${sourceName}: ${errors.length} error${errors.length === 1 ? '' : 's'} in filter file:\n` +
        errors.map((p) => `  ${problemText(p)}`).join('\n'),
    );
    this.name = 'FilterValidationError';
    this.problems = problems;
  }

  /** Every error and warning, in file order. */
  readonly problems: FilterProblem[];

  get errors(): FilterProblem[] {
    return this.problems.filter((p) => p.severity === 'error');
  }
}

/** Collects problems for one source file and maps JSON paths to lines. */
export class ProblemCollector {
  readonly problems: FilterProblem[] = [];

  constructor(
    readonly sourceName: string,
    readonly strict: boolean,
    private readonly doc: Document | null = null,
    private readonly lineCounter: LineCounter | null = null,
  ) {}

  lineOf(path: Path): number | null {
    if (!this.doc || !this.lineCounter) return null;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return this.lineCounter.linePos(range[0]).line;
    }
    return null;
  }

  error(path: Path, message: string): void {
    this.problems.push({ severity: 'error', path: formatKeyPath(path), line: this.lineOf(path), message });
  }

  warning(path: Path, message: string): void {
    this.problems.push({ severity: 'warning', path: formatKeyPath(path), line: this.lineOf(path), message });
  }

  /** An AWS limit or AWS-side refusal: an error with `strict`, a warning otherwise. */
  limit(path: Path, message: string): void {
    if (this.strict) this.error(path, `${message} (strict)`);
    else this.warning(path, message);
  }

  get hasErrors(): boolean {
    return this.problems.some((p) => p.severity === 'error');
  }

  warnings(): string[] {
    return sortProblems(this.problems.filter((p) => p.severity === 'warning')).map(problemText);
  }

  /** Throw a FilterValidationError when any error was collected. */
  throwIfErrors(): void {
    if (this.hasErrors) throw new FilterValidationError(this.sourceName, this.problems);
  }
}
