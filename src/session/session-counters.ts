/**
 * Per-session, per-direction packet and byte counters: Float64Arrays indexed by
 * (sessionIndex + 1) * 3 + direction, so slot 0..2 is the catch-all "unknown" session. Counted
 * on the per-packet path without allocation; published by the metrics collect callback and
 * GET /api/sessions. A reload carries the counts of sessions that kept their name and VNI, so
 * Prometheus counters never go backwards.
 */
import type { SessionConfig } from '../config/schema.js';
import { UNKNOWN_SESSION_NAME } from '../config/validate.js';

export const DIRECTIONS = 3;

export interface SessionCounterRow {
  session: string;
  /** The VNI as text; '' for the catch-all session. */
  vni: string;
}

export interface DirectionCounts {
  unknown: number;
  ingress: number;
  egress: number;
  total: number;
}

export interface SessionSnapshot {
  name: string;
  vni: number | null;
  eni: string | null;
  direction_mode: string;
  packets: DirectionCounts;
  bytes: DirectionCounts;
}

export class SessionCounters {
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
  /** Row r = session r - 1 (row 0 = unknown). */
  readonly rows: readonly SessionCounterRow[];
  private readonly sessions: readonly SessionConfig[];

  constructor(sessions: readonly SessionConfig[]) {
    this.sessions = sessions;
    this.rows = [{ session: UNKNOWN_SESSION_NAME, vni: '' }, ...sessions.map((s) => ({ session: s.name, vni: String(s.vni) }))];
    this.packets = new Float64Array(this.rows.length * DIRECTIONS);
    this.bytes = new Float64Array(this.rows.length * DIRECTIONS);
  }

  /** Copy the counts of rows with the same session name and VNI from an older set. */
  carryFrom(old: SessionCounters): void {
    const index = new Map(old.rows.map((r, i) => [`${r.session}\u0000${r.vni}`, i]));
    this.rows.forEach((r, i) => {
      const j = index.get(`${r.session}\u0000${r.vni}`);
      if (j === undefined) return;
      for (let d = 0; d < DIRECTIONS; d++) {
        this.packets[i * DIRECTIONS + d] = old.packets[j * DIRECTIONS + d]!;
        this.bytes[i * DIRECTIONS + d] = old.bytes[j * DIRECTIONS + d]!;
      }
    });
  }

  private counts(arr: Float64Array, row: number): DirectionCounts {
    const b = row * DIRECTIONS;
    const out = { unknown: arr[b]!, ingress: arr[b + 1]!, egress: arr[b + 2]!, total: 0 };
    out.total = out.unknown + out.ingress + out.egress;
    return out;
  }

  /** JSON for GET /api/sessions: configured sessions in order, then "unknown". */
  snapshot(): SessionSnapshot[] {
    const out: SessionSnapshot[] = this.sessions.map((s, i) => ({
      name: s.name,
      vni: s.vni,
      eni: s.eni,
      direction_mode: s.directionMode === 'vni' ? `vni (${s.direction})` : s.directionMode,
      packets: this.counts(this.packets, i + 1),
      bytes: this.counts(this.bytes, i + 1),
    }));
    out.push({
      name: UNKNOWN_SESSION_NAME,
      vni: null,
      eni: null,
      direction_mode: 'outer-source',
      packets: this.counts(this.packets, 0),
      bytes: this.counts(this.bytes, 0),
    });
    return out;
  }
}
