import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { SessionResolver } from '../../src/session/session-stage.js';
import { loadConfig } from '../../src/config/load.js';
import { CLI } from '../helpers/tools.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import dgram from 'node:dgram';
import { BatchTimer, UdpListener, type TunnelDatagramSink } from '../../src/source/udp-listener.js';
import { ReceiveCounters } from '../../src/metrics/core-metrics.js';
import { TunnelKind } from '../../src/decode/packet-view.js';
import { waitFor } from '../server/harness.js';
import { BATCH_SLOTS, META_ENTRY_WORDS, META_HEADER_WORDS, SLOT_BYTES, loadUdpBatchAddon, type NativeBatchModule } from '../../src/source/batch-socket.js';
import { prepareDatagrams, type PreparedDatagrams } from '../../src/emulator/datagrams.js';

interface Seen {
  length: number;
  first: number;
  kind: TunnelKind;
  ver: number;
  src4: number;
  src6: number[] | null;
  sport: number;
  dport: number;
  tsSec: number;
}

function recorder(): TunnelDatagramSink & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    onTunnelDatagram(buf, offset, length, kind, ver, src4, _dst4, src6, sport, dport, tsSec) {
      seen.push({ length, first: buf[offset]!, kind, ver, src4, src6: src6 ? [...src6] : null, sport, dport, tsSec });
    },
  };
}

async function sender(family: 4 | 6) {
  const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const host = family === 6 ? '::1' : '127.0.0.1';
  await new Promise<void>((r) => s.bind(0, host, r));
  return {
    port: s.address().port,
    send: (d: Buffer, port: number) => new Promise<void>((res, rej) => s.send(d, port, host, (e) => (e ? rej(e) : res()))),
    close: () => s.close(),
  };
}

const native = loadUdpBatchAddon();

describe.each(['recvmmsg', 'dgram'] as const)('UdpListener reading with %s', (receiver) => {
  // Where the addon is not built, test/source/batch-socket.test.ts fails (on Linux) and says why.
  const it_ = it.skipIf(receiver === 'recvmmsg' && !('module' in native));

  it_('hands every datagram to the sink with the outer tuple from the socket (udp4), jumbo included', async () => {
    const sink = recorder();
    const counters = new ReceiveCounters();
    const batches: number[] = [];
    const l = new UdpListener({ kind: 'vxlan', address: '127.0.0.1', port: 0, receiveBufferBytes: 1 << 20, receiver, sink, counters, batch: new BatchTimer((_s, n) => batches.push(n)) });
    await l.bind();
    const tx = await sender(4);
    try {
      expect(l.receiver).toBe(receiver);
      expect(l.port).toBeGreaterThan(0);
      expect(l.receiveBuffer!.actual).toBeGreaterThan(0);
      const jumbo = Buffer.alloc(8 + 9001, 0x08);
      for (let i = 0; i < 10; i++) await tx.send(Buffer.from([0x08, 0, 0, 0, 0, 0, i, 0]), l.port);
      await tx.send(jumbo, l.port);
      await waitFor(() => sink.seen.length === 11);
      expect(sink.seen[0]).toMatchObject({ length: 8, kind: TunnelKind.Vxlan, ver: 4, src4: 0x7f000001, src6: null, sport: tx.port, dport: l.port });
      expect(Math.abs(sink.seen[0]!.tsSec - Date.now() / 1000)).toBeLessThan(5);
      expect(sink.seen[10]!.length).toBe(9009);
      expect(counters.datagrams[0]).toBe(11);
      expect(counters.bytes[0]).toBe(80 + 9009);
      await waitFor(() => batches.reduce((a, b) => a + b, 0) === 11);
    } finally {
      tx.close();
      await l.close();
    }
    expect(l.bound).toBe(false);
  });

  it_('udp6: the sender address arrives as four words; a GENEVE listener says so', async () => {
    const sink = recorder();
    const l = new UdpListener({ kind: 'geneve', address: '::1', port: 0, receiveBufferBytes: 1 << 20, receiver, sink, counters: new ReceiveCounters(), batch: new BatchTimer(() => {}) });
    await l.bind();
    const tx = await sender(6);
    try {
      await tx.send(Buffer.alloc(16), l.port);
      await waitFor(() => sink.seen.length === 1);
      expect(sink.seen[0]).toMatchObject({ kind: TunnelKind.Geneve, ver: 6, src4: 0, src6: [0, 0, 0, 1], sport: tx.port });
      expect(l.describe()).toBe(`udp6 [::1]:${l.port} (geneve)`);
    } finally {
      tx.close();
      await l.close();
    }
  });

  it_('a sink that throws does not kill the listener: counted, reported once', async () => {
    const errors: unknown[] = [];
    const counters = new ReceiveCounters();
    let n = 0;
    const sink: TunnelDatagramSink = {
      onTunnelDatagram() {
        n++;
        throw new Error('boom');
      },
    };
    const l = new UdpListener({ kind: 'vxlan', address: '127.0.0.1', port: 0, receiveBufferBytes: 1 << 20, receiver, sink, counters, batch: new BatchTimer(() => {}), onInternalError: (e) => errors.push(e) });
    await l.bind();
    const tx = await sender(4);
    try {
      for (let i = 0; i < 3; i++) await tx.send(Buffer.alloc(8), l.port);
      await waitFor(() => n === 3);
      expect(counters.internalErrors).toBe(3);
      expect(errors).toHaveLength(1);
    } finally {
      tx.close();
      await l.close();
    }
  });

  it_('reports a lost socket through onClosed', async () => {
    const closed: string[] = [];
    const l = new UdpListener({ kind: 'vxlan', address: '127.0.0.1', port: 0, receiveBufferBytes: 1 << 20, receiver, sink: recorder(), counters: new ReceiveCounters(), batch: new BatchTimer(() => {}), onClosed: (w) => closed.push(w) });
    await l.bind();
    l.simulateFailure();
    await waitFor(() => closed.length === 1);
    expect(closed[0]).toBe(`udp4 127.0.0.1:${l.port} (vxlan) closed`);
    expect(l.bound).toBe(false);
  });
});

