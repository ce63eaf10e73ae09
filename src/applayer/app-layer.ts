/**
 * The app-layer stage: what the stream engine (and, for UDP, the flow stage) calls per flow slot.
 * Until a direction's protocol is known its bytes are kept (bounded, pooled buffers) and given
 * to detection; once the flow's protocol is known, that data and all that follows go to the
 * protocol's parser. Decisions follow Suricata's TCPProtoDetect (src/app-layer.c): one side
 * detected is enough to start parsing, the other side reuses it (only_one_direction), a
 * disagreement keeps what was parsed first (mismatch), both sides failing is "failed".
 */
import { AppLayerEvent } from './app-layer-events.js';
import { APP_UPDATED, type PacketView } from '../decode/packet-view.js';
import { AppLayerCounters, AppLayerState, AlFlag } from './app-layer-state.js';
import { AppProto, appProtoName } from './app-proto.js';
import type { FlowStorage } from '../flow/flow-storage.js';
import type { AppLayerProtoParser, FlowStorageClient } from './parser.js';
import { DETECT_NEED_MORE, ProtoDetector } from './proto-detect.js';
import { PROTOCOLS, type AppLayerConfig, type AppLayerProtoDef } from './registry.js';
import { defaultHttpConfig } from './http/http-config.js';

export interface AppLayerOptions {
  readonly config?: AppLayerConfig;
  /** Bytes of one direction kept while its protocol is undecided (then detection gives up). */
  readonly detectBufferSize?: number;
  /** Pending buffers in the pool (each detectBufferSize bytes, made on first use). */
  readonly maxPendingBuffers?: number;
  /** The protocol table; tests may pass their own. */
  readonly protocols?: readonly AppLayerProtoDef[];
}

export class AppLayer implements FlowStorageClient {
  readonly name = 'applayer';
  readonly state: AppLayerState;
  readonly counters = new AppLayerCounters();
  readonly config: AppLayerConfig;
  private readonly detector: ProtoDetector;
  private readonly defs: (AppLayerProtoDef | undefined)[] = [];
  private readonly parsers: (AppLayerProtoParser | undefined)[] = [];
  private readonly bufSize: number;
  // Pending (undecided) bytes: per slot and direction an index into the pool, or -1.
  private readonly pendTs: Int32Array;
  private readonly pendTc: Int32Array;
  private readonly pendLenTs: Int32Array;
  private readonly pendLenTc: Int32Array;
  private readonly pool: (Uint8Array | undefined)[];
  private readonly freeList: Int32Array;
  private freeTop: number;
  /** UDP datagrams per slot and direction that detection did not recognise yet. */
  private readonly udpTries: Uint8Array;

  constructor(
    readonly capacity: number,
    opts: AppLayerOptions = {},
  ) {
    this.config = opts.config ?? { http: defaultHttpConfig() };
    const protocols = opts.protocols ?? PROTOCOLS;
    this.state = new AppLayerState(capacity);
    this.detector = new ProtoDetector(protocols);
    for (const def of protocols) {
      this.defs[def.proto] = def;
      if (def.createParser !== undefined) this.parsers[def.proto] = def.createParser(capacity, this.config);
    }
    this.bufSize = opts.detectBufferSize ?? 4096;
    const nPool = opts.maxPendingBuffers ?? Math.min(capacity * 2, 4096);
    this.pendTs = new Int32Array(capacity).fill(-1);
    this.pendTc = new Int32Array(capacity).fill(-1);
    this.pendLenTs = new Int32Array(capacity);
    this.pendLenTc = new Int32Array(capacity);
    this.udpTries = new Uint8Array(capacity * 2);
    this.pool = new Array<Uint8Array | undefined>(nPool).fill(undefined);
    this.freeList = new Int32Array(nPool);
    for (let i = 0; i < nPool; i++) this.freeList[i] = nPool - 1 - i;
    this.freeTop = nPool;
  }

  /** The parser of a protocol (undefined for detect-only protocols). */
  parser(proto: number): AppLayerProtoParser | undefined {
    return this.parsers[proto];
  }

