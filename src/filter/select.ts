/**
 * Choosing one filter when a file holds several (`filterId` option / `--filter-id`).
 */
import type { Path, ProblemCollector } from './problems.js';

export interface FilterCandidate {
  /** What the user sees in the list (the TrafficMirrorFilterId, resource address...). */
  label: string;
  /** Every string `filterId` may use to pick this one. */
  keys: string[];
  path: Path;
}

/**
 * Index of the chosen candidate, or -1 after recording an error (none in the file, several and
 * no choice, or no candidate has that id).
 */
export function chooseFilter(pc: ProblemCollector, candidates: FilterCandidate[], filterId: string | undefined, listPath: Path): number {
  const labels = candidates.map((c) => c.label).join(', ');
  if (filterId !== undefined) {
    const i = candidates.findIndex((c) => c.keys.includes(filterId));
    if (i < 0) {
      pc.error(listPath, candidates.length === 0
        ? `no filter in the file (looked for '${filterId}')`
        : `no filter '${filterId}' in the file (filters: ${labels})`);
    }
    return i;
  }
  if (candidates.length === 0) {
    pc.error(listPath, 'no traffic mirror filter in the file');
    return -1;
  }
  if (candidates.length > 1) {
    pc.error(listPath, `${candidates.length} filters in the file (${labels}): choose one with filterId / --filter-id`);
    return -1;
  }
  return 0;
}
