/**
 * Live capture from a network interface through libpcap (the optional `cap` module): VXLAN and
 * GENEVE datagrams addressed to this host (BPF `udp dst port 4789 or udp dst port 6081` by
 * default), or, with `plain`, the interface's own untunnelled traffic. Frames go through the
 * pipeline's onFrame with the interface's link type; tunnels are opened by the decoder (UDP
 * destination port 4789 → VXLAN, 6081 → GENEVE).
 *
 * `cap` is loaded with a dynamic import inside try/catch: without it (or without libpcap) the
 * error says what to install, and nothing else in mirrorsink needs it.
 *
 * cap copies each packet into one Buffer we own and emits ('packet', nbytes, truncated): no
 * per-packet allocation on our side. It does not expose capture timestamps or pcap_stats, so
 * packets are stamped with Date.now() and libpcap's own drop counter is not published.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import type { FrameSink } from '../pipeline/stages.js';
import { ListenerKind, type ReceiveCounters } from '../metrics/core-metrics.js';
import type { BatchTimer } from './udp-listener.js';

export const CAP_INSTALL_HINT = 'apt-get install libpcap-dev && npm install cap';

interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}

interface CapModule {
  Cap: { new (): CapInstance; deviceList(): { name: string; description?: string; addresses?: { addr: string }[] }[] };
}

/** pcap link type names cap returns → LINKTYPE_* numbers the decoder knows. */
const LINKTYPES: Record<string, number> = {
  ETHERNET: 1,
  NULL: 0,
  LINKTYPE_LINUX_SLL: 113,
  RAW: 101,
};

let capPromise: Promise<CapModule> | null = null;

/**
 * Cap objects whose open() failed. cap's native open() creates the pcap handle before
 * pcap_activate() and only initialises its uv_poll handle after it succeeds; its destructor (and
 * close()) then call uv_poll_stop() on that uninitialised handle: a garbage-collected failed Cap
 * aborts the process (`uv_poll_stop: Assertion '!uv__is_closing(handle)'`, exit 139) instead of
 * letting the capture error exit 1. Kept reachable here so neither ever runs; a process whose
 * capture failed is about to exit, so this holds at most a few objects.
 */
const failedCaps: CapInstance[] = [];

/** How many failed Cap objects are held (tests). */
export function failedCapCount(): number {
  return failedCaps.length;
}

/**
 * Load the optional `cap` module; MirrorsinkError(E_CAP_UNAVAILABLE) naming what to install.
 * `name` exists for tests (a module that is not installed).
 */
export function loadCap(name = 'cap'): Promise<CapModule> {
  if (name !== 'cap') return importCap(name);
  if (capPromise === null) capPromise = importCap(name);
  return capPromise;
}

async function importCap(name: string): Promise<CapModule> {
  let why: string;
  try {
    const m = (await import(name)) as { default?: CapModule } & Partial<CapModule>;
    const mod = (m.default ?? m) as CapModule;
    if (typeof mod.Cap === 'function') return mod;
    why = `the '${name}' module does not export Cap`;
  } catch (err) {
    why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
  if (name === 'cap') capPromise = null;
  throw new MirrorsinkError(
    ErrorCode.CapUnavailable,
    `live capture needs libpcap and the optional 'cap' module, which could not be loaded (${why}). Install them with: ${CAP_INSTALL_HINT}`,
  );
}

export interface LiveCaptureOptions {
  interface: string;
  /** The cap module to load (tests substitute one); default 'cap'. */
  capModule?: string;
  /** BPF filter ('' = everything). */
  filter: string;
  bufferBytes: number;
  sink: FrameSink;
  counters: ReceiveCounters;
  batch: BatchTimer;
  onInternalError?: (err: unknown) => void;
}

export class LiveCapture {
  private cap: CapInstance | null = null;
  private readonly buffer = Buffer.alloc(65535);
  private linktype = 1;
  private linktypeName = '';
  private errorReported = false;

  constructor(private readonly opts: LiveCaptureOptions) {}

  get open(): boolean {
    return this.cap !== null;
  }

  get linkType(): { name: string; linktype: number } {
    return { name: this.linktypeName, linktype: this.linktype };
  }

  async start(): Promise<void> {
    const mod = await loadCap(this.opts.capModule);
    const devices = mod.Cap.deviceList();
    if (!devices.some((d) => d.name === this.opts.interface)) {
      throw new MirrorsinkError(
        ErrorCode.Bind,
        `capture: no interface '${this.opts.interface}' (libpcap sees: ${devices.map((d) => d.name).join(', ') || 'none; are you root or CAP_NET_RAW?'})`,
      );
    }
    const cap = new mod.Cap();
    let name: string;
    try {
      name = cap.open(this.opts.interface, this.opts.filter, this.opts.bufferBytes, this.buffer);
    } catch (err) {
      // Never close() nor drop a Cap whose open failed (see failedCaps).
      failedCaps.push(cap);
      const msg = (err as Error).message;
      const perm = /permitted|permission/i.test(msg);
      throw new MirrorsinkError(
        ErrorCode.Bind,
        `capture on ${this.opts.interface} with filter '${this.opts.filter}' failed: ${msg} (${
          perm
            ? 'capturing needs CAP_NET_RAW in the effective set: run as root with only NET_RAW added (docker run --user 0 --cap-drop ALL --cap-add NET_RAW), see docs/operator-guide.md "Live capture"'
            : 'capturing needs root or CAP_NET_RAW'
        })`,
      );
    }
    const lt = LINKTYPES[name];
    if (lt === undefined) {
      cap.close();
      throw new MirrorsinkError(ErrorCode.Bind, `capture on ${this.opts.interface}: unsupported link type ${name}`);
    }
    this.linktype = lt;
    this.linktypeName = name;
    this.cap = cap;
    cap.on('packet', this.onPacket);
  }

  private readonly onPacket = (nbytes: number, _truncated: boolean): void => {
    const t0 = performance.now();
    const c = this.opts.counters;
    c.datagrams[ListenerKind.Pcap]++;
    c.bytes[ListenerKind.Pcap] += nbytes;
    const nowMs = Date.now();
    const sec = Math.floor(nowMs / 1000);
    try {
      this.opts.sink.onFrame(this.buffer, 0, nbytes, nbytes, this.linktype, sec, (nowMs - sec * 1000) * 1_000_000);
    } catch (err) {
      c.internalErrors++;
      if (!this.errorReported) {
        this.errorReported = true;
        this.opts.onInternalError?.(err);
      }
    }
    this.opts.batch.add(performance.now() - t0);
  };

  close(): void {
    const cap = this.cap;
    if (cap === null) return;
    this.cap = null;
    cap.removeAllListeners('packet');
    cap.close();
  }
}
