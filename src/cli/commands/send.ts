/**
 * `mirrorsink send FILE... --to HOST:PORT`: replay captures to a Traffic Mirroring target the
 * way AWS delivers them: each Ethernet frame becomes one UDP datagram holding a VXLAN header
 * (flags 0x08, the VNI) and the frame (cut to --packet-length bytes after the VXLAN header).
 * Frames that already are VXLAN (outer UDP to 4789, or any UDP with --already-wrapped) are
 * sent as their UDP payload, unchanged.
 *
 * Fast path: every datagram is built once, into one big buffer, before sending starts; the
 * send loop only hands slices of it to the socket: with sendmmsg (the native addon, up to 1024
 * datagrams per system call) where it is built, else with Node's dgram (a small request object
 * and a callback per send; our loop allocates nothing of its own). Pacing is a token bucket on
 * performance.now(); at --rate 0 the loop sends in bursts, and with dgram it waits when more
 * than MAX_INFLIGHT sends are unconfirmed, so memory stays bounded.
 *
 * Outer source port: an ordinary socket has one source port, so by default every datagram
 * leaves from one ephemeral port and the AWS-style symmetric flow-hash port (65408-65535) is
 * only carried in pcap output (see output/vxlan-encap.ts). With --aws-sport, a pool of sockets
 * bound to 65408-65535 (SO_REUSEADDR) is used and each datagram leaves from its flow's port,
 * as from AWS (already-wrapped input keeps its recorded port when it lies in that range).
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseCommandArgs, intOption } from '../args.js';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';
import { readCaptureFile } from '../../source/capture-file.js';
import type { FrameSink } from '../../pipeline/stages.js';
import { AWS_SPORT_BASE, symmetricSourcePortOfFrame } from '../../emulator/source-port.js';
import { MAX_PACKET_LENGTH, writeVxlanHeader } from '../../decode/vxlan-encap.js';
import { VXLAN_HEADER_LEN, VXLAN_PORT } from '../../decode/vxlan.js';
import { BatchSender } from '../../emulator/batch-sender.js';
import { loadUdpBatchAddon, type NativeBatchModule } from '../../source/batch-socket.js';

export const HELP = `Usage: mirrorsink send FILE... --to HOST:PORT [options]

Send the frames of pcap/pcapng files to a mirror target as AWS VPC Traffic Mirroring does:
one UDP datagram per frame = VXLAN header (flags 0x08, VNI) + the Ethernet frame.
Frames that already are VXLAN (UDP to port 4789) are sent as their UDP payload unchanged.
Non-Ethernet captures (raw IP, Linux SLL/SLL2, BSD loopback) get a made-up Ethernet header.

Options:
  --to HOST:PORT        target (IPv4, [IPv6] or a name; port default 4789). Required.
  --vni N               VNI for frames that are not already VXLAN (0-16777215, default 1)
  --rate PPS            datagrams per second; 0 = as fast as possible (default 0)
  --loop N              send the files N times; 0 = until interrupted (default 1)
  --packet-length N     AWS PacketLength: keep at most N bytes after the VXLAN header (1-${MAX_PACKET_LENGTH})
  --already-wrapped     every frame is a VXLAN (any UDP port) capture: send UDP payloads only,
                        skip frames that are not UDP (default: detect UDP/4789 per frame)
  --aws-sport           send each datagram from its flow-hash source port (65408-65535,
                        a pool of up to 128 sockets) instead of one ephemeral port
  --sender METHOD       sendmmsg (native batches), dgram (Node's) or auto (default: sendmmsg
                        where built, dgram with --aws-sport)
  --json                print the summary as one JSON object
  -q, --quiet           print nothing on success
  -h, --help            this text

Summary: packets and bytes (UDP payload) sent, send errors, duration, achieved rate.
`;

/** UDP payload limit of an IPv4 datagram. */
const MAX_DATAGRAM = 65507;
/** Sends handed to the socket but not yet confirmed before the loop waits. */
const MAX_INFLIGHT = 4096;
/** Most dgram sends per event-loop turn (lets completions and timers run). */
const MAX_BURST = 512;
/** Most sendmmsg datagrams per event-loop turn (no completions to wait for). */
const MAX_BATCH_BURST = 8192;

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

