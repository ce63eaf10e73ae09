/**
 * Protocol detection of one direction's first bytes, Suricata's order
 * (app-layer-detect-proto.c: AppLayerProtoDetectGetProto): pattern matching (per direction, with
 * offset and depth), then probing parsers by port, destination port first, then source.
 * Stateless over the bytes it is given; the per-flow decision lives in app-layer-state.ts.
 */
import { AppProto } from './app-proto.js';
import { Probe, type ProtoPattern } from './proto-pattern.js';
import type { AppLayerProtoDef } from './registry.js';

/** Detection answer besides a protocol id: not enough bytes yet. */
export const DETECT_NEED_MORE = 0;

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

/** 1 match, 0 consistent so far (need more), -1 cannot match. */
function matchPattern(p: ProtoPattern, buf: Uint8Array, off: number, len: number): number {
  const pl = p.bytes.length;
  const avail = len - p.offset;
  if (avail <= 0) return 0;
  const n = avail < pl ? avail : pl;
  for (let i = 0; i < n; i++) {
    const a = buf[off + p.offset + i]!;
    const b = p.bytes[i]!;
    if (a !== b && !(p.nocase && lower(a) === lower(b))) return -1;
  }
  return n === pl ? 1 : 0;
}

export class ProtoDetector {
  private readonly tcpDefs: AppLayerProtoDef[];
  private readonly udpDefs: AppLayerProtoDef[];

  constructor(defs: readonly AppLayerProtoDef[]) {
    this.tcpDefs = defs.filter((d) => d.tcp);
    this.udpDefs = defs.filter((d) => d.udp);
  }

  /**
   * The protocol of these first bytes of one direction: a protocol id, DETECT_NEED_MORE, or
   * AppProto.Failed when nothing can match whatever follows.
   */
  detect(tcp: boolean, toServer: boolean, buf: Uint8Array, off: number, len: number, serverPort: number, clientPort: number): number {
    const defs = tcp ? this.tcpDefs : this.udpDefs;
    let needMore = false;
    for (let d = 0; d < defs.length; d++) {
      const def = defs[d]!;
      for (let i = 0; i < def.patterns.length; i++) {
        const p = def.patterns[i]!;
        if (toServer ? !p.toServer : !p.toClient) continue;
        let m = matchPattern(p, buf, off, len);
        if (m === 1 && p.probe !== undefined) {
          const v = p.probe(toServer, buf, off, len);
          m = v === Probe.Match ? 1 : v === Probe.NeedMore ? 0 : -1;
          if (m === 0) needMore = true;
        }
        if (m === 1) return def.proto;
        if (m === 0 && len < p.depth) needMore = true;
      }
    }
    const r1 = this.probePort(defs, tcp, serverPort, toServer, buf, off, len);
    if (r1 > 0 && r1 !== AppProto.Failed) return r1;
    const r2 = clientPort !== serverPort ? this.probePort(defs, tcp, clientPort, toServer, buf, off, len) : AppProto.Failed;
    if (r2 > 0 && r2 !== AppProto.Failed) return r2;
    if (needMore || r1 === DETECT_NEED_MORE || r2 === DETECT_NEED_MORE) return DETECT_NEED_MORE;
    return AppProto.Failed;
  }

  /** A protocol id, DETECT_NEED_MORE or AppProto.Failed (Failed when no probe is registered). */
  private probePort(defs: AppLayerProtoDef[], tcp: boolean, port: number, toServer: boolean, buf: Uint8Array, off: number, len: number): number {
    if (port === 0) return AppProto.Failed;
    let needMore = false;
    for (let d = 0; d < defs.length; d++) {
      const def = defs[d]!;
      const probe = tcp ? def.probe : (def.probeUdp ?? def.probe);
      if (probe === undefined || def.ports.indexOf(port) < 0) continue;
      const v = probe(toServer, buf, off, len);
      if (v === Probe.Match) return def.proto;
      if (v === Probe.NeedMore) needMore = true;
    }
    return needMore ? DETECT_NEED_MORE : AppProto.Failed;
  }
}
