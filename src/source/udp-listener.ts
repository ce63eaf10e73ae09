/**
 * The mirror target's UDP sockets: VXLAN (4789) and GENEVE (6081), one udp4 or udp6 socket per
 * bind address (IPv6 sockets are v6-only, so 0.0.0.0 and :: can both be bound). Every datagram
 * is counted and handed to the pipeline's onTunnelDatagram with the outer tuple from the socket.
 *
 * Two ways to read a socket (`listen.receiver`):
 *  - recvmmsg (default where built): the native batch receiver (./batch-socket.ts) reads up to
 *    64 datagrams per system call into fixed slots of one buffer and calls onBatch once; each
 *    datagram carries the kernel's arrival time (SO_TIMESTAMPNS).
 *  - dgram: Node's dgram, one 'message' callback per datagram with a new Buffer and rinfo. The
 *    datagram is copied into one receive buffer per listener (so the pipeline's PacketView keeps
 *    its DataView instead of making one per datagram, which costs more than the copy of even a
 *    jumbo datagram), the sender address text is converted through a one-entry cache (mirror
 *    sources send many datagrams in a row), and the timestamp is taken once per event-loop
 *    turn (see BatchTimer): a clock read costs 0.1-0.3 µs here.
 * Either way nothing is allocated per datagram on our side.
 */
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { TunnelKind } from '../decode/packet-view.js';
import type { TunnelDatagramSink } from '../pipeline/stages.js';
import { parseIpv4, parseIpv6 } from '../filter/cidr.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { ListenerKind, LISTENER_NAMES, type ReceiveCounters } from '../metrics/core-metrics.js';
import { BatchSocket, META_ENTRY_WORDS, META_HEADER_WORDS, SLOT_BYTES, chooseReceiver, type NativeBatchModule } from './batch-socket.js';
import type { ReceiverMethod } from '../config/schema.js';

/** What the listener feeds: the Pipeline's datagram entry point (a stage contract). */
export type { TunnelDatagramSink };

/**
 * Batch times for mirrorsink_batch_processing_seconds. The recvmmsg receiver reads real
 * batches and report()s each as it ends (no callback scheduled, nothing allocated). For dgram
 * and libpcap a batch = what one event-loop turn reads: libuv hands a socket's queued datagrams
 * over in one go (up to 32 per socket per turn), then the turn's check phase runs the flush,
 * which reports the batch once (seconds, datagrams) and starts the next one.
 *
 * dgram listeners time a batch as a span: from their first datagram of the turn to the flush,
 * i.e. the receive calls and the pipeline (plus any other I/O callback that ran in between),
 * with two clock reads per turn instead of two per datagram. They also stamp the turn's
 * datagrams with one wall-clock reading (see UdpListener.beginTurn). Sources that time each
 * item themselves (live capture) add() its time instead.
 */
export class BatchTimer {
  /** Changes at every flush: a listener holding an older value is in a new turn. */
  turn = 0;
  private seconds = 0;
  private count = 0;
  private scheduled = false;
  /** performance.now() at the first datagram of the open span; -1 when none is open. */
  private spanStart = -1;

  constructor(private readonly observe: (seconds: number, datagrams: number) => void) {}

  /** Add one item's processing time (milliseconds); reported with the turn's others. */
  add(ms: number): void {
    this.seconds += ms / 1000;
    this.count++;
    this.schedule();
  }

  /**
   * Report a batch that its source read as one (a recvmmsg call) right away: no event-loop
   * callback to schedule, so nothing is allocated per batch.
   */
  report(ms: number, items: number): void {
    this.observe(ms / 1000, items);
  }

  /** A listener's first datagram of this turn: open the span if none is; returns the turn. */
  begin(): number {
    if (this.spanStart < 0) this.spanStart = performance.now();
    this.schedule();
    return this.turn;
  }

  /** Count one datagram of the open span (after begin() in this turn). */
  datagram(): void {
    this.count++;
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    this.turn = (this.turn + 1) | 0;
    if (this.spanStart >= 0) {
      this.seconds += (performance.now() - this.spanStart) / 1000;
      this.spanStart = -1;
    }
    if (this.count === 0) {
      this.seconds = 0;
      return;
    }
    const s = this.seconds;
    const n = this.count;
    this.seconds = 0;
    this.count = 0;
    this.observe(s, n);
  };
}