/**
 * The recvmmsg path driven in-process: a stand-in for the native receiver hands the listener
 * batches in the same slots and meta words the addon fills, so the allocation check sees every
 * datagram whatever the machine's load (loopback drops datagrams when a busy reader falls
 * behind; a count of young-generation collections does not depend on timing).
 */
function inProcessReceiver() {
  let data = new Uint8Array(0);
  let meta = new Uint32Array(0);
  let onBatch: () => void = () => {};
  const module: NativeBatchModule = {
    open(_family, _address, port, receiveBufferBytes, dataBuf, metaBuf, _slotBytes, batch) {
      data = new Uint8Array(dataBuf);
      meta = new Uint32Array(metaBuf);
      onBatch = batch;
      return { handle: {}, port: port || 4789, receiveBuffer: 2 * receiveBufferBytes };
    },
    close(_handle, onClosed) {
      onClosed?.();
    },
  };
  // One view per datagram, made once: copying through them (TypedArray set) allocates nothing,
  // where Buffer.copy of a part of a buffer makes a view per call.
  let views: Uint8Array[] = [];
  let viewsOf: PreparedDatagrams | null = null;
  /** Every prepared datagram once, BATCH_SLOTS at a time, from 127.0.0.1 as the socket gives it. */
  const deliver = (prep: PreparedDatagrams, tsSec: number): void => {
    if (viewsOf !== prep) {
      views = Array.from({ length: prep.count }, (_, i) => prep.arena.subarray(prep.offsets[i]!, prep.offsets[i]! + prep.lengths[i]!));
      viewsOf = prep;
    }
    let n = 0;
    for (let i = 0; i < prep.count; i++) {
      const len = prep.lengths[i]!;
      data.set(views[i]!, n * SLOT_BYTES);
      const e = META_HEADER_WORDS + n * META_ENTRY_WORDS;
      meta[e] = len;
      meta[e + 1] = 0;
      meta[e + 2] = prep.sports[i]!;
      meta[e + 3] = 0x7f000001;
      meta[e + 7] = tsSec;
      meta[e + 8] = i;
      if (++n === BATCH_SLOTS || i === prep.count - 1) {
        meta[0] = n;
        onBatch();
        n = 0;
      }
    }
  };
  return { module, deliver };
}

/** Bytes in use in V8's young generation (new space). */
function newSpaceUsed(): number {
  for (const sp of getHeapSpaceStatistics()) if (sp.space_name === 'new_space') return sp.space_used_size;
  return 0;
}

