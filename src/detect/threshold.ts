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
 *
 * Across pipeline threads (serve / replay --workers): a count by source, destination, pair or
 * rule spans flows, and flows are spread over threads, so those entries live in
 * SharedArrayBuffers that every thread's table uses (Suricata likewise keeps them in one host /
 * ippair table shared by its threads), behind one spinlock held for a single check (a few
 * dozen array reads). by_flow entries stay in the thread's own table: a flow is on one thread
 * and its slot numbers are the thread's own.
 */
import type { PacketView } from '../decode/packet-view.js';
import { ThresholdType, Track, type ThresholdSpec } from './keywords/threshold.js';
import { tableCapacity } from './table-capacity.js';
import { lockTable, unlockTable } from './spin-lock.js';

const PROBE = 16;
/** Key words per entry: source address (4) + destination address (4). */
const KW = 8;

/** The buffers of a ThresholdTable's entries: a thread's own, or shared (structured-cloneable). */
interface ThresholdBuffers<B extends ArrayBufferLike> {
  capacity: number;
  lock: B;
  rule: B;
  kind: B;
  key: B;
  start: B;
  seconds: B;
  count: B;
  next: B;
}

/** The shared storage of a ThresholdTable (SharedArrayBuffers). */
export type ThresholdShared = ThresholdBuffers<SharedArrayBuffer>;

/** New, empty shared storage for the tables of several threads (one per rule set: a reload makes a new one). */
export function createThresholdShared(capacity = 1 << 16): ThresholdShared {
  return thresholdStorage(tableCapacity(capacity), SharedArrayBuffer);
}

/** Storage for `c` entries in buffers of `Buffer` (shared, or a thread's own ArrayBuffers). */
function thresholdStorage<B extends ArrayBufferLike>(c: number, Buffer: new (bytes: number) => B): ThresholdBuffers<B> {
  const st = {
    capacity: c,
    lock: new Buffer(4),
    rule: new Buffer(c * 4),
    kind: new Buffer(c),
    key: new Buffer(c * KW * 4),
    start: new Buffer(c * 8),
    seconds: new Buffer(c * 8),
    count: new Buffer(c * 8),
    next: new Buffer(c * 8),
  };
  new Int32Array(st.rule).fill(-1);
  return st;
}

/** The entries themselves: views of a thread's own buffers, or of shared ones. */
class ThresholdStore {
  readonly mask: number;
  /** Rule id, -1 = empty. */
  readonly entRule: Int32Array;
  readonly entKind: Uint8Array;
  readonly entKey: Uint32Array;
  /** Start of the current window (float seconds). */
  readonly entStart: Float64Array;
  /** Window length of the owning rule (to know when an entry expired). */
  readonly entSeconds: Float64Array;
  readonly entCount: Float64Array;
  /** backoff: the match count that alerts next. */
  readonly entNext: Float64Array;
  /** The spinlock word when shared, null for a thread's own store. */
  readonly lock: Int32Array | null;

  constructor(capacity: number, shared: ThresholdShared | null) {
    const b = shared ?? thresholdStorage(capacity, ArrayBuffer);
    this.mask = b.capacity - 1;
    this.lock = shared !== null ? new Int32Array(shared.lock) : null;
    this.entRule = new Int32Array(b.rule);
    this.entKind = new Uint8Array(b.kind);
    this.entKey = new Uint32Array(b.key);
    this.entStart = new Float64Array(b.start);
    this.entSeconds = new Float64Array(b.seconds);
    this.entCount = new Float64Array(b.count);
    this.entNext = new Float64Array(b.next);
  }
}

export class ThresholdTable {
  readonly capacity: number;
  /** by_flow entries (and everything when not shared). */
  private readonly own: ThresholdStore;
  /** by_src / by_dst / by_both / by_rule entries: shared by every pipeline thread when given. */
  private readonly across: ThresholdStore;
  /** The store of the check in progress. */
  private st: ThresholdStore;
  /** Scratch key of the packet being checked. */
  private readonly key = new Uint32Array(KW);
  private keyKind = 0;
  evictions = 0;

  constructor(capacity = 1 << 16, shared: ThresholdShared | null = null) {
    this.capacity = tableCapacity(capacity);
    this.own = new ThresholdStore(this.capacity, null);
    this.across = shared !== null ? new ThresholdStore(shared.capacity, shared) : this.own;
    this.st = this.own;
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
    const st = this.st;
    if (st.entRule[e] !== rule || st.entKind[e] !== this.keyKind) return false;
    const o = e * KW;
    const k = this.key;
    const ek = st.entKey;
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
    const st = spec.track === Track.ByFlow ? this.own : this.across;
    this.st = st;
    if (st.lock === null) return this.checkIn(st, spec, rule, now);
    lockTable(st.lock);
    try {
      return this.checkIn(st, spec, rule, now);
    } finally {
      unlockTable(st.lock);
    }
  }

  private checkIn(st: ThresholdStore, spec: ThresholdSpec, rule: number, now: number): boolean {
    const h = this.hash(rule);
    let found = -1;
    let free = -1;
    let oldest = -1;
    let oldestStart = Infinity;
    for (let k = 0; k < PROBE; k++) {
      const e = (h + k) & st.mask;
      if (this.sameKey(e, rule)) {
        found = e;
        break;
      }
      if (free < 0) {
        if (st.entRule[e]! < 0 || now - st.entStart[e]! > st.entSeconds[e]!) free = e;
        else if (st.entStart[e]! < oldestStart) {
          oldestStart = st.entStart[e]!;
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
      st.entRule[e] = rule;
      st.entKind[e] = this.keyKind;
      st.entKey.set(this.key, e * KW);
      st.entStart[e] = now;
      st.entSeconds[e] = spec.seconds;
      return this.first(st, spec, e);
    }
    const e = found;
    const within = now - st.entStart[e]! <= spec.seconds;
    const count = spec.count;
    switch (spec.type) {
      case ThresholdType.Limit:
        if (within) {
          st.entCount[e]!++;
          return st.entCount[e]! <= count;
        }
        st.entStart[e] = now;
        st.entCount[e] = 1;
        return true;
      case ThresholdType.Threshold:
        if (within) {
          st.entCount[e]!++;
          if (st.entCount[e]! >= count) {
            st.entCount[e] = 0;
            return true;
          }
          return false;
        }
        st.entStart[e] = now;
        st.entCount[e] = 1;
        return count <= 1;
      case ThresholdType.Both:
        if (within) {
          st.entCount[e]!++;
          return st.entCount[e] === count;
        }
        st.entStart[e] = now;
        st.entCount[e] = 1;
        return count === 1;
      case ThresholdType.Backoff:
        st.entCount[e]!++;
        if (st.entCount[e] === st.entNext[e]) {
          st.entNext[e] = st.entNext[e]! * spec.multiplier!;
          return true;
        }
        return false;
      case ThresholdType.Detection:
        if (within) {
          st.entCount[e]!++;
          return st.entCount[e]! > count;
        }
        st.entStart[e] = now;
        st.entCount[e] = 1;
        return count === 0;
      default:
        return true;
    }
  }

  /** State of a new entry after its first match; whether that match alerts. */
  private first(st: ThresholdStore, spec: ThresholdSpec, e: number): boolean {
    if (spec.type === ThresholdType.Backoff) {
      st.entCount[e] = 1;
      st.entNext[e] = spec.count === 1 ? spec.multiplier! : spec.count;
      return spec.count === 1;
    }
    if (spec.type === ThresholdType.Threshold && spec.count <= 1) {
      st.entCount[e] = 0;
      return true;
    }
    st.entCount[e] = 1;
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
