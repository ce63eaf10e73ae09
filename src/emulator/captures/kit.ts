/**
 * What every capture scenario shares: the two mirror-source ENIs, a seeded PRNG, the mirroring
 * step (which ENI's session copies a packet, with which VNI and inner MACs), TCP conversations
 * that keep seq/ack right, and the pcap assembly. Deterministic: no clock, no Math.random.
 */
import { symmetricSourcePortOfFrame } from '../source-port.js';
import { PcapBufferWriter, LINKTYPE_ETHERNET } from '../../output/pcap-writer.js';
import { wrapFrame, VXLAN_IPV4_OVERHEAD } from '../../decode/vxlan-encap.js';
import {
  ACK,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  FIN,
  PSH,
  RST,
  SYN,
  addrBytes,
  bytes,
  ethernet,
  macBytes,
  synOptions,
  tcpPacket,
  type IpHeader,
} from './packet-builder.js';

/** 2026-11-02T09:00:00Z: every capture starts here. */
export const BASE_TIME_SEC = Date.UTC(2026, 10, 2, 9, 0, 0) / 1000;

/** The Traffic Mirror target (appliance ENI) every session sends to. */
export const MIRROR_TARGET = '10.0.100.5';

export interface Eni {
  id: string;
  /** Primary private IPv4: the outer source of every mirrored copy. */
  ip: string;
  /** All addresses that belong to the ENI (direction detection). */
  addresses: string[];
  mac: string;
  /** The subnet router's MAC: the other end of every frame the ENI sends or receives. */
  gatewayMac: string;
  /** VNI of the ENI's default mirror session. */
  vni: number;
}

export const ENI_A: Eni = {
  id: 'eni-0a1b2c3d4e5f60101',
  ip: '10.0.1.10',
  addresses: ['10.0.1.10', '2001:db8:1::10'],
  mac: '02:00:0a:00:01:0a',
  gatewayMac: '02:00:0a:00:01:01',
  vni: 101,
};

export const ENI_B: Eni = {
  id: 'eni-0a1b2c3d4e5f60102',
  ip: '10.0.2.20',
  addresses: ['10.0.2.20'],
  mac: '02:00:0a:00:02:14',
  gatewayMac: '02:00:0a:00:02:01',
  vni: 102,
};

export const ENIS: readonly Eni[] = [ENI_A, ENI_B];

export type Direction = 'ingress' | 'egress';

/** How a session copies one direction of an ENI's traffic; null = not mirrored. */
export interface MirrorSession {
  vni: number;
  /** AWS PacketLength (bytes after the VXLAN header), undefined = whole frame. */
  packetLength?: number;
}

export type MirrorPolicy = (eni: Eni, dir: Direction) => MirrorSession | null;

/** Default: each ENI's one session (its VNI) copies both directions in full. */
export const defaultPolicy: MirrorPolicy = (eni) => ({ vni: eni.vni });

/** Small, fast, seedable PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Seed from a string (FNV-1a). */
  static fromString(text: string): Rng {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return new Rng(h);
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  /** Ephemeral client port (Linux range). */
  ephemeralPort(): number {
    return this.int(32768, 60999);
  }
}

interface Record {
  /** Microseconds since BASE_TIME_SEC. */
  tUs: number;
  seq: number;
  frame: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[bOff + i]) return false;
  return true;
}

function hasAddress(eni: Eni, alen: number, pkt: Uint8Array, off: number): boolean {
  return eni.addresses.some((a) => {
    const b = addrBytes(a);
    return b.length === alen && sameBytes(b, pkt, off);
  });
}

/** Collects the mirrored (VXLAN-wrapped) frames of one capture file. */
export class Capture {
  readonly rng: Rng;
  private readonly records: Record[] = [];
  private seq = 0;
  private readonly wrapBuf = new Uint8Array(65536 + VXLAN_IPV4_OVERHEAD);
  policy: MirrorPolicy = defaultPolicy;

  constructor(readonly name: string) {
    this.rng = Rng.fromString(name);
  }

  /**
   * Mirror one IP packet sent at time tUs: every ENI that owns the source address copies it
   * as egress (inner src MAC = the ENI, dst = its gateway), every ENI that owns the
   * destination copies it as ingress (src = gateway, dst = the ENI) 60 µs later.
   */
  ip(tUs: number, packet: Uint8Array): void {
    const v6 = packet[0]! >> 4 === 6;
    const alen = v6 ? 16 : 4;
    const srcOff = v6 ? 8 : 12;
    const dstOff = v6 ? 24 : 16;
    for (const eni of ENIS) {
      if (hasAddress(eni, alen, packet, srcOff)) this.mirror(tUs, eni, 'egress', packet, v6);
    }
    for (const eni of ENIS) {
      if (hasAddress(eni, alen, packet, dstOff)) this.mirror(tUs + 60, eni, 'ingress', packet, v6);
    }
  }

