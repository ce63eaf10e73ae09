/**
 * The datagrams AWS Traffic Mirroring would send for the frames of capture files: each frame
 * becomes one UDP payload holding a VXLAN header (flags 0x08, the VNI) and the frame, cut to
 * PacketLength bytes after the VXLAN header. Frames that already are VXLAN (UDP to 4789, or any
 * UDP when `alreadyWrapped`) are kept as their UDP payload. Frames of other link types (raw IP,
 * Linux SLL/SLL2, BSD loopback) get a made-up Ethernet header first.
 *
 * Every frame is read through decode/ (decodeFrame into one reused PacketView, tunnels left
 * closed): the link-layer protocol and payload start, the UDP ports and payload come from the
 * view. All datagrams are built once, back to back in one buffer, before sending starts.
 */
import { DecodeCounters } from '../decode/decode-events.js';
import { LINKTYPE_ETHERNET, decodeFrame } from '../decode/decoder.js';
import { ETHERNET_HEADER_LEN } from '../decode/ethernet.js';
import { IPPROTO_UDP, PacketView } from '../decode/packet-view.js';
import { VXLAN_HEADER_LEN, VXLAN_PORT } from '../decode/vxlan.js';
import { writeVxlanHeader } from '../decode/vxlan-encap.js';
import type { FrameSink } from '../pipeline/stages.js';
import { readCaptureFile } from '../source/capture-file.js';
import { AWS_SPORT_BASE, symmetricSourcePortOfFrame } from './source-port.js';

/** UDP payload limit of an IPv4 datagram. */
const MAX_DATAGRAM = 65507;

export interface PrepareOptions {
  vni: number;
  /** 0 = whole frame. */
  packetLength: number;
  alreadyWrapped: boolean;
}

export interface PrepareStats {
  files: number;
  framesRead: number;
  /** Frames sent as their own UDP payload (already VXLAN). */
  passedThrough: number;
  /** Frames wrapped in VXLAN here. */
  wrapped: number;
  /** Datagrams cut by --packet-length (or to the 65507-byte UDP limit). */
  truncated: number;
  /** Frames not sent: not UDP under --already-wrapped, or unsupported link type. */
  skipped: number;
}

/** All datagrams of the input, back to back in one buffer. */
export interface PreparedDatagrams {
  arena: Buffer;
  offsets: Uint32Array;
  lengths: Uint32Array;
  /** Flow-hash outer source port of each datagram (65408-65535). */
  sports: Uint16Array;
  count: number;
  /** Sum of lengths. */
  bytes: number;
  stats: PrepareStats;
}

const FAKE_DST_MAC = [0x02, 0, 0, 0, 0, 0x02];
const FAKE_SRC_MAC = [0x02, 0, 0, 0, 0, 0x01];

/** Collects datagrams while the capture reader streams frames through it. */
class DatagramCollector implements FrameSink {
  arena = Buffer.allocUnsafe(1 << 20);
  used = 0;
  offsets = new Uint32Array(4096);
  lengths = new Uint32Array(4096);
  sports = new Uint16Array(4096);
  count = 0;
  /** Scratch Ethernet frame for non-Ethernet link types. */
  private readonly eth = new Uint8Array(ETHERNET_HEADER_LEN + 262144);
  private readonly view = new PacketView();
  private readonly counters = new DecodeCounters();
  readonly stats: PrepareStats = { files: 0, framesRead: 0, passedThrough: 0, wrapped: 0, truncated: 0, skipped: 0 };

  constructor(private readonly opts: PrepareOptions) {}

