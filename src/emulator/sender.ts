/**
 * Sending prepared datagrams (see datagrams.ts) to a mirror target: with sendmmsg through the
 * native addon (up to 1024 datagrams per system call) where it is built, else with Node's dgram
 * (a small request object and a callback per send; the loop allocates nothing of its own).
 * Pacing is a token bucket on performance.now(); at rate 0 the loop sends in bursts, and with
 * dgram it waits when more than MAX_INFLIGHT sends are unconfirmed, so memory stays bounded.
 *
 * Outer source port: an ordinary socket has one source port, so by default every datagram
 * leaves from one ephemeral port and the AWS-style symmetric flow-hash port (65408-65535) is
 * only carried in pcap output. With `awsSport`, a pool of sockets bound to 65408-65535
 * (SO_REUSEADDR) is used and each datagram leaves from its flow's port, as from AWS.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { loadUdpBatchAddon, type NativeBatchModule } from '../source/batch-socket.js';
import { BatchSender } from './batch-sender.js';
import type { PreparedDatagrams } from './datagrams.js';
import { AWS_SPORT_BASE } from './source-port.js';

/** Sends handed to the socket but not yet confirmed before the loop waits. */
const MAX_INFLIGHT = 4096;
/** Most dgram sends per event-loop turn (lets completions and timers run). */
const MAX_BURST = 512;
/** Most sendmmsg datagrams per event-loop turn (no completions to wait for). */
const MAX_BATCH_BURST = 8192;

export interface SendTarget {
  /** Numeric address (names are resolved first: cli/commands/send.ts resolveTarget). */
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

