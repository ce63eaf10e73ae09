/**
 * threshold / detection_filter state, on packet time, in a bounded open-addressing table of
 * typed arrays keyed by (rule, tracked thing): an address (by_src/by_dst), an address pair
 * (by_both), a flow slot + generation (by_flow) or nothing (by_rule).
 *
 * Semantics follow Suricata's detect-engine-threshold.c (window starts at the first match
 * and is `seconds` long, inclusive):
 *   limit:     alert on the first `count` matches per window.
 *   threshold: alert on every `count`-th match in a window (counter restarts after each).
 *   both:      alert once per window, on the `count`-th match.
 *   detection_filter: alert on every match after the first `count` in the window.
 *
 * Bounded: PROBE entries per key; an expired entry of any key is reused; when a window holds
 * only live entries the one whose window started earliest is overwritten (`evictions`).
 */
import type { PacketView } from '../decode/packet-view.js';
import { ThresholdType, Track, type ThresholdSpec } from './keywords/threshold.js';

const PROBE = 16;
/** Key words per entry: source address (4) + destination address (4). */
const KW = 8;

export class ThresholdTable {
  readonly capacity: number;
  private readonly mask: number;
  /** Rule id, -1 = empty. */
  private readonly entRule: Int32Array;
  private readonly entKind: Uint8Array;
  private readonly entKey: Uint32Array;
  /** Start of the current window (float seconds). */
  private readonly entStart: Float64Array;
  /** Window length of the owning rule (to know when an entry expired). */
  private readonly entSeconds: Float64Array;
  private readonly entCount: Float64Array;
  /** backoff: the match count that alerts next. */
  private readonly entNext: Float64Array;
  /** Scratch key of the packet being checked. */
  private readonly key = new Uint32Array(KW);
  private keyKind = 0;
  evictions = 0;

  constructor(capacity = 1 << 16) {
    let c = 1;
    while (c < capacity) c *= 2;
    this.capacity = c;
    this.mask = c - 1;
    this.entRule = new Int32Array(c).fill(-1);
    this.entKind = new Uint8Array(c);
    this.entKey = new Uint32Array(c * KW);
    this.entStart = new Float64Array(c);
    this.entSeconds = new Float64Array(c);
    this.entCount = new Float64Array(c);
    this.entNext = new Float64Array(c);
  }

  /** Fill the scratch key from the packet; kind 0 = family-less (rule/flow), 4 / 6 = IP. */
  private buildKey(p: PacketView, track: number, flowGen: number): void {
    const k = this.key;
    k.fill(0);
    switch (track) {
      case Track.ByRule:
        this.keyKind = 0;
        return;
      case Track.ByFlow:
        this.keyKind = 1;
        k[0] = p.flowIndex >>> 0;
        k[1] = flowGen >>> 0;
        return;
    }
    const v6 = p.ipVersion === 6;
    this.keyKind = v6 ? 6 : 4;
    const useSrc = track === Track.BySrc || track === Track.ByBoth;
    const useDst = track === Track.ByDst || track === Track.ByBoth;
    if (useSrc) {
      if (v6) {
        k[0] = p.src6[0]!;
        k[1] = p.src6[1]!;
        k[2] = p.src6[2]!;
        k[3] = p.src6[3]!;
      } else k[3] = p.src4 >>> 0;
    }
    if (useDst) {
      if (v6) {
        k[4] = p.dst6[0]!;
        k[5] = p.dst6[1]!;
        k[6] = p.dst6[2]!;
        k[7] = p.dst6[3]!;
      } else k[7] = p.dst4 >>> 0;
    }
    if (track === Track.BySrc) this.keyKind |= 0x10;
    else if (track === Track.ByDst) this.keyKind |= 0x20;
    else this.keyKind |= 0x30;
  }

  private hash(rule: number): number {
    let h = Math.imul(rule + 1, 0x9e3779b1) ^ this.keyKind;
    const k = this.key;
    for (let i = 0; i < KW; i++) h = Math.imul(h ^ k[i]!, 0x85ebca77) ^ (h >>> 13);
    return h >>> 0;
  }

