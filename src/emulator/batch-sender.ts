/**
 * Datagrams to one target with sendmmsg(2), through the native addon (native/udp_batch.c):
 * up to 1024 datagrams per system call from slices of one arena, on a connected non-blocking
 * socket. `mirrorsink send` and the live benchmark's sender use it where it is built; Node's
 * dgram makes a request object and a completion callback per datagram and tops out near
 * 150-200 k datagrams/s on these machines, below what `serve` receives.
 */
import type { NativeBatchModule } from '../source/batch-socket.js';

export class BatchSender {
  readonly localPort: number;
  private handle: unknown;

  /** Opens and connects now; throws an Error whose `code` is the errno name when it cannot. */
  constructor(
    private readonly native: NativeBatchModule,
    family: 4 | 6,
    address: string,
    port: number,
    sendBufferBytes = 4 * 1024 * 1024,
  ) {
    const opened = native.openSender(family, address, port, sendBufferBytes);
    this.handle = opened.handle;
    this.localPort = opened.localPort;
  }

  /**
   * Send datagrams start .. start+count-1 (arena slices at offsets[k], lengths[k]): how many the
   * kernel took, fewer than count when the socket buffer is full (try again later). Throws an
   * Error with `code` (e.g. ECONNREFUSED) when the first of them fails; it was not sent.
   */
  send(arena: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, start: number, count: number): number {
    if (this.handle === null) throw new Error('BatchSender is closed');
    return this.native.sendBatch(this.handle, arena, offsets, lengths, start, count);
  }

  close(): void {
    if (this.handle === null) return;
    this.native.closeSender(this.handle);
    this.handle = null;
  }
}
