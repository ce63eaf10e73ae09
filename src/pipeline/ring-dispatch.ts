/**
 * The two ends of the frame rings, shared by replay --workers and the dispatching receiver a
 * multi-worker serve would use (pipeline/worker-path.ts, 'dispatch'):
 *
 *  - DatagramDispatcher: a TunnelDatagramSink (what the UDP listener feeds) that hashes each
 *    datagram's inner flow (decode/inner-flow-hash.ts) and copies it into that worker's ring.
 *    A live receiver must not wait: a full ring drops the datagram, counted per worker.
 *  - consumeRing: a worker's loop body, feeding what is in its ring to its pipeline (frames to
 *    onFrame with their frame number, datagrams to onTunnelDatagram with their outer tuple).
 */
import { TunnelKind } from '../decode/packet-view.js';
import { HASH_START_GENEVE, HASH_START_VXLAN, innerFlowHash } from '../decode/inner-flow-hash.js';
import { RECORD_HEADER_BYTES, type FrameRing } from './frame-ring.js';
import type { Pipeline } from './pipeline.js';
import type { TunnelDatagramSink } from './stages.js';

export class DatagramDispatcher implements TunnelDatagramSink {
  /** Datagrams handed to each worker / dropped because its ring was full. */
  readonly dispatched: Float64Array;
  readonly dropped: Float64Array;

  /** @param withSession fold the VNI into the hash (false when dedup is on) */
  constructor(
    private readonly rings: readonly FrameRing[],
    private readonly withSession: boolean,
  ) {
    this.dispatched = new Float64Array(rings.length);
    this.dropped = new Float64Array(rings.length);
  }

  onTunnelDatagram(
    buf: Uint8Array,
    offset: number,
    length: number,
    kind: TunnelKind,
    outerIpVersion: number,
    outerSrc4: number,
    outerDst4: number,
    outerSrc6: Uint32Array | null,
    outerSport: number,
    outerDport: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    const start = kind === TunnelKind.Vxlan ? HASH_START_VXLAN : HASH_START_GENEVE;
    const w = (innerFlowHash(buf, offset, length, start, this.withSession) >>> 0) % this.rings.length;
    if (this.rings[w]!.pushDatagram(buf, offset, length, start, outerIpVersion, outerSrc4, outerDst4, outerSrc6, outerSport, outerDport, tsSec, tsNsec)) this.dispatched[w]++;
    else this.dropped[w]++;
  }

  endBatch(): void {
    this.publish();
  }

  /** Make what was dispatched visible to the workers (after each receive batch). */
  publish(): void {
    for (const r of this.rings) r.publish();
  }
}

/** Reused: an outer IPv6 source read from a record. */
const src6 = new Uint32Array(4);

/**
 * Feed up to `max` records of `ring` to `pipeline`; returns how many it took (0: the ring is
 * empty). A record the pipeline throws on (a bug) goes to `onError` and is skipped, as the UDP
 * listener skips such a datagram: the ring moves on either way.
 */
export function consumeRing(ring: FrameRing, pipeline: Pipeline, max: number, onError: ((err: unknown) => void) | null = null): number {
  const buf = ring.u8;
  let n = 0;
  while (n < max) {
    const pos = ring.peek();
    if (pos < 0) break;
    const start = ring.linktype(pos);
    const off = pos + RECORD_HEADER_BYTES;
    try {
      if (start === HASH_START_VXLAN || start === HASH_START_GENEVE) {
        const v = ring.outerIpVersion(pos);
        if (v === 6) ring.outerSrc6(pos, src6);
        pipeline.onTunnelDatagram(buf, off, ring.caplen(pos), start === HASH_START_VXLAN ? TunnelKind.Vxlan : TunnelKind.Geneve, v, ring.outerSrc4(pos), ring.outerDst4(pos), v === 6 ? src6 : null, ring.outerSport(pos), ring.outerDport(pos), ring.tsSec(pos), ring.tsNsec(pos));
      } else {
        const frameNo = ring.frameNo(pos);
        ring.consumedFrameNo = frameNo;
        pipeline.onFrame(buf, off, ring.caplen(pos), ring.wirelen(pos), start, ring.tsSec(pos), ring.tsNsec(pos), frameNo);
      }
    } catch (err) {
      if (onError === null) throw err;
      onError(err);
    }
    // Released once the pipeline is done with the bytes (decoded where they lie).
    ring.release(pos);
    n++;
  }
  return n;
}