  private mirror(tUs: number, eni: Eni, dir: Direction, packet: Uint8Array, v6: boolean): void {
    const s = this.policy(eni, dir);
    if (!s) return;
    const eniMac = macBytes(eni.mac);
    const gwMac = macBytes(eni.gatewayMac);
    const frame = dir === 'egress' ? ethernet(gwMac, eniMac, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, packet) : ethernet(eniMac, gwMac, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, packet);
    this.wrapped(tUs, eni, s.vni, frame, s.packetLength);
  }

  /**
   * Wrap an inner Ethernet frame as ENI `eni`'s session `vni` sends it. The outer source port
   * is the symmetric hash of the decoded frame unless `sport` is given (frames decode/ rejects).
   */
  wrapped(tUs: number, eni: Eni, vni: number, frame: Uint8Array, packetLength?: number, vxlanFlags?: number, sport?: number): void {
    const n = wrapFrame(this.wrapBuf, frame, 0, frame.length, {
      outerSrc: eni.ip,
      outerDst: MIRROR_TARGET,
      vni,
      sport: sport ?? symmetricSourcePortOfFrame(frame, 0, frame.length),
      packetLength,
      vxlanFlags,
    });
    this.raw(tUs, this.wrapBuf.slice(0, n));
    this.vniCounts.set(vni, (this.vniCounts.get(vni) ?? 0) + 1);
  }

  /** Add a finished outer frame as is. */
  raw(tUs: number, frame: Uint8Array): void {
    this.records.push({ tUs: Math.round(tUs), seq: this.seq++, frame });
  }

  /** Packets per VNI, counted as they are wrapped (raw() frames carry no whole VXLAN header). */
  readonly vniCounts = new Map<number, number>();

  get packetCount(): number {
    return this.records.length;
  }

  /** The capture as a classic little-endian µs pcap, records in time order. */
  toPcap(): Buffer {
    const sorted = [...this.records].sort((a, b) => a.tUs - b.tUs || a.seq - b.seq);
    const w = new PcapBufferWriter({ linktype: LINKTYPE_ETHERNET, initialSize: 1 << 16 });
    for (const r of sorted) {
      const sec = BASE_TIME_SEC + Math.floor(r.tUs / 1e6);
      const us = r.tUs % 1e6;
      w.writeRecord(r.frame, 0, r.frame.length, r.frame.length, sec, us * 1000);
    }
    return w.toBuffer();
  }
}

export interface Endpoint {
  ip: string;
  port: number;
  ttl?: number;
  window?: number;
}

/**
 * One TCP connection between a client and a server; keeps sequence numbers, IP IDs and time
 * (µs since the capture base). Every method emits through Capture.ip() and advances time.
 */
export class TcpConversation {
  /** Next sequence number each side will send. */
  private cSeq: number;
  private sSeq: number;
  private cId: number;
  private sId: number;
  /** Current time, µs. */
  t: number;
  /** One-way latency between the ends, µs. */
  readonly owd: number;
  readonly mss = 1460;
  /** Window scale shift both sides announced in the handshake (0 until then). */
  private wscale = 0;

  constructor(
    private readonly cap: Capture,
    readonly client: Endpoint,
    readonly server: Endpoint,
    startUs: number,
    opts: { owdUs?: number } = {},
  ) {
    this.cSeq = cap.rng.u32();
    this.sSeq = cap.rng.u32();
    this.cId = cap.rng.int(1, 0xffff);
    this.sId = cap.rng.int(1, 0xffff);
    this.t = startUs;
    this.owd = opts.owdUs ?? 20_000;
  }

  private ipHdr(fromClient: boolean, id?: number): IpHeader {
    const a = fromClient ? this.client : this.server;
    const b = fromClient ? this.server : this.client;
    let ipId = id;
    if (ipId === undefined) {
      ipId = fromClient ? this.cId : this.sId;
      if (fromClient) this.cId = (this.cId + 1) & 0xffff;
      else this.sId = (this.sId + 1) & 0xffff;
    }
    return { src: a.ip, dst: b.ip, ttl: a.ttl ?? 64, id: ipId, df: true };
  }

