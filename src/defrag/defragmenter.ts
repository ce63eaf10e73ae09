/**
 * IP defragmentation with Suricata's semantics (src/defrag.c, src/defrag-hash.c).
 *
 * insert(p) takes one decoded fragment (IPv4 with MF or an offset, IPv6 with a fragment header
 * that is not atomic) and, when it completes a datagram, rebuilds it into `out`:
 * the first fragment's bytes from its link header (the inner Ethernet header for tunnelled
 * packets, as Suricata's tunnel child packets start there) through its IP header, then the
 * reassembled payload. out[outL3] is the IP header; ip_len/ip_off/checksum (IPv4) or
 * plen/next-header (IPv6, fragment header removed) are fixed as Suricata fixes them.
 *
 * State lives in preallocated typed arrays (allocated on the first fragment, so a pipeline that
 * never sees one pays nothing): trackers (one per datagram being rebuilt, keyed by address
 * family, IP ID, protocol, src/dst in either order, VLAN IDs and the tunnel it came in:
 * VNI, depth and outer addresses, so fragments of different mirror sessions never mix),
 * a fragment table (offset order per tracker) and the FragmentStore for their bytes. Trackers
 * are kept in a least-recently-used list, so timeouts (packet time) are found oldest first.
 * Nothing is allocated per fragment and nothing throws: every refusal is counted.
 */
import { DecodeEvent, decodeEvent, type DecodeCounters } from '../decode/decode-events.js';
import type { PacketView } from '../decode/packet-view.js';
import { DefragCounter, DefragCounters } from './defrag-counters.js';
import { TIMEOUT_MAX, TIMEOUT_MIN, defragConfig, type DefragConfig } from './defrag-config.js';
import { DefragPolicy } from './defrag-policy.js';
import { FragmentStore } from './fragment-store.js';

const IPV4_MAXPACKET_LEN = 65535;
const IPV6_MAXPACKET = 65535;
/** Room for the link header(s) before the IP header in the rebuilt buffer. */
const MAX_LINK_PREFIX = 1024;
/** Largest rebuilt buffer: link prefix + IPv6 header + unfragmentable headers + 65535. */
export const DEFRAG_OUT_CAPACITY = MAX_LINK_PREFIX + 40 + 2048 + 65535 + 8;

const NH_HOPOPTS = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_DSTOPTS = 60;

/** What insert() did with the fragment. */
export const enum DefragResult {
  /** Kept (or dropped by the overlap policy); the datagram is not complete yet. */
  Held = 0,
  /** The datagram is complete: it is in out[0, outLen). */
  Complete = 1,
  /** Not a fragment the defragmenter takes (atomic IPv6 fragment, not IP). */
  NotFragment = 2,
  /** Refused: counted (too large, truncated, no tracker/slot/memory, invalid length). */
  Refused = 3,
}

export class Defragmenter {
  readonly config: DefragConfig;
  readonly counters = new DefragCounters();
  /** The rebuilt datagram after insert() returned Complete. */
  readonly out = new Uint8Array(DEFRAG_OUT_CAPACITY);
  outLen = 0;
  /** Offset of the IP header in out (= length of the link header copied from the first fragment). */
  outL3 = 0;

  private allocated = false;
  private store!: FragmentStore;
  private hashMask = 0;
  private buckets!: Int32Array;
  // ---- trackers ----
  private tHashNext!: Int32Array;
  private tBucket!: Int32Array;
  private tLruPrev!: Int32Array;
  private tLruNext!: Int32Array;
  private lruOldest = -1;
  private lruNewest = -1;
  private tFreeNext!: Int32Array;
  private tFree = -1;
  private tUsed!: Uint8Array;
  private tAf!: Uint8Array;
  private tProto!: Uint8Array;
  private tId!: Float64Array;
  private tSrc!: Uint32Array;
  private tDst!: Uint32Array;
  private tVlan!: Uint16Array;
  private tVni!: Int32Array;
  private tDepth!: Uint8Array;
  private tOuter!: Uint32Array;
  private tTimeout!: Float64Array;
  private tPolicy!: Uint8Array;
  private tSeenLast!: Uint8Array;
  private tHead!: Int32Array;
  /** Trackers in use. */
  activeTrackers = 0;
  // ---- fragments ----
  private fNext!: Int32Array;
  private fPrev!: Int32Array;
  private fFree = -1;
  private fOffset!: Int32Array;
  private fDataLen!: Int32Array;
  private fLtrim!: Int32Array;
  private fMore!: Uint8Array;
  private fBlock!: Int32Array;
  /** Stored bytes before the data (link + IP headers), 0 unless the fragment starts the datagram. */
  private fHdrLen!: Int32Array;
  private fL3Rel!: Int32Array;
  /** IPv4: IP header length; IPv6: offset of the fragment header in the stored bytes. */
  private fHlen!: Int32Array;
  /** IPv6: offset of the next-header byte that named the fragment header, and its next header. */
  private fNhRel!: Int32Array;
  private fNh!: Uint8Array;
  /** Fragments in use. */
  activeFrags = 0;

