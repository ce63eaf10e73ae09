/**
 * Live receive benchmark: the highest send rate the sink takes with < 0.1 % loss, over loopback,
 * for 100-byte and 1400-byte inner frames (VXLAN-wrapped), in two set-ups measured in the same
 * run:
 *
 *   pipeline  `mirrorsink serve` (child process, full pipeline from the given config), counted
 *             by its own mirrorsink_datagrams_received_total;
 *   bare      a bare dgram receive loop with a VXLAN + Ethernet header parse (child process),
 *             the ceiling Node's dgram allows on this machine.
 *
 * The sender is a third process (a paced dgram loop; `sendmsg` per datagram like any Node
 * sender). Each trial sends at a target rate for `trialSeconds`, waits for the receiver to go
 * quiet, and compares received with sent. Search per set-up: double the rate from `startPps`
 * until loss >= threshold (or the sender cannot reach the rate), then bisect; at most
 * `maxTrials` trials. When the sender is the limit, the row name says "[sender-limited]".
 *
 * Run directly: `node dist/bench/live.js [--quick]`. Loopback only (127.0.0.1).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './bench-row.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench → repo root (also works from the source tree via the built file). */
const REPO = path.resolve(HERE, '..', '..');
const CLI = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const SELF = path.join(REPO, 'dist', 'bench', 'live.js');

export interface BenchLiveOptions {
  /** Inner Ethernet frame sizes (default [100, 1400]). */
  sizes?: number[];
  /** Which receivers (default both). */
  modes?: ('pipeline' | 'bare')[];
  /** Seconds per trial (default 1.5). */
  trialSeconds?: number;
  /** Trials per (mode, size) at most (default 12). */
  maxTrials?: number;
  /** Loss fraction that fails a trial (default 0.001 = 0.1 %). */
  lossThreshold?: number;
  /** First rate tried (default 25 000 pps). */
  startPps?: number;
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
}

// ---------------------------------------------------------------- datagrams

function innerFrame(len: number, flow: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set([0x02, 0, 0x0a, 0, 0x01, 0x01, 0x02, 0, 0x0a, 0, 0x01, 0x0a, 0x08, 0x00], 0);
  const ip = 14;
  const total = len - 14;
  f.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 1, 10, 198, 51, 100, 1 + (flow & 0x3f)], ip);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (f[ip + i]! << 8) | f[ip + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f[ip + 10] = (~sum >> 8) & 0xff;
  f[ip + 11] = ~sum & 0xff;
  const u = ip + 20;
  const sport = 40000 + flow;
  const ulen = total - 20;
  f.set([sport >> 8, sport & 0xff, 0, 53, ulen >> 8, ulen & 0xff, 0, 0], u);
  for (let i = u + 8; i < len; i++) f[i] = i & 0xff;
  return f;
}

function vxlanDatagram(vni: number, inner: Uint8Array): Buffer {
  const b = Buffer.alloc(8 + inner.length);
  b[0] = 0x08;
  b[4] = (vni >>> 16) & 0xff;
  b[5] = (vni >>> 8) & 0xff;
  b[6] = vni & 0xff;
  b.set(inner, 8);
  return b;
}

// ---------------------------------------------------------------- child roles

