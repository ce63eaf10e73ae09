/**
 * State of xbits / hostbits (keywords/xbits.ts): bits per host address or per (unordered) IP
 * pair, each with an expiry time. A fixed-capacity open-addressing table of typed arrays:
 * entries are never removed, an unset bit gets expiry 0, and a slot whose bit has expired is
 * reused by the next insert that probes past it. Lookups return the first slot holding the key,
 * so a stale duplicate further along a chain is never seen. When a chain is full
 * (MAX_PROBE slots, none free or expired) the set is dropped and counted (overflow).
 * Nothing allocates per packet.
 *
 * Across pipeline threads (serve / replay --workers): hosts and IP pairs span flows, and flows
 * are spread over threads, so the table can live in SharedArrayBuffers used by every thread's
 * store (as Suricata's host and ippair tables are shared by its threads), behind one spinlock
 * held for a single operation. Bit ids are interned in rule order, the same in every thread.
 */
import type { PacketView } from '../decode/packet-view.js';
import { XbitTrack } from './keywords/xbits.js';
import { tableCapacity } from './table-capacity.js';
import { lockTable, unlockTable } from './spin-lock.js';

const WORDS = 10; // bit, kind, address A (4), address B (4)
const MAX_PROBE = 64;

/** The shared storage of an XbitStore (structured-cloneable: SharedArrayBuffers). */
export interface XbitShared {
  capacity: number;
  lock: SharedArrayBuffer;
  keys: SharedArrayBuffer;
  expiry: SharedArrayBuffer;
  used: SharedArrayBuffer;
}

/** New, empty shared storage for the stores of several threads (one per rule set). */
export function createXbitShared(capacity = 65536): XbitShared {
  const c = tableCapacity(capacity);
  return { capacity: c, lock: new SharedArrayBuffer(4), keys: new SharedArrayBuffer(c * WORDS * 4), expiry: new SharedArrayBuffer(c * 8), used: new SharedArrayBuffer(c) };
}

export class XbitStore {
  private readonly cap: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly expiry: Float64Array;
  private readonly used: Uint8Array;
  /** The spinlock word when shared, null for a thread's own store. */
  private readonly lock: Int32Array | null;
  private readonly k = new Uint32Array(WORDS);
  /** Sets dropped because their chain was full. */
  overflow = 0;
  readonly names = new Map<string, number>();

  constructor(capacity = 65536, shared: XbitShared | null = null) {
    const c = shared !== null ? shared.capacity : tableCapacity(capacity);
    this.cap = c;
    this.mask = c - 1;
    this.keys = shared !== null ? new Uint32Array(shared.keys) : new Uint32Array(c * WORDS);
    this.expiry = shared !== null ? new Float64Array(shared.expiry) : new Float64Array(c);
    this.used = shared !== null ? new Uint8Array(shared.used) : new Uint8Array(c);
    this.lock = shared !== null ? new Int32Array(shared.lock) : null;
  }

  private acquire(): void {
    lockTable(this.lock);
  }

  private release(): void {
    unlockTable(this.lock);
  }

  /** Bit id of a name (interned). */
  id(name: string): number {
    let i = this.names.get(name);
    if (i === undefined) {
      i = this.names.size;
      this.names.set(name, i);
    }
    return i;
  }

  /** Build the key for `bit` tracked by `track` (IpSrc, IpDst or IpPair) of packet p. */
  private key(bit: number, track: number, p: PacketView): boolean {
    const k = this.k;
    k.fill(0);
    k[0] = bit;
    const v6 = p.ipVersion === 6;
    if (p.ipVersion !== 4 && !v6) return false;
    k[1] = (track === XbitTrack.IpPair ? 2 : 0) | (v6 ? 1 : 0);
    if (track === XbitTrack.IpPair) {
      // Unordered: the smaller address first.
      let srcFirst = true;
      if (v6) {
        for (let i = 0; i < 4; i++) {
          if (p.src6[i] !== p.dst6[i]) {
            srcFirst = p.src6[i]! < p.dst6[i]!;
            break;
          }
        }
      } else srcFirst = p.src4 >>> 0 <= p.dst4 >>> 0;
      this.addr(2, p, srcFirst);
      this.addr(6, p, !srcFirst);
    } else this.addr(2, p, track === XbitTrack.IpSrc);
    return true;
  }

