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
};

export function parseThreshold(keyword: 'threshold' | 'detection_filter', value: string): ThresholdSpec {
  let type: number | undefined = keyword === 'detection_filter' ? ThresholdType.Detection : undefined;
  let track: number | undefined;
  let count: number | undefined;
  let seconds: number | undefined;
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
      default:
        throw invalidValue(keyword, `unknown option '${key}'`);
    }
  }
  if (type === undefined) throw invalidValue(keyword, "missing 'type'");
  if (track === undefined) throw invalidValue(keyword, "missing 'track'");
  if (count === undefined) throw invalidValue(keyword, "missing 'count'");
  if (seconds === undefined) throw invalidValue(keyword, "missing 'seconds'");
  if (type !== ThresholdType.Detection && count === 0) throw invalidValue(keyword, 'count must be at least 1');
  return { type, track, count, seconds };
}