/** Sender child: on {port, pps, seconds, frameLen} send paced datagrams, reply {sent, seconds}. */
async function senderChild(): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  sock.setSendBufferSize(4 * 1024 * 1024);
  sock.on('error', (err) => process.stderr.write(`sender: ${err.message}\n`));
  process.on('message', (m: { port: number; pps: number; seconds: number; frameLen: number }) => {
    const bufs = Array.from({ length: 16 }, (_, i) => vxlanDatagram(i % 2 === 0 ? 101 : 102, innerFrame(m.frameLen, i)));
    const total = Math.round(m.pps * m.seconds);
    let sent = 0;
    let completed = 0;
    const start = performance.now();
    const done = () => {
      const seconds = (performance.now() - start) / 1000;
      process.send!({ sent: completed, seconds });
    };
    const onSent = (err: Error | null) => {
      if (err) process.stderr.write(`send: ${err.message}\n`);
    };
    const tick = () => {
      const elapsed = (performance.now() - start) / 1000;
      let due = Math.min(total, Math.floor(elapsed * m.pps)) - sent;
      if (due > 4096) due = 4096; // yield so libuv flushes the queue
      for (let i = 0; i < due; i++) {
        const last = sent === total - 1;
        sock.send(bufs[sent & 15]!, m.port, '127.0.0.1', last ? (err) => (onSent(err), (completed = total), done()) : undefined);
        sent++;
      }
      if (sent < total) setImmediate(tick);
    };
    if (total === 0) done();
    else setImmediate(tick);
  });
  process.send!({ ready: true });
}