function rd16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Collects datagrams while the capture reader streams frames through it. */
class DatagramCollector implements FrameSink {
  arena = Buffer.allocUnsafe(1 << 20);
  used = 0;
  offsets = new Uint32Array(4096);
  lengths = new Uint32Array(4096);
  sports = new Uint16Array(4096);
  count = 0;
  /** Scratch Ethernet frame for non-Ethernet link types. */
  private readonly eth = new Uint8Array(14 + 262144);
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

  /** Turn a record of another link type into an Ethernet frame in `this.eth`; -1 = unsupported. */
  private toEthernet(buf: Uint8Array, off: number, caplen: number, linktype: number): number {
    let type: number;
    let payload: number;
    let srcMac: Uint8Array | null = null;
    switch (linktype) {
      case 101: // RAW
      case 12:
      case 14:
        if (caplen < 1) return -1;
        type = buf[off]! >> 4 === 6 ? 0x86dd : 0x0800;
        payload = off;
        break;
      case 228: // IPV4
        type = 0x0800;
        payload = off;
        break;
      case 229: // IPV6
        type = 0x86dd;
        payload = off;
        break;
      case 0: // NULL / LOOP: 4-byte address family in either byte order
      case 108: {
        if (caplen < 4) return -1;
        let af = buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24);
        if (af > 0xffff || af < 0) af = (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
        type = af === 2 ? 0x0800 : 0x86dd;
        payload = off + 4;
        break;
      }
      case 113: // LINUX_SLL: type(2) arphrd(2) halen(2) addr(8) proto(2)
        if (caplen < 16) return -1;
        type = rd16(buf, off + 14);
        if (rd16(buf, off + 4) === 6) srcMac = buf.subarray(off + 6, off + 12);
        payload = off + 16;
        break;
      case 276: // LINUX_SLL2: proto(2) reserved(2) ifindex(4) arphrd(2) pkttype(1) halen(1) addr(8)
        if (caplen < 20) return -1;
        type = rd16(buf, off);
        if (buf[off + 11] === 6) srcMac = buf.subarray(off + 12, off + 18);
        payload = off + 20;
        break;
      default:
        return -1;
    }
    const n = caplen - (payload - off);
    if (n < 0 || 14 + n > this.eth.length) return -1;
    const e = this.eth;
    e.set(FAKE_DST_MAC, 0);
    if (srcMac) e.set(srcMac, 6);
    else e.set(FAKE_SRC_MAC, 6);
    e[12] = type >> 8;
    e[13] = type & 0xff;
    e.set(buf.subarray(payload, payload + n), 14);
    return 14 + n;
  }

  /**
   * Where the UDP payload of an Ethernet frame starts when it should be passed through
   * (UDP to 4789, or any UDP with --already-wrapped); -1 otherwise. Sets this.udpEnd/udpSport.
   */
  private udpEnd = 0;
  private udpSport = 0;
  private udpPayload(b: Uint8Array, off: number, len: number): number {
    const end = off + len;
    if (len < 14) return -1;
    let type = rd16(b, off + 12);
    let cur = off + 14;
    for (let tags = 0; (type === 0x8100 || type === 0x88a8 || type === 0x9100) && tags < 3; tags++) {
      if (end - cur < 4) return -1;
      type = rd16(b, cur + 2);
      cur += 4;
    }
    let l4: number;
    if (type === 0x0800) {
      if (end - cur < 20 || b[cur]! >> 4 !== 4 || b[cur + 9] !== 17 || (rd16(b, cur + 6) & 0x1fff) !== 0) return -1;
      l4 = cur + ((b[cur]! & 0x0f) << 2);
    } else if (type === 0x86dd) {
      if (end - cur < 40 || b[cur]! >> 4 !== 6 || b[cur + 6] !== 17) return -1;
      l4 = cur + 40;
    } else {
      return -1;
    }
    if (end - l4 < 8) return -1;
    if (!this.opts.alreadyWrapped && rd16(b, l4 + 2) !== VXLAN_PORT) return -1;
    const udpLen = rd16(b, l4 + 4);
    this.udpEnd = udpLen >= 8 && l4 + udpLen < end ? l4 + udpLen : end;
    this.udpSport = rd16(b, l4);
    return l4 + 8;
  }

