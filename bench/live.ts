/**
 * Live receive benchmark over loopback (127.0.0.1 only): for 100-byte and 1400-byte inner
 * frames (VXLAN-wrapped), the highest send rate with < 0.1 % loss and the receiver's CPU time
 * per datagram, for three receivers measured side by side in the same run:
 *
 *   pipeline  `mirrorsink serve --receiver recvmmsg`, the real CLI in a child process, with the
 *             full pipeline of the given config (default captures/mirrorsink.yaml: four
 *             sessions with direction rules, no mirror filter, no flows, no IDS rules, no
 *             outputs), reading its socket in recvmmsg batches through the native receiver
 *             (left out, with the reason, where that is not built); counted by its own
 *             received-datagram counter (GET /api/sessions);
 *   pipeline-dgram  the same with `--receiver dgram`: Node's dgram, a callback per datagram;
 *   bare      a bare dgram receive loop with a VXLAN + Ethernet header parse (child process),
 *             asking for the same receive buffer as serve (its 32 MiB default; both are capped
 *             alike by net.core.rmem_max, and the granted sizes are logged): the ceiling Node's
 *             dgram allows on this machine. Node allocates a Buffer and an rinfo per datagram
 *             for both.
 *
 * The sender is another process: a paced loop on a connected socket, sending with sendmmsg
 * through mirrorsink's native addon where it is built, else with dgram (`sendmsg` per datagram).
 * Over loopback the sender's core also does the kernel's delivery to the receiving socket, so
 * the sender, not serve with recvmmsg, sets the highest rate this machine can show. These machines are shared, so the two receivers of a size run
 * at the same time and take turns trial by trial: both see the same background load.
 *
 * CPU per datagram ("at full batches"): the receiver is stopped (SIGSTOP), its socket buffer is
 * filled with K datagrams (half of what the granted buffer holds), it is continued and drains
 * them; its CPU time over the drain (user + system, all threads, from /proc/PID/task/N/schedstat:
 * what process.cpuUsage() sums; the bare child's own process.cpuUsage() is logged as a
 * cross-check) divided by the datagrams drained. That is the cost per datagram when the loop
 * reads full batches, the regime that decides the highest rate, and the number least disturbed
 * by other load (it still is by cache and core sharing: compare the two receivers of one run).
 * Cycles alternate between the receivers. The CPU per datagram at the best loss-free rate is
 * reported too (it includes idle wake-ups).
 *
 * Rate search per receiver: double the rate from `startPps` until loss >= threshold (or the
 * sender cannot reach the rate), then bisect; at most `maxTrials` trials and a share of the
 * time budget (whole run < `budgetSeconds`). "[sender-limited]" marks a receiver that lost
 * nothing at the sender's top speed.
 *
 * Run directly: `node dist/bench/live.js [--quick] [--sizes 100,1400] [--cpu-only]
 * [--config FILE]`. Linux (/proc) for the CPU numbers.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './bench-row.js';
import { loadUdpBatchAddon } from '../src/source/batch-socket.js';
import { BatchSender } from '../src/emulator/batch-sender.js';
import { DecodeCounters } from '../src/decode/decode-events.js';
import { ipv4HeaderChecksum, writeVxlanPayload } from '../src/decode/vxlan-encap.js';
import { ETHERTYPE_IPV4, decodeEthernet } from '../src/decode/ethernet.js';
import { PacketView } from '../src/decode/packet-view.js';
import { VXLAN_HEADER_LEN, decodeVxlan } from '../src/decode/vxlan.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench → repo root (also works from the source tree via the built file). */
const REPO = path.resolve(HERE, '..', '..');
const CLI = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const SELF = path.join(REPO, 'dist', 'bench', 'live.js');
const LOOPBACK = '127.0.0.1';
/** Receive buffer both receivers ask for: serve's default (listen.receive_buffer_bytes). */
const RECEIVE_BUFFER_BYTES = 32 * 1024 * 1024;

type Mode = 'bare' | 'pipeline' | 'pipeline-dgram';