  // ---- the fragment being inserted (fields, not objects) ----
  private curFragHdr = 0;
  private curNhOff = 0;
  private curNh = 0;
  private curDataStart = 0;
  private curDataLen = 0;

  constructor(config: Partial<DefragConfig> = {}) {
    const c = defragConfig(config);
    if (!(c.timeout >= TIMEOUT_MIN && c.timeout <= TIMEOUT_MAX)) c.timeout = c.timeout < TIMEOUT_MIN ? TIMEOUT_MIN : TIMEOUT_MAX;
    c.trackers = Math.max(1, Math.floor(c.trackers));
    c.maxFrags = Math.max(1, Math.floor(c.maxFrags));
    this.config = c;
  }

  /** Bytes of fragment data held (defrag.memuse). */
  get memuse(): number {
    return this.allocated ? this.store.memuse : 0;
  }

  private ensure(): void {
    if (this.allocated) return;
    this.allocated = true;
    const T = this.config.trackers;
    const F = this.config.maxFrags;
    let h = 1;
    while (h < this.config.hashSize && h < 1 << 24) h <<= 1;
    this.hashMask = h - 1;
    this.buckets = new Int32Array(h).fill(-1);
    this.store = new FragmentStore(this.config.memcap);
    this.tHashNext = new Int32Array(T);
    this.tBucket = new Int32Array(T);
    this.tLruPrev = new Int32Array(T);
    this.tLruNext = new Int32Array(T);
    this.tFreeNext = new Int32Array(T);
    for (let i = 0; i < T; i++) this.tFreeNext[i] = i + 1 < T ? i + 1 : -1;
    this.tFree = 0;
    this.tUsed = new Uint8Array(T);
    this.tAf = new Uint8Array(T);
    this.tProto = new Uint8Array(T);
    this.tId = new Float64Array(T);
    this.tSrc = new Uint32Array(T * 4);
    this.tDst = new Uint32Array(T * 4);
    this.tVlan = new Uint16Array(T * 3);
    this.tVni = new Int32Array(T);
    this.tDepth = new Uint8Array(T);
    this.tOuter = new Uint32Array(T * 8);
    this.tTimeout = new Float64Array(T);
    this.tPolicy = new Uint8Array(T);
    this.tSeenLast = new Uint8Array(T);
    this.tHead = new Int32Array(T).fill(-1);
    this.fNext = new Int32Array(F);
    this.fPrev = new Int32Array(F);
    for (let i = 0; i < F; i++) this.fNext[i] = i + 1 < F ? i + 1 : -1;
    this.fFree = 0;
    this.fOffset = new Int32Array(F);
    this.fDataLen = new Int32Array(F);
    this.fLtrim = new Int32Array(F);
    this.fMore = new Uint8Array(F);
    this.fBlock = new Int32Array(F);
    this.fHdrLen = new Int32Array(F);
    this.fL3Rel = new Int32Array(F);
    this.fHlen = new Int32Array(F);
    this.fNhRel = new Int32Array(F);
    this.fNh = new Uint8Array(F);
  }

