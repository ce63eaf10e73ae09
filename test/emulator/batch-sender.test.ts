/**
 * sendmmsg through the native addon (src/emulator/batch-sender.ts) to a real dgram socket over
 * loopback: every datagram byte for byte and in order, partial ranges, refused sends reported
 * with their errno name, and argument checks that keep it inside its buffers.
 */
import { describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { BatchSender } from '../../src/emulator/batch-sender.js';
import { loadUdpBatchAddon } from '../../src/source/batch-socket.js';
import { waitFor } from '../server/harness.js';

const addon = loadUdpBatchAddon();
const native = 'module' in addon ? addon.module : null;

async function receiver() {
  const got: Buffer[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  sock.setRecvBufferSize(8 << 20); // sender and receiver share this event loop: room for a burst
  return { got, port: sock.address().port, close: () => sock.close() };
}

/** `n` datagrams of assorted sizes packed into one arena. */
function arenaOf(n: number) {
  const offsets = new Uint32Array(n);
  const lengths = new Uint32Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = at;
    lengths[i] = [1, 60, 1400, 9009][i % 4]!;
    at += lengths[i]!;
  }
  const arena = new Uint8Array(at);
  for (let i = 0; i < n; i++) arena.fill(i & 0xff, offsets[i], offsets[i]! + lengths[i]!);
  return { arena, offsets, lengths };
}

describe.skipIf(native === null)('BatchSender (sendmmsg)', () => {
  it('sends a range of the arena, byte for byte and in order, from one local port', async () => {
    const rx = await receiver();
    const s = new BatchSender(native!, 4, '127.0.0.1', rx.port);
    try {
      const { arena, offsets, lengths } = arenaOf(200);
      expect(s.send(arena, offsets, lengths, 0, 150)).toBe(150);
      await waitFor(() => rx.got.length === 150);
      expect(s.send(arena, offsets, lengths, 150, 50)).toBe(50);
      await waitFor(() => rx.got.length === 200);
      for (let i = 0; i < 200; i++) {
        expect(rx.got[i]!.length).toBe(lengths[i]);
        expect(rx.got[i]!.every((b) => b === (i & 0xff))).toBe(true);
      }
      expect(s.localPort).toBeGreaterThan(0);
    } finally {
      s.close();
      rx.close();
    }
  });

  it('a send refused by the target (ICMP port unreachable) throws ECONNREFUSED and the sender goes on', async () => {
    const rx = await receiver();
    const port = rx.port;
    rx.close(); // nothing listens there any more
    const s = new BatchSender(native!, 4, '127.0.0.1', port);
    try {
      const { arena, offsets, lengths } = arenaOf(4);
      let refused: unknown = null;
      for (let i = 0; i < 50 && refused === null; i++) {
        try {
          s.send(arena, offsets, lengths, 0, 1);
        } catch (err) {
          refused = err;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      s.close();
    }
  });

  it('refuses ranges outside offsets/lengths, slices outside the arena, and a closed sender', async () => {
    const rx = await receiver();
    const s = new BatchSender(native!, 4, '127.0.0.1', rx.port);
    const { arena, offsets, lengths } = arenaOf(4);
    expect(() => s.send(arena, offsets, lengths, 2, 3)).toThrow(RangeError);
    const bad = Uint32Array.from(lengths);
    bad[0] = arena.length + 1;
    expect(() => s.send(arena, offsets, bad, 0, 1)).toThrow(/outside the arena/);
    s.close();
    s.close(); // idempotent
    expect(() => s.send(arena, offsets, lengths, 0, 1)).toThrow(/closed/);
    rx.close();
  });
});