  /** Emit one segment from the client (c=true) or server with the current seq/ack. */
  segment(fromClient: boolean, flags: number, payload: Uint8Array = new Uint8Array(0), opts: { options?: Uint8Array; id?: number; seq?: number; ack?: number } = {}): void {
    const a = fromClient ? this.client : this.server;
    const b = fromClient ? this.server : this.client;
    const seq = opts.seq ?? (fromClient ? this.cSeq : this.sSeq);
    const ack = opts.ack ?? (flags & ACK ? (fromClient ? this.sSeq : this.cSeq) : 0);
    this.cap.ip(
      this.t,
      tcpPacket(this.ipHdr(fromClient, opts.id), { sport: a.port, dport: b.port, seq, ack, flags, window: flags & SYN ? (a.window ?? 64240) : (a.window ?? 64240) >> this.wscale, options: opts.options, payload }),
    );
    let adv = payload.length;
    if (flags & (SYN | FIN)) adv += 1;
    if (opts.seq === undefined) {
      if (fromClient) this.cSeq = (this.cSeq + adv) >>> 0;
      else this.sSeq = (this.sSeq + adv) >>> 0;
    }
  }

  wait(us: number): this {
    this.t += us;
    return this;
  }

  /** SYN, SYN/ACK, ACK with Linux-like options. */
  handshake(): this {
    const ts = this.cap.rng.u32();
    this.segment(true, SYN, undefined, { options: synOptions(1460, ts, 0, 7), id: 0 });
    this.wait(this.owd * 2);
    this.segment(false, SYN | ACK, undefined, { options: synOptions(1460, this.cap.rng.u32(), ts, 7), id: 0 });
    this.wait(this.owd * 2);
    this.wscale = 7;
    this.segment(true, ACK);
    return this;
  }

  /**
   * Send data from one side (split into MSS segments, PSH on the last), the other side ACKs
   * after one round trip. `thinkUs` is the delay before sending.
   */
  send(fromClient: boolean, data: string | Uint8Array, thinkUs = 1000, ackIt = true): this {
    const d = bytes(data);
    this.wait(thinkUs);
    for (let o = 0; o < d.length; o += this.mss) {
      const last = o + this.mss >= d.length;
      this.segment(fromClient, ACK | (last ? PSH : 0), d.subarray(o, Math.min(d.length, o + this.mss)));
      if (!last) this.wait(50);
    }
    if (ackIt) {
      this.wait(this.owd * 2);
      this.segment(!fromClient, ACK);
    }
    return this;
  }

  /**
   * Send data from one side as exactly these segments (a request line or a TLS record split
   * where a real stack's small writes would split it), `gapUs` apart, PSH on the last; the
   * other side ACKs after one round trip.
   */
  sendSplit(fromClient: boolean, parts: readonly (string | Uint8Array)[], thinkUs = 1000, gapUs = 200, ackIt = true): this {
    this.wait(thinkUs);
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      this.segment(fromClient, ACK | (last ? PSH : 0), bytes(part));
      if (!last) this.wait(gapUs);
    });
    if (ackIt) {
      this.wait(this.owd * 2);
      this.segment(!fromClient, ACK);
    }
    return this;
  }

  /** Pure ACK from one side. */
  ack(fromClient: boolean, delayUs = 0): this {
    this.wait(delayUs);
    this.segment(fromClient, ACK);
    return this;
  }

  /** Orderly close initiated by one side: FIN/ACK, FIN/ACK, ACK. */
  close(fromClient: boolean, delayUs = 1000): this {
    this.wait(delayUs);
    this.segment(fromClient, FIN | ACK);
    this.wait(this.owd * 2);
    this.segment(!fromClient, FIN | ACK);
    this.wait(this.owd * 2);
    this.segment(fromClient, ACK);
    return this;
  }

  /** Abort from one side with RST/ACK. */
  reset(fromClient: boolean, delayUs = 1000): this {
    this.wait(delayUs);
    this.segment(fromClient, RST | ACK);
    return this;
  }
}

/** One generated capture file. */
export interface Scenario {
  /** File name in the captures folder, e.g. "two-enis.pcap". */
  file: string;
  /** One line for the README table. */
  summary: string;
  /** Markdown paragraph(s): what is inside, which rule or feature it exercises. */
  details: string;
  /** Fill the capture. */
  build(cap: Capture): void;
}