export interface BenchLiveOptions {
  /** Inner Ethernet frame sizes (default [100, 1400]). */
  sizes?: number[];
  /** Seconds per rate trial (default 1.5). */
  trialSeconds?: number;
  /** Rate trials per receiver and size at most (default 12). */
  maxTrials?: number;
  /** Loss fraction that fails a trial (default 0.001 = 0.1 %). */
  lossThreshold?: number;
  /** First rate tried (default 25 000 pps). */
  startPps?: number;
  /** Stop/fill/drain cycles per receiver and size for the CPU per datagram (default 30; 0 = none). */
  cpuCycles?: number;
  /** Only the CPU per datagram, no rate search. */
  cpuOnly?: boolean;
  /** Time budget of the whole run in seconds (default 170): rate searches stop early to keep it. */
  budgetSeconds?: number;
  /** serve configuration (default captures/mirrorsink.yaml: four sessions). */
  configFile?: string;
  /** Progress lines (default: to stderr). */
  log?: (line: string) => void;
}

interface TrialResult {
  target: number;
  sent: number;
  received: number;
  seconds: number;
  loss: number;
  achievedPps: number;
  /** Receiver CPU µs per received datagram over the trial (NaN when unknown). */
  cpuUs: number;
}

// ---------------------------------------------------------------- datagrams

function innerFrame(len: number, flow: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set([0x02, 0, 0x0a, 0, 0x01, 0x01, 0x02, 0, 0x0a, 0, 0x01, 0x0a, 0x08, 0x00], 0);
  const ip = 14;
  const total = len - 14;
  f.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 1, 10, 198, 51, 100, 1 + (flow & 0x3f)], ip);
  const ck = ipv4HeaderChecksum(f, ip, 20);
  f[ip + 10] = ck >> 8;
  f[ip + 11] = ck & 0xff;
  const u = ip + 20;
  const sport = 40000 + flow;
  const ulen = total - 20;
  f.set([sport >> 8, sport & 0xff, 0, 53, ulen >> 8, ulen & 0xff, 0, 0], u);
  for (let i = u + 8; i < len; i++) f[i] = i & 0xff;
  return f;
}

function vxlanDatagram(vni: number, inner: Uint8Array): Buffer {
  const b = Buffer.alloc(VXLAN_HEADER_LEN + inner.length);
  writeVxlanPayload(b, 0, inner, 0, inner.length, vni);
  return b;
}

// ---------------------------------------------------------------- child roles

interface SendOrder {
  port: number;
  frameLen: number;
  count: number;
  /** Target rate; 0 = as fast as the sender goes. */
  pps: number;
  /**
   * Send each of the 16 flows from its own source port (as AWS's flow-hash outer port does),
   * so that a SO_REUSEPORT group spreads them; default one port for all.
   */
  flowPorts?: boolean;
}

/**
 * Sender child: on a SendOrder send `count` paced datagrams, reply {sent, seconds}. With the
 * native addon it sends with sendmmsg (about 3 µs of sender CPU per datagram over loopback,
 * most of it the kernel delivering to the receiver's socket), else with dgram on a connected
 * socket (`send` per datagram like any Node sender).
 */
