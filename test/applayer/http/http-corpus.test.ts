/**
 * Real traffic: every pcap of the suricata-verify pool whose test name mentions http, read and
 * decoded with the project's own reader and decoder, TCP put in order per direction by a small
 * test-only reassembler (SYN-started flows, retransmissions trimmed, holes given as gaps), and
 * fed to the app layer. Nothing may throw, and flows whose client opens with a known method must
 * be detected as http and yield transactions. The pcaps are read in place (../shared).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { AppLayer } from '../../../src/applayer/app-layer.js';
import { HttpBuf } from '../../../src/applayer/http/http-buffers.js';
import { defaultHttpConfig } from '../../../src/applayer/http/http-config.js';
import { AppProto, appProtoName } from '../../../src/applayer/app-proto.js';
import type { HttpParser } from '../../../src/applayer/http/http-parser.js';
import { decodeFrame } from '../../../src/decode/decoder.js';
import { DecodeCounters } from '../../../src/decode/decode-events.js';
import { IPPROTO_TCP, PacketView, TCP_FIN, TCP_RST, TCP_SYN } from '../../../src/decode/packet-view.js';
import { readCaptureFile } from '../../../src/source/capture-file.js';
import { CORPUS_DIR, describeWithCorpus } from '../../helpers/corpus.js';
import { snapAll } from './helpers.js';

const POOL = path.join(CORPUS_DIR, 'suricata-verify-pool');
/** http-evader pcaps where the EICAR body is not found as Suricata finds it (lower it as they get fixed). */
const KNOWN_EVADER_MISSES = 1;

interface Side {
  next: number; // next expected sequence number, -1 before SYN
  pending: Map<number, Uint8Array>;
}
interface Conn {
  slot: number;
  clientKey: string;
  sides: [Side, Side]; // [to server, to client]
  startsWithMethod: boolean | undefined;
}

const METHOD = /^(GET|POST|PUT|HEAD|OPTIONS|DELETE|PATCH|CONNECT|TRACE|PROPFIND) /i;

function runPcap(file: string, al: AppLayer): Conn[] {
  const conns = new Map<string, Conn>();
  const p = new PacketView();
  const c = new DecodeCounters();
  let slots = 0;
  const deliver = (conn: Conn, toServer: boolean, seq: number, data: Uint8Array): void => {
    const side = conn.sides[toServer ? 0 : 1];
    if (side.next < 0) return;
    let d = seq - side.next;
    if (d > 0x7fffffff) d -= 0x100000000;
    if (d < -0x7fffffff) d += 0x100000000;
    if (d > 0) {
      if (!side.pending.has(seq)) side.pending.set(seq, data.slice());
      return;
    }
    if (-d >= data.length) return; // retransmission
    const fresh = data.subarray(-d);
    if (toServer && conn.startsWithMethod === undefined) conn.startsWithMethod = METHOD.test(Buffer.from(fresh.subarray(0, 12)).toString('latin1'));
    al.onData(conn.slot, toServer, fresh, 0, fresh.length);
    side.next = (side.next + fresh.length) >>> 0;
    const again = side.pending.get(side.next);
    if (again !== undefined) {
      side.pending.delete(side.next);
      deliver(conn, toServer, side.next, again);
    }
  };
  readCaptureFile(file, {
    onFrame(buf, offset, caplen, wirelen, linktype) {
      p.setFrame(buf, offset, caplen, wirelen, linktype);
      decodeFrame(p, c);
      if (p.error !== 0 || p.ipProto !== IPPROTO_TCP || p.ipVersion === 0) return;
      const a = `${p.src4}|${p.sport}`;
      const b = `${p.dst4}|${p.dport}`;
      const key = a < b ? `${a}-${b}` : `${b}-${a}`;
      let conn = conns.get(key);
      const syn = (p.tcpFlags & TCP_SYN) !== 0;
      if (conn === undefined) {
        if (!syn || slots >= al.capacity) return; // midstream pickup is off, as in Suricata
        conn = { slot: slots++, clientKey: (p.tcpFlags & 0x10) !== 0 ? b : a, sides: [{ next: -1, pending: new Map() }, { next: -1, pending: new Map() }], startsWithMethod: undefined };
        conns.set(key, conn);
        al.open(conn.slot, true, (p.tcpFlags & 0x10) !== 0 ? p.dport : p.sport, (p.tcpFlags & 0x10) !== 0 ? p.sport : p.dport);
      }
      const toServer = a === conn.clientKey;
      const side = conn.sides[toServer ? 0 : 1];
      if (syn) {
        side.next = (p.tcpSeq + 1) >>> 0;
        return;
      }
      if (p.payloadLen > 0) deliver(conn, toServer, p.tcpSeq >>> 0, p.buf.subarray(p.payloadOffset, p.payloadOffset + p.payloadLen));
      if ((p.tcpFlags & (TCP_FIN | TCP_RST)) !== 0) {
        // Holes left at close: give them as gaps, then what follows.
        for (const [seq, data] of [...side.pending.entries()].sort((x, y) => x[0] - y[0])) {
          const gap = (seq - side.next) >>> 0;
          if (gap > 0 && gap < 0x7fffffff) {
            al.onGap(conn.slot, toServer, gap);
            side.next = seq;
          }
          side.pending.delete(seq);
          deliver(conn, toServer, seq, data);
        }
        al.onEnd(conn.slot, toServer);
      }
    },
  });
  for (const conn of conns.values()) {
    al.onEnd(conn.slot, true);
    al.onEnd(conn.slot, false);
  }
  return [...conns.values()];
}