  /**
   * Take one decoded fragment. Sets engine events on p (overlap, too large, ignored, invalid
   * length) and counts. Returns Complete when out holds a rebuilt datagram.
   */
  insert(p: PacketView, c: DecodeCounters): DefragResult {
    if (!p.isFragment || p.error !== 0) return DefragResult.NotFragment;
    const v4 = p.ipVersion === 4;
    if (!v4 && p.ipVersion !== 6) return DefragResult.NotFragment;
    const b = p.buf;
    const l3 = p.l3Offset;
    let moreFrags: number;
    let fragOffset: number;
    let proto: number;
    let hlen = 0;
    if (v4) {
      moreFrags = p.ipFlags & 1;
      fragOffset = p.fragOffset;
      hlen = p.ipHeaderLen;
      proto = p.ipProto;
      this.curDataStart = l3 + hlen;
      this.curDataLen = p.ipLen - hlen;
    } else {
      const capEnd6 = p.frameOffset + p.caplen < b.length ? p.frameOffset + p.caplen : b.length;
      if (!this.findIpv6FragHeader(b, l3, p.ipLen, capEnd6)) return DefragResult.NotFragment;
      const fh = this.curFragHdr;
      const fo = (b[fh + 2]! << 8) | b[fh + 3]!;
      fragOffset = fo & 0xfff8;
      moreFrags = fo & 1;
      proto = b[fh]!;
      this.curDataStart = fh + 8;
      this.curDataLen = l3 + p.ipLen - (fh + 8);
      // An atomic fragment (offset 0, no more fragments) is a whole datagram (RFC 6946).
      if (fragOffset === 0 && moreFrags === 0) return DefragResult.NotFragment;
    }
    const dataLen = this.curDataLen;
    if (!v4 && moreFrags !== 0 && (dataLen & 7) !== 0) {
      // RFC 8200: every fragment but the last carries a multiple of 8 bytes. Suricata's IPv6
      // decoder refuses it before defrag sees it (not counted as a fragment); the decoder here
      // raises ipv6.frag_invalid_length too (decode/ipv6.ts), so it is not raised again.
      return DefragResult.Refused;
    }
    const counters = this.counters.values;
    counters[v4 ? DefragCounter.Ipv4Fragments : DefragCounter.Ipv6Fragments]++;
    if (dataLen < 0) {
      counters[DefragCounter.ReassemblyFailed]++;
      return DefragResult.Refused;
    }
    if (v4 ? 20 + fragOffset + dataLen > IPV4_MAXPACKET_LEN : fragOffset + dataLen > IPV6_MAXPACKET) {
      decodeEvent(p, c, v4 ? DecodeEvent.Ipv4FragPktTooLarge : DecodeEvent.Ipv6FragPktTooLarge);
      return DefragResult.Refused;
    }
    const capEnd = p.frameOffset + p.caplen < b.length ? p.frameOffset + p.caplen : b.length;
    if (p.truncated || this.curDataStart + dataLen > capEnd) {
      counters[DefragCounter.Truncated]++;
      return DefragResult.Refused;
    }
    // The first fragment keeps the bytes from its link header: the rebuilt packet starts there.
    const linkStart = p.tunnelDepth > 0 ? (p.l2Offset >= 0 ? p.l2Offset : l3) : p.frameOffset;
    if (l3 - linkStart > MAX_LINK_PREFIX || l3 < linkStart) {
      counters[DefragCounter.ReassemblyFailed]++;
      return DefragResult.Refused;
    }

    this.ensure();
    const now = p.tsSec;
    const t = this.getTracker(p, v4, proto, now);
    if (t < 0) {
      counters[DefragCounter.MaxTrackersReached]++;
      return DefragResult.Refused;
    }
    const result = this.insertFrag(p, c, t, v4, fragOffset, moreFrags, dataLen, hlen, linkStart, now);
    return result;
  }

  /** Walk the IPv6 extension headers to the fragment header; false when there is none. */
  private findIpv6FragHeader(b: Uint8Array, l3: number, ipLen: number, capEnd: number): boolean {
    const lim0 = l3 + ipLen;
    const lim = lim0 < capEnd ? lim0 : capEnd;
    let nh = b[l3 + 6]!;
    let nhOff = l3 + 6;
    let cur = l3 + 40;
    for (let n = 0; n < 9 && cur + 8 <= lim; n++) {
      if (nh === NH_FRAGMENT) {
        this.curFragHdr = cur;
        this.curNhOff = nhOff;
        this.curNh = b[cur]!;
        return true;
      }
      let len: number;
      if (nh === NH_HOPOPTS || nh === NH_ROUTING || nh === NH_DSTOPTS) len = (b[cur + 1]! + 1) << 3;
      else if (nh === NH_AH) len = (b[cur + 1]! + 2) << 2;
      else return false;
      nhOff = cur;
      nh = b[cur]!;
      cur += len;
    }
    return false;
  }

