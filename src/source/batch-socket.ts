/**
 * The optional native batch receiver (native/udp_batch.c, Linux): recvmmsg(2) reads up to
 * BATCH_SLOTS datagrams per system call into one ArrayBuffer of fixed slots, and one call into
 * JavaScript hands the batch over with a Uint32Array of lengths, sender addresses and the
 * kernel's arrival time of each datagram (SO_TIMESTAMPNS). The same
 * addon sends with sendmmsg(2) (src/emulator/batch-sender.ts).
 *
 * Node's dgram costs about 6-8 µs of CPU per datagram on these machines (a system call, a
 * Buffer, an rinfo object with the address as text and a JavaScript callback, each per
 * datagram), several times mirrorsink's own pipeline (bench/live.ts). The addon is built at
 * `npm install` when python3, make and g++ are there; without it the UDP listener falls back
 * to dgram and says so.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Datagrams per recvmmsg call. */
export const BATCH_SLOTS = 64;
/** Every UDP payload fits a slot (IPv4 at most 65 507 bytes, IPv6 65 527). */
export const SLOT_BYTES = 65536;

export const NATIVE_BUILD_HINT = 'install python3, make and g++, then run `npm run build:native`';

export interface OpenedBatchSocket {
  handle: unknown;
  port: number;
  /** SO_RCVBUF as the kernel reports it (Linux: twice the usable size). */
  receiveBuffer: number;
}

export interface NativeBatchModule {
  open(
    family: 4 | 6,
    address: string,
    port: number,
    receiveBufferBytes: number,
    data: ArrayBuffer,
    meta: ArrayBuffer,
    slotBytes: number,
    onBatch: () => void,
    onError: (code: string, message: string) => void,
    reusePort?: boolean,
  ): OpenedBatchSocket;
  close(handle: unknown, onClosed?: () => void): void;
  openSender(family: 4 | 6, address: string, port: number, sendBufferBytes: number): { handle: unknown; localPort: number };
  sendBatch(handle: unknown, arena: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, start: number, count: number): number;
  closeSender(handle: unknown): void;
  metaHeaderWords: number;
  metaEntryWords: number;
  /** open() can join a SO_REUSEPORT group (builds before serve's pipeline threads cannot). */
  reusePort?: boolean;
}

/** Where the compiled addon is: native/ at the package root, from src/source or dist/src/source. */
function addonPath(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const p = path.resolve(here, up, 'native', 'build', 'Release', 'udp_batch.node');
    if (existsSync(p)) return p;
  }
  return null;
}

export type BatchReceiverLoad = { module: NativeBatchModule } | { why: string };

let loaded: BatchReceiverLoad | null = null;

/** Load the addon (once): the module, or why it cannot be used here. `file` is for tests. */
export function loadUdpBatchAddon(file?: string): BatchReceiverLoad {
  if (file !== undefined) return loadFrom(file);
  loaded ??= process.platform !== 'linux' ? { why: `recvmmsg batches need Linux (this is ${process.platform})` } : loadFrom(addonPath());
  return loaded;
}

function loadFrom(file: string | null): BatchReceiverLoad {
  if (file === null) return { why: `the native receiver is not built (${NATIVE_BUILD_HINT})` };
  try {
    const m = createRequire(import.meta.url)(file) as Partial<NativeBatchModule>;
    if (typeof m.open !== 'function' || typeof m.sendBatch !== 'function' || m.metaHeaderWords !== META_HEADER_WORDS || m.metaEntryWords !== META_ENTRY_WORDS) {
      return { why: `${file} does not match this version of mirrorsink (run \`npm run build:native\`)` };
    }
    return { module: m as NativeBatchModule };
  } catch (err) {
    return { why: `cannot load ${file}: ${(err as Error).message.split('\n')[0]} (run \`npm run build:native\`)` };
  }
}

export type ReceiverChoice =
  | { use: 'recvmmsg'; module: NativeBatchModule }
  | { use: 'dgram'; /** Why `auto` could not use recvmmsg (null: dgram was asked for). */ fallback: string | null }
  | { use: null; error: string };

/** What a `listen.receiver` setting comes to on this machine. */
export function chooseReceiver(wanted: 'auto' | 'recvmmsg' | 'dgram'): ReceiverChoice {
  if (wanted === 'dgram') return { use: 'dgram', fallback: null };
  const native = loadUdpBatchAddon();
  if ('module' in native) return { use: 'recvmmsg', module: native.module };
  if (wanted === 'recvmmsg') return { use: null, error: `listen.receiver is recvmmsg but ${native.why}` };
  return { use: 'dgram', fallback: native.why };
}

/** Uint32 words before the entries: [count, tsSec, tsNsec, spare]. */
export const META_HEADER_WORDS = 4;
/** Uint32 words per datagram: [length, flags, port, a0, a1, a2, a3, tsSec, tsNsec, spare]. */
export const META_ENTRY_WORDS = 10;

/**
 * One bound socket read in batches. `onBatch` runs once per recvmmsg call: `meta[0]` datagrams,
 * datagram i at `data[i * SLOT_BYTES]`, its entry at META_HEADER_WORDS + i * META_ENTRY_WORDS.
 */
export class BatchSocket {
  readonly data = new Uint8Array(BATCH_SLOTS * SLOT_BYTES);
  readonly meta = new Uint32Array(META_HEADER_WORDS + BATCH_SLOTS * META_ENTRY_WORDS);
  readonly port: number;
  readonly receiveBuffer: number;
  private handle: unknown;
  private readonly native: NativeBatchModule;

  /** Binds now; throws an Error whose `code` is the errno name (EADDRINUSE...) when it cannot. */
  constructor(
    native: NativeBatchModule,
    family: 4 | 6,
    address: string,
    port: number,
    receiveBufferBytes: number,
    onBatch: () => void,
    onError: (code: string, message: string) => void,
    reusePort = false,
  ) {
    this.native = native;
    const opened = native.open(family, address, port, receiveBufferBytes, this.data.buffer, this.meta.buffer, SLOT_BYTES, onBatch, onError, reusePort);
    this.handle = opened.handle;
    this.port = opened.port;
    this.receiveBuffer = opened.receiveBuffer;
  }

  /** Stop reading now; resolves once the socket is closed (its port free). Idempotent. */
  close(): Promise<void> {
    if (this.handle === null) return Promise.resolve();
    const h = this.handle;
    this.handle = null;
    return new Promise((resolve) => this.native.close(h, resolve));
  }
}