  private addr(at: number, p: PacketView, src: boolean): void {
    const k = this.k;
    if (p.ipVersion === 6) {
      const a = src ? p.src6 : p.dst6;
      for (let i = 0; i < 4; i++) k[at + i] = a[i]!;
    } else k[at] = (src ? p.src4 : p.dst4) >>> 0;
  }

  private hash(): number {
    const k = this.k;
    let h = 0x811c9dc5;
    for (let i = 0; i < WORDS; i++) h = Math.imul(h ^ k[i]!, 0x01000193);
    return (h ^ (h >>> 15)) & this.mask;
  }

  private same(slot: number): boolean {
    const base = slot * WORDS;
    const k = this.k;
    const keys = this.keys;
    for (let i = 0; i < WORDS; i++) if (keys[base + i] !== k[i]) return false;
    return true;
  }

  /** Slot holding the current key, or -1. */
  private find(): number {
    let s = this.hash();
    for (let n = 0; n < MAX_PROBE; n++) {
      if (this.used[s] === 0) return -1;
      if (this.same(s)) return s;
      s = (s + 1) & this.mask;
    }
    return -1;
  }

  private isSetKey(now: number): boolean {
    const s = this.find();
    return s >= 0 && now < this.expiry[s]!;
  }

  private setKey(now: number, expire: number): void {
    let s = this.find();
    if (s < 0) {
      // The first free or expired slot of the chain.
      let t = this.hash();
      for (let n = 0; n < MAX_PROBE; n++) {
        if (this.used[t] === 0 || this.expiry[t]! <= now) {
          s = t;
          break;
        }
        t = (t + 1) & this.mask;
      }
      if (s < 0) {
        this.overflow++;
        return;
      }
      this.used[s] = 1;
      this.keys.set(this.k, s * WORDS);
    }
    this.expiry[s] = now + expire;
  }

  private unsetKey(): void {
    const s = this.find();
    if (s >= 0) this.expiry[s] = 0;
  }

  /** isset for one track (IpSrc, IpDst, IpPair); IpBoth: either host. */
  isSet(bit: number, track: number, p: PacketView, now: number): boolean {
    this.acquire();
    try {
      if (track === XbitTrack.IpBoth) return this.isSetOne(bit, XbitTrack.IpSrc, p, now) || this.isSetOne(bit, XbitTrack.IpDst, p, now);
      return this.isSetOne(bit, track, p, now);
    } finally {
      this.release();
    }
  }

  set(bit: number, track: number, p: PacketView, now: number, expire: number): void {
    this.acquire();
    try {
      if (track === XbitTrack.IpBoth) {
        if (this.key(bit, XbitTrack.IpSrc, p)) this.setKey(now, expire);
        if (this.key(bit, XbitTrack.IpDst, p)) this.setKey(now, expire);
      } else if (this.key(bit, track, p)) this.setKey(now, expire);
    } finally {
      this.release();
    }
  }

  unset(bit: number, track: number, p: PacketView): void {
    this.acquire();
    try {
      if (track === XbitTrack.IpBoth) {
        if (this.key(bit, XbitTrack.IpSrc, p)) this.unsetKey();
        if (this.key(bit, XbitTrack.IpDst, p)) this.unsetKey();
      } else if (this.key(bit, track, p)) this.unsetKey();
    } finally {
      this.release();
    }
  }

  toggle(bit: number, track: number, p: PacketView, now: number, expire: number): void {
    this.acquire();
    try {
      if (track === XbitTrack.IpBoth) {
        this.toggleOne(bit, XbitTrack.IpSrc, p, now, expire);
        this.toggleOne(bit, XbitTrack.IpDst, p, now, expire);
      } else this.toggleOne(bit, track, p, now, expire);
    } finally {
      this.release();
    }
  }

  private isSetOne(bit: number, track: number, p: PacketView, now: number): boolean {
    return this.key(bit, track, p) && this.isSetKey(now);
  }

  private toggleOne(bit: number, track: number, p: PacketView, now: number, expire: number): void {
    if (!this.key(bit, track, p)) return;
    if (this.isSetKey(now)) this.unsetKey();
    else this.setKey(now, expire);
  }

  get capacity(): number {
    return this.cap;
  }
}