  /**
   * The flow's transport and ports, before its first data (ports feed probing parsers; without
   * this call only patterns detect). `tcp` false: each onData is one datagram.
   */
  open(slot: number, tcp: boolean, clientPort: number, serverPort: number): void {
    this.state.tcp[slot] = tcp ? 1 : 0;
    this.state.clientPort[slot] = clientPort;
    this.state.serverPort[slot] = serverPort;
  }

  /** The session is async (one direction only seen): no first-data direction check. */
  oneSided(slot: number): void {
    this.state.flags[slot] = this.state.flags[slot]! | AlFlag.OneSided;
  }

  onData(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    const st = this.state;
    const flags = st.flags[slot]!;
    if ((flags & AlFlag.Disabled) !== 0) return;
    if ((flags & AlFlag.FirstSeen) === 0) st.flags[slot] = flags | AlFlag.FirstSeen | (toServer ? AlFlag.FirstToServer : 0);
    const dirProto = toServer ? st.alprotoTs[slot]! : st.alprotoTc[slot]!;
    if (dirProto !== AppProto.Unknown) {
      this.deliver(slot, toServer, buf, off, len);
      return;
    }
    // Undecided direction: detect on pending + new bytes.
    const pIdx = toServer ? this.pendTs[slot]! : this.pendTc[slot]!;
    if (pIdx < 0) {
      const r = this.detector.detect(st.tcp[slot] === 1, toServer, buf, off, len, st.serverPort[slot]!, st.clientPort[slot]!);
      if (r === DETECT_NEED_MORE && st.tcp[slot] === 1) {
        if (!this.stash(slot, toServer, buf, off, len)) this.decide(slot, toServer, AppProto.Failed, buf, off, 0);
        return;
      }
      if (st.tcp[slot] === 0 && r === DETECT_NEED_MORE) {
        // UDP: a datagram a probe cannot judge (too short: Suricata's ALPROTO_UNKNOWN, which
        // leaves probing open) does not end detection; the next ones are tried too, up to
        // UDP_DETECT_TRIES per direction. A datagram every probe refuses fails the direction.
        const k = slot * 2 + (toServer ? 0 : 1);
        if (this.udpTries[k]! < UDP_DETECT_TRIES - 1) {
          this.udpTries[k]!++;
          return;
        }
      }
      this.decide(slot, toServer, r === DETECT_NEED_MORE ? AppProto.Failed : r, buf, off, len);
      return;
    }
    const pbuf = this.pool[pIdx]!;
    let plen = toServer ? this.pendLenTs[slot]! : this.pendLenTc[slot]!;
    const room = this.bufSize - plen;
    const take = len < room ? len : room;
    for (let i = 0; i < take; i++) pbuf[plen + i] = buf[off + i]!;
    plen += take;
    if (toServer) this.pendLenTs[slot] = plen;
    else this.pendLenTc[slot] = plen;
    const r = this.detector.detect(true, toServer, pbuf, 0, plen, st.serverPort[slot]!, st.clientPort[slot]!);
    if (r === DETECT_NEED_MORE) {
      if (take === len) return;
      // Too much undecided data: Suricata's bail condition (applayer_proto_detection_skipped).
      this.raise(slot, AppLayerEvent.ProtoDetectionSkipped);
      this.counters.skipped++;
      this.fail(slot);
      return;
    }
    this.decide(slot, toServer, r, pbuf, 0, plen);
    // Bytes beyond what the pending buffer could take follow the pending ones.
    if (take < len && (toServer ? st.alprotoTs[slot] : st.alprotoTc[slot]) !== AppProto.Unknown) this.deliver(slot, toServer, buf, off + take, len - take);
  }

  onGap(slot: number, toServer: boolean, len: number): void {
    const st = this.state;
    if ((st.flags[slot]! & AlFlag.Disabled) !== 0) return;
    const dirProto = toServer ? st.alprotoTs[slot]! : st.alprotoTc[slot]!;
    if (dirProto === AppProto.Unknown) {
      // A hole before the protocol is known: this direction can no longer be detected.
      this.counters.gapBeforeDetect++;
      this.decide(slot, toServer, AppProto.Failed, EMPTY, 0, 0);
      return;
    }
    const p = this.parsers[st.alproto[slot]!];
    if (p !== undefined) p.gap(slot, toServer, len);
  }