describeWithCorpus('HTTP on the suricata-verify pool pcaps', () => {
  it('never throws, detects http where the client opens with a method, and makes transactions', () => {
    const index = readFileSync(path.join(POOL, 'INDEX.tsv'), 'utf8').split('\n').slice(1);
    const pcaps = [...new Set(index.map((l) => l.split('\t')).filter((f) => f.length > 1 && /http/.test(f[0]!)).map((f) => f[1]!))];
    expect(pcaps.length).toBeGreaterThan(50);
    let flows = 0;
    let httpFlows = 0;
    let txs = 0;
    const misses: string[] = [];
    for (const rel of pcaps) {
      const al = new AppLayer(256);
      const http = al.parser(AppProto.Http) as HttpParser;
      let conns: Conn[];
      try {
        conns = runPcap(path.join(POOL, rel), al);
      } catch (e) {
        // The reader may reject a capture; the app layer must not be what throws.
        if (String((e as Error).stack).includes('/applayer/')) throw e;
        continue;
      }
      for (const conn of conns) {
        flows++;
        const name = appProtoName(al.appProto(conn.slot));
        if (name === 'http') {
          httpFlows++;
          const s = snapAll(http, conn.slot);
          txs += s.length;
          if (process.env.HTTP_CORPUS_DEBUG) for (const t of s) if (t.events.length > 0 || t.progress[0] !== 5 || t.progress[1] !== 5) process.stdout.write(`${rel} ${t.id} ${t.progress} ${t.events} ${t.buffers.RequestLine}\n`);
        }
        if (conn.startsWithMethod === true && name !== 'http') misses.push(`${rel} slot ${conn.slot}: ${name}`);
      }
    }
    // Print a one-line summary for the curious.
    process.stdout.write(`pool http: ${pcaps.length} pcaps, ${flows} flows, ${httpFlows} http, ${txs} transactions\n`);
    expect(misses).toEqual([]);
    expect(httpFlows).toBeGreaterThan(100);
    expect(txs).toBeGreaterThan(httpFlows);
  });
});

/**
 * The http-evader tests: every pcap hides an EICAR file behind an HTTP evasion (odd chunking,
 * odd Content-Encoding, folding, ...) and Suricata finds it in file.data exactly once (both
 * rules of each test expect one alert). Run with the tests' own setting
 * (response-body-decompress-layer-limit=3); LZMA is not supported here, so its test is left out.
 */
describeWithCorpus('HTTP evader pcaps: file.data as Suricata sees it', () => {
  it('finds the EICAR string in exactly one response body per pcap', () => {
    const dir = path.join(POOL, 'tests', 'http-evader');
    const names = readdirSync(dir).filter((n) => !readFileSync(path.join(dir, n, 'test.yaml'), 'utf8').includes('lzma-enabled=yes'));
    expect(names.length).toBeGreaterThan(200);
    const wrong: string[] = [];
    for (const name of names) {
      const al = new AppLayer(16, { config: { http: defaultHttpConfig({ decompressLayerLimit: 3 }) } });
      const http = al.parser(AppProto.Http) as HttpParser;
      const conns = runPcap(path.join(dir, name, 'input.pcap'), al);
      let hits1 = 0;
      let hits2 = 0;
      for (const conn of conns)
        for (let i = 0; i < http.txCount(conn.slot); i++) {
          const body = http.getTx(conn.slot, i)!.text(HttpBuf.ResponseBody) ?? '';
          if (body.includes('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')) hits1++;
          if (body.includes('X5O!P%@AP[4')) hits2++;
        }
      if (hits1 !== 1 || hits2 !== 1) wrong.push(`${name}: ${hits1}/${hits2}`);
    }
    process.stdout.write(`http-evader: ${names.length - wrong.length}/${names.length} as Suricata; not yet: ${wrong.join(', ')}\n`);
    // Not all evasions are handled yet (see the report); this bound only goes down.
    expect(wrong.length).toBeLessThanOrEqual(KNOWN_EVADER_MISSES);
  });
});
