/**
 * Community ID v1 (corelight/community-id-spec): the flow hash Suricata, Zeek, Arkime and
 * Elastic write so that records of one connection can be joined across tools:
 *
 *   "1:" + base64(sha1(seed (2 bytes BE) | saddr | daddr | proto | 0 | sport | dport))
 *
 * with the endpoints ordered (smaller address first, then smaller port), ports only for TCP,
 * UDP, SCTP, ICMP and ICMPv6, and for the ICMPs the type as source "port" and, for request and
 * reply types, the counterpart type as destination "port" (otherwise the code, one-way: the
 * sender stays first).
 *
 * This follows the spec and its published vectors (as Zeek, Arkime and Elastic do). Suricata's
 * own code (output-json.c) differs for one-way ICMP types only: it hashes the flow's counterpart
 * type (none: 0) instead of the code and orders the endpoints anyway; request/reply types such
 * as echo give the same ID.
 *
 * Only computed when a record is written (alerts, flow records, flow-log lines), never per
 * packet; the per-flow value is cached in this stage's own per-flow storage (FlowCommunityIds).
 */
import { createHash } from 'node:crypto';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../decode/packet-view.js';
import { IPPROTO_SCTP } from '../decode/sctp.js';
import type { PacketView } from '../decode/packet-view.js';
import type { FlowStorage, FlowStorageClient } from '../flow/flow-storage.js';

const DIGEST_BYTES = 20;

// The spec's counterpart tables (Zeek's ICMP4_counterpart/ICMP6_counterpart); -1 = one-way.
const ICMP4_COUNTERPART = new Int16Array(256).fill(-1);
const ICMP6_COUNTERPART = new Int16Array(256).fill(-1);
for (const [a, b] of [[8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [10, 9], [17, 18], [18, 17]] as const) {
  ICMP4_COUNTERPART[a] = b;
}
for (const [a, b] of [[128, 129], [129, 128], [133, 134], [134, 133], [135, 136], [136, 135], [130, 131], [131, 130], [139, 140], [140, 139], [144, 145], [145, 144]] as const) {
  ICMP6_COUNTERPART[a] = b;
}

// Hash input, reused: 2 + 16 + 16 + 2 + 4 bytes at most.
const input = Buffer.alloc(40);

function hasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP || proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
}