export interface UdpListenerOptions {
  kind: 'vxlan' | 'geneve';
  address: string;
  port: number;
  receiveBufferBytes: number;
  /** How to read the socket (default auto: the native batch receiver where it is built). */
  receiver?: ReceiverMethod;
  sink: TunnelDatagramSink;
  counters: ReceiveCounters;
  batch: BatchTimer;
  /** Called once with the first exception the sink throws (later ones are only counted). */
  onInternalError?: (err: unknown) => void;
  /** Called when the socket closes or fails after binding. */
  onClosed?: (why: string) => void;
  /** The batch receiver to read with instead of the built addon: tests drive the recvmmsg
   *  path in-process with one (filling its slots and calling its onBatch), so checks on that
   *  path do not depend on a loaded machine delivering every loopback datagram. */
  batchModule?: NativeBatchModule;
  /**
   * Join a SO_REUSEPORT group on the port (native receiver only): serve's pipeline threads each
   * bind one socket and the kernel spreads datagrams by their 4-tuple.
   */
  reusePort?: boolean;
}

export interface ReceiveBufferInfo {
  requested: number;
  /** What getRecvBufferSize() reports (Linux reports twice the usable size it granted). */
  actual: number;
  /** The kernel granted less than asked (net.core.rmem_max). */
  capped: boolean;
}

export class UdpListener {
  readonly kind: 'vxlan' | 'geneve';
  readonly address: string;
  readonly family: 4 | 6;
  private readonly requestedPort: number;
  private socket: Socket | null = null;
  private batchSocket: BatchSocket | null = null;
  private methodUsed: 'recvmmsg' | 'dgram' | null = null;
  private fallback: string | null = null;
  private boundPort = 0;
  private open = false;
  private buffer: ReceiveBufferInfo | null = null;
  private readonly opts: UdpListenerOptions;
  private readonly tunnelKind: TunnelKind;
  private readonly listenerIndex: number;
  private readonly localAddr4: number;
  // One-entry cache of the last sender address.
  private lastAddress = '';
  private lastSrc4 = 0;
  private readonly lastSrc6 = new Uint32Array(4);
  private errorReported = false;
  /** Largest UDP payload (65535 - 8 - 20): every datagram fits. */
  private readonly rx = Buffer.allocUnsafe(65527);
  private readonly batch: BatchTimer;
  private readonly sink: TunnelDatagramSink;
  private readonly counters: ReceiveCounters;
  /** What onTunnelDatagram gets as the outer IPv6 source: the cached words, or null on udp4. */
  private readonly outerSrc6: Uint32Array | null;
  /** The batch turn the timestamp below belongs to (-1: none yet). */
  private turn = -1;
  private tsSec = 0;
  private tsNsec = 0;

  constructor(opts: UdpListenerOptions) {
    this.opts = opts;
    this.batch = opts.batch;
    this.sink = opts.sink;
    this.counters = opts.counters;
    this.kind = opts.kind;
    this.address = opts.address;
    this.family = opts.address.includes(':') ? 6 : 4;
    this.requestedPort = opts.port;
    this.tunnelKind = opts.kind === 'vxlan' ? TunnelKind.Vxlan : TunnelKind.Geneve;
    this.listenerIndex = opts.kind === 'vxlan' ? ListenerKind.Vxlan : ListenerKind.Geneve;
    this.localAddr4 = this.family === 4 ? Math.max(parseIpv4(opts.address), 0) | 0 : 0; // int32 bits: see Pipeline.onTunnelDatagram
    this.outerSrc6 = this.family === 6 ? this.lastSrc6 : null;
  }

  get port(): number {
    return this.boundPort;
  }

  get bound(): boolean {
    return this.open;
  }

  get receiveBuffer(): ReceiveBufferInfo | null {
    return this.buffer;
  }

  /** How the bound socket is read; null before bind(). */
  get receiver(): 'recvmmsg' | 'dgram' | null {
    return this.methodUsed;
  }

  /** Why `auto` fell back to dgram (null when it did not). */
  get receiverFallback(): string | null {
    return this.fallback;
  }

  /** `udp4 0.0.0.0:4789 (vxlan)` */
  describe(): string {
    const host = this.family === 6 ? `[${this.address}]` : this.address;
    return `udp${this.family} ${host}:${this.boundPort || this.requestedPort} (${this.kind})`;
  }

