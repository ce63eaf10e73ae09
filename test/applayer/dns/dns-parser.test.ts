/**
 * DNS in the app-layer framework (src/applayer/dns/dns-parser.ts): detection by the port-53
 * probe over UDP and TCP, messages split at every byte over TCP, compressed names served as
 * multi-buffers, truncated and garbage input as events and counters (never a throw), the tx
 * list bounded and freed once inspected (and logged).
 */
import { describe, expect, it } from 'vitest';
import { AppLayer } from '../../../src/applayer/app-layer.js';
import { AppProto } from '../../../src/applayer/app-proto.js';
import { TxDone } from '../../../src/applayer/app-tx.js';
import { DnsBuf } from '../../../src/applayer/dns/dns-buffers.js';
import type { DnsParser } from '../../../src/applayer/dns/dns-parser.js';
import { DNS_MAX_TXS } from '../../../src/applayer/dns/dns-state.js';
import { DNS_A, dnsA, dnsQuery, dnsResponse } from '../../../src/emulator/captures/packet-builder.js';

const latin1 = (b: Uint8Array, o: number, n: number) => Buffer.from(b.buffer, b.byteOffset + o, n).toString('latin1');

function names(p: DnsParser, slot: number, i: number, id: number): string[] {
  const tx = p.getTx(slot, i)!;
  const out: string[] = [];
  for (let k = 0; k < tx.bufferCount(id); k++) {
    const n = tx.bufferAt(id, k);
    out.push(latin1(tx.bytes, tx.offset, n));
  }
  return out;
}

const q = dnsQuery(7, 'a.example.org', DNS_A);
const r = dnsResponse(7, 'a.example.org', DNS_A, [
  { type: DNS_A, ttl: 5, data: dnsA('192.0.2.1') },
  { type: DNS_A, ttl: 5, data: dnsA('192.0.2.2') },
]);

describe('DNS parser in the app layer', () => {
  it('UDP: probe on port 53, one tx per datagram; compressed answer names in full', () => {
    const al = new AppLayer(4);
    al.open(0, false, 40000, 53);
    al.onData(0, true, q, 0, q.length);
    al.onData(0, false, r, 0, r.length);
    expect(al.state.alproto[0]).toBe(AppProto.Dns);
    const p = al.parser(AppProto.Dns) as DnsParser;
    expect(p.txCount(0)).toBe(2);
    expect(names(p, 0, 0, DnsBuf.Query)).toEqual(['a.example.org']);
    // Responses have no dns.query (to server only) but do have the question names.
    expect(names(p, 0, 1, DnsBuf.Query)).toEqual([]);
    expect(names(p, 0, 1, DnsBuf.QueryName)).toEqual(['a.example.org']);
    // Both answers' names are pointers (0xc00c) to the question: resolved.
    expect(names(p, 0, 1, DnsBuf.AnswerName)).toEqual(['a.example.org', 'a.example.org']);
    const resp = p.getTx(0, 1)!;
    expect(resp.sideProgress(false)).toBe(1);
    expect(resp.sideProgress(true)).toBe(0);
    expect(resp.bufferAt(DnsBuf.Rrtype, 0)).toBe(DNS_A);
    expect(resp.bufferAt(DnsBuf.Opcode, 0)).toBe(0);
  });

  it('TCP: length-prefixed messages split at every byte', () => {
    const msg = Uint8Array.from([q.length >> 8, q.length & 0xff, ...q, r.length >> 8, r.length & 0xff, ...r]);
    const al = new AppLayer(4);
    al.open(1, true, 40000, 53);
    // Everything to the server (two messages back to back), one byte per call.
    for (let i = 0; i < 2 + q.length; i++) al.onData(1, true, msg, i, 1);
    expect(al.state.alproto[1]).toBe(AppProto.Dns);
    const p = al.parser(AppProto.Dns) as DnsParser;
    expect(p.txCount(1)).toBe(1);
    expect(names(p, 1, 0, DnsBuf.Query)).toEqual(['a.example.org']);
    for (let i = 2 + q.length; i < msg.length; i++) al.onData(1, false, msg, i, 1);
    expect(p.txCount(1)).toBe(2);
    expect(names(p, 1, 1, DnsBuf.AnswerName)).toHaveLength(2);
  });

  it('truncated TCP message at the end of the stream: malformed_data on the last tx, no throw', () => {
    const al = new AppLayer(4);
    al.open(0, true, 40000, 53);
    const one = Uint8Array.from([q.length >> 8, q.length & 0xff, ...q]);
    al.onData(0, true, one, 0, one.length);
    const cut = Uint8Array.from([0, 40, ...q.subarray(0, 20)]);
    al.onData(0, true, cut, 0, cut.length);
    expect(() => al.onEnd(0, true)).not.toThrow();
    const p = al.parser(AppProto.Dns) as DnsParser;
    expect(p.getTx(0, 0)!.tx.events).toContain('malformed_data');
    expect(p.state(0).counters.malformed).toBe(1);
  });

  it('garbage after detection, gaps and random datagrams never throw', () => {
    const al = new AppLayer(4);
    al.open(0, true, 40000, 53);
    const one = Uint8Array.from([q.length >> 8, q.length & 0xff, ...q]);
    al.onData(0, true, one, 0, one.length);
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const junk = Uint8Array.from({ length: 3000 }, rnd);
    expect(() => {
      al.onGap(0, true, 10);
      al.onData(0, true, junk, 0, junk.length);
      al.onData(0, false, junk, 5, 700);
      al.open(1, false, 40000, 53);
      for (let i = 0; i < 50; i++) al.onData(1, i % 2 === 0, junk, i * 40, 12 + (i % 30));
      al.onEnd(0, true);
      al.onEnd(0, false);
    }).not.toThrow();
  });

  it('at most DNS_MAX_TXS txs wait per flow; inspected (and logged) ones are freed', () => {
    const al = new AppLayer(2);
    al.open(0, false, 40000, 53);
    const p = al.parser(AppProto.Dns) as DnsParser;
    for (let i = 0; i < DNS_MAX_TXS + 5; i++) al.onData(0, true, q, 0, q.length);
    expect(p.txCount(0)).toBe(DNS_MAX_TXS);
    expect(p.counters.txsDropped).toBe(5);
    p.releaseMask = TxDone.Logged;
    const t0 = p.getTx(0, 0)!;
    p.markDone(0, t0, TxDone.InspectedToServer);
    expect(p.txCount(0)).toBe(DNS_MAX_TXS);
    p.markDone(0, t0, TxDone.Logged);
    expect(p.txCount(0)).toBe(DNS_MAX_TXS - 1);
    al.clear(0);
    expect(p.txCount(0)).toBe(0);
  });
});