async function senderChild(): Promise<void> {
  const addon = loadUdpBatchAddon();
  const native = 'module' in addon ? addon.module : null;
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, LOOPBACK, r));
  sock.setSendBufferSize(4 * 1024 * 1024);
  sock.on('error', (err) => process.stderr.write(`sender: ${err.message}\n`));
  let connectedPort = 0;
  let batchSender: BatchSender | null = null;
  let flowSenders: BatchSender[] | null = null;
  let flowSendersPort = 0;
  const onSent = (err: Error | null) => {
    if (err) process.stderr.write(`send: ${err.message}\n`);
  };
  process.on('message', async (m: SendOrder) => {
    // Connected: no address lookup per send (the sender must outrun the receivers).
    if (m.port !== connectedPort) {
      if (connectedPort !== 0) sock.disconnect();
      await new Promise<void>((r) => sock.connect(m.port, LOOPBACK, r));
      batchSender?.close();
      batchSender = native ? new BatchSender(native, 4, LOOPBACK, m.port) : null;
      connectedPort = m.port;
    }
    const bufs = Array.from({ length: 16 }, (_, i) => vxlanDatagram(i % 2 === 0 ? 101 : 102, innerFrame(m.frameLen, i)));
    // The same 16 datagrams as one arena, listed 4096 times over for sendmmsg.
    const arena = Buffer.concat(bufs);
    const offsets = new Uint32Array(4096).map((_, i) => (i & 15) * bufs[0]!.length);
    const lengths = new Uint32Array(4096).fill(bufs[0]!.length);
    const total = m.count;
    let sent = 0;
    const start = performance.now();
    const done = () => process.send!({ sent, seconds: (performance.now() - start) / 1000 });
    if (m.flowPorts === true && native !== null) {
      // One connected sender (its own ephemeral port) per flow; pacing is not needed here.
      if (flowSenders === null || flowSendersPort !== m.port) {
        for (const f of flowSenders ?? []) f.close();
        flowSenders = Array.from({ length: 16 }, () => new BatchSender(native, 4, LOOPBACK, m.port));
        flowSendersPort = m.port;
      }
      const one = new Uint32Array(1);
      const len = new Uint32Array(1).fill(bufs[0]!.length);
      while (sent < total) {
        const i = sent & 15;
        one[0] = i * bufs[0]!.length;
        if (flowSenders[i]!.send(arena, one, len, 0, 1) === 1) sent++;
        else await sleep(1);
      }
      return done();
    }
    const tick = () => {
      let due = m.pps > 0 ? Math.min(total, Math.floor(((performance.now() - start) / 1000) * m.pps)) - sent : total - sent;
      if (due > 4096) due = 4096; // yield so libuv flushes the queue
      if (batchSender !== null) {
        // Aligned so that datagram `sent` is bufs[sent & 15], as on the dgram path.
        if (due > 0) sent += batchSender.send(arena, offsets, lengths, sent & 15, Math.min(due, 4096 - (sent & 15)));
        if (sent >= total) return done();
      } else {
        for (let i = 0; i < due; i++) {
          // The last send's callback comes after every earlier one: then report.
          if (sent === total - 1) sock.send(bufs[sent & 15]!, (err) => (onSent(err), done()));
          else sock.send(bufs[sent & 15]!);
          sent++;
        }
      }
      if (sent < total) setImmediate(tick);
    };
    if (total === 0) done();
    else setImmediate(tick);
  });
  process.send!({ ready: true });
}

/**
 * Bare receiver child: counts datagrams whose VXLAN + Ethernet header decode (decode/'s two
 * header decoders on one reused view, no pipeline); replies to 'count'.
 */
async function bareReceiverChild(): Promise<void> {
  const sock = dgram.createSocket('udp4');
  let received = 0;
  let parsed = 0;
  let vniSum = 0;
  const view = new PacketView();
  const counters = new DecodeCounters();
  sock.on('message', (msg) => {
    received++;
    view.setFrame(msg, 0, msg.length, msg.length, -1); // a socket datagram: no link layer
    const l2 = decodeVxlan(view, counters, 0, msg.length);
    if (l2 >= 0 && decodeEthernet(view, counters, l2, msg.length) >= 0 && view.etherType === ETHERTYPE_IPV4) {
      parsed++;
      vniSum += view.vni;
    }
  });
  await new Promise<void>((r) => sock.bind(0, LOOPBACK, r));
  try {
    sock.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
  } catch {
    // refused: keep the default (logged as granted)
  }
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send!({ received, parsed, vniSum, cpuUs: cpu.user + cpu.system });
  });
  // Parent gone: exit (normally, so that --cpu-prof can write its profile).
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true, port: sock.address().port, recvBuffer: sock.getRecvBufferSize() });
}

// ---------------------------------------------------------------- parent side

function onceMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.removeListener('exit', onExit);
      resolve(m as T);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time of a process in µs, all threads (what its process.cpuUsage() sums); NaN if unknown. */
function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread ended meanwhile
      }
    }
    return ns / 1000;
  } catch {
    return NaN;
  }
}

/**
 * Bytes queued on the 127.0.0.1:port UDP sockets and their drop count (/proc/net/udp), summed
 * over every socket of the port (serve's pipeline threads each hold one of a SO_REUSEPORT
 * group); null if unknown.
 */