describe('UdpListener reading with recvmmsg: the live path allocates nothing per datagram', () => {
  it('next to no young-generation GC while 146 000 datagrams of the bundled captures go through the listener, decode, sessions and direction (in-process)', async () => {
    const pipeline = new Pipeline();
    const config = loadConfig({ file: path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml'), env: {} }).config;
    pipeline.setStages({ session: SessionResolver.fromConfig(config, pipeline.drops) });
    const counters = new ReceiveCounters();
    const rx = inProcessReceiver();
    const l = new UdpListener({ kind: 'vxlan', address: '127.0.0.1', port: 0, receiveBufferBytes: 32 << 20, receiver: 'recvmmsg', batchModule: rx.module, sink: pipeline, counters, batch: new BatchTimer(() => {}) });
    await l.bind();
    expect(l.receiver).toBe('recvmmsg');
    const files = readdirSync(path.join(REPO_ROOT, 'captures')).filter((f) => f.endsWith('.pcap')).map((f) => path.join(REPO_ROOT, 'captures', f));
    // What `mirrorsink send` sends for these captures.
    const prep = prepareDatagrams(files, { vni: 1, packetLength: 0, alreadyWrapped: false });
    const tsSec = Math.floor(Date.now() / 1000);
    try {
      for (let loop = 0; loop < 2; loop++) rx.deliver(prep, tsSec); // the JIT compiles the path first
      const warm = 2 * prep.count;
      expect(counters.datagrams[0]).toBe(warm);
      let minorGcs = 0;
      const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
        }
      });
      obs.observe({ entryTypes: ['gc'] });
      // Young-generation bytes allocated per pass, read around each pass: a pass with a
      // scavenge in it reads low, so the median pass is the one to judge.
      const perPass = new Float64Array(40);
      for (let loop = 0; loop < 40; loop++) {
        const before = newSpaceUsed();
        rx.deliver(prep, tsSec);
        perPass[loop] = newSpaceUsed() - before;
      }
      const sent = 40 * prep.count;
      const bytesPerDatagram = [...perPass].sort((a, b) => a - b)[20]! / prep.count;
      await new Promise((r) => setTimeout(r, 50)); // GC entries arrive asynchronously
      obs.disconnect();
      expect(sent).toBeGreaterThan(140_000);
      expect(counters.datagrams[0]).toBe(warm + sent);
      // The captures hold malformed packets on purpose: counted as drops, never lost.
      expect(pipeline.delivered + pipeline.drops.reduce((a, b) => a + b, 0)).toBe(warm + sent);
      expect(pipeline.delivered).toBeGreaterThan(0.9 * (warm + sent));
      // Measured through a real socket: 2-3 scavenges (Node's own native-to-JavaScript call
      // allocates a little per batch), against 14-16 for the same datagrams through dgram (a
      // Buffer, an rinfo and an address string per datagram) and 13 when the listener
      // scheduled a setImmediate per batch. A per-datagram object in the path lands well
      // above the bound.
      expect(minorGcs).toBeLessThanOrEqual(6);
      // Measured here: about 3 bytes per datagram, all of it per batch of 64 (the batch
      // timing's numbers) or per pass (reading the statistics). The smallest per-datagram
      // object (a boxed double, 16 bytes) lands above the bound; a dgram-like rinfo, address
      // string and Buffer view per datagram measured 195.
      expect(bytesPerDatagram).toBeLessThan(12);
    } finally {
      await l.close();
    }
  }, 60_000);

  it.skipIf(!('module' in native))('through a real socket, everything that arrives goes through the pipeline (what arrives is counted, not assumed)', async () => {
    const pipeline = new Pipeline();
    const config = loadConfig({ file: path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml'), env: {} }).config;
    pipeline.setStages({ session: SessionResolver.fromConfig(config, pipeline.drops) });
    const counters = new ReceiveCounters();
    const l = new UdpListener({ kind: 'vxlan', address: '127.0.0.1', port: 0, receiveBufferBytes: 32 << 20, receiver: 'recvmmsg', sink: pipeline, counters, batch: new BatchTimer(() => {}) });
    await l.bind();
    const files = readdirSync(path.join(REPO_ROOT, 'captures')).filter((f) => f.endsWith('.pcap')).map((f) => path.join(REPO_ROOT, 'captures', f));
    try {
      const sent = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'send', ...files, '--to', `127.0.0.1:${l.port}`, '--rate', '50000', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(JSON.parse(out).packets as number));
      });
      // Loopback may drop some on a loaded machine: wait for the first, then for the count to
      // settle, and hold the pipeline to what arrived.
      await waitFor(() => counters.datagrams[0]! > 0, 15_000, 'a first datagram');
      let last = -1;
      await waitFor(() => {
        const now = counters.datagrams[0]!;
        const settled = now === last || now === sent;
        last = now;
        return settled;
      }, 15_000, 'arrivals to settle');
      const arrived = counters.datagrams[0]!;
      expect(arrived).toBeLessThanOrEqual(sent);
      expect(pipeline.delivered + pipeline.drops.reduce((a, b) => a + b, 0)).toBe(arrived);
    } finally {
      await l.close();
    }
  }, 60_000);
});

describe('BatchTimer', () => {
  it('one report per event-loop turn with its datagrams; listeners see the turn change', async () => {
    const seen: [number, number][] = [];
    const b = new BatchTimer((seconds, n) => seen.push([seconds, n]));
    const turn = b.begin();
    expect(b.begin()).toBe(turn); // a second listener in the same turn: same span
    b.datagram();
    b.datagram();
    b.datagram();
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(1);
    expect(seen[0]![1]).toBe(3);
    expect(seen[0]![0]).toBeGreaterThanOrEqual(0);
    expect(seen[0]![0]).toBeLessThan(1);
    expect(b.turn).not.toBe(turn); // the next datagram opens (and stamps) a new turn
    // Sources that time each item themselves (live capture).
    b.add(2);
    b.add(3);
    await new Promise((r) => setImmediate(r));
    expect(seen[1]).toEqual([0.005, 2]);
    // A turn without datagrams reports nothing, and its span is not carried into the next.
    b.begin();
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(2);
    b.add(1);
    await new Promise((r) => setImmediate(r));
    expect(seen[2]).toEqual([0.001, 1]);
    // A source that reads whole batches itself (recvmmsg) reports each at once, unscheduled.
    b.report(4, 64);
    expect(seen[3]).toEqual([0.004, 64]);
  });

});