  // ------------------------------------------------------------------ trackers

  private hash(p: PacketView, v4: boolean, proto: number): number {
    let h = (p.ipId + Math.imul(proto, 0x9e3779b1) + Math.imul(p.vni >= 0 ? p.vni : 0, 0x85ebca6b)) | 0;
    // Symmetric in src/dst: the key matches either order.
    if (v4) h = (h + p.src4 + p.dst4) | 0;
    else for (let i = 0; i < 4; i++) h = (h + p.src6[i]! + p.dst6[i]!) | 0;
    for (let i = 0; i < p.vlanCount; i++) h = (h + Math.imul(p.vlanIds[i]!, 0x27d4eb2d)) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return (h ^ (h >>> 16)) & this.hashMask;
  }

  private matches(t: number, p: PacketView, v4: boolean, proto: number): boolean {
    if (this.tAf[t] !== p.ipVersion || this.tId[t] !== p.ipId || this.tProto[t] !== proto) return false;
    if (this.tVni[t] !== p.vni || this.tDepth[t] !== p.tunnelDepth) return false;
    const vl = this.tVlan;
    const vc = p.vlanCount;
    if (vl[t * 3] !== (vc > 0 ? p.vlanIds[0] : 0) || vl[t * 3 + 1] !== (vc > 1 ? p.vlanIds[1] : 0) || vl[t * 3 + 2] !== (vc > 2 ? p.vlanIds[2] : 0)) return false;
    const o = this.tOuter;
    if (p.tunnelDepth > 0) {
      if (p.outerIpVersion === 6) {
        for (let i = 0; i < 4; i++) if (o[t * 8 + i] !== p.outerSrc6[i] || o[t * 8 + 4 + i] !== p.outerDst6[i]) return false;
      } else if (o[t * 8] !== p.outerSrc4 || o[t * 8 + 4] !== p.outerDst4) return false;
    }
    const s = this.tSrc;
    const d = this.tDst;
    if (v4) {
      return (s[t * 4] === p.src4 && d[t * 4] === p.dst4) || (s[t * 4] === p.dst4 && d[t * 4] === p.src4);
    }
    let same = true;
    let swapped = true;
    for (let i = 0; i < 4; i++) {
      if (s[t * 4 + i] !== p.src6[i] || d[t * 4 + i] !== p.dst6[i]) same = false;
      if (s[t * 4 + i] !== p.dst6[i] || d[t * 4 + i] !== p.src6[i]) swapped = false;
    }
    return same || swapped;
  }