/** -1, 0 or 1: address words (network order, word 0 most significant) compared unsigned. */
function compareAddr(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, words: number): number {
  for (let i = 0; i < words; i++) {
    const x = a[aOff + i]! >>> 0;
    const y = b[bOff + i]! >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * SHA-1 of the canonical tuple into `out` at `outOff` (20 bytes). Addresses are 1 (IPv4) or 4
 * (IPv6) 32-bit words; for ICMP/ICMPv6 `sport` is the type and `dport` the code.
 */
export function communityIdDigest(
  seed: number,
  ipVersion: number,
  proto: number,
  src: ArrayLike<number>,
  srcOff: number,
  dst: ArrayLike<number>,
  dstOff: number,
  sport: number,
  dport: number,
  out: Uint8Array,
  outOff: number,
): void {
  const words = ipVersion === 6 ? 4 : 1;
  let oneWay = false;
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    const c = (proto === IPPROTO_ICMP ? ICMP4_COUNTERPART : ICMP6_COUNTERPART)[sport & 0xff]!;
    if (c >= 0) dport = c;
    else oneWay = true;
  }
  const ports = hasPorts(proto);
  let swap = false;
  if (!oneWay) {
    const c = compareAddr(src, srcOff, dst, dstOff, words);
    // Equal addresses: the smaller port first (no ports: both 0, order irrelevant).
    swap = c > 0 || (c === 0 && ports && sport > dport);
  }
  let pos = input.writeUInt16BE(seed & 0xffff, 0);
  const first = swap ? dst : src;
  const firstOff = swap ? dstOff : srcOff;
  const second = swap ? src : dst;
  const secondOff = swap ? srcOff : dstOff;
  for (let i = 0; i < words; i++) pos = input.writeUInt32BE(first[firstOff + i]! >>> 0, pos);
  for (let i = 0; i < words; i++) pos = input.writeUInt32BE(second[secondOff + i]! >>> 0, pos);
  input[pos++] = proto & 0xff;
  input[pos++] = 0;
  if (ports) {
    pos = input.writeUInt16BE((swap ? dport : sport) & 0xffff, pos);
    pos = input.writeUInt16BE((swap ? sport : dport) & 0xffff, pos);
  }
  const d = createHash('sha1').update(input.subarray(0, pos)).digest();
  out.set(d, outOff);
}

/** The Community ID string of a 20-byte digest. */
export function formatCommunityId(digest: Uint8Array, off = 0): string {
  return '1:' + Buffer.from(digest.buffer, digest.byteOffset + off, DIGEST_BYTES).toString('base64');
}

const scratch = new Uint8Array(DIGEST_BYTES);

/** Community ID of one tuple (see communityIdDigest for the arguments). */
export function communityId(
  seed: number,
  ipVersion: number,
  proto: number,
  src: ArrayLike<number>,
  srcOff: number,
  dst: ArrayLike<number>,
  dstOff: number,
  sport: number,
  dport: number,
): string {
  communityIdDigest(seed, ipVersion, proto, src, srcOff, dst, dstOff, sport, dport, scratch, 0);
  return formatCommunityId(scratch);
}

/** What a flow's Community ID needs from the flow table (FlowTable satisfies it). */
export interface CommunityIdFlowKeys {
  readonly keyVersion: ArrayLike<number>;
  readonly keyProto: ArrayLike<number>;
  /** 8 words per slot: address A (4 words), address B (4 words). */
  readonly keyAddr: ArrayLike<number>;
  /** 2 per slot: port of A, port of B. */
  readonly keyPort: ArrayLike<number>;
  readonly clientIsA: ArrayLike<number>;
  /** Type and code of the flow's first packet (sent by the client for the ICMPs). */
  readonly firstIcmpType: ArrayLike<number>;
  readonly firstIcmpCode: ArrayLike<number>;
  readonly storage: FlowStorage;
}

/**
 * Per-flow Community IDs: the digest is computed the first time a record of the flow asks for
 * it and kept (20 bytes per slot) until the flow ends; the flow table clears it with the rest
 * of the slot's per-flow state.
 */
export class FlowCommunityIds implements FlowStorageClient {
  static readonly storageName = 'community-id';
  readonly name = FlowCommunityIds.storageName;
  private readonly digests: Uint8Array;
  private readonly known: Uint8Array;

  constructor(
    private readonly keys: CommunityIdFlowKeys,
    readonly seed: number,
  ) {
    const cap = keys.storage.capacity;
    this.digests = new Uint8Array(cap * DIGEST_BYTES);
    this.known = new Uint8Array(cap);
  }

  /**
   * The table's instance for `seed` (one per table, shared by EVE alerts, EVE flows and flow
   * logs); a different seed (a reload) replaces it.
   */
  static of(keys: CommunityIdFlowKeys, seed: number): FlowCommunityIds {
    const c = keys.storage.find(FlowCommunityIds.storageName);
    if (c instanceof FlowCommunityIds && c.seed === seed && c.keys === keys) return c;
    const n = new FlowCommunityIds(keys, seed);
    keys.storage.register(n);
    return n;
  }

  /** The Community ID of the flow in `slot`. */
  get(slot: number): string {
    const off = slot * DIGEST_BYTES;
    if (this.known[slot] === 0) {
      const k = this.keys;
      const ca = k.clientIsA[slot] === 1;
      const o = 8 * slot;
      const proto = k.keyProto[slot]!;
      const icmp = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
      // Client first: for the ICMPs the client sent the first packet, whose type and code these are.
      const sport = icmp ? k.firstIcmpType[slot]! : k.keyPort[2 * slot + (ca ? 0 : 1)]!;
      const dport = icmp ? k.firstIcmpCode[slot]! : k.keyPort[2 * slot + (ca ? 1 : 0)]!;
      communityIdDigest(this.seed, k.keyVersion[slot]!, proto, k.keyAddr, o + (ca ? 0 : 4), k.keyAddr, o + (ca ? 4 : 0), Math.max(0, sport), Math.max(0, dport), this.digests, off);
      this.known[slot] = 1;
    }
    return formatCommunityId(this.digests, off);
  }

  clear(slot: number): void {
    this.known[slot] = 0;
  }
}

const pktSrc = new Uint32Array(1);
const pktDst = new Uint32Array(1);

/**
 * The Community ID of a packet's own tuple (an alert on a packet that has no flow), or null
 * without an IP layer. Ports (type and code for the ICMPs) not decoded count as 0.
 */
export function packetCommunityId(p: PacketView, seed: number): string | null {
  const v = p.ipVersion;
  if (v !== 4 && v !== 6) return null;
  const proto = p.ipProto;
  const icmp = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
  const sport = Math.max(0, icmp ? p.icmpType : p.sport);
  const dport = Math.max(0, icmp ? p.icmpCode : p.dport);
  if (v === 4) {
    pktSrc[0] = p.src4;
    pktDst[0] = p.dst4;
    return communityId(seed, 4, proto, pktSrc, 0, pktDst, 0, sport, dport);
  }
  return communityId(seed, 6, proto, p.src6, 0, p.dst6, 0, sport, dport);
}

/** Whether a flow source (EVE's view of the flow table) has the keys a flow's Community ID needs. */
export function hasFlowKeys(flow: object): flow is CommunityIdFlowKeys {
  return 'keyAddr' in flow && 'storage' in flow;
}
