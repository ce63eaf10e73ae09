/**
 * `mirrorsink send` against a real UDP socket on 127.0.0.1 (never any other address): what
 * arrives must be what the command printed, and what tshark says the capture holds.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { CLI } from '../helpers/tools.js';
import { buildPcap, LINKTYPE_ETHERNET, LINKTYPE_RAW } from '../../src/output/pcap-writer.js';
import { ACK, ETHERTYPE_IPV4, ETHERTYPE_IPV6, PSH, SYN, concat, ethernet, icmpPacket, macBytes, tcpPacket, u16, udpPacket } from '../../src/emulator/captures/packet-builder.js';
import { tsharkFields } from '../output/tshark.js';
import { parseHostPort } from '../../src/cli/commands/send.js';
import { loadUdpBatchAddon } from '../../src/source/batch-socket.js';

const dir = mkdtempSync(path.join(tmpdir(), 'send-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const captures = (f: string) => path.join(REPO_ROOT, 'captures', f);

interface Received {
  data: Buffer;
  port: number;
  address: string;
  at: number;
}

class Receiver {
  readonly got: Received[] = [];
  private sock = dgram.createSocket('udp4');
  port = 0;

  async start(): Promise<void> {
    this.sock.on('message', (data, rinfo) => this.got.push({ data, port: rinfo.port, address: rinfo.address, at: performance.now() }));
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    try {
      this.sock.setRecvBufferSize(8 << 20);
    } catch {
      /* capped by net.core.rmem_max: fine for the small counts sent here */
    }
    this.port = this.sock.address().port;
  }

  /** Wait until `n` datagrams arrived (or 20 s passed: the machine may be loaded), then a little more to catch extras. */
  async waitFor(n: number): Promise<Received[]> {
    const deadline = Date.now() + 20000;
    while (this.got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    return this.got;
  }

  close(): void {
    this.sock.close();
  }
}

interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI asynchronously (the receiver lives in this process's event loop). */
function runSend(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'send', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

async function sendTo(args: string[]): Promise<{ res: CliResult; json: Record<string, number | string | boolean>; got: Received[] }> {
  const rx = new Receiver();
  await rx.start();
  try {
    const res = await runSend([...args, '--to', `127.0.0.1:${rx.port}`, '--json']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const json = JSON.parse(res.stdout) as Record<string, number>;
    const got = await rx.waitFor(json.packets!);
    return { res, json, got };
  } finally {
    rx.close();
  }
}

const vniOf = (d: Buffer) => (d[4]! << 16) | (d[5]! << 8) | d[6]!;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const ENI = macBytes('02:00:0a:00:01:0a');
const GW = macBytes('02:00:0a:00:01:01');

/** 40 plain Ethernet frames of assorted protocols and sizes (up to 1514 bytes). */
function plainFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const payload = new Uint8Array([0, 10, 200, 1460][i % 4]!).fill(i);
    let ip: Uint8Array;
    if (i % 3 === 0) ip = tcpPacket({ src: '203.0.113.50', dst: '10.0.1.10', id: i }, { sport: 40000 + i, dport: 80, seq: i * 1000, ack: 1, flags: i % 2 ? ACK | PSH : SYN, payload });
    else if (i % 3 === 1) ip = udpPacket({ src: '10.0.1.10', dst: '10.0.0.2', id: i }, 5000 + i, 53, payload.subarray(0, Math.min(payload.length, 512)));
    else ip = icmpPacket({ src: '10.0.2.20', dst: '10.0.1.10', id: i }, 8, 0, concat(u16(9), u16(i)), payload.subarray(0, 56));
    frames.push(i % 2 ? ethernet(ENI, GW, ETHERTYPE_IPV4, ip) : ethernet(GW, ENI, ETHERTYPE_IPV4, ip));
  }
  return frames;
}

let plainFile = '';
let frames: Uint8Array[] = [];

beforeAll(() => {
  frames = plainFrames();
  plainFile = path.join(dir, 'plain.pcap');
  writeFileSync(plainFile, buildPcap(frames.map((data, i) => ({ data, tsSec: 1793610000, tsNsec: i * 1000 })), { linktype: LINKTYPE_ETHERNET }));
});

describe('mirrorsink send: wrapping plain frames', () => {
  it('sends one VXLAN datagram per frame: flags 0x08, the VNI, the whole frame; counts match what it printed', async () => {
    const { json, got } = await sendTo([plainFile, '--vni', '4242']);
    expect(json.packets).toBe(frames.length);
    expect(json.wrapped).toBe(frames.length);
    expect(json.errors).toBe(0);
    expect(got).toHaveLength(frames.length);
    expect(got.reduce((n, g) => n + g.data.length, 0)).toBe(json.bytes);
    expect(json.bytes).toBe(frames.reduce((n, f) => n + 8 + f.length, 0));
    got.forEach((g, i) => {
      expect(g.address).toBe('127.0.0.1');
      expect([...g.data.subarray(0, 4)]).toEqual([0x08, 0, 0, 0]);
      expect(vniOf(g.data)).toBe(4242);
      expect(g.data[7]).toBe(0);
      expect(hex(g.data.subarray(8))).toBe(hex(frames[i]!));
    });
  });

  it('--packet-length cuts each frame to N bytes after the VXLAN header', async () => {
    const { json, got } = await sendTo([plainFile, '--packet-length', '64']);
    expect(got).toHaveLength(frames.length);
    expect(json.truncated).toBe(frames.filter((f) => f.length > 64).length);
    got.forEach((g, i) => {
      expect(g.data.length).toBe(8 + Math.min(64, frames[i]!.length));
      expect(hex(g.data.subarray(8))).toBe(hex(frames[i]!.subarray(0, 64)));
      expect(vniOf(g.data)).toBe(1); // default VNI
    });
  });

  it('--loop N repeats the files N times', async () => {
    const { json, got } = await sendTo([plainFile, '--loop', '3']);
    expect(json.packets).toBe(3 * frames.length);
    expect(json.loops).toBe(3);
    expect(got).toHaveLength(3 * frames.length);
    expect(hex(got[frames.length]!.data.subarray(8))).toBe(hex(frames[0]!));
  });

  it('gives non-Ethernet captures (raw IP) a made-up Ethernet header', async () => {
    const ip4 = udpPacket({ src: '10.0.1.10', dst: '10.0.0.2' }, 1000, 53, new Uint8Array(20));
    const ip6 = udpPacket({ src: '2001:db8:1::10', dst: '2001:db8:ff::7' }, 1000, 53, new Uint8Array(20));
    const file = path.join(dir, 'raw.pcap');
    writeFileSync(file, buildPcap([{ data: ip4, tsSec: 1 }, { data: ip6, tsSec: 2 }], { linktype: LINKTYPE_RAW }));
    const { got } = await sendTo([file]);
    expect(got).toHaveLength(2);
    expect(got[0]!.data.readUInt16BE(8 + 12)).toBe(ETHERTYPE_IPV4);
    expect(hex(got[0]!.data.subarray(8 + 14))).toBe(hex(ip4));
    expect(got[1]!.data.readUInt16BE(8 + 12)).toBe(ETHERTYPE_IPV6);
    expect(hex(got[1]!.data.subarray(8 + 14))).toBe(hex(ip6));
  });
});

describe('mirrorsink send: already-wrapped captures', () => {
  it('detects VXLAN frames and sends their UDP payload unchanged (tshark udp.payload)', async () => {
    const files = [captures('two-enis.pcap'), captures('dns.pcap'), captures('malformed.pcap')];
    const expected = files.flatMap((f) => tsharkFields(f, ['udp.payload'], { occurrence: 'f' }).map((r) => r[0]!));
    const { json, got } = await sendTo(files);
    expect(json.passed_through).toBe(expected.length);
    expect(json.wrapped).toBe(0);
    expect(json.packets).toBe(expected.length);
    expect(got.map((g) => g.data.toString('hex'))).toEqual(expected);
    const vnis: Record<number, number> = {};
    for (const g of got) if (g.data.length >= 8) vnis[vniOf(g.data)] = (vnis[vniOf(g.data)] ?? 0) + 1;
    expect(vnis).toEqual({ 101: 30 + 4, 102: 26 + 22 });
    expect(got.some((g) => g.data.length === 4)).toBe(true); // malformed.pcap's short datagram, sent as is
  });

  it('reads pcapng too (editcap conversion of a capture)', async () => {
    const ng = path.join(dir, 'http.pcapng');
    expect(spawnSync('editcap', ['-F', 'pcapng', captures('http.pcap'), ng]).status).toBe(0);
    const { json, got } = await sendTo([ng]);
    expect(json.packets).toBe(30);
    expect(got).toHaveLength(30);
    expect(new Set(got.map((g) => vniOf(g.data)))).toEqual(new Set([101]));
  });

  it('--already-wrapped skips frames that are not UDP', async () => {
    const { json, got } = await sendTo([plainFile, '--already-wrapped']);
    const udp = frames.filter((_, i) => i % 3 === 1).length;
    expect(json.passed_through).toBe(udp);
    expect(json.skipped).toBe(frames.length - udp);
    expect(got).toHaveLength(udp);
  });

  it('--aws-sport sends each datagram from its flow-hash port (the outer sport of the capture)', async () => {
    const sports = tsharkFields(captures('direction-vnis.pcap'), ['udp.srcport'], { occurrence: 'f' }).map((r) => Number(r[0]));
    const { got } = await sendTo([captures('direction-vnis.pcap'), '--aws-sport']);
    expect(got.map((g) => g.port)).toEqual(sports);
    for (const p of sports) expect(p).toBeGreaterThanOrEqual(65408);
  });
});

describe('mirrorsink send: sendmmsg and dgram', () => {
  const native = 'module' in loadUdpBatchAddon();

  it('both deliver the same datagrams in the same order; --json says which went out', async () => {
    const viaDgram = await sendTo([plainFile, '--loop', '3', '--sender', 'dgram']);
    expect(viaDgram.json.sender).toBe('dgram');
    const viaAuto = await sendTo([plainFile, '--loop', '3']);
    expect(viaAuto.json.sender).toBe(native ? 'sendmmsg' : 'dgram');
    expect(viaAuto.json.packets).toBe(frames.length * 3);
    expect(viaAuto.got.map((g) => hex(g.data))).toEqual(viaDgram.got.map((g) => hex(g.data)));
    expect(viaAuto.json.bytes).toBe(viaDgram.json.bytes);
  });

  it('--aws-sport goes through dgram (a socket per source port); --sender sendmmsg with it, or a bad method, is refused', async () => {
    const { json } = await sendTo([captures('direction-vnis.pcap'), '--aws-sport']);
    expect(json.sender).toBe('dgram');
    const both = await runSend([plainFile, '--to', '127.0.0.1:9', '--aws-sport', '--sender', 'sendmmsg']);
    expect(both.status).toBe(1);
    expect(both.stderr).toContain('--sender sendmmsg cannot be combined with --aws-sport');
    const bad = await runSend([plainFile, '--to', '127.0.0.1:9', '--sender', 'fast']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--sender must be auto, sendmmsg or dgram, got 'fast'");
  });
});

describe('mirrorsink send: pacing and reporting', () => {
  it('--rate roughly holds the datagram rate', async () => {
    const { json, got } = await sendTo([plainFile, '--loop', '5', '--rate', '1000']); // 200 datagrams at 1000/s ~ 0.2 s
    expect(got).toHaveLength(200);
    const spread = (got[got.length - 1]!.at - got[0]!.at) / 1000;
    expect(spread).toBeGreaterThan(0.14);
    expect(spread).toBeLessThan(3);
    expect(json.duration_s as number).toBeGreaterThan(0.14);
    expect(json.rate_pps as number).toBeLessThan(1400);
  });

  it('prints a human summary by default', async () => {
    const rx = new Receiver();
    await rx.start();
    try {
      const res = await runSend([plainFile, '--to', `127.0.0.1:${rx.port}`]);
      expect(res.status).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^sent ${frames.length} packets, \\d+ bytes \\(UDP payload\\) to 127\\.0\\.0\\.1:${rx.port} in [\\d.]+ s: \\d+ pkt/s`));
      expect(res.stdout).toContain(`${frames.length} wrapped (VNI 1)`);
      await rx.waitFor(frames.length);
    } finally {
      rx.close();
    }
  });

  it('reports usage errors with exit code 2 and a missing file with 1', async () => {
    const noTo = await runSend([plainFile]);
    expect(noTo.status).toBe(2);
    expect(noTo.stderr).toMatch(/--to HOST:PORT is required/);
    const badVni = await runSend([plainFile, '--to', '127.0.0.1:9', '--vni', '16777216']);
    expect(badVni.status).toBe(2);
    expect(badVni.stderr).toMatch(/--vni must be an integer from 0 to 16777215/);
    const badTo = await runSend([plainFile, '--to', '127.0.0.1:70000']);
    expect(badTo.status).toBe(2);
    const missing = await runSend([path.join(dir, 'nope.pcap'), '--to', '127.0.0.1:9']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope\.pcap/);
  });

  it('parses HOST:PORT forms', () => {
    expect(parseHostPort('127.0.0.1:4789')).toEqual({ host: '127.0.0.1', port: 4789 });
    expect(parseHostPort('[::1]:6000')).toEqual({ host: '::1', port: 6000 });
    expect(parseHostPort('::1')).toEqual({ host: '::1', port: 4789 });
    expect(parseHostPort('localhost')).toEqual({ host: 'localhost', port: 4789 });
    expect(() => parseHostPort(':80')).toThrow();
  });
});