function udpQueue(port: number): { bytes: number; drops: number } | null {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let found: { bytes: number; drops: number } | null = null;
  try {
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[1] !== local) continue;
      found ??= { bytes: 0, drops: 0 };
      found.bytes += parseInt(f[4]!.split(':')[1]!, 16);
      found.drops += Number(f[12]);
    }
  } catch {
    // not Linux
  }
  return found;
}

interface Receiver {
  mode: Mode;
  label: string;
  port: number;
  pid: number | undefined;
  /** Receive buffer as getRecvBufferSize() reports it. */
  recvBuffer: number;
  count(): Promise<number>;
  /** The receiver's own process.cpuUsage() (µs), when it can tell. */
  selfCpuUs(): Promise<number | null>;
  stop(): Promise<void>;
}

const MODE_LABEL: Record<Mode, string> = {
  bare: 'bare dgram loop + header parse',
  pipeline: 'serve (full pipeline, recvmmsg batches)',
  'pipeline-dgram': 'serve (full pipeline, dgram)',
};

async function startBare(size: number): Promise<Receiver> {
  const child = fork(SELF, ['--child', 'bare'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await onceMessage<{ port: number; recvBuffer: number }>(child);
  const ask = async () => {
    child.send('count');
    return onceMessage<{ received: number; cpuUs: number }>(child);
  };
  return {
    mode: 'bare',
    label: `${MODE_LABEL.bare}, ${size}-byte inner frames`,
    port: ready.port,
    pid: child.pid,
    recvBuffer: ready.recvBuffer,
    count: async () => (await ask()).received,
    selfCpuUs: async () => (await ask()).cpuUs,
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startServe(size: number, configFile: string, mode: 'pipeline' | 'pipeline-dgram', extra: string[] = ['--workers', '1']): Promise<Receiver> {
  // One pipeline thread unless asked: the rows above compare receive paths, not threads.
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--config', configFile, '--bind', LOOPBACK, '--vxlan-port', '0', '--no-geneve', '--http-port', '0', '--http-bind', LOOPBACK, '--receive-buffer', String(RECEIVE_BUFFER_BYTES), '--receiver', mode === 'pipeline' ? 'recvmmsg' : 'dgram', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = await new Promise<{ udp: { port: number }[]; http: { port: number } }>((resolve, reject) => {
    let buf = '';
    child.once('exit', (code) => reject(new Error(`serve exited (${code})`)));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (line.includes('"mirrorsink ready"')) resolve(JSON.parse(line));
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
  });
  child.stdout!.resume();
  const base = `http://${LOOPBACK}:${ready.http.port}`;
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const m = /mirrorsink_udp_receive_buffer_bytes\{listener="vxlan"\} (\d+)/.exec(metrics);
  return {
    mode,
    label: `${MODE_LABEL[mode]}, ${size}-byte inner frames`,
    port: ready.udp[0]!.port,
    pid: child.pid,
    recvBuffer: m ? Number(m[1]) : NaN,
    count: async () => {
      const j = (await (await fetch(`${base}/api/sessions`)).json()) as { received: { vxlan: { datagrams: number } } };
      return j.received.vxlan.datagrams;
    },
    selfCpuUs: async () => null,
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Wait until the receiver's count stops moving (it has read everything the kernel holds). */
async function settledCount(r: Receiver): Promise<number> {
  let last = await r.count();
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    const now = await r.count();
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function send(sender: ChildProcess, order: SendOrder): Promise<{ sent: number; seconds: number }> {
  sender.send(order);
  return onceMessage<{ sent: number; seconds: number }>(sender);
}

async function trial(sender: ChildProcess, r: Receiver, pps: number, seconds: number, frameLen: number): Promise<TrialResult> {
  const before = await settledCount(r);
  const cpu0 = processCpuUs(r.pid);
  const s = await send(sender, { port: r.port, frameLen, pps, count: Math.round(pps * seconds) });
  const received = (await settledCount(r)) - before;
  const cpuUs = received > 0 ? (processCpuUs(r.pid) - cpu0) / received : NaN;
  return { target: pps, sent: s.sent, received, seconds: s.seconds, loss: s.sent > 0 ? Math.max(0, 1 - received / s.sent) : 0, achievedPps: s.sent / s.seconds, cpuUs };
}

/** Wait until the socket's queue is empty, then a little for the last batch's processing. */
async function drained(port: number): Promise<void> {
  for (let i = 0; i < 5000 && (udpQueue(port)?.bytes ?? 0) > 0; i++) await sleep(1);
  await sleep(3);
}

/**
 * CPU µs per datagram at full batches (see the header), cycles alternating between receivers.
 * NaN for a receiver when /proc is not there.
 */
async function cpuAtFullBatches(sender: ChildProcess, rs: Receiver[], frameLen: number, cycles: number, log: (l: string) => void): Promise<Map<Receiver, number>> {
  const out = new Map<Receiver, number>();
  const plan: { r: Receiver; k: number; cpu: number; n0: number; drops0: number; self0: number | null }[] = [];
  for (const r of rs) {
    if (r.pid === undefined || udpQueue(r.port) === null || Number.isNaN(processCpuUs(r.pid))) {
      out.set(r, NaN);
      continue;
    }
    // Warm up (JIT), then size K from what one queued datagram takes of the buffer.
    await send(sender, { port: r.port, frameLen, pps: 50_000, count: 25_000 });
    await settledCount(r);
    process.kill(r.pid, 'SIGSTOP');
    try {
      await send(sender, { port: r.port, frameLen, pps: 0, count: 64 });
      const perDatagram = Math.max(1, udpQueue(r.port)!.bytes / 64);
      const capacity = Number.isFinite(r.recvBuffer) ? r.recvBuffer : 1 << 20;
      plan.push({ r, k: Math.max(256, Math.min(8000, Math.floor((0.5 * capacity) / perDatagram))), cpu: 0, n0: 0, drops0: 0, self0: null });
    } finally {
      process.kill(r.pid, 'SIGCONT');
    }
    await drained(r.port);
  }
  for (const x of plan) {
    x.n0 = await settledCount(x.r);
    x.drops0 = udpQueue(x.r.port)!.drops;
    x.self0 = await x.r.selfCpuUs();
  }
  for (let c = 0; c < cycles; c++) {
    for (const x of plan) {
      const pid = x.r.pid!;
      process.kill(pid, 'SIGSTOP');
      let c0: number;
      try {
        await send(sender, { port: x.r.port, frameLen, pps: 0, count: x.k });
        c0 = processCpuUs(pid);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await drained(x.r.port);
      x.cpu += processCpuUs(pid) - c0;
    }
  }
  for (const x of plan) {
    const n = (await settledCount(x.r)) - x.n0;
    const drops = udpQueue(x.r.port)!.drops - x.drops0;
    const self1 = await x.r.selfCpuUs();
    const perDatagram = x.cpu / n;
    out.set(x.r, perDatagram);
    const cross = x.self0 !== null && self1 !== null ? ` (its own process.cpuUsage() over the whole measurement: ${((self1 - x.self0) / n).toFixed(2)})` : '';
    log(`  ${x.r.label}: ${perDatagram.toFixed(2)} µs CPU/datagram at full batches (${cycles} × ${x.k} datagrams drained, ${drops} dropped)${cross}`);
  }
  return out;
}

interface SearchOptions {
  trialSeconds: number;
  maxTrials: number;
  lossThreshold: number;
  startPps: number;
}

/** Highest loss-free rate: ramp ×2 from startPps until a loss, then bisect. Driven one trial at a time. */
class RateSearch {
  best: TrialResult | null = null; // best passing trial
  senderLimited = false;
  trials = 0;
  private hiRate = Infinity; // lowest failing rate
  private senderShortfalls = 0;
  private rate: number;
  private ramping = true;

  constructor(
    readonly r: Receiver,
    private readonly o: SearchOptions,
  ) {
    this.rate = o.startPps;
  }

  /** The next rate to try, or null when done. */
  next(deadline: number): number | null {
    if (this.trials >= this.o.maxTrials || performance.now() >= deadline || this.senderLimited) return null;
    if (this.ramping) return this.rate;
    if (!Number.isFinite(this.hiRate)) return null;
    const loRate = this.best?.target ?? 0;
    if (this.hiRate - loRate < Math.max(1000, 0.05 * this.hiRate)) return null;
    return (loRate + this.hiRate) / 2;
  }

  record(t: TrialResult): void {
    this.trials++;
    const failed = t.loss >= this.o.lossThreshold;
    if (this.ramping) {
      if (failed) {
        this.hiRate = t.target;
        this.ramping = false;
        return;
      }
      if (this.best === null || t.achievedPps > this.best.achievedPps) this.best = t;
      // No loss at the sender's top speed: once more at the same rate (the sender's speed varies
      // with the machine's load), then that is the answer.
      if (t.achievedPps < 0.9 * t.target) this.senderLimited = ++this.senderShortfalls >= 2;
      else this.rate *= 2;
      return;
    }
    if (failed) this.hiRate = t.target;
    else if (this.best === null || t.achievedPps > this.best.achievedPps) this.best = t;
    else this.hiRate = t.target; // passed but slower than an earlier pass: the sender flattened out
  }
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

export async function benchLive(opts: BenchLiveOptions = {}): Promise<BenchRow[]> {
  const sizes = opts.sizes ?? [100, 1400];
  const o: SearchOptions = {
    trialSeconds: opts.trialSeconds ?? 1.5,
    maxTrials: opts.maxTrials ?? 12,
    lossThreshold: opts.lossThreshold ?? 0.001,
    startPps: opts.startPps ?? 25_000,
  };
  const cycles = opts.cpuCycles ?? 30;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const configFile = opts.configFile ?? path.join(REPO, 'captures', 'mirrorsink.yaml');
  const start = performance.now();
  const budgetMs = (opts.budgetSeconds ?? 170) * 1000;
  const rows: BenchRow[] = [];
  const native = loadUdpBatchAddon();
  const nativeReceiver = 'module' in native;
  if (!nativeReceiver) log(`live bench: no serve row with recvmmsg batches: ${native.why}`);
  log(`live bench: load average ${loadAverage()}; serve config ${path.relative(REPO, configFile) || configFile} (the default one has no filter, flows, rules or outputs)`);
  const sender = fork(SELF, ['--child', 'sender'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await onceMessage(sender);
  try {
    for (let si = 0; si < sizes.length; si++) {
      const size = sizes[si]!;
      const rs: Receiver[] = [];
      try {
        rs.push(await startBare(size));
        rs.push(await startServe(size, configFile, 'pipeline-dgram'));
        if (nativeReceiver) rs.push(await startServe(size, configFile, 'pipeline'));
        for (const r of rs) log(`${r.label}: receive buffer granted ${r.recvBuffer} bytes (asked ${RECEIVE_BUFFER_BYTES}; as getRecvBufferSize() reports it)`);
        const cpu = cycles > 0 ? await cpuAtFullBatches(sender, rs, size, cycles, log) : new Map<Receiver, number>();
        // An even share of what is left of the budget.
        const deadline = performance.now() + (budgetMs - (performance.now() - start)) / (sizes.length - si);
        const searches = opts.cpuOnly === true ? [] : rs.map((r) => new RateSearch(r, o));
        // Trials alternate between the receivers so that both see the same background load.
        for (let active = searches; active.length > 0; ) {
          const still: RateSearch[] = [];
          for (const s of active) {
            const rate = s.next(deadline);
            if (rate === null) continue;
            const t = await trial(sender, s.r, rate, o.trialSeconds, size);
            s.record(t);
            log(`  ${s.r.label}: target ${Math.round(rate)} pps → sent ${Math.round(t.achievedPps)} pps, loss ${(t.loss * 100).toFixed(3)} %, receiver CPU ${t.cpuUs.toFixed(2)} µs/datagram`);
            still.push(s);
          }
          active = still;
        }
        const summary: Partial<Record<Mode, { pps: number; cpu: number }>> = {};
        for (const r of rs) {
          const s = searches.find((x) => x.r === r);
          const best = s?.best ?? null;
          const fullBatches = cpu.get(r) ?? NaN;
          const cpuText = [`${fullBatches.toFixed(2)} µs CPU/datagram at full batches`, best ? `${best.cpuUs.toFixed(2)} at that rate` : null].filter((x) => x !== null).join(', ');
          const name =
            s === undefined
              ? `live: ${r.label}, CPU per datagram (${cpuText})`
              : `live: ${r.label}, max rate with <${o.lossThreshold * 100} % loss${s.senderLimited ? ' [sender-limited]' : ''} (${s.trials} trials; ${cpuText})`;
          const row = best ? { packets: best.sent, seconds: best.seconds, pps: best.achievedPps } : { packets: 0, seconds: 0, pps: 0 };
          rows.push({ name, ...row, peakRssMiB: peakRssMiB(r.pid) });
          summary[r.mode] = { pps: row.pps, cpu: fullBatches };
        }
        const b = summary.bare;
        for (const mode of ['pipeline', 'pipeline-dgram'] as const) {
          const p = summary[mode];
          if (!p || !b) continue;
          log(
            `${size}-byte frames: ${MODE_LABEL[mode]} / bare: loss-free rate ${(p.pps / b.pps).toFixed(2)}, CPU per datagram at full batches ${(p.cpu / b.cpu).toFixed(2)} (${p.cpu.toFixed(2)} vs ${b.cpu.toFixed(2)} µs; rate ceiling ${(b.cpu / p.cpu).toFixed(2)} of bare's)`,
          );
        }
      } finally {
        for (const r of rs) await r.stop();
      }
    }
  } finally {
    sender.kill('SIGTERM');
  }
  log(`live bench: ${((performance.now() - start) / 1000).toFixed(0)} s, load average ${loadAverage()}`);
  return rows;
}

/**
 * serve --workers 1 against --workers 2 on a pipeline with work to spread (the bundled rules,
 * flows and stream reassembly on the bench datagrams), by drain rate: the receiver is stopped
 * (SIGSTOP), its SO_REUSEPORT sockets are filled with K datagrams sent from one source port per
 * flow (as AWS's flow-hash outer port does, so the kernel spreads the flows over the workers'
 * sockets), it is continued, and the datagrams it drained per wall-clock second until every
 * socket of the port is empty are its rate. Unlike the loss-free rate this does not need a
 * sender faster than the receiver: over loopback the sender's core does the kernel's delivery,
 * which on two vCPUs would leave one core for two workers. CPU per datagram beside it.
 */
export async function benchLiveWorkers(opts: { frameLen?: number; cycles?: number; log?: (line: string) => void; ruleFiles?: string[]; rulesName?: string } = {}): Promise<BenchRow[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const frameLen = opts.frameLen ?? 400;
  const cycles = opts.cycles ?? 12;
  const native = loadUdpBatchAddon();
  if (!('module' in native)) {
    log(`live workers bench: skipped, the native receiver is not built (${native.why})`);
    return [];
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'mirrorsink-live-workers-'));
  const configFile = path.join(dir, 'mirrorsink.yaml');
  const ruleFiles = opts.ruleFiles ?? [path.join(REPO, 'rules', 'mirrorsink.rules')];
  const rulesName = opts.rulesName ?? 'bundled rules';
  writeFileSync(configFile, `${readFileSync(path.join(REPO, 'captures', 'mirrorsink.yaml'), 'utf8')}\nrules: {files: ${JSON.stringify(ruleFiles)}, allow_failures: true}\nflows: true\neve: {path: false}\n`);
  log(`live workers bench: load average ${loadAverage()}; ${frameLen}-byte inner frames, 16 flows from 16 source ports, ${rulesName} + flows + stream`);
  const sender = fork(SELF, ['--child', 'sender'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await onceMessage(sender);
  const rows: BenchRow[] = [];
  const results: { workers: number; pps: number; cpu: number }[] = [];
  try {
    const rs: { r: Receiver; workers: number }[] = [];
    for (const workers of [1, 2]) rs.push({ r: await startServe(frameLen, configFile, 'pipeline', ['--workers', String(workers)]), workers });
    try {
      const plan = new Map<Receiver, { k: number; n: number; ms: number; cpu: number }>();
      for (const { r } of rs) {
        await send(sender, { port: r.port, frameLen, pps: 50_000, count: 20_000, flowPorts: true });
        await settledCount(r);
        // K: what half of one socket's buffer holds (with two sockets each gets about half of K).
        process.kill(r.pid!, 'SIGSTOP');
        try {
          await send(sender, { port: r.port, frameLen, pps: 0, count: 64, flowPorts: true });
          const perDatagram = Math.max(1, udpQueue(r.port)!.bytes / 64);
          plan.set(r, { k: Math.max(256, Math.min(60_000, Math.floor((0.5 * (Number.isFinite(r.recvBuffer) ? r.recvBuffer : 1 << 20)) / perDatagram))), n: 0, ms: 0, cpu: 0 });
        } finally {
          process.kill(r.pid!, 'SIGCONT');
        }
        await drained(r.port);
      }
      // The same K for both, cycles alternating: both see the same background load.
      const k = Math.min(...[...plan.values()].map((x) => x.k));
      for (let c = 0; c < cycles; c++) {
        for (const { r } of rs) {
          const x = plan.get(r)!;
          const n0 = await settledCount(r);
          process.kill(r.pid!, 'SIGSTOP');
          let t0: number;
          let c0: number;
          try {
            await send(sender, { port: r.port, frameLen, pps: 0, count: k, flowPorts: true });
            c0 = processCpuUs(r.pid);
            t0 = performance.now();
          } finally {
            process.kill(r.pid!, 'SIGCONT');
          }
          for (let i = 0; i < 20_000 && (udpQueue(r.port)?.bytes ?? 0) > 0; i++) await sleep(0.2);
          x.ms += performance.now() - t0;
          x.cpu += processCpuUs(r.pid) - c0;
          x.n += (await settledCount(r)) - n0;
        }
      }
      for (const { r, workers } of rs) {
        const x = plan.get(r)!;
        const pps = x.n / (x.ms / 1000);
        const cpu = x.cpu / x.n;
        results.push({ workers, pps, cpu });
        log(`  serve --workers ${workers}: ${x.n} datagrams drained in ${(x.ms / 1000).toFixed(2)} s (${cycles} × ${k}), ${cpu.toFixed(2)} µs CPU each`);
        rows.push({ name: `live drain: serve --workers ${workers}, ${rulesName} + flows + stream, ${frameLen}-byte frames from 16 flow ports (${cpu.toFixed(2)} µs CPU/datagram)`, packets: x.n, seconds: x.ms / 1000, pps, peakRssMiB: peakRssMiB(r.pid) });
      }
    } finally {
      for (const { r } of rs) await r.stop();
    }
  } finally {
    sender.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const [one, two] = results;
  if (one && two) log(`live workers bench: --workers 2 / --workers 1 drain rate ${(two.pps / one.pps).toFixed(2)} on ${availableParallelism()} vCPUs; load average ${loadAverage()}`);
  return rows;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const role = process.argv[2] === '--child' ? process.argv[3] : null;
  if (role === 'sender') void senderChild();
  else if (role === 'bare') void bareReceiverChild();
  else {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean' },
        sizes: { type: 'string' },
        'cpu-only': { type: 'boolean' },
        config: { type: 'string' },
        workers: { type: 'boolean' },
        rules: { type: 'string', multiple: true },
      },
    });
    if (values.workers === true) {
      const rules = values.rules?.flatMap((r) => (r.endsWith('.rules') ? [path.resolve(r)] : readdirSync(r).filter((f) => f.endsWith('.rules')).sort().map((f) => path.resolve(r, f))));
      for (const r of await benchLiveWorkers({ ...(values.quick ? { cycles: 4 } : {}), ...(rules ? { ruleFiles: rules, rulesName: `${rules.length} rules files` } : {}) })) process.stdout.write(`${r.name}\n    ${Math.round(r.pps).toLocaleString('en-US')} pps (${r.packets} packets in ${r.seconds.toFixed(2)} s), receiver peak RSS ${r.peakRssMiB.toFixed(1)} MiB\n`);
      process.exit(0);
    }
    const rows = await benchLive({
      ...(values.quick ? { trialSeconds: 1, maxTrials: 6, cpuCycles: 15 } : {}),
      ...(values.sizes ? { sizes: values.sizes.split(',').map(Number) } : {}),
      ...(values['cpu-only'] ? { cpuOnly: true } : {}),
      ...(values.config ? { configFile: path.resolve(values.config) } : {}),
    });
    for (const r of rows) {
      process.stdout.write(`${r.name}\n    ${Math.round(r.pps).toLocaleString('en-US')} pps (${r.packets} packets in ${r.seconds.toFixed(2)} s), receiver peak RSS ${r.peakRssMiB.toFixed(1)} MiB\n`);
    }
  }
}
