/**
 * The native recvmmsg receiver (native/udp_batch.c) through its JavaScript wrapper, with real
 * datagrams over loopback: lengths, bytes, sender addresses and ports as the kernel gave them,
 * batches of at most BATCH_SLOTS, errors with errno names, and the port freed on close.
 */
import { describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { BATCH_SLOTS, BatchSocket, META_ENTRY_WORDS, META_HEADER_WORDS, SLOT_BYTES, loadUdpBatchAddon } from '../../src/source/batch-socket.js';
import { waitFor } from '../server/harness.js';

const native = loadUdpBatchAddon();
const mod = 'module' in native ? native.module : null;

interface Got {
  /** Kernel arrival time and the batch's read time, in seconds. */
  arrived: number;
  read: number;
  length: number;
  port: number;
  words: number[];
  firstByte: number;
  lastByte: number;
}

function open(family: 4 | 6, address: string, port = 0) {
  const got: Got[] = [];
  const batches: number[] = [];
  const errors: string[] = [];
  const sock: BatchSocket = new BatchSocket(
    mod!,
    family,
    address,
    port,
    1 << 20,
    () => {
      const n = sock.meta[0]!;
      batches.push(n);
      for (let i = 0; i < n; i++) {
        const e = META_HEADER_WORDS + i * META_ENTRY_WORDS;
        const length = sock.meta[e]!;
        const at = i * SLOT_BYTES;
        const arrived = sock.meta[e + 7]! + sock.meta[e + 8]! / 1e9;
        const read = sock.meta[1]! + sock.meta[2]! / 1e9;
        got.push({ arrived, read, length, port: sock.meta[e + 2]!, words: [...sock.meta.subarray(e + 3, e + 7)], firstByte: sock.data[at]!, lastByte: sock.data[at + length - 1]! });
      }
    },
    (code) => errors.push(code),
  );
  return { sock, got, batches, errors };
}

async function udpSender(family: 4 | 6) {
  const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const host = family === 6 ? '::1' : '127.0.0.1';
  await new Promise<void>((r) => s.bind(0, host, r));
  s.setSendBufferSize(4 << 20);
  return {
    port: s.address().port,
    send: (d: Uint8Array, port: number) => new Promise<void>((res, rej) => s.send(d, port, host, (e) => (e ? rej(e) : res()))),
    close: () => s.close(),
  };
}

describe('native batch receiver', () => {
  it('is built on Linux (npm install builds it; without it serve falls back to dgram)', () => {
    if (process.platform !== 'linux') {
      expect('why' in native && native.why).toMatch(/Linux/);
      return;
    }
    if (process.env.MIRRORSINK_TEST_NO_NATIVE === '1') {
      process.stderr.write(`NOTICE: MIRRORSINK_TEST_NO_NATIVE=1: not requiring the native receiver (${'why' in native ? native.why : 'built'})\n`);
      return;
    }
    expect('why' in native ? native.why : 'built').toBe('built');
  });

  it('a missing or foreign addon file is refused with the command that builds it', () => {
    const r = loadUdpBatchAddon('/nonexistent/udp_batch.node');
    expect('why' in r && r.why).toMatch(/cannot load \/nonexistent\/udp_batch\.node: .*npm run build:native/);
  });

  describe.skipIf(mod === null)('with the addon', () => {
    it('udp4: every datagram with its length, bytes, sender address and port; 1 to 65 507 bytes', async () => {
      const { sock, got, batches, errors } = open(4, '127.0.0.1');
      const tx = await udpSender(4);
      try {
        expect(sock.port).toBeGreaterThan(0);
        expect(sock.receiveBuffer).toBeGreaterThan(0);
        const sizes = [1, 8, 100, 1400, 9009, 65507];
        for (const n of sizes) {
          const d = new Uint8Array(n).fill(n & 0xff);
          d[0] = 0xa5;
          await tx.send(d, sock.port);
        }
        await waitFor(() => got.length === sizes.length);
        expect(got.map((g) => g.length)).toEqual(sizes);
        for (const [i, g] of got.entries()) {
          expect(g).toMatchObject({ port: tx.port, words: [0x7f000001, 0, 0, 0], firstByte: 0xa5 });
          if (sizes[i]! > 1) expect(g.lastByte).toBe(sizes[i]! & 0xff);
        }
        expect(batches.every((n) => n >= 1 && n <= BATCH_SLOTS)).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        tx.close();
        await sock.close();
      }
    });

    it('each datagram carries the time the kernel received it, not the time it was read', async () => {
      const { sock, got } = open(4, '127.0.0.1');
      const tx = await udpSender(4);
      try {
        // Bounds from the clock around the sends, not a tolerance: a loaded machine may take
        // any time between them, but the kernel's receive time must fall inside.
        const before = Date.now() / 1000;
        for (let i = 0; i < 3; i++) await tx.send(new Uint8Array(20), sock.port);
        const sentAt = Date.now() / 1000;
        // Keep the event loop from reading for 300 ms: the datagrams wait in the kernel.
        for (const until = Date.now() + 300; Date.now() < until; );
        await waitFor(() => got.length === 3);
        for (const g of got) {
          // Date.now() has millisecond resolution, the kernel's stamp microseconds.
          expect(g.arrived).toBeGreaterThanOrEqual(before - 0.001);
          expect(g.arrived).toBeLessThanOrEqual(sentAt + 0.001);
          expect(g.read - g.arrived).toBeGreaterThan(0.25);
        }
        expect(got[1]!.arrived).toBeGreaterThanOrEqual(got[0]!.arrived);
      } finally {
        tx.close();
        await sock.close();
      }
    });

    it('udp6 (v6-only): the sender address as four words, most significant first', async () => {
      const { sock, got } = open(6, '::1');
      const tx = await udpSender(6);
      try {
        await tx.send(new Uint8Array(16), sock.port);
        await waitFor(() => got.length === 1);
        expect(got[0]).toMatchObject({ length: 16, port: tx.port, words: [0, 0, 0, 1] });
      } finally {
        tx.close();
        await sock.close();
      }
    });

    it('a burst larger than one batch arrives whole, in batches of at most BATCH_SLOTS', async () => {
      const { sock, got, batches } = open(4, '127.0.0.1');
      const tx = await udpSender(4);
      try {
        // In chunks that the socket buffer holds: sender and receiver share this event loop.
        const total = 3000;
        for (let i = 0; i < total; ) {
          const sends: Promise<void>[] = [];
          for (const end = i + 300; i < end; i++) {
            const d = new Uint8Array(64);
            d[0] = i & 0xff;
            sends.push(tx.send(d, sock.port));
          }
          await Promise.all(sends);
          await new Promise((r) => setTimeout(r, 5));
        }
        await waitFor(() => got.length === total);
        expect(Math.max(...batches)).toBeLessThanOrEqual(BATCH_SLOTS);
        expect(batches.length).toBeLessThan(total); // batched, not one call per datagram
        expect(got.every((g, i) => g.firstByte === (i & 0xff))).toBe(true); // kernel order kept
      } finally {
        tx.close();
        await sock.close();
      }
    });

    it('bind errors carry the errno name; close frees the port', async () => {
      const first = open(4, '127.0.0.1');
      const port = first.sock.port;
      expect(() => open(4, '127.0.0.1', port)).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
      expect(() => open(4, '192.0.2.1', 0)).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
      expect(() => open(4, 'not-an-address', 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      await first.sock.close();
      const again = open(4, '127.0.0.1', port);
      expect(again.sock.port).toBe(port);
      await again.sock.close();
      await again.sock.close(); // idempotent
    });
  });
});
