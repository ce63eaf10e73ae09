/**
 * Test harness for the live sink: a tiny VXLAN/GENEVE datagram builder, real UDP senders on
 * loopback, the in-process service on ephemeral ports, the real `mirrorsink serve` process, and
 * HTTP helpers. Loopback only (127.0.0.1 / ::1).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { cliOverrides, type ServeFlags } from '../../src/config/overrides.js';
import { MirrorsinkService } from '../../src/service/service.js';
import { CLI } from '../helpers/tools.js';

// ---------------------------------------------------------------- packet building

function mac(text: string): number[] {
  return text.split(':').map((h) => parseInt(h, 16));
}

function ipv4Bytes(a: string): number[] {
  return a.split('.').map(Number);
}

function ipv6Bytes(a: string): number[] {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}

export interface InnerSpec {
  srcMac?: string;
  dstMac?: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** Total inner Ethernet frame length (>= headers); padded with payload bytes. */
  frameLen?: number;
  /** Default udp; tcp builds a 20-byte TCP header with `tcpFlags` (default SYN). */
  proto?: 'udp' | 'tcp';
  tcpFlags?: number;
  /** Payload text placed right after the L4 header (the rest is filler). */
  payload?: string;
}

/** An Ethernet + IPv4/IPv6 + UDP frame of exactly frameLen bytes (default 100). */
export function innerFrame(s: InnerSpec): Uint8Array {
  const v6 = s.src.includes(':');
  const ipHdr = v6 ? 40 : 20;
  const frameLen = s.frameLen ?? 100;
  const tcp = s.proto === 'tcp';
  const l4Hdr = tcp ? 20 : 8;
  const payloadLen = frameLen - 14 - ipHdr - l4Hdr;
  if (payloadLen < 0) throw new Error(`frameLen ${frameLen} too small`);
  const f = new Uint8Array(frameLen);
  f.set(mac(s.dstMac ?? '02:00:00:00:00:02'), 0);
  f.set(mac(s.srcMac ?? '02:00:00:00:00:01'), 6);
  f[12] = v6 ? 0x86 : 0x08;
  f[13] = v6 ? 0xdd : 0x00;
  const ip = 14;
  const udpLen = l4Hdr + payloadLen;
  if (v6) {
    f[ip] = 0x60;
    f[ip + 4] = udpLen >> 8;
    f[ip + 5] = udpLen & 0xff;
    f[ip + 6] = tcp ? 6 : 17;
    f[ip + 7] = 64;
    f.set(ipv6Bytes(s.src), ip + 8);
    f.set(ipv6Bytes(s.dst), ip + 24);
  } else {
    const total = 20 + udpLen;
    f[ip] = 0x45;
    f[ip + 2] = total >> 8;
    f[ip + 3] = total & 0xff;
    f[ip + 8] = 64;
    f[ip + 9] = tcp ? 6 : 17;
    f.set(ipv4Bytes(s.src), ip + 12);
    f.set(ipv4Bytes(s.dst), ip + 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (f[ip + i]! << 8) | f[ip + i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const c = ~sum & 0xffff;
    f[ip + 10] = c >> 8;
    f[ip + 11] = c & 0xff;
  }
  const u = ip + ipHdr;
  const sport = s.sport ?? 40000;
  const dport = s.dport ?? 53;
  f[u] = sport >> 8;
  f[u + 1] = sport & 0xff;
  f[u + 2] = dport >> 8;
  f[u + 3] = dport & 0xff;
  if (tcp) {
    f[u + 7] = 1; // seq 1
    f[u + 12] = 0x50; // data offset 5
    f[u + 13] = s.tcpFlags ?? 0x02;
    f[u + 14] = 0xff;
    f[u + 15] = 0xff;
  } else {
    f[u + 4] = udpLen >> 8;
    f[u + 5] = udpLen & 0xff;
  }
  for (let i = u + l4Hdr; i < frameLen; i++) f[i] = i & 0xff;
  if (s.payload !== undefined) f.set(Buffer.from(s.payload, 'latin1').subarray(0, frameLen - u - l4Hdr), u + l4Hdr);
  return f;
}

/** VXLAN header (flags 0x08 = I bit) + inner frame. */
export function vxlan(vni: number, inner: Uint8Array, flags = 0x08): Buffer {
  const b = Buffer.alloc(8 + inner.length);
  b[0] = flags;
  b[4] = (vni >>> 16) & 0xff;
  b[5] = (vni >>> 8) & 0xff;
  b[6] = vni & 0xff;
  b.set(inner, 8);
  return b;
}

/** GENEVE (protocol type 0x6558, transparent Ethernet bridging) + inner frame. */
export function geneve(vni: number, inner: Uint8Array): Buffer {
  const b = Buffer.alloc(8 + inner.length);
  b[2] = 0x65;
  b[3] = 0x58;
  b[4] = (vni >>> 16) & 0xff;
  b[5] = (vni >>> 8) & 0xff;
  b[6] = vni & 0xff;
  b.set(inner, 8);
  return b;
}

/**
 * The Gateway Load Balancer form: GENEVE (protocol 0x0800) around the mirror source's IPv4/UDP
 * packet to port 4789, which carries VXLAN + the mirrored frame.
 */
export function geneveAroundVxlan(vni: number, outerSrc: string, inner: Uint8Array, genevePayloadVni = 7): Buffer {
  const vx = vxlan(vni, inner);
  const ip = Buffer.alloc(20 + 8 + vx.length);
  ip[0] = 0x45;
  ip.writeUInt16BE(ip.length, 2);
  ip[8] = 255;
  ip[9] = 17;
  Buffer.from(outerSrc.split('.').map(Number)).copy(ip, 12);
  Buffer.from([10, 0, 100, 5]).copy(ip, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  ip.writeUInt16BE(65500, 20);
  ip.writeUInt16BE(4789, 22);
  ip.writeUInt16BE(8 + vx.length, 24);
  vx.copy(ip, 28);
  const g = Buffer.alloc(8 + ip.length);
  g[2] = 0x08;
  g[3] = 0x00;
  g[4] = (genevePayloadVni >>> 16) & 0xff;
  g[5] = (genevePayloadVni >>> 8) & 0xff;
  g[6] = genevePayloadVni & 0xff;
  ip.copy(g, 8);
  return g;
}

// ---------------------------------------------------------------- sending

/** Send datagrams from a fresh loopback socket, pacing so the test never overruns buffers. */
export async function sendUdp(port: number, datagrams: readonly Uint8Array[], host = '127.0.0.1'): Promise<void> {
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((r) => sock.bind(0, host, r));
  let i = 0;
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) => sock.send(d, port, host, (err) => (err ? reject(err) : resolve())));
    if (++i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise<void>((r) => sock.close(() => r()));
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---------------------------------------------------------------- HTTP

export async function httpGet(base: string, p: string): Promise<{ status: number; text: string; json: () => any }> {
  const res = await fetch(base + p);
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

export async function httpPost(base: string, p: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(base + p, { method: 'POST', headers });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

/** Parse Prometheus text into `name{labels}` → value (labels as written, sorted by prom-client). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Value of one series: metric('mirrorsink_x_total', {a: 'b'}). Labels must match exactly. */
export function metric(m: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const [k, v] of m) {
    const brace = k.indexOf('{');
    const n = brace < 0 ? k : k.slice(0, brace);
    if (n !== name) continue;
    const got: Record<string, string> = {};
    if (brace >= 0) for (const mm of k.slice(brace + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[mm[1]!] = mm[2]!;
    const keys = Object.keys(labels);
    if (keys.length === Object.keys(got).length && keys.every((key) => got[key] === labels[key])) return v;
  }
  return undefined;
}

// ---------------------------------------------------------------- the sink

export function tmpDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'mirrorsink-test-'));
}

export function writeConfig(dir: string, yaml: string, name = 'mirrorsink.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

/** Collects pino lines. */
export class LogSink extends Writable {
  readonly lines: any[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') this.lines.push(JSON.parse(l));
    cb();
  }
  messages(): string[] {
    return this.lines.map((l) => String(l.msg));
  }
}

export interface InProcess {
  svc: MirrorsinkService;
  base: string;
  vxlanPort: number;
  genevePort: number;
  logs: LogSink;
  stop(): Promise<void>;
}

/** Start the service in this process on 127.0.0.1 with ephemeral ports. */
export async function startInProcess(opts: { file?: string | null; flags?: ServeFlags; env?: NodeJS.ProcessEnv; healthIntervalMs?: number } = {}): Promise<InProcess> {
  const flags: ServeFlags = { bind: ['127.0.0.1'], vxlanPort: '0', genevePort: '0', httpPort: '0', httpBind: '127.0.0.1', logLevel: 'debug', ...opts.flags };
  const logs = new LogSink();
  const svc = await MirrorsinkService.start({
    load: () => loadConfig({ file: opts.file ?? null, env: opts.env ?? {}, cli: cliOverrides(flags) }),
    logStream: logs,
    healthIntervalMs: opts.healthIntervalMs ?? 200,
  });
  const http = svc.httpAddress()!;
  return {
    svc,
    base: `http://127.0.0.1:${http.port}`,
    vxlanPort: svc.port('vxlan'),
    genevePort: svc.port('geneve'),
    logs,
    stop: () => svc.stop('test'),
  };
}

export interface ServeProcess {
  proc: ChildProcessWithoutNullStreams;
  base: string;
  udp: { listener: string; family: number; address: string; port: number }[];
  port(kind: 'vxlan' | 'geneve', family?: number): number;
  logs: any[];
  stderr: () => string;
  /** Wait for a log line whose msg includes `text` (after `from` lines). */
  waitLog(text: string, from?: number, timeoutMs?: number): Promise<any>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Start the real built CLI: `node dist/src/cli/main.js serve ...`. */
export async function startServeProcess(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  // serve's default outputs (EVE) go under the state directory: a fresh one per process, never /var/lib/mirrorsink.
  const proc = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, MIRRORSINK_STATE_DIR: tmpDir(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const logs: any[] = [];
  let stderr = '';
  let buf = '';
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  const waitLog = async (text: string, from = 0, timeoutMs = 15000) =>
    waitFor(
      () => {
        if (done && !logs.slice(from).some((l) => String(l.msg).includes(text))) throw new Error(`serve exited: ${stderr}`);
        return logs.slice(from).find((l) => String(l.msg).includes(text));
      },
      timeoutMs,
      `log '${text}'`,
    );
  const ready = await waitLog('mirrorsink ready');
  return {
    proc,
    base: `http://127.0.0.1:${ready.http.port}`,
    udp: ready.udp,
    port: (kind, family = 4) => ready.udp.find((u: any) => u.listener === kind && u.family === family)?.port ?? 0,
    logs,
    stderr: () => stderr,
    waitLog,
    stop: async () => {
      if (!done) proc.kill('SIGTERM');
      return exited;
    },
    exited,
  };
}
