/**
 * The pipeline's FilterStage: one compiled filter per mirror session.
 *
 * `filtersBySession[p.sessionIndex + 1]` is the packet's filter: slot 0 is for packets of an
 * unknown session (sessionIndex -1) or when no session table is configured. A null (or missing)
 * filter accepts everything and leaves p.filterVerdict at -1 ("not evaluated"). The direction is
 * p.direction unless `fixedDirection` is given (e.g. `replay --direction ingress`).
 */
import type { Direction, PacketView } from '../decode/packet-view.js';
import type { FilterStage } from '../pipeline/stages.js';
import type { CompiledFilter } from './compile.js';

export class SessionFilterStage implements FilterStage {
  private readonly filters: (CompiledFilter | null)[];
  private readonly fixed: boolean;
  private readonly fixedDirection: Direction;

  constructor(filtersBySession: (CompiledFilter | null)[], fixedDirection: Direction | null) {
    this.filters = filtersBySession.slice();
    this.fixed = fixedDirection !== null;
    this.fixedDirection = fixedDirection ?? (0 as Direction);
  }

  evaluate(p: PacketView): boolean {
    const slot = p.sessionIndex + 1;
    const f = slot >= 0 && slot < this.filters.length ? this.filters[slot] : null;
    if (!f) return true;
    return f.evaluate(p, this.fixed ? this.fixedDirection : p.direction);
  }

  /** The distinct compiled filters (for summaries and metrics). */
  compiled(): CompiledFilter[] {
    const out: CompiledFilter[] = [];
    for (const f of this.filters) if (f && !out.includes(f)) out.push(f);
    return out;
  }
}