  private getTracker(p: PacketView, v4: boolean, proto: number, now: number): number {
    const bucket = this.hash(p, v4, proto);
    for (let t = this.buckets[bucket]!; t >= 0; t = this.tHashNext[t]!) {
      if (!this.matches(t, p, v4, proto)) continue;
      if (now > this.tTimeout[t]!) {
        // Timed out but not swept yet: start the datagram afresh (Suricata's soft reuse).
        this.counters.values[DefragCounter.TrackerSoftReuse]++;
        this.releaseTracker(t);
        break;
      }
      return t;
    }
    let t = this.tFree;
    if (t >= 0) {
      this.tFree = this.tFreeNext[t]!;
    } else {
      // Table full: only a tracker past its timeout may be taken over.
      const old = this.lruOldest;
      if (old < 0 || !(now > this.tTimeout[old]!)) return -1;
      this.counters.values[DefragCounter.TrackerHardReuse]++;
      this.releaseTracker(old);
      t = this.tFree;
      this.tFree = this.tFreeNext[t]!;
    }
    this.tUsed[t] = 1;
    this.activeTrackers++;
    this.tAf[t] = p.ipVersion;
    this.tId[t] = p.ipId;
    this.tProto[t] = proto;
    this.tVni[t] = p.vni;
    this.tDepth[t] = p.tunnelDepth;
    const vc = p.vlanCount;
    this.tVlan[t * 3] = vc > 0 ? p.vlanIds[0]! : 0;
    this.tVlan[t * 3 + 1] = vc > 1 ? p.vlanIds[1]! : 0;
    this.tVlan[t * 3 + 2] = vc > 2 ? p.vlanIds[2]! : 0;
    const o = this.tOuter;
    for (let i = 0; i < 8; i++) o[t * 8 + i] = 0;
    if (p.tunnelDepth > 0) {
      if (p.outerIpVersion === 6) {
        for (let i = 0; i < 4; i++) {
          o[t * 8 + i] = p.outerSrc6[i]!;
          o[t * 8 + 4 + i] = p.outerDst6[i]!;
        }
      } else {
        o[t * 8] = p.outerSrc4;
        o[t * 8 + 4] = p.outerDst4;
      }
    }
    if (v4) {
      for (let i = 1; i < 4; i++) this.tSrc[t * 4 + i] = this.tDst[t * 4 + i] = 0;
      this.tSrc[t * 4] = p.src4;
      this.tDst[t * 4] = p.dst4;
    } else {
      for (let i = 0; i < 4; i++) {
        this.tSrc[t * 4 + i] = p.src6[i]!;
        this.tDst[t * 4 + i] = p.dst6[i]!;
      }
    }
    this.tPolicy[t] = v4 ? this.config.ipv4Policy : this.config.ipv6Policy;
    this.tSeenLast[t] = 0;
    this.tHead[t] = -1;
    this.tTimeout[t] = now + this.config.timeout;
    this.tBucket[t] = bucket;
    this.tHashNext[t] = this.buckets[bucket]!;
    this.buckets[bucket] = t;
    // Newest end of the LRU list.
    this.tLruPrev[t] = this.lruNewest;
    this.tLruNext[t] = -1;
    if (this.lruNewest >= 0) this.tLruNext[this.lruNewest] = t;
    else this.lruOldest = t;
    this.lruNewest = t;
    return t;
  }

  private touch(t: number, now: number): void {
    this.tTimeout[t] = now + this.config.timeout;
    if (this.lruNewest === t) return;
    const pr = this.tLruPrev[t]!;
    const nx = this.tLruNext[t]!;
    if (pr >= 0) this.tLruNext[pr] = nx;
    else this.lruOldest = nx;
    if (nx >= 0) this.tLruPrev[nx] = pr;
    this.tLruPrev[t] = this.lruNewest;
    this.tLruNext[t] = -1;
    this.tLruNext[this.lruNewest] = t;
    this.lruNewest = t;
  }

  private releaseTracker(t: number): void {
    let f = this.tHead[t]!;
    while (f >= 0) {
      const nf = this.fNext[f]!;
      this.freeFrag(f);
      f = nf;
    }
    this.tHead[t] = -1;
    const bucket = this.tBucket[t]!;
    if (this.buckets[bucket] === t) this.buckets[bucket] = this.tHashNext[t]!;
    else {
      let q = this.buckets[bucket]!;
      while (q >= 0 && this.tHashNext[q] !== t) q = this.tHashNext[q]!;
      if (q >= 0) this.tHashNext[q] = this.tHashNext[t]!;
    }
    const pr = this.tLruPrev[t]!;
    const nx = this.tLruNext[t]!;
    if (pr >= 0) this.tLruNext[pr] = nx;
    else this.lruOldest = nx;
    if (nx >= 0) this.tLruPrev[nx] = pr;
    else this.lruNewest = pr;
    this.tUsed[t] = 0;
    this.activeTrackers--;
    this.tFreeNext[t] = this.tFree;
    this.tFree = t;
  }

  /** Release every tracker whose datagram has not completed within the timeout (packet time). */
  expire(nowSec: number): void {
    if (!this.allocated) return;
    while (this.lruOldest >= 0 && nowSec > this.tTimeout[this.lruOldest]!) {
      this.counters.values[DefragCounter.TrackerTimeout]++;
      this.releaseTracker(this.lruOldest);
    }
  }

  // ------------------------------------------------------------------ fragments

