/**
 * threshold and detection_filter keywords:
 *   threshold: type limit|threshold|both, track by_src|by_dst|by_rule|by_both|by_flow,
 *              count N, seconds T;
 *   detection_filter: track by_src|by_dst|by_rule|by_both|by_flow, count N, seconds T;
 * The state lives in threshold.ts; windows run on packet time.
 */
import { invalidValue } from '../rule-error.js';

export const ThresholdType = {
  Limit: 0,
  Threshold: 1,
  Both: 2,
  Detection: 3,
  /** Suricata 7.0.4+: alerts on the count-th match, then count*multiplier, count*multiplier^2... (by_flow only). */
  Backoff: 4,
} as const;

export const Track = {
  BySrc: 0,
  ByDst: 1,
  ByRule: 2,
  /** Source and destination pair. */
  ByBoth: 3,
  ByFlow: 4,
} as const;

export interface ThresholdSpec {
  type: number;
  track: number;
  count: number;
  seconds: number;
  /** backoff only (else 0). */
  multiplier?: number;
}

const TRACKS: Record<string, number> = {
  by_src: Track.BySrc,
  by_dst: Track.ByDst,
  by_rule: Track.ByRule,
  by_both: Track.ByBoth,
  by_flow: Track.ByFlow,
};

const TYPES: Record<string, number> = {
  limit: ThresholdType.Limit,
  threshold: ThresholdType.Threshold,
  both: ThresholdType.Both,
  backoff: ThresholdType.Backoff,
};

export function parseThreshold(keyword: 'threshold' | 'detection_filter', value: string): ThresholdSpec {
  let type: number | undefined = keyword === 'detection_filter' ? ThresholdType.Detection : undefined;
  let track: number | undefined;
  let count: number | undefined;
  let seconds: number | undefined;
  let multiplier: number | undefined;
  for (const raw of value.split(',')) {
    const part = raw.trim();
    const m = /^(\w+)\s+(\S+)$/.exec(part);
    if (!m) throw invalidValue(keyword, `cannot parse '${part}'`);
    const key = m[1]!.toLowerCase();
    const val = m[2]!;
    switch (key) {
      case 'type':
        if (keyword === 'detection_filter') throw invalidValue(keyword, "has no 'type'");
        type = TYPES[val.toLowerCase()];
        if (type === undefined) throw invalidValue(keyword, `unknown type '${val}'`);
        break;
      case 'track':
        track = TRACKS[val.toLowerCase()];
        if (track === undefined) throw invalidValue(keyword, `unknown track '${val}'`);
        break;
      case 'count':
        if (!/^\d+$/.test(val)) throw invalidValue(keyword, `bad count '${val}'`);
        count = Number(val);
        break;
      case 'seconds':
        if (!/^\d+$/.test(val)) throw invalidValue(keyword, `bad seconds '${val}'`);
        seconds = Number(val);
        break;
      case 'multiplier':
        if (!/^\d+$/.test(val) || Number(val) < 2) throw invalidValue(keyword, `bad multiplier '${val}' (2 or more)`);
        multiplier = Number(val);
        break;
      default:
        throw invalidValue(keyword, `unknown option '${key}'`);
    }
  }
  if (type === undefined) throw invalidValue(keyword, "missing 'type'");
  if (track === undefined) throw invalidValue(keyword, "missing 'track'");
  if (count === undefined) throw invalidValue(keyword, "missing 'count'");
  if (type === ThresholdType.Backoff) {
    if (track !== Track.ByFlow) throw invalidValue(keyword, "backoff needs 'track by_flow'");
    if (multiplier === undefined) throw invalidValue(keyword, "backoff needs 'multiplier'");
    if (seconds !== undefined) throw invalidValue(keyword, "backoff takes no 'seconds'");
    if (count === 0) throw invalidValue(keyword, 'count must be at least 1');
    // The state lives as long as the flow: no time window.
    return { type, track, count, seconds: Infinity, multiplier };
  }
  if (multiplier !== undefined) throw invalidValue(keyword, "'multiplier' is for type backoff");
  if (seconds === undefined) throw invalidValue(keyword, "missing 'seconds'");
  if (type !== ThresholdType.Detection && count === 0) throw invalidValue(keyword, 'count must be at least 1');
  return { type, track, count, seconds };
}