  bind(): Promise<void> {
    if (this.opts.batchModule !== undefined && this.opts.receiver !== 'dgram') return this.bindBatch(this.opts.batchModule);
    const choice = chooseReceiver(this.opts.receiver ?? 'auto');
    if (choice.use === null) return Promise.reject(new MirrorsinkError(ErrorCode.NativeUnavailable, choice.error));
    if (choice.use === 'recvmmsg') return this.bindBatch(choice.module);
    this.fallback = choice.fallback;
    return this.bindDgram();
  }

  private bindBatch(native: NativeBatchModule): Promise<void> {
    let sock: BatchSocket;
    try {
      sock = new BatchSocket(native, this.family, this.address, this.requestedPort, this.opts.receiveBufferBytes, this.onBatch, this.onBatchError, this.opts.reusePort === true);
    } catch (err) {
      return Promise.reject(this.bindError(err as NodeJS.ErrnoException));
    }
    this.batchSocket = sock;
    this.methodUsed = 'recvmmsg';
    this.boundPort = sock.port;
    this.open = true;
    this.buffer = receiveBufferInfo(this.opts.receiveBufferBytes, sock.receiveBuffer);
    return Promise.resolve();
  }

  private bindError(err: NodeJS.ErrnoException): MirrorsinkError {
    const why =
      err.code === 'EADDRINUSE'
        ? 'address already in use (another mirrorsink or process holds the port)'
        : err.code === 'EADDRNOTAVAIL'
          ? 'no local interface has this address'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.message;
    return new MirrorsinkError(ErrorCode.Bind, `cannot bind ${this.describe()}: ${why}`);
  }