  onFrame(buf: Uint8Array, offset: number, caplen: number, _wirelen: number, linktype: number): void {
    this.stats.framesRead++;
    let frame = buf;
    let off = offset;
    let len = caplen;
    if (linktype !== 1) {
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

export interface SendTarget {
  /** Numeric address (resolve names first, see resolveTarget). */
  address: string;
  port: number;
}

export interface SendOptions {
  /** Datagrams per second, 0 = as fast as possible. */
  rate: number;
  /** Passes over the datagrams, 0 = until stopped. */
  loop: number;
  /** Send each datagram from its flow-hash source port. */
  awsSport: boolean;
  /** Aborting stops sending after the current burst. */
  signal?: AbortSignal;
  /** sendmmsg (native addon), dgram, or auto = sendmmsg where built and --aws-sport is off. */
  sender?: 'auto' | 'sendmmsg' | 'dgram';
}

export interface SendStats {
  /** Datagrams the kernel accepted. */
  packets: number;
  /** UDP payload bytes of those. */
  bytes: number;
  /** Sends that failed (e.g. ECONNREFUSED after an ICMP port unreachable). */
  errors: number;
  /** Complete passes over the input. */
  loops: number;
  /** Seconds from the first send to the last confirmation. */
  durationSec: number;
  /** packets / durationSec. */
  pps: number;
  /** Payload megabits per second. */
  mbps: number;
  /** Stopped early by the signal. */
  interrupted: boolean;
  /** How the datagrams went out. */
  method: 'sendmmsg' | 'dgram';
}

/** "HOST:PORT", "[v6]:PORT", "HOST" (port 4789) → name/address and port. */
export function parseHostPort(text: string): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (m) {
    host = m[1]!;
    portText = m[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const i = text.lastIndexOf(':');
    host = i >= 0 ? text.slice(0, i) : text;
    portText = i >= 0 ? text.slice(i + 1) : undefined;
  }
  const port = portText === undefined ? VXLAN_PORT : Number(portText);
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MirrorsinkError(ErrorCode.Usage, `send: --to must be HOST:PORT (port 1-65535), got '${text}'`);
  }
  return { host, port };
}

export async function resolveTarget(host: string, port: number): Promise<SendTarget & { family: 4 | 6 }> {
  const fam = isIP(host);
  if (fam === 4 || fam === 6) return { address: host, port, family: fam };
  try {
    const r = await lookup(host);
    return { address: r.address, port, family: r.family === 6 ? 6 : 4 };
  } catch (err) {
    throw new MirrorsinkError(ErrorCode.Usage, `send: cannot resolve '${host}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

function once(socket: dgram.Socket, fn: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    fn(() => {
      socket.off('error', onError);
      resolve();
    });
  });
}

async function openSockets(target: SendTarget & { family: 4 | 6 }, sports: Uint16Array | null): Promise<{ sockets: dgram.Socket[]; index: Uint8Array | null }> {
  const type = target.family === 6 ? 'udp6' : 'udp4';
  const wildcard = target.family === 6 ? '::' : '0.0.0.0';
  const open = async (port: number): Promise<dgram.Socket> => {
    const s = dgram.createSocket({ type, reuseAddr: port !== 0 });
    try {
      await once(s, (cb) => s.bind({ port, address: port === 0 ? undefined : wildcard }, cb));
      await once(s, (cb) => s.connect(target.port, target.address, cb));
    } catch (err) {
      s.close();
      const e = err as NodeJS.ErrnoException;
      throw new MirrorsinkError(ErrorCode.Bind, `send: cannot ${port ? `bind source port ${port}` : 'open a socket'} for ${target.address}:${target.port}: ${e.code ?? e.message}`);
    }
    s.on('error', () => {
      /* per-send errors are counted from the send callbacks */
    });
    return s;
  };
  if (!sports) return { sockets: [await open(0)], index: null };
  // One socket per flow-hash port that occurs; index maps a datagram's port to its socket.
  const slot = new Int16Array(128).fill(-1);
  const sockets: dgram.Socket[] = [];
  try {
    for (let i = 0; i < sports.length; i++) {
      const k = sports[i]! - AWS_SPORT_BASE;
      if (slot[k] === -1) {
        slot[k] = sockets.length;
        sockets.push(await open(AWS_SPORT_BASE + k));
      }
    }
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }
  const index = new Uint8Array(sports.length);
  for (let i = 0; i < sports.length; i++) index[i] = slot[sports[i]! - AWS_SPORT_BASE]!;
  return { sockets, index };
}

/**
 * How the send loop hands datagrams over: `transmit(i, n)` offers datagrams i .. i+n-1 (no
 * wrap-around) and returns how many it consumed (0 = the socket is full, try again shortly);
 * `settled()` resolves when every consumed datagram is confirmed.
 */
interface Transmitter {
  method: 'sendmmsg' | 'dgram';
  transmit(i: number, n: number): number;
  /** Consumed but not yet confirmed (dgram's callbacks); 0 for sendmmsg. */
  inflight(): number;
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface Tally {
  okPackets: number;
  okBytes: number;
  errors: number;
  lastDone: number;
}

/** sendmmsg through the native addon: synchronous, nothing in flight. */
function nativeTransmitter(native: NativeBatchModule, prep: PreparedDatagrams, target: SendTarget & { family: 4 | 6 }, tally: Tally): Transmitter {
  let sender: BatchSender;
  try {
    sender = new BatchSender(native, target.family, target.address, target.port);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new MirrorsinkError(ErrorCode.Bind, `send: cannot open a socket for ${target.address}:${target.port}: ${e.code ?? e.message}`);
  }
  const { arena, offsets, lengths } = prep;
  return {
    method: 'sendmmsg',
    transmit(i, n) {
      let sent: number;
      try {
        sent = sender.send(arena, offsets, lengths, i, n);
      } catch (err) {
        // A refused datagram (an errno such as ECONNREFUSED) is counted and the loop goes on;
        // anything else is a bug, not a send error.
        if ((err as NodeJS.ErrnoException).code === undefined) throw err;
        tally.errors++;
        return 1;
      }
      for (let k = i; k < i + sent; k++) tally.okBytes += lengths[k]!;
      tally.okPackets += sent;
      tally.lastDone = performance.now();
      return sent;
    },
    inflight: () => 0,
    settled: () => Promise.resolve(),
    close: () => {
      sender.close();
      return Promise.resolve();
    },
  };
}

/** Node's dgram: one send and one completion callback per datagram (also --aws-sport's pool). */
async function dgramTransmitter(prep: PreparedDatagrams, target: SendTarget & { family: 4 | 6 }, awsSport: boolean, tally: Tally): Promise<Transmitter> {
  const { sockets, index } = await openSockets(target, awsSport ? prep.sports : null);
  const { arena, offsets, lengths } = prep;
  let issued = 0;
  let confirmed = 0;
  let whenSettled: (() => void) | null = null;
  const onSent = (err: Error | null, n?: number): void => {
    confirmed++;
    if (err) tally.errors++;
    else {
      tally.okPackets++;
      tally.okBytes += n ?? 0;
    }
    tally.lastDone = performance.now();
    if (whenSettled !== null && confirmed === issued) whenSettled();
  };
  return {
    method: 'dgram',
    transmit(i, n) {
      for (let k = i; k < i + n; k++) {
        const s = index === null ? sockets[0]! : sockets[index[k]!]!;
        s.send(arena, offsets[k]!, lengths[k]!, onSent);
      }
      issued += n;
      return n;
    },
    inflight: () => issued - confirmed,
    settled: () => (confirmed === issued ? Promise.resolve() : new Promise<void>((r) => (whenSettled = r))),
    close: () => Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}

/** Send prepared datagrams to a target; resolves when every send has been confirmed. */
export async function sendDatagrams(prep: PreparedDatagrams, target: SendTarget & { family?: 4 | 6 }, opts: SendOptions): Promise<SendStats> {
  const family = target.family ?? (isIP(target.address) === 6 ? 6 : 4);
  const tally: Tally = { okPackets: 0, okBytes: 0, errors: 0, lastDone: 0 };
  const wanted = opts.sender ?? 'auto';
  // sendmmsg sends from one ephemeral port; --aws-sport needs dgram's pool of bound sockets.
  const native = wanted === 'dgram' || opts.awsSport ? null : loadUdpBatchAddon();
  if (wanted === 'sendmmsg' && (native === null || !('module' in native))) {
    throw new MirrorsinkError(ErrorCode.NativeUnavailable, `send: --sender sendmmsg ${native === null ? 'cannot be combined with --aws-sport' : `is not available: ${native.why}`}`);
  }
  const tx = native !== null && 'module' in native ? nativeTransmitter(native.module, prep, { ...target, family }, tally) : await dgramTransmitter(prep, { ...target, family }, opts.awsSport, tally);
  const { count } = prep;
  const total = opts.loop === 0 ? Infinity : count * opts.loop;
  const rate = opts.rate;
  const burst = tx.method === 'sendmmsg' ? MAX_BATCH_BURST : MAX_BURST;
  // Bucket: 50 ms of traffic, so a late timer or a busy event loop is caught up on rather than
  // lost; sending starts with one token (no initial burst) and each turn sends at most a burst.
  const bucket = rate > 0 ? Math.max(1, Math.ceil(rate / 20)) : burst;

  let issued = 0;
  let i = 0; // index into the datagrams
  let loops = 0;
  let interrupted = false;

  const t0 = performance.now();
  let tokens = rate > 0 ? 1 : 0;
  let last = t0;

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      if (opts.signal?.aborted) {
        interrupted = true;
        return resolve();
      }
      let allowed: number;
      if (rate > 0) {
        const now = performance.now();
        tokens += ((now - last) * rate) / 1000;
        last = now;
        if (tokens > bucket) tokens = bucket;
        allowed = Math.min(burst, Math.floor(tokens));
      } else {
        allowed = burst;
      }
      if (tx.inflight() > MAX_INFLIGHT) allowed = 0;
      let n = 0;
      let full = false;
      while (n < allowed && issued < total && count > 0) {
        const want = Math.min(allowed - n, count - i, total - issued);
        const took = tx.transmit(i, want);
        if (took === 0) {
          full = true;
          break;
        }
        issued += took;
        n += took;
        i += took;
        if (i === count) {
          i = 0;
          loops++;
        }
      }
      if (rate > 0) tokens -= n;
      if (issued >= total || count === 0) return resolve();
      if (full) {
        setTimeout(pump, 1); // the socket buffer is full: let the kernel drain it
        return;
      }
      if (rate > 0 && tokens < 1) {
        const waitMs = ((1 - tokens) * 1000) / rate;
        if (waitMs >= 2) {
          setTimeout(pump, Math.floor(waitMs) - 1);
          return;
        }
      }
      setImmediate(pump);
    };
    pump();
  });
  await tx.settled();
  await tx.close();
  const durationSec = issued === 0 ? 0 : Math.max(tally.lastDone - t0, 1e-6) / 1000;
  return {
    packets: tally.okPackets,
    bytes: tally.okBytes,
    errors: tally.errors,
    loops: issued === total ? opts.loop : loops,
    durationSec,
    pps: durationSec > 0 ? tally.okPackets / durationSec : 0,
    mbps: durationSec > 0 ? (tally.okBytes * 8) / durationSec / 1e6 : 0,
    interrupted,
    method: tx.method,
  };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('send', args, {
    to: { type: 'string' },
    vni: { type: 'string' },
    rate: { type: 'string' },
    loop: { type: 'string' },
    'packet-length': { type: 'string' },
    'already-wrapped': { type: 'boolean' },
    'aws-sport': { type: 'boolean' },
    sender: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (help) {
    process.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (positionals.length === 0) throw new MirrorsinkError(ErrorCode.Usage, "send: no capture file given (see 'mirrorsink send --help')");
  if (typeof values.to !== 'string') throw new MirrorsinkError(ErrorCode.Usage, "send: --to HOST:PORT is required (see 'mirrorsink send --help')");
  const { host, port } = parseHostPort(values.to);
  const vni = intOption('send', 'vni', values.vni, 0, 0xffffff, 1);
  const rate = intOption('send', 'rate', values.rate, 0, 100_000_000, 0);
  const loop = intOption('send', 'loop', values.loop, 0, 1_000_000_000, 1);
  const packetLength = intOption('send', 'packet-length', values['packet-length'], 1, MAX_PACKET_LENGTH, 0);
  const alreadyWrapped = values['already-wrapped'] === true;
  const sender = values.sender ?? 'auto';
  if (sender !== 'auto' && sender !== 'sendmmsg' && sender !== 'dgram') {
    throw new MirrorsinkError(ErrorCode.Usage, `send: --sender must be auto, sendmmsg or dgram, got '${sender}'`);
  }

  const target = await resolveTarget(host, port);
  const prep = prepareDatagrams(positionals, { vni, packetLength, alreadyWrapped });

  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let stats: SendStats;
  try {
    stats = await sendDatagrams(prep, target, { rate, loop, awsSport: values['aws-sport'] === true, signal: ac.signal, sender });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }

  const targetText = target.family === 6 ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
  if (values.json === true) {
    process.stdout.write(
      JSON.stringify({
        target: targetText,
        files: prep.stats.files,
        frames_read: prep.stats.framesRead,
        datagrams: prep.count,
        wrapped: prep.stats.wrapped,
        passed_through: prep.stats.passedThrough,
        truncated: prep.stats.truncated,
        skipped: prep.stats.skipped,
        vni,
        loops: stats.loops,
        packets: stats.packets,
        bytes: stats.bytes,
        errors: stats.errors,
        duration_s: Number(stats.durationSec.toFixed(6)),
        rate_pps: Math.round(stats.pps),
        mbps: Number(stats.mbps.toFixed(3)),
        interrupted: stats.interrupted,
        sender: stats.method,
      }) + '\n',
    );
  } else if (values.quiet !== true) {
    const s = prep.stats;
    const lines = [
      `sent ${stats.packets} packets, ${stats.bytes} bytes (UDP payload) to ${targetText} in ${stats.durationSec.toFixed(3)} s: ${Math.round(stats.pps)} pkt/s, ${stats.mbps.toFixed(1)} Mbit/s (${stats.method})`,
      `input: ${s.files} file(s), ${s.framesRead} frames: ${s.wrapped} wrapped (VNI ${vni}), ${s.passedThrough} already VXLAN, ${s.truncated} truncated, ${s.skipped} skipped; ${stats.loops} loop(s)`,
    ];
    if (stats.errors > 0) lines.push(`send errors: ${stats.errors}`);
    if (stats.interrupted) lines.push('interrupted');
    process.stdout.write(lines.join('\n') + '\n');
  }
  return stats.errors > 0 && stats.packets === 0 ? ExitCode.Failure : ExitCode.Ok;
}