  private freeFrag(f: number): void {
    this.store.release(this.fBlock[f]!);
    this.fNext[f] = this.fFree;
    this.fFree = f;
    this.activeFrags--;
  }

  /** Unlink fragment f from tracker t's list and free it. */
  private removeFrag(t: number, f: number): void {
    const pr = this.fPrev[f]!;
    const nx = this.fNext[f]!;
    if (pr >= 0) this.fNext[pr] = nx;
    else this.tHead[t] = nx;
    if (nx >= 0) this.fPrev[nx] = pr;
    this.freeFrag(f);
  }

  /** DefragInsertFrag: the overlap policies, case by case as Suricata has them. */
  private insertFrag(
    p: PacketView,
    c: DecodeCounters,
    t: number,
    v4: boolean,
    fragOffset: number,
    moreFrags: number,
    dataLen: number,
    hlen: number,
    linkStart: number,
    now: number,
  ): DefragResult {
    this.touch(t, now);
    const fragEnd = fragOffset + dataLen;
    const off = this.fOffset;
    const len = this.fDataLen;
    const lt = this.fLtrim;
    let ltrim = 0;
    let overlap = false;
    let result = DefragResult.Held;
    let drop = false;

    // Start at the fragment before the first one at or after fragOffset (RB_NFIND + PREV).
    let next = this.tHead[t]!;
    while (next >= 0 && off[next]! < fragOffset) next = this.fNext[next]!;
    let prev: number;
    if (next < 0) {
      prev = this.tHead[t]!;
      next = prev >= 0 ? this.fNext[prev]! : -1;
    } else {
      prev = this.fPrev[next]!;
      if (prev < 0) {
        prev = next;
        next = this.fNext[prev]!;
      }
    }
    const policy = this.tPolicy[t]!;
    while (prev >= 0) {
      const pOff = off[prev]!;
      const pEnd = pOff + len[prev]!;
      if (fragOffset < pEnd && pOff < fragEnd) overlap = true;
      let insertNow = false;
      switch (policy) {
        case DefragPolicy.Bsd:
        case DefragPolicy.BsdRight:
          if (fragOffset < pEnd) {
            if (fragOffset >= pOff) ltrim = pEnd - fragOffset;
            if (next >= 0 && fragEnd > off[next]!) lt[next] = fragEnd - off[next]!;
            if (fragOffset < pOff && fragEnd >= pEnd) this.markSkip(prev);
            insertNow = true;
          }
          break;
        case DefragPolicy.Linux:
          if (pOff + lt[prev]! < fragOffset + ltrim && pEnd > fragOffset + ltrim) ltrim += pEnd - fragOffset;
          if (fragOffset + ltrim < pOff + lt[prev]! && fragEnd > pOff + lt[prev]!) {
            lt[prev] = lt[prev]! + fragEnd - (pOff + lt[prev]!);
            insertNow = true;
          } else if (fragOffset + ltrim <= pOff + lt[prev]! && fragEnd >= pEnd) {
            this.markSkip(prev);
            insertNow = true;
          }
          break;
        case DefragPolicy.Windows:
          if (fragOffset + ltrim >= pOff + ltrim && fragEnd <= pEnd) {
            // Wholly inside an earlier fragment: dropped.
            drop = true;
          } else if (fragOffset + ltrim < pOff + ltrim && fragEnd > pEnd) {
            this.markSkip(prev);
            insertNow = true;
          } else if (fragOffset + ltrim > pOff + lt[prev]! && fragOffset + ltrim < pEnd) {
            ltrim += pEnd - fragOffset;
            insertNow = true;
          } else if (fragOffset + ltrim === pOff + ltrim && fragEnd > pEnd) {
            ltrim += pEnd - fragOffset;
            insertNow = true;
          }
          break;
        case DefragPolicy.Solaris:
          if (fragOffset < pEnd) {
            if (fragOffset >= pOff) ltrim = pEnd - fragOffset;
            if (fragOffset < pOff && fragEnd >= pEnd) this.markSkip(prev);
            insertNow = true;
          }
          break;
        case DefragPolicy.First:
          if (fragOffset >= pOff && fragEnd <= pEnd) drop = true;
          else if (fragOffset < pOff) insertNow = true;
          else if (fragOffset < pEnd) {
            ltrim = pEnd - fragOffset;
            insertNow = true;
          }
          break;
        case DefragPolicy.Last:
          if (fragOffset <= pOff) {
            if (fragEnd > pOff) lt[prev] = fragEnd - pOff;
            insertNow = true;
          }
          break;
      }
      if (drop) break;
      if (insertNow) {
        // A fragment trimmed away entirely (or skipped) is removed now.
        if (this.skipMark === prev || lt[prev]! >= len[prev]!) this.removeFrag(t, prev);
        this.skipMark = -1;
        break;
      }
      prev = next;
      if (next >= 0) next = this.fNext[next]!;
    }
    this.skipMark = -1;

    if (!drop && ltrim <= dataLen) result = this.storeFrag(p, c, t, v4, fragOffset, moreFrags, dataLen, hlen, linkStart, ltrim);
    if (overlap) decodeEvent(p, c, v4 ? DecodeEvent.Ipv4FragOverlap : DecodeEvent.Ipv6FragOverlap);
    return result;
  }

