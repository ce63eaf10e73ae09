/** Property tests: any bytes and any split never throw; well-formed traffic parses the same whatever the split. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feed, feedSplit, makeHttp, snapAll } from './helpers.js';

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
const value = fc.stringMatching(/^[ -~]{0,20}$/);
const header = fc.tuple(token, value).map(([n, v]) => `${n}: ${v}\r\n`);
const path = fc.stringMatching(/^\/[A-Za-z0-9%./\\+?=&-]{0,30}$/);
const body = fc.stringMatching(/^[ -~]{0,40}$/);

const request = fc.tuple(fc.constantFrom('GET', 'POST', 'PUT'), path, fc.array(header, { maxLength: 5 }), body, fc.boolean()).map(([m, p, hs, b, chunked]) => {
  const chunk = b.length > 0 ? `${b.length.toString(16)}\r\n${b}\r\n` : '';
  const framing = chunked ? `Transfer-Encoding: chunked\r\n\r\n${chunk}0\r\n\r\n` : `Content-Length: ${b.length}\r\n\r\n${b}`;
  return `${m} ${p} HTTP/1.1\r\n${hs.join('')}${framing}`;
});
const response = fc.tuple(fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304), fc.array(header, { maxLength: 5 }), body).map(([s, hs, b]) => `HTTP/1.1 ${s} X\r\n${hs.join('')}Content-Length: ${b.length}\r\n\r\n${b}`);

function cuts(len: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: Math.max(0, len) }), { maxLength: 8 }).map((a) => [...new Set(a)].sort((x, y) => x - y));
}

describe('HTTP parser properties', () => {
  it('random bytes after a valid start never throw, whatever the split, gaps and ends', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 3 }), (a, b, gaps) => {
        const { al, p } = makeHttp({ fieldLimit: 64, headerBlockLimit: 256, requestBodyLimit: 64, responseBodyLimit: 64 });
        feed(al, 0, true, 'GET / HTTP/1.1\r\n');
        feed(al, 0, false, 'HTTP/1.1 200 OK\r\n');
        for (let i = 0; i < a.length; i += 37) feed(al, 0, true, a.subarray(i, i + 37));
        for (const g of gaps) al.onGap(0, false, g);
        for (let i = 0; i < b.length; i += 53) feed(al, 0, false, b.subarray(i, i + 53));
        al.onEnd(0, true);
        al.onEnd(0, false);
        for (let i = 0; i < p.txCount(0); i++) snapAll(p, 0);
        al.clear(0);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes from the first byte never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (a, ts) => {
        const { al } = makeHttp();
        al.open(0, true, 1000, 80);
        feed(al, 0, ts, a);
        feed(al, 0, !ts, a);
        al.onGap(0, ts, 5);
        al.onEnd(0, ts);
      }),
      { numRuns: 300 },
    );
  });

  it('well-formed pipelined traffic gives the same transactions for any split', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(request, response), { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat(), (pairs, s1, s2) => {
        const reqs = pairs.map((p) => p[0]).join('');
        const ress = pairs.map((p) => p[1]).join('');
        const one = makeHttp();
        feed(one.al, 0, true, reqs);
        feed(one.al, 0, false, ress);
        const want = snapAll(one.p, 0);
        expect(want.length).toBe(pairs.length);
        const rnd = (seed: number, len: number): number[] => fc.sample(cuts(len), { seed, numRuns: 1 })[0]!;
        const t = makeHttp();
        feedSplit(t.al, 0, true, reqs, rnd(s1, reqs.length));
        feedSplit(t.al, 0, false, ress, rnd(s2, ress.length));
        expect(snapAll(t.p, 0)).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });
});