  private sameKey(e: number, rule: number): boolean {
    if (this.entRule[e] !== rule || this.entKind[e] !== this.keyKind) return false;
    const o = e * KW;
    const k = this.key;
    const ek = this.entKey;
    for (let i = 0; i < KW; i++) if (ek[o + i] !== k[i]) return false;
    return true;
  }

  /**
   * Count one match of `rule` (by id) at packet time `now` and say whether it alerts.
   * @param flowGen generation of p.flowIndex (by_flow only)
   */
  check(spec: ThresholdSpec, rule: number, p: PacketView, now: number, flowGen: number): boolean {
    if (spec.track === Track.ByFlow && p.flowIndex < 0) {
      // No flow to track by: every match counts as the first one of its own window.
      return firstMatchAlerts(spec);
    }
    this.buildKey(p, spec.track, flowGen);
    const h = this.hash(rule);
    let found = -1;
    let free = -1;
    let oldest = -1;
    let oldestStart = Infinity;
    for (let k = 0; k < PROBE; k++) {
      const e = (h + k) & this.mask;
      if (this.sameKey(e, rule)) {
        found = e;
        break;
      }
      if (free < 0) {
        if (this.entRule[e]! < 0 || now - this.entStart[e]! > this.entSeconds[e]!) free = e;
        else if (this.entStart[e]! < oldestStart) {
          oldestStart = this.entStart[e]!;
          oldest = e;
        }
      }
    }
    if (found < 0) {
      let e = free;
      if (e < 0) {
        e = oldest;
        this.evictions++;
      }
      this.entRule[e] = rule;
      this.entKind[e] = this.keyKind;
      this.entKey.set(this.key, e * KW);
      this.entStart[e] = now;
      this.entSeconds[e] = spec.seconds;
      return this.first(spec, e);
    }
    const e = found;
    const within = now - this.entStart[e]! <= spec.seconds;
    const count = spec.count;
    switch (spec.type) {
      case ThresholdType.Limit:
        if (within) {
          this.entCount[e]!++;
          return this.entCount[e]! <= count;
        }
        this.entStart[e] = now;
        this.entCount[e] = 1;
        return true;
      case ThresholdType.Threshold:
        if (within) {
          this.entCount[e]!++;
          if (this.entCount[e]! >= count) {
            this.entCount[e] = 0;
            return true;
          }
          return false;
        }
        this.entStart[e] = now;
        this.entCount[e] = 1;
        return count <= 1;
      case ThresholdType.Both:
        if (within) {
          this.entCount[e]!++;
          return this.entCount[e] === count;
        }
        this.entStart[e] = now;
        this.entCount[e] = 1;
        return count === 1;
      case ThresholdType.Backoff:
        this.entCount[e]!++;
        if (this.entCount[e] === this.entNext[e]) {
          this.entNext[e] = this.entNext[e]! * spec.multiplier!;
          return true;
        }
        return false;
      case ThresholdType.Detection:
        if (within) {
          this.entCount[e]!++;
          return this.entCount[e]! > count;
        }
        this.entStart[e] = now;
        this.entCount[e] = 1;
        return count === 0;
      default:
        return true;
    }
  }

  /** State of a new entry after its first match; whether that match alerts. */
  private first(spec: ThresholdSpec, e: number): boolean {
    if (spec.type === ThresholdType.Backoff) {
      this.entCount[e] = 1;
      this.entNext[e] = spec.count === 1 ? spec.multiplier! : spec.count;
      return spec.count === 1;
    }
    if (spec.type === ThresholdType.Threshold && spec.count <= 1) {
      this.entCount[e] = 0;
      return true;
    }
    this.entCount[e] = 1;
    return firstMatchAlerts(spec);
  }
}

function firstMatchAlerts(spec: ThresholdSpec): boolean {
  switch (spec.type) {
    case ThresholdType.Limit:
      return true;
    case ThresholdType.Threshold:
    case ThresholdType.Both:
      return spec.count <= 1;
    case ThresholdType.Detection:
      return spec.count === 0;
    case ThresholdType.Backoff:
      return spec.count === 1;
    default:
      return true;
  }
}