  /** Suricata's frag->skip: at most one fragment is marked per insert, then removed. */
  private skipMark = -1;
  private markSkip(f: number): void {
    this.skipMark = f;
  }

  private storeFrag(
    p: PacketView,
    c: DecodeCounters,
    t: number,
    v4: boolean,
    fragOffset: number,
    moreFrags: number,
    dataLen: number,
    hlen: number,
    linkStart: number,
    ltrim: number,
  ): DefragResult {
    const counters = this.counters.values;
    const first = fragOffset + ltrim === 0;
    const from = first ? linkStart : this.curDataStart + ltrim;
    const storeLen = this.curDataStart + dataLen - from;
    if (this.fFree < 0 || !this.store.canStore(storeLen)) {
      counters[this.fFree < 0 ? DefragCounter.MaxFragsReached : DefragCounter.Memcap]++;
      decodeEvent(p, c, v4 ? DecodeEvent.Ipv4FragIgnored : DecodeEvent.Ipv6FragIgnored);
      return DefragResult.Refused;
    }
    const f = this.fFree;
    this.fFree = this.fNext[f]!;
    this.activeFrags++;
    this.fBlock[f] = this.store.store(p.buf, from, storeLen);
    this.fOffset[f] = fragOffset + ltrim;
    this.fDataLen[f] = dataLen - ltrim;
    this.fLtrim[f] = 0;
    this.fMore[f] = moreFrags;
    this.fHdrLen[f] = first ? this.curDataStart - linkStart : 0;
    this.fL3Rel[f] = p.l3Offset - linkStart;
    this.fHlen[f] = v4 ? hlen : this.curFragHdr - linkStart;
    this.fNhRel[f] = v4 ? 0 : this.curNhOff - linkStart;
    this.fNh[f] = v4 ? 0 : this.curNh;
    // Offset order; equal offsets keep arrival order (Suricata's compare never says "equal").
    const o = this.fOffset[f]!;
    let prev = -1;
    let cur = this.tHead[t]!;
    while (cur >= 0 && this.fOffset[cur]! <= o) {
      prev = cur;
      cur = this.fNext[cur]!;
    }
    this.fPrev[f] = prev;
    this.fNext[f] = cur;
    if (prev >= 0) this.fNext[prev] = f;
    else this.tHead[t] = f;
    if (cur >= 0) this.fPrev[cur] = f;

    if (moreFrags === 0) this.tSeenLast[t] = 1;
    if (this.tSeenLast[t] === 0) return DefragResult.Held;
    return this.reassemble(t, v4);
  }

  // ------------------------------------------------------------------ reassembly