  onEnd(slot: number, toServer: boolean): void {
    const st = this.state;
    if ((st.flags[slot]! & AlFlag.Disabled) !== 0) return;
    const dirProto = toServer ? st.alprotoTs[slot]! : st.alprotoTc[slot]!;
    if (dirProto === AppProto.Unknown) {
      const pIdx = toServer ? this.pendTs[slot]! : this.pendTc[slot]!;
      if (pIdx >= 0) this.decide(slot, toServer, AppProto.Failed, this.pool[pIdx]!, 0, toServer ? this.pendLenTs[slot]! : this.pendLenTc[slot]!);
      return;
    }
    const p = this.parsers[st.alproto[slot]!];
    if (p !== undefined) p.end(slot, toServer);
  }

  clear(slot: number): void {
    const proto = this.state.alproto[slot]!;
    const p = this.parsers[proto];
    if (p !== undefined) p.clear(slot);
    this.release(slot, true);
    this.release(slot, false);
    this.udpTries[slot * 2] = 0;
    this.udpTries[slot * 2 + 1] = 0;
    this.state.clear(slot);
  }

  /** Did the flow's parser ask for raw inspection of that direction (once)? */
  takeRawTrigger(slot: number, toServer: boolean): boolean {
    const p = this.parsers[this.state.alproto[slot]!];
    return p !== undefined && p.takeRawTrigger !== undefined && p.takeRawTrigger(slot, toServer);
  }

  /** Suricata's name of the flow's protocol, or undefined while unknown. */
  appProto(slot: number): number {
    return this.state.alproto[slot]!;
  }

  /** Give a direction's first bytes a verdict and act on it. `buf` holds all its bytes so far. */
  private decide(slot: number, toServer: boolean, proto: number, buf: Uint8Array, off: number, len: number): void {
    const st = this.state;
    const final = st.alproto[slot]!;
    if (proto === AppProto.Failed) {
      if (final !== AppProto.Unknown && final !== AppProto.Failed) {
        // The other side knows the protocol: this side reuses it.
        this.raise(slot, AppLayerEvent.DetectProtocolOnlyOneDirection);
        this.setDir(slot, toServer, final);
        this.deliverPending(slot, toServer, buf, off, len);
        return;
      }
      this.setDir(slot, toServer, AppProto.Failed);
      this.release(slot, toServer);
      const other = toServer ? st.alprotoTc[slot]! : st.alprotoTs[slot]!;
      if (other === AppProto.Failed) this.fail(slot);
      return;
    }
    if (final === AppProto.Unknown || final === AppProto.Failed) {
      const def = this.defs[proto];
      if (def !== undefined && def.firstDataToServer && (st.flags[slot]! & (AlFlag.FirstToServer | AlFlag.OneSided)) === 0) {
        // The protocol must start to server but the flow's first data went to the client.
        this.raise(slot, AppLayerEvent.WrongDirectionFirstData);
        this.fail(slot);
        return;
      }
      st.alproto[slot] = proto;
      this.counters.detected[proto]!++;
      this.setDir(slot, toServer, proto);
      const otherDir = toServer ? st.alprotoTc[slot]! : st.alprotoTs[slot]!;
      if (otherDir === AppProto.Failed) {
        this.raise(slot, AppLayerEvent.DetectProtocolOnlyOneDirection);
        this.setDir(slot, !toServer, proto);
      }
      this.deliverPending(slot, toServer, buf, off, len);
      return;
    }
    if (proto !== final) this.raise(slot, AppLayerEvent.MismatchProtocolBothDirections);
    // What was parsed first stays: this side is handed to the flow's parser.
    this.setDir(slot, toServer, final);
    this.deliverPending(slot, toServer, buf, off, len);
  }

  private setDir(slot: number, toServer: boolean, proto: number): void {
    if (toServer) this.state.alprotoTs[slot] = proto;
    else this.state.alprotoTc[slot] = proto;
  }

  /** Deliver bytes that may live in this slot's pending buffer, then release the buffer. */
  private deliverPending(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    if (len > 0) this.deliver(slot, toServer, buf, off, len);
    this.release(slot, toServer);
  }