  private reserve(n: number): void {
    if (this.count === this.offsets.length) {
      const size = this.offsets.length * 2;
      const o = new Uint32Array(size);
      o.set(this.offsets);
      this.offsets = o;
      const l = new Uint32Array(size);
      l.set(this.lengths);
      this.lengths = l;
      const s = new Uint16Array(size);
      s.set(this.sports);
      this.sports = s;
    }
    if (this.used + n > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.used + n) size *= 2;
      const a = Buffer.allocUnsafe(size);
      this.arena.copy(a, 0, 0, this.used);
      this.arena = a;
    }
  }

  private push(len: number, sport: number): void {
    this.offsets[this.count] = this.used;
    this.lengths[this.count] = len;
    this.sports[this.count] = sport;
    this.count++;
    this.used += len;
  }

  /** Decode a frame into this.view without opening tunnels. */
  private decode(buf: Uint8Array, off: number, caplen: number, linktype: number): PacketView {
    const p = this.view;
    p.setFrame(buf, off, caplen, caplen, linktype);
    decodeFrame(p, this.counters, false);
    return p;
  }

  /**
   * Turn a record of another link type into an Ethernet frame in `this.eth`: the link-layer
   * protocol and what follows the link header (VLAN tags included) behind a made-up Ethernet
   * header (source MAC from SLL when it has one); -1 = not convertible.
   */
  private toEthernet(buf: Uint8Array, off: number, caplen: number, linktype: number): number {
    const p = this.decode(buf, off, caplen, linktype);
    if (p.linkPayloadOffset < 0 || p.linkProto === 0) return -1;
    const payload = p.linkPayloadOffset;
    const type = p.linkProto;
    const n = caplen - (payload - off);
    if (n < 0 || ETHERNET_HEADER_LEN + n > this.eth.length) return -1;
    const e = this.eth;
    e.set(FAKE_DST_MAC, 0);
    if (p.linkSrcMacOffset >= 0) e.set(buf.subarray(p.linkSrcMacOffset, p.linkSrcMacOffset + 6), 6);
    else e.set(FAKE_SRC_MAC, 6);
    e[12] = type >> 8;
    e[13] = type & 0xff;
    e.set(buf.subarray(payload, payload + n), ETHERNET_HEADER_LEN);
    return ETHERNET_HEADER_LEN + n;
  }

  /**
   * Where the UDP payload of an Ethernet frame starts when it should be passed through (UDP to
   * 4789, or any UDP with --already-wrapped; not a later fragment); -1 otherwise. Sets
   * this.udpEnd (payload end, within the UDP and IP lengths) and this.udpSport.
   */
  private udpEnd = 0;
  private udpSport = 0;
  private udpPayload(b: Uint8Array, off: number, len: number): number {
    const p = this.decode(b, off, len, LINKTYPE_ETHERNET);
    if (p.ipProto !== IPPROTO_UDP || p.sport < 0 || p.fragOffset !== 0) return -1;
    if (!this.opts.alreadyWrapped && p.dport !== VXLAN_PORT) return -1;
    this.udpEnd = p.payloadOffset + p.payloadLen;
    this.udpSport = p.sport;
    return p.payloadOffset;
  }

  onFrame(buf: Uint8Array, offset: number, caplen: number, _wirelen: number, linktype: number): void {
    this.stats.framesRead++;
    let frame = buf;
    let off = offset;
    let len = caplen;
    if (linktype !== LINKTYPE_ETHERNET) {
      len = this.toEthernet(buf, offset, caplen, linktype);
      if (len < 0) {
        this.stats.skipped++;
        return;
      }
      frame = this.eth;
      off = 0;
    }
    const pl = this.opts.packetLength;
    const p = this.udpPayload(frame, off, len);
    if (p >= 0) {
      // Already VXLAN: the UDP payload as it is (cut to 8 + PacketLength if asked).
      let n = this.udpEnd - p;
      const limit = pl > 0 ? Math.min(MAX_DATAGRAM, VXLAN_HEADER_LEN + pl) : MAX_DATAGRAM;
      if (n > limit) {
        n = limit;
        this.stats.truncated++;
      }
      this.reserve(n);
      this.arena.set(frame.subarray(p, p + n), this.used);
      const sp = this.udpSport >= AWS_SPORT_BASE ? this.udpSport : n > VXLAN_HEADER_LEN ? symmetricSourcePortOfFrame(frame, p + VXLAN_HEADER_LEN, n - VXLAN_HEADER_LEN) : AWS_SPORT_BASE;
      this.push(n, sp);
      this.stats.passedThrough++;
      return;
    }
    if (this.opts.alreadyWrapped) {
      this.stats.skipped++;
      return;
    }
    let keep = pl > 0 && len > pl ? pl : len;
    if (keep > MAX_DATAGRAM - VXLAN_HEADER_LEN) keep = MAX_DATAGRAM - VXLAN_HEADER_LEN;
    if (keep < len) this.stats.truncated++;
    this.reserve(VXLAN_HEADER_LEN + keep);
    writeVxlanHeader(this.arena, this.used, this.opts.vni);
    this.arena.set(frame.subarray(off, off + keep), this.used + VXLAN_HEADER_LEN);
    this.push(VXLAN_HEADER_LEN + keep, symmetricSourcePortOfFrame(frame, off, len));
    this.stats.wrapped++;
  }
}

/** Read every file and build all datagrams (synchronous; the whole input is held in memory). */
export function prepareDatagrams(files: string[], opts: PrepareOptions): PreparedDatagrams {
  const c = new DatagramCollector(opts);
  for (const f of files) {
    readCaptureFile(f, c);
    c.stats.files++;
  }
  return {
    arena: c.arena,
    offsets: c.offsets.subarray(0, c.count),
    lengths: c.lengths.subarray(0, c.count),
    sports: c.sports.subarray(0, c.count),
    count: c.count,
    bytes: c.used,
    stats: c.stats,
  };
}