  /** Defrag4Reassemble / Defrag6Reassemble into `out`. */
  private reassemble(t: number, v4: boolean): DefragResult {
    const first = this.tHead[t]!;
    if (first < 0 || this.fOffset[first] !== 0) return DefragResult.Held;
    const counters = this.counters.values;
    if (this.fHdrLen[first]! === 0 || this.fHdrLen[first]! + this.fDataLen[first]! - this.fL3Rel[first]! < (v4 ? 20 : 40)) {
      counters[DefragCounter.ReassemblyFailed]++;
      this.releaseTracker(t);
      return DefragResult.Refused;
    }
    // Suricata's completeness test: a running sum of lengths, each start within it.
    let sum = 0;
    let maxEnd = 0;
    for (let f = first; f >= 0; f = this.fNext[f]!) {
      if (this.fOffset[f]! > sum) return DefragResult.Held;
      sum += this.fDataLen[f]!;
      if (this.fOffset[f]! + this.fDataLen[f]! > maxEnd) maxEnd = this.fOffset[f]! + this.fDataLen[f]!;
    }
    const out = this.out;
    // Holes the running-sum test lets through read as zeros (only the part written is cleared).
    const clear = this.fHdrLen[first]! + maxEnd;
    out.fill(0, 0, clear < out.length ? clear : out.length);
    let fragmentableOffset = 0;
    let fragmentableLen = 0;
    let hlen = 0;
    let l3 = 0;
    let nhRel = 0;
    let nh = 0;
    let ok = true;
    for (let f = first; f >= 0; f = this.fNext[f]!) {
      const dl = this.fDataLen[f]!;
      const ltr = this.fLtrim[f]!;
      if (ltr >= dl) {
        if (this.fMore[f] === 0) break;
        continue;
      }
      if (this.fOffset[f] === 0 && this.fHdrLen[f]! > 0) {
        const hl = this.fHdrLen[f]!;
        l3 = this.fL3Rel[f]!;
        if (v4) {
          // The whole first fragment, headers and data.
          this.store.copyOut(this.fBlock[f]!, 0, hl + dl, out, 0);
          hlen = this.fHlen[f]!;
          fragmentableOffset = l3 + hlen;
        } else {
          // Headers up to the fragment header, then the data without it.
          const fh = this.fHlen[f]!;
          this.store.copyOut(this.fBlock[f]!, 0, fh, out, 0);
          this.store.copyOut(this.fBlock[f]!, hl, dl, out, fh);
          fragmentableOffset = fh;
          nhRel = this.fNhRel[f]!;
          nh = this.fNh[f]!;
        }
        fragmentableLen = dl;
      } else {
        const at = fragmentableOffset + this.fOffset[f]! + ltr;
        if (fragmentableOffset + this.fOffset[f]! + dl > out.length) {
          ok = false;
          break;
        }
        this.store.copyOut(this.fBlock[f]!, this.fHdrLen[f]! + ltr, dl - ltr, out, at);
        if (this.fOffset[f]! + dl > fragmentableLen) fragmentableLen = this.fOffset[f]! + dl;
      }
      if (this.fMore[f] === 0) break;
    }
    if (!ok || (v4 ? hlen + fragmentableLen > 65535 : fragmentableOffset - l3 - 40 + fragmentableLen > 65535)) {
      counters[DefragCounter.ReassemblyFailed]++;
      this.releaseTracker(t);
      return DefragResult.Refused;
    }
    if (v4) {
      const ipLen = hlen + fragmentableLen;
      out[l3 + 2] = ipLen >>> 8;
      out[l3 + 3] = ipLen & 0xff;
      out[l3 + 6] = 0;
      out[l3 + 7] = 0;
      out[l3 + 10] = 0;
      out[l3 + 11] = 0;
      let sum = 0;
      for (let i = 0; i < hlen; i += 2) sum += (out[l3 + i]! << 8) | out[l3 + i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      const ck = ~sum & 0xffff;
      out[l3 + 10] = ck >>> 8;
      out[l3 + 11] = ck & 0xff;
      this.outLen = l3 + ipLen;
      counters[DefragCounter.Ipv4Reassembled]++;
    } else {
      const unfragmentable = fragmentableOffset - l3 - 40;
      const plen = unfragmentable + fragmentableLen;
      out[l3 + 4] = plen >>> 8;
      out[l3 + 5] = plen & 0xff;
      // The header that named the fragment header now names what followed it.
      out[nhRel] = nh;
      this.outLen = l3 + 40 + plen;
      counters[DefragCounter.Ipv6Reassembled]++;
    }
    this.outL3 = l3;
    this.releaseTracker(t);
    return DefragResult.Complete;
  }
}