  private deliver(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    const p = this.parsers[this.state.alproto[slot]!];
    if (p === undefined) return;
    if (this.state.tcp[slot] === 0) {
      if (p.datagram !== undefined) p.datagram(slot, toServer, buf, off, len);
    } else p.parse(slot, toServer, buf, off, len);
  }

  /**
   * A UDP packet of a flow (Suricata's AppLayerHandleUdp): the flow's ports on its first
   * datagram, then the payload as one datagram to detection or the flow's parser. Marks the
   * packet APP_UPDATED when a parser took it, so its transactions are inspected on it.
   */
  onUdpPacket(p: PacketView): void {
    const slot = p.flowIndex;
    if (slot < 0 || p.flowDirection === 0 || p.payloadLen <= 0) return;
    const st = this.state;
    const toServer = p.flowDirection === 1;
    if ((st.flags[slot]! & AlFlag.FirstSeen) === 0) this.open(slot, false, toServer ? p.sport : p.dport, toServer ? p.dport : p.sport);
    this.onData(slot, toServer, p.buf, p.payloadOffset, p.payloadLen);
    if (this.parsers[st.alproto[slot]!] !== undefined) p.streamFlags |= APP_UPDATED;
  }

  private fail(slot: number): void {
    const st = this.state;
    st.alproto[slot] = AppProto.Failed;
    if (st.alprotoTs[slot] === AppProto.Unknown) st.alprotoTs[slot] = AppProto.Failed;
    if (st.alprotoTc[slot] === AppProto.Unknown) st.alprotoTc[slot] = AppProto.Failed;
    st.flags[slot] = st.flags[slot]! | AlFlag.Disabled;
    this.counters.failed++;
    this.release(slot, true);
    this.release(slot, false);
  }

  private raise(slot: number, event: number): void {
    this.state.events[slot] = this.state.events[slot]! | (1 << event);
    this.counters.events[event]!++;
  }

  /** Keep undecided bytes; false when no buffer is free or they do not fit. */
  private stash(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): boolean {
    if (len > this.bufSize || this.freeTop === 0) {
      this.counters.pendingExhausted++;
      return false;
    }
    const idx = this.freeList[--this.freeTop]!;
    let b = this.pool[idx];
    if (b === undefined) b = this.pool[idx] = new Uint8Array(this.bufSize);
    for (let i = 0; i < len; i++) b[i] = buf[off + i]!;
    if (toServer) {
      this.pendTs[slot] = idx;
      this.pendLenTs[slot] = len;
    } else {
      this.pendTc[slot] = idx;
      this.pendLenTc[slot] = len;
    }
    return true;
  }

  private release(slot: number, toServer: boolean): void {
    const idx = toServer ? this.pendTs[slot]! : this.pendTc[slot]!;
    if (idx < 0) return;
    this.freeList[this.freeTop++] = idx;
    if (toServer) {
      this.pendTs[slot] = -1;
      this.pendLenTs[slot] = 0;
    } else {
      this.pendTc[slot] = -1;
      this.pendLenTc[slot] = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
/** UDP datagrams per direction tried before detection gives up on that direction. */
const UDP_DETECT_TRIES = 4;

/** The app layer registered in `storage` (its name is "applayer"), or null (not per packet). */
export function findAppLayer(storage: FlowStorage): AppLayer | null {
  const c = storage.find('applayer');
  return c instanceof AppLayer ? c : null;
}

/**
 * Suricata's EVE app_proto fields of a flow (EveAddAppProto): `,"app_proto":"x"` and, when a
 * direction differs from the flow's protocol, app_proto_ts / app_proto_tc. "" while unknown.
 */
export function eveAppProtoFields(al: AppLayer | null, slot: number): string {
  if (al === null || slot < 0) return '';
  const st = al.state;
  const name = appProtoName(st.alproto[slot]!);
  if (name === undefined) return '';
  let s = `,"app_proto":"${name}"`;
  const ts = st.alprotoTs[slot]!;
  const tc = st.alprotoTc[slot]!;
  if (ts !== st.alproto[slot] && ts !== AppProto.Unknown) s += `,"app_proto_ts":"${appProtoName(ts)}"`;
  if (tc !== st.alproto[slot] && tc !== AppProto.Unknown) s += `,"app_proto_tc":"${appProtoName(tc)}"`;
  return s;
}