  private bindDgram(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: this.family === 6 ? 'udp6' : 'udp4', ipv6Only: this.family === 6, reuseAddr: false });
      this.socket = socket;
      const onBindError = (err: NodeJS.ErrnoException) => {
        socket.removeListener('listening', onListening);
        try {
          socket.close();
        } catch {
          // already closed
        }
        this.socket = null;
        reject(this.bindError(err));
      };
      const onListening = () => {
        socket.removeListener('error', onBindError);
        this.boundPort = socket.address().port;
        this.open = true;
        const requested = this.opts.receiveBufferBytes;
        try {
          socket.setRecvBufferSize(requested);
        } catch {
          // Refused outright (e.g. above INT_MAX): keep the default, reported as capped below.
        }
        this.buffer = receiveBufferInfo(requested, socket.getRecvBufferSize());
        this.methodUsed = 'dgram';
        socket.on('message', this.onMessage);
        // After binding, an error means the socket no longer receives (e.g. destroyed with
        // `ss -K`): mark it down, close it, let health report it.
        socket.on('error', (err) => this.lost(`socket error on ${this.describe()}: ${err.message}`));
        socket.on('close', () => this.lost(`${this.describe()} closed`));
        resolve();
      };
      socket.once('error', onBindError);
      socket.once('listening', onListening);
      socket.bind({ address: this.address, port: this.requestedPort, exclusive: true });
    });
  }

  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    const batch = this.batch;
    if (this.turn !== batch.turn) this.beginTurn();
    batch.datagram();
    const counters = this.counters;
    counters.datagrams[this.listenerIndex]++;
    counters.bytes[this.listenerIndex] += msg.length;
    const address = rinfo.address;
    if (address !== this.lastAddress) this.cacheSender(address);
    const rx = this.rx;
    rx.set(msg);
    try {
      this.sink.onTunnelDatagram(
        rx,
        0,
        msg.length,
        this.tunnelKind,
        this.family,
        this.lastSrc4,
        this.localAddr4,
        this.outerSrc6,
        rinfo.port,
        this.boundPort,
        this.tsSec,
        this.tsNsec,
      );
    } catch (err) {
      this.internalError(err);
    }
    this.sink.endBatch?.();
  };

  /**
   * First datagram of this socket in an event-loop turn: one wall-clock reading stamps all of
   * them. A socket's datagrams of one turn are read back to back (nothing else runs between
   * them), so the stamp is off by at most the time to process them, far less than the time
   * they already waited in the kernel queue; the resolution stays Date.now()'s millisecond.
   */
  private beginTurn(): void {
    this.turn = this.batch.begin();
    const nowMs = Date.now();
    const sec = Math.floor(nowMs / 1000);
    this.tsSec = sec;
    // An int (< 1e9): a double here would be boxed into a new HeapNumber for every datagram.
    this.tsNsec = ((nowMs - sec * 1000) * 1_000_000) | 0;
  }

  /** Cache miss only: parse the sender's address text. */
  private cacheSender(address: string): void {
    this.lastAddress = address;
    if (this.family === 4) {
      this.lastSrc4 = Math.max(parseIpv4(address), 0) | 0; // int32 bits: see Pipeline.onTunnelDatagram
      return;
    }
    const pct = address.indexOf('%');
    const w = parseIpv6(pct >= 0 ? address.slice(0, pct) : address);
    if (w === null) this.lastSrc6.fill(0);
    else this.lastSrc6.set(w);
  }

  /**
   * One recvmmsg batch: meta[0] datagrams in the native receiver's slots, each stamped with the
   * time the kernel received it (nanoseconds), not when we got round to reading it.
   */
  private readonly onBatch = (): void => {
    const sock = this.batchSocket;
    if (sock === null) return;
    const started = performance.now();
    const meta = sock.meta;
    const data = sock.data;
    const n = meta[0]!;
    const counters = this.counters;
    const sink = this.sink;
    const v6 = this.outerSrc6;
    let bytes = 0;
    for (let i = 0, e = META_HEADER_WORDS; i < n; i++, e += META_ENTRY_WORDS) {
      const length = meta[e]!;
      bytes += length;
      let src4 = 0;
      if (v6 === null) src4 = meta[e + 3]! | 0; // int32 bits: see Pipeline.onTunnelDatagram
      else {
        v6[0] = meta[e + 3]!;
        v6[1] = meta[e + 4]!;
        v6[2] = meta[e + 5]!;
        v6[3] = meta[e + 6]!;
      }
      try {
        sink.onTunnelDatagram(data, i * SLOT_BYTES, length, this.tunnelKind, this.family, src4, this.localAddr4, v6, meta[e + 2]!, this.boundPort, meta[e + 7]!, meta[e + 8]!);
      } catch (err) {
        this.internalError(err);
      }
    }
    sink.endBatch?.();
    counters.datagrams[this.listenerIndex] += n;
    counters.bytes[this.listenerIndex] += bytes;
    this.batch.report(performance.now() - started, n);
  };

  /** The native receiver stopped on a socket error (e.g. the socket destroyed with `ss -K`). */
  private readonly onBatchError = (_code: string, message: string): void => {
    this.lost(`socket error on ${this.describe()}: ${message}`);
  };

  /** The socket stopped receiving while bound: mark it down, close it, let health report it. */
  private lost(why: string): void {
    if (!this.open) return;
    this.open = false;
    this.opts.onClosed?.(why);
    const batch = this.batchSocket;
    this.batchSocket = null;
    if (batch !== null) void batch.close();
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
  }

  private internalError(err: unknown): void {
    this.counters.internalErrors++;
    if (!this.errorReported) {
      this.errorReported = true;
      this.opts.onInternalError?.(err);
    }
  }

  /** Stop receiving and close the socket. */
  close(): Promise<void> {
    if (this.batchSocket !== null) {
      this.open = false;
      const sock = this.batchSocket;
      this.batchSocket = null;
      return sock.close();
    }
    const s = this.socket;
    if (s === null || !this.open) return Promise.resolve();
    this.open = false;
    this.socket = null;
    return new Promise((resolve) => {
      s.removeListener('message', this.onMessage);
      s.close(() => resolve());
    });
  }

  /** Test hook: close the socket as if it had failed (health must notice). */
  simulateFailure(): void {
    // dgram reports its own 'close' event; the native receiver has none to report.
    if (this.batchSocket !== null) this.lost(`${this.describe()} closed`);
    else this.socket?.close();
  }

  get listenerName(): string {
    return LISTENER_NAMES[this.listenerIndex]!;
  }
}

function receiveBufferInfo(requested: number, actual: number): ReceiveBufferInfo {
  // Linux doubles the value it grants (bookkeeping overhead); other kernels report it as is.
  const capped = process.platform === 'linux' ? actual < 2 * requested : actual < requested;
  return { requested, actual, capped };
}