/** Bare receiver child: counts datagrams whose VXLAN + Ethernet header parse; replies to 'count'. */
async function bareReceiverChild(): Promise<void> {
  const sock = dgram.createSocket('udp4');
  let received = 0;
  let parsed = 0;
  let vniSum = 0;
  sock.on('message', (msg) => {
    received++;
    if (msg.length >= 22 && (msg[0]! & 0x08) !== 0) {
      const vni = (msg[4]! << 16) | (msg[5]! << 8) | msg[6]!;
      const etherType = (msg[20]! << 8) | msg[21]!;
      if (etherType === 0x0800) {
        parsed++;
        vniSum += vni;
      }
    }
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  sock.setRecvBufferSize(32 * 1024 * 1024);
  process.on('message', () => process.send!({ received, parsed, vniSum }));
  process.send!({ ready: true, port: sock.address().port });
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

function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface Receiver {
  port: number;
  pid: number | undefined;
  count(): Promise<number>;
  stop(): Promise<void>;
}

async function startBare(): Promise<Receiver> {
  const child = fork(SELF, ['--child', 'bare'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await onceMessage<{ port: number }>(child);
  return {
    port: ready.port,
    pid: child.pid,
    count: async () => {
      child.send('count');
      return (await onceMessage<{ received: number }>(child)).received;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startServe(configFile: string): Promise<Receiver> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--config', configFile, '--bind', '127.0.0.1', '--vxlan-port', '0', '--no-geneve', '--http-port', '0', '--http-bind', '127.0.0.1'],
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
  const base = `http://127.0.0.1:${ready.http.port}`;
  return {
    port: ready.udp[0]!.port,
    pid: child.pid,
    count: async () => {
      const j = (await (await fetch(`${base}/api/sessions`)).json()) as { received: { vxlan: { datagrams: number } } };
      return j.received.vxlan.datagrams;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Wait until the receiver's count stops moving (it has read everything the kernel holds). */
async function settledCount(r: Receiver): Promise<number> {
  let last = await r.count();
  for (let i = 0; i < 100; i++) {
    await new Promise((res) => setTimeout(res, 100));
    const now = await r.count();
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function trial(sender: ChildProcess, r: Receiver, pps: number, seconds: number, frameLen: number): Promise<TrialResult> {
  const before = await settledCount(r);
  sender.send({ port: r.port, pps, seconds, frameLen });
  const s = await onceMessage<{ sent: number; seconds: number }>(sender);
  const received = (await settledCount(r)) - before;
  return { target: pps, sent: s.sent, received, seconds: s.seconds, loss: s.sent > 0 ? Math.max(0, 1 - received / s.sent) : 0, achievedPps: s.sent / s.seconds };
}

async function searchMaxRate(
  sender: ChildProcess,
  r: Receiver,
  frameLen: number,
  o: Required<Omit<BenchLiveOptions, 'configFile' | 'log' | 'sizes' | 'modes'>>,
  log: (l: string) => void,
  label: string,
): Promise<{ best: TrialResult | null; senderLimited: boolean; trials: number }> {
  let lo: TrialResult | null = null; // best passing trial
  let hiRate = Infinity; // lowest failing rate
  let rate = o.startPps;
  let trials = 0;
  let senderLimited = false;
  const run = async (pps: number) => {
    const t = await trial(sender, r, pps, o.trialSeconds, frameLen);
    trials++;
    log(`  ${label}: target ${Math.round(pps)} pps → sent ${Math.round(t.achievedPps)} pps, loss ${(t.loss * 100).toFixed(3)} %`);
    return t;
  };
  // Ramp.
  while (trials < o.maxTrials) {
    const t = await run(rate);
    if (t.loss >= o.lossThreshold) {
      hiRate = rate;
      break;
    }
    if (lo === null || t.achievedPps > lo.achievedPps) lo = t;
    if (t.achievedPps < 0.9 * rate) {
      senderLimited = true; // the sender cannot go faster: no loss at its top speed
      break;
    }
    rate *= 2;
  }
  // Bisect between the best passing rate and the lowest failing one.
  while (!senderLimited && trials < o.maxTrials && Number.isFinite(hiRate)) {
    const loRate = lo?.target ?? 0;
    if (hiRate - loRate < Math.max(1000, 0.05 * hiRate)) break;
    const mid = (loRate + hiRate) / 2;
    const t = await run(mid);
    if (t.loss >= o.lossThreshold) hiRate = mid;
    else if (lo === null || t.achievedPps > lo.achievedPps) lo = t;
    else hiRate = mid; // passed but slower than an earlier pass: the sender flattened out
  }
  return { best: lo, senderLimited, trials };
}

export async function benchLive(opts: BenchLiveOptions = {}): Promise<BenchRow[]> {
  const sizes = opts.sizes ?? [100, 1400];
  const modes = opts.modes ?? ['pipeline', 'bare'];
  const o = {
    trialSeconds: opts.trialSeconds ?? 1.5,
    maxTrials: opts.maxTrials ?? 12,
    lossThreshold: opts.lossThreshold ?? 0.001,
    startPps: opts.startPps ?? 25_000,
  };
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const configFile = opts.configFile ?? path.join(REPO, 'captures', 'mirrorsink.yaml');
  const rows: BenchRow[] = [];
  const sender = fork(SELF, ['--child', 'sender'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await onceMessage(sender);
  try {
    for (const mode of modes) {
      for (const size of sizes) {
        const r = mode === 'pipeline' ? await startServe(configFile) : await startBare();
        const label = `${mode === 'pipeline' ? 'serve (full pipeline)' : 'bare dgram loop + header parse'}, ${size}-byte inner frames`;
        try {
          const { best, senderLimited, trials } = await searchMaxRate(sender, r, size, o, log, label);
          const rss = peakRssMiB(r.pid);
          const name = `live: ${label}, max rate with <${o.lossThreshold * 100} % loss${senderLimited ? ' [sender-limited]' : ''} (${trials} trials)`;
          rows.push(best === null ? { name, packets: 0, seconds: 0, pps: 0, peakRssMiB: rss } : { name, packets: best.sent, seconds: best.seconds, pps: best.achievedPps, peakRssMiB: rss });
        } finally {
          await r.stop();
        }
      }
    }
  } finally {
    sender.kill('SIGTERM');
  }
  return rows;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const role = process.argv[2] === '--child' ? process.argv[3] : null;
  if (role === 'sender') void senderChild();
  else if (role === 'bare') void bareReceiverChild();
  else {
    const quick = process.argv.includes('--quick');
    const rows = await benchLive(quick ? { trialSeconds: 1, maxTrials: 6 } : {});
    for (const r of rows) {
      process.stdout.write(`${r.name}\n    ${Math.round(r.pps).toLocaleString('en-US')} pps (${r.packets} packets in ${r.seconds.toFixed(2)} s), receiver peak RSS ${r.peakRssMiB.toFixed(1)} MiB\n`);
    }
  }
}
