/**
 * Drops the second copy of a packet that AWS mirrored twice.
 *
 * When both ends of a conversation are mirror sources, AWS sends each packet once from the
 * sender's ENI (egress) and once from the receiver's ENI (ingress): two VXLAN datagrams with
 * different VNIs or outer sources around the same inner IP packet. Flows, streams and alerts
 * should see it once. The two copies differ only in what the VPC rewrites on the way (Ethernet
 * addresses, possibly TTL/hop limit and so the IPv4 header checksum), so the fingerprint covers
 * the inner IP packet without those fields.
 *
 * A copy is a duplicate when a packet with the same fingerprint arrived within `windowMs` of
 * packet time from ANOTHER copy source (VNI + outer source address). Copies from the same
 * source are never merged: a TCP retransmission is real traffic, and so is a host that sends
 * the same datagram twice. Each remembered packet absorbs one duplicate, so a retransmission
 * mirrored from both ends is still seen once per transmission.
 *
 * Memory is one fixed table (open addressing, short probe run, oldest entry overwritten when
 * the run is full): a miss costs a duplicate let through (counted as `evicted`), never memory.
 * Per packet: one pass over at most `FINGERPRINT_BYTES` bytes, no allocation.
 */
import type { PacketView } from '../decode/packet-view.js';

/** Bytes of the IP packet that go into the fingerprint (headers and the start of the payload). */
const FINGERPRINT_BYTES = 128;
const PROBES = 8;

export interface DedupOptions {
  /** Copies further apart than this (packet time) are distinct packets. Default 100 ms. */
  windowMs?: number;
  /** Remembered packets (rounded up to a power of two). Default 65536. */
  tableSize?: number;
}

export const DEFAULT_DEDUP_WINDOW_MS = 100;
export const DEFAULT_DEDUP_TABLE_SIZE = 65536;

export const DedupCounter = {
  /** Packets checked. */
  Checked: 0,
  /** Second copies dropped. */
  Duplicates: 1,
  /** Remembered packets overwritten before their window ended (a later copy may get through). */
  Evicted: 2,
  Count: 3,
} as const;

export const DEDUP_COUNTER_NAMES = ['checked', 'duplicates', 'evicted'] as const;

export class PacketDedup {
  readonly windowMs: number;
  /** tableSize as asked for; `size` is it rounded up to a power of two. */
  readonly requestedSize: number;
  readonly size: number;
  readonly counters = new Float64Array(DedupCounter.Count);
  private readonly mask: number;
  private readonly fpA: Int32Array;
  private readonly fpB: Int32Array;
  private readonly source: Int32Array;
  /** Packet time in ms of the remembered copy; 0 = empty; negative = already absorbed its duplicate. */
  private readonly timeMs: Float64Array;

  constructor(opts: DedupOptions = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_DEDUP_WINDOW_MS;
    this.requestedSize = opts.tableSize ?? DEFAULT_DEDUP_TABLE_SIZE;
    let n = 1;
    while (n < this.requestedSize) n *= 2;
    this.size = n;
    this.mask = n - 1;
    this.fpA = new Int32Array(n);
    this.fpB = new Int32Array(n);
    this.source = new Int32Array(n);
    this.timeMs = new Float64Array(n);
  }

  /** True when `p` is the second copy of a packet already seen (the caller drops it). */
  isDuplicate(p: PacketView): boolean {
    if (p.ipVersion !== 4 && p.ipVersion !== 6) return false;
    this.counters[DedupCounter.Checked]++;
    const buf = p.buf;
    const start = p.l3Offset;
    let end = start + p.ipLen;
    const capEnd = p.frameOffset + p.caplen;
    if (end > capEnd) end = capEnd;
    if (end > start + FINGERPRINT_BYTES) end = start + FINGERPRINT_BYTES;
    // Fields a router may rewrite between the two mirror points: IPv4 TTL and header checksum,
    // IPv6 hop limit.
    const skipA = p.ipVersion === 4 ? start + 8 : start + 7;
    const skipB = p.ipVersion === 4 ? start + 10 : -1;
    const skipC = p.ipVersion === 4 ? start + 11 : -1;
    let a = 0x811c9dc5 | 0;
    let b = (p.ipLen * 0x9e3779b1) | 0;
    for (let i = start; i < end; i++) {
      const x = i === skipA || i === skipB || i === skipC ? 0 : buf[i]!;
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b + x, 0x5bd1e995) ^ (b >>> 15);
    }
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    b ^= b >>> 16;
    b = Math.imul(b, 0xc2b2ae35);
    b ^= b >>> 13;
    const src = copySource(p);
    const now = p.tsSec * 1000 + p.tsNsec / 1e6;
    const window = this.windowMs;
    const fpA = this.fpA;
    const fpB = this.fpB;
    const time = this.timeMs;
    let victim = -1;
    let victimTime = Infinity;
    for (let k = 0; k < PROBES; k++) {
      const i = (a + k) & this.mask;
      const t = time[i]!;
      const abs = t < 0 ? -t : t;
      if (t !== 0 && fpA[i] === a && fpB[i] === b && now - abs <= window && abs - now <= window) {
        if (t > 0 && this.source[i] !== src) {
          time[i] = -t;
          this.counters[DedupCounter.Duplicates]++;
          return true;
        }
        // Same source (a real repeat) or already absorbed its duplicate: this copy is new.
        victim = i;
        victimTime = -1;
        break;
      }
      if (t === 0 || now - abs > window) {
        if (victimTime > -1) {
          victim = i;
          victimTime = -1;
        }
      } else if (abs < victimTime) {
        victim = i;
        victimTime = abs;
      }
    }
    if (victimTime !== -1) this.counters[DedupCounter.Evicted]++;
    fpA[victim] = a;
    fpB[victim] = b;
    this.source[victim] = src;
    // 0 means empty: a packet at time 0 is stored a hair later.
    time[victim] = now > 0 ? now : Number.MIN_VALUE;
    return false;
  }
}

/** The mirror copy's origin: VNI and outer source address (int32). */
function copySource(p: PacketView): number {
  let h = Math.imul(p.vni ^ 0x27d4eb2d, 0x165667b1);
  if (p.outerIpVersion === 6) {
    const s = p.outerSrc6;
    h = Math.imul(h ^ s[0]!, 0x9e3779b1) ^ Math.imul(s[1]! ^ s[2]!, 0x85ebca6b) ^ s[3]!;
  } else h = Math.imul(h ^ p.outerSrc4, 0x9e3779b1);
  return h | 0;
}
