import { gzipSync, deflateSync, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HttpBuf } from '../../../src/applayer/http/http-buffers.js';
import { HttpEvent } from '../../../src/applayer/http/http-events.js';
import { HttpProgress, TxDone } from '../../../src/applayer/http/http-tx.js';
import { feed, feedSplit, makeHttp, snapAll } from './helpers.js';

const REQ =
  'POST /cgi-bin/../x%2fy/%41b//c?q=%41+1#frag HTTP/1.1\r\n' +
  'Host: WWW.Example.COM.:8080\r\n' +
  'User-Agent: Mozilla/5.0\r\n' +
  'Cookie: a=1\r\n' +
  'X-Folded: one\r\n' +
  '\ttwo\r\n' +
  'Accept:  */*  \r\n' +
  'X-Dup: 1\r\n' +
  'x-dup: 2\r\n' +
  'Content-Length: 11\r\n' +
  '\r\n' +
  'hello world';
const RES = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nSet-Cookie: s=2\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n';

describe('HTTP/1 request and response', () => {
  it('serves every sticky buffer as Suricata builds it', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, REQ);
    feed(al, 0, false, RES);
    const tx = p.getTx(0, 0)!;
    expect(tx.text(HttpBuf.Method)).toBe('POST');
    expect(tx.text(HttpBuf.UriRaw)).toBe('/cgi-bin/../x%2fy/%41b//c?q=%41+1#frag');
    expect(tx.text(HttpBuf.Uri)).toBe('/x/y/Ab/c?q=%41+1#frag');
    expect(tx.text(HttpBuf.RequestProtocol)).toBe('HTTP/1.1');
    expect(tx.text(HttpBuf.RequestLine)).toBe('POST /cgi-bin/../x%2fy/%41b//c?q=%41+1#frag HTTP/1.1');
    expect(tx.text(HttpBuf.Host)).toBe('www.example.com');
    expect(tx.text(HttpBuf.HostRaw)).toBe('WWW.Example.COM.:8080');
    expect(tx.text(HttpBuf.UserAgent)).toBe('Mozilla/5.0');
    expect(tx.text(HttpBuf.RequestCookie)).toBe('a=1');
    expect(tx.text(HttpBuf.Accept)).toBe('*/*');
    expect(tx.text(HttpBuf.RequestContentLen)).toBe('11');
    expect(tx.text(HttpBuf.RequestHeader)).toBe(
      'Host: WWW.Example.COM.:8080\r\nUser-Agent: Mozilla/5.0\r\nX-Folded: one\ttwo\r\nAccept: */*\r\nX-Dup: 1, 2\r\nContent-Length: 11\r\n',
    );
    expect(tx.text(HttpBuf.RequestHeaderNames)).toBe('\r\nHost\r\nUser-Agent\r\nCookie\r\nX-Folded\r\nAccept\r\nX-Dup\r\nContent-Length\r\n\r\n');
    const rawHeaders = REQ.slice(REQ.indexOf('\r\n') + 2, REQ.indexOf('\r\n\r\n') + 4);
    expect(tx.text(HttpBuf.RequestHeaderRaw)).toBe(rawHeaders);
    expect(tx.text(HttpBuf.RequestStart)).toBe(
      'POST /cgi-bin/../x%2fy/%41b//c?q=%41+1#frag HTTP/1.1\r\nHost: WWW.Example.COM.:8080\r\nUser-Agent: Mozilla/5.0\r\nCookie: a=1\r\nX-Folded: one\ttwo\r\nAccept: */*\r\nX-Dup: 1, 2\r\nContent-Length: 11\r\n\r\n',
    );
    expect(tx.text(HttpBuf.RequestBody)).toBe('hello world');
    expect(tx.text(HttpBuf.ResponseLine)).toBe('HTTP/1.1 200 OK');
    expect(tx.text(HttpBuf.StatCode)).toBe('200');
    expect(tx.text(HttpBuf.StatMsg)).toBe('OK');
    expect(tx.text(HttpBuf.ResponseProtocol)).toBe('HTTP/1.1');
    expect(tx.text(HttpBuf.Server)).toBe('nginx');
    expect(tx.text(HttpBuf.ResponseCookie)).toBe('s=2');
    expect(tx.text(HttpBuf.ResponseHeader)).toBe('Server: nginx\r\nTransfer-Encoding: chunked\r\n');
    expect(tx.text(HttpBuf.ResponseBody)).toBe('hello world');
    expect(tx.progressToServer).toBe(HttpProgress.Complete);
    expect(tx.progressToClient).toBe(HttpProgress.Complete);
    expect(tx.hasEvent(HttpEvent.RequestHeaderRepetition)).toBe(true);
  });

  it('gives the same transactions for every split into two and for byte-by-byte input', () => {
    const one = makeHttp();
    feed(one.al, 0, true, REQ);
    feed(one.al, 0, false, RES);
    const want = snapAll(one.p, 0);
    for (let cut = 1; cut < REQ.length; cut++) {
      const t = makeHttp();
      feedSplit(t.al, 0, true, REQ, [cut]);
      feedSplit(t.al, 0, false, RES, [cut % RES.length]);
      expect(snapAll(t.p, 0), `cut ${cut}`).toEqual(want);
    }
    const t = makeHttp();
    feedSplit(t.al, 0, true, REQ, [...REQ].map((_, i) => i));
    feedSplit(t.al, 0, false, RES, [...RES].map((_, i) => i));
    expect(snapAll(t.p, 0)).toEqual(want);
  });

  it('pairs pipelined requests with responses in order', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(p.txCount(0)).toBe(3);
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBBHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n');
    const s = snapAll(p, 0);
    expect(s.map((t) => [t.buffers.Uri, t.buffers.StatCode, t.buffers.ResponseBody])).toEqual([
      ['/1', '200', 'A'],
      ['/2', '404', 'BB'],
      ['/3', '200', undefined],
    ]);
    expect(s.every((t) => t.progress[1] === HttpProgress.Complete)).toBe(true);
  });

  it('handles 100-continue: the final response belongs to the same tx', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 100 Continue\r\n\r\n');
    feed(al, 0, true, 'data');
    feed(al, 0, false, 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
    expect(p.txCount(0)).toBe(1);
    const tx = p.getTx(0, 0)!;
    expect(tx.continueSeen).toBe(true);
    expect(tx.text(HttpBuf.StatCode)).toBe('201');
    expect(tx.text(HttpBuf.RequestBody)).toBe('data');
    expect(tx.progressToClient).toBe(HttpProgress.Complete);
  });

  it('decodes gzip, deflate (zlib and raw) and two layers for file.data', () => {
    const body = 'The quick brown fox '.repeat(50);
    const cases: [string, Buffer][] = [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['deflate', deflateRawSync(body)],
      ['gzip, deflate', deflateSync(gzipSync(body))],
    ];
    for (const [enc, data] of cases) {
      const { al, p } = makeHttp();
      feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      feed(al, 0, false, `HTTP/1.1 200 OK\r\nContent-Encoding: ${enc}\r\nContent-Length: ${data.length}\r\n\r\n`);
      feed(al, 0, false, data);
      expect(p.getTx(0, 0)!.text(HttpBuf.ResponseBody), enc).toBe(body);
    }
  });

  it('decodes at most the layer limit (outer layers first) and passes undecodable bodies through', () => {
    const body = 'layered body';
    const three = gzipSync(gzipSync(gzipSync(body)));
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, `HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip, gzip\r\nContent-Length: ${three.length}\r\n\r\n`);
    feed(al, 0, false, three);
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!');
    const tx = p.getTx(0, 0)!;
    const n = tx.buffer(HttpBuf.ResponseBody);
    expect(Buffer.from(tx.bytes.subarray(tx.offset, tx.offset + n)).equals(gzipSync(body))).toBe(true);
    expect(tx.hasEvent(HttpEvent.TooManyEncodingLayers)).toBe(true);
    const tx2 = p.getTx(0, 1)!;
    expect(tx2.text(HttpBuf.ResponseBody)).toBe('not gzip!');
    expect(tx2.hasEvent(HttpEvent.GzipDecompressionFailed)).toBe(true);
  });

  it('bounds decompressed bodies at response-body-limit and decodes partial streams', () => {
    const body = 'A'.repeat(500_000);
    const gz = gzipSync(body);
    const { al, p } = makeHttp({ responseBodyLimit: 1000 });
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`);
    feed(al, 0, false, gz.subarray(0, gz.length >> 1));
    const tx = p.getTx(0, 0)!;
    const n = tx.buffer(HttpBuf.ResponseBody);
    expect(n).toBe(1000);
    expect(tx.text(HttpBuf.ResponseBody)).toBe('A'.repeat(1000));
    expect(tx.progressToClient).toBe(HttpProgress.Body);
  });

  it('keeps bodies up to the limits and counts the rest', () => {
    const { al, p } = makeHttp({ requestBodyLimit: 10 });
    feed(al, 0, true, `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n${'x'.repeat(100)}`);
    const tx = p.getTx(0, 0)!;
    expect(tx.text(HttpBuf.RequestBody)).toBe('x'.repeat(10));
    expect(tx.req.bodyTruncated).toBe(true);
    expect(tx.req.bodySeen).toBe(100);
    expect(p.counters.bodyLimitBytes).toBe(90);
    expect(tx.progressToServer).toBe(HttpProgress.Complete);
  });

  it('skips a gap inside a Content-Length body and marks the tx', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789');
    al.onGap(0, false, 10);
    feed(al, 0, false, 'abcdefghij');
    feed(al, 0, true, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 204 No Content\r\n\r\n');
    const tx = p.getTx(0, 0)!;
    expect(tx.res.bodyGap).toBe(true);
    expect(tx.res.bodySeen).toBe(30);
    expect(tx.text(HttpBuf.ResponseBody)).toBe('0123456789abcdefghij');
    expect(tx.progressToClient).toBe(HttpProgress.Complete);
    expect(p.getTx(0, 1)!.text(HttpBuf.StatCode)).toBe('204');
  });

  it('stops a direction on a gap inside headers (libhtp cannot resume there)', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a');
    al.onGap(0, true, 100);
    feed(al, 0, true, '\r\n\r\nGET /x HTTP/1.1\r\n\r\n');
    expect(p.txCount(0)).toBe(1);
    expect(p.getTx(0, 0)!.hasEvent(HttpEvent.LineGap)).toBe(true);
    expect(p.counters.gapStops).toBe(1);
  });

  it('CONNECT with 200 stops parsing both directions and keeps the flow', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 Connection established\r\n\r\n');
    feed(al, 0, true, '\x16\x03\x01\x02\x00GET / HTTP/1.1\r\n\r\n');
    feed(al, 0, false, '\x16\x03\x03garbage');
    expect(p.txCount(0)).toBe(1);
    const tx = p.getTx(0, 0)!;
    expect(tx.tunnel).toBe(true);
    expect(tx.text(HttpBuf.Method)).toBe('CONNECT');
    expect(tx.text(HttpBuf.Host)).toBe('example.com');
    expect(p.counters.tunnels).toBe(1);
  });

  it('CONNECT refused (407) continues as HTTP', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
    feed(al, 0, true, 'GET /after HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(p.txCount(0)).toBe(2);
    expect(p.getTx(0, 1)!.text(HttpBuf.Uri)).toBe('/after');
  });

  it('101 Switching Protocols stops parsing (websocket upgrade)', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello');
    feed(al, 0, true, '\x81\x85abcdGET / HTTP/1.1\r\n\r\n');
    expect(p.txCount(0)).toBe(1);
    expect(p.getTx(0, 0)!.tunnel).toBe(true);
    expect(p.getTx(0, 0)!.text(HttpBuf.RequestConnection)).toBe('Upgrade');
  });

  it('reads a response without length until the flow ends', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.0\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>');
    feed(al, 0, false, '</html>');
    expect(p.getTx(0, 0)!.progressToClient).toBe(HttpProgress.Body);
    al.onEnd(0, false);
    const tx = p.getTx(0, 0)!;
    expect(tx.progressToClient).toBe(HttpProgress.Complete);
    expect(tx.text(HttpBuf.ResponseBody)).toBe('<html></html>');
    expect(tx.text(HttpBuf.ResponseContentType)).toBe('text/html');
  });

  it('tolerates odd lines: LF only, missing colon, space before colon, leading blank lines, no protocol', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET  /a\tHTTP/1.1\nHost: a\nBadLine\nName : v\n\n\r\n\r\nGET /09\r\n');
    const s = snapAll(p, 0);
    expect(s.length).toBe(2);
    expect(s[0]!.buffers.Uri).toBe('/a');
    expect(s[0]!.buffers.RequestHeader).toBe('Host: a\r\n: BadLine\r\nName: v\r\n');
    expect(s[0]!.events).toEqual(expect.arrayContaining(['request_field_missing_colon', 'request_header_invalid', 'method_delim_non_compliant']));
    expect(s[1]!.buffers.Uri).toBe('/09');
    expect(p.getTx(0, 1)!.http09).toBe(true);
    expect(s[1]!.buffers.RequestStart).toBe('GET /09\r\n');
    expect(s[1]!.progress[0]).toBe(HttpProgress.Complete);
  });

  it('folding with nothing to fold into is trimmed and kept as a header', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\n  Host: a\r\n\r\n');
    const tx = p.getTx(0, 0)!;
    expect(tx.hasEvent(HttpEvent.InvalidRequestFieldFolding)).toBe(true);
    expect(tx.hasEvent(HttpEvent.RequestHeaderInvalid)).toBe(false);
    expect(tx.text(HttpBuf.Host)).toBe('a');
  });

  it('a response with no request makes a tx with the event', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(p.txCount(0)).toBe(2);
    expect(p.getTx(0, 1)!.noRequest).toBe(true);
    expect(p.getTx(0, 1)!.hasEvent(HttpEvent.UnableToMatchResponseToRequest)).toBe(true);
  });

  it('repeated Transfer-Encoding counts as joined: chunked anywhere wins, abnormal value raised', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: xte\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: x-chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n');
    const [a, b] = [p.getTx(0, 0)!, p.getTx(0, 1)!];
    expect(a.text(HttpBuf.ResponseBody)).toBe('abc');
    expect(a.hasEvent(HttpEvent.ResponseAbnormalTransferEncoding)).toBe(true);
    expect(b.text(HttpBuf.ResponseBody)).toBe('xy');
    expect(b.progressToClient).toBe(HttpProgress.Complete);
    expect(p.txCount(0)).toBe(2);
  });

  it('a chunked response whose body is not chunked is read until close (no LF needed)', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nX5O!P%@AP');
    feed(al, 0, false, '[4\\PZX54');
    al.onEnd(0, false);
    const tx = p.getTx(0, 0)!;
    expect(tx.text(HttpBuf.ResponseBody)).toBe('X5O!P%@AP[4\\PZX54');
    expect(tx.hasEvent(HttpEvent.InvalidResponseChunkLen)).toBe(true);
    expect(tx.progressToClient).toBe(HttpProgress.Complete);
  });

  it('chunk lengths tolerate surrounding whitespace and CR', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 3 \r\r\nabc\r\n0\r\n\r\n');
    const tx = p.getTx(0, 0)!;
    expect(tx.text(HttpBuf.ResponseBody)).toBe('abc');
    expect(tx.progressToClient).toBe(HttpProgress.Complete);
  });

  describe('response end-of-line rules (Suricata Rust htp, response side)', () => {
    const req = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
    // [name, response, body, same byte by byte] ("LF CR CR LF" needs to see the next bytes in the same call).
    const cases: [string, string, string | undefined, boolean?][] = [
      ['lone CR ends a header line', 'HTTP/1.1 200 OK\r\nX: y\rContent-Length: 2\r\n\r\nok', 'ok'],
      ['lone CR then blank folds', 'HTTP/1.1 200 OK\r\nContent-Length:\r 2\r\n\r\nok', 'ok'],
      ['CR run after LF is a deformed end of line', 'HTTP/1.1 200 OK\r\nX: y\r\n\r\rContent-Length: 2\r\n\r\nok', 'ok'],
      ['LF CR CR LF before CRLF', 'HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\r\n\r\nok', 'ok', false],
      ['blank-led name: line is a header, not folding', 'HTTP/1.1 200 OK\r\nX: y\r\n Content-Length: 2\r\n\r\nok', 'ok'],
      ['blank folded lines join', 'HTTP/1.1 200 OK\r\nContent-Length: \r\n \r\n 2 \r\n\r\nok', 'ok'],
      ['one blank then bare LF ends headers', 'HTTP/1.1 200 OK\r\nContent-Length: 2\n \nok', 'ok'],
      ['garbage line before the status line is body, then the response parses', 'foobar\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'foobar\r\nok'],
      ['blank lines before the status line are ignored', ' \t\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'ok'],
    ];
    for (const [name, res, body, splitSafe] of cases)
      it(name, () => {
        const one = makeHttp();
        feed(one.al, 0, true, req);
        feed(one.al, 0, false, res);
        const tx = one.p.getTx(0, 0)!;
        expect(tx.text(HttpBuf.ResponseBody)).toBe(body);
        expect(tx.progressToClient).toBe(HttpProgress.Complete);
        if (splitSafe === false) return;
        // Byte by byte: the same.
        const t = makeHttp();
        feed(t.al, 0, true, req);
        feedSplit(t.al, 0, false, res, [...res].map((_, i) => i));
        expect(snapAll(t.p, 0)).toEqual(snapAll(one.p, 0));
      });

    it('an HTTP/0.9 style response is all body, complete at close', () => {
      const { al, p } = makeHttp();
      feed(al, 0, true, req);
      feed(al, 0, false, 'X5O!P%@AP[4\\PZX54(P^)7CC)7}');
      feed(al, 0, false, '$EICAR');
      al.onEnd(0, false);
      const tx = p.getTx(0, 0)!;
      expect(tx.text(HttpBuf.ResponseBody)).toBe('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR');
      expect(tx.progressToClient).toBe(HttpProgress.Complete);
      expect(tx.hasEvent(HttpEvent.ResponseInvalidProtocol)).toBe(true);
    });
  });

  it('raises chunk length and content length events', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n');
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nrest of it');
    al.onEnd(0, false);
    const tx = p.getTx(0, 0)!;
    expect(tx.hasEvent(HttpEvent.InvalidContentLengthFieldInRequest)).toBe(true);
    expect(tx.hasEvent(HttpEvent.InvalidResponseChunkLen)).toBe(true);
    expect(tx.text(HttpBuf.ResponseBody)).toBe('zz\r\nrest of it');
  });

  it('frees transactions once complete and marked, and counts max-tx', () => {
    const { al, p } = makeHttp({ maxTx: 2 });
    feed(al, 0, true, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(p.txCount(0)).toBe(2);
    expect(p.counters.maxTxHits).toBe(1);
    feed(al, 0, false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const tx = p.getTx(0, 0)!;
    p.markDone(0, tx, TxDone.InspectedToServer);
    expect(p.txCount(0)).toBe(2);
    p.markDone(0, tx, TxDone.InspectedToClient);
    expect(p.txCount(0)).toBe(1);
    expect(p.getTx(0, 0)!.text(HttpBuf.Uri)).toBe('/2');
    al.clear(0);
    expect(p.txCount(0)).toBe(0);
    expect(p.counters.txFreed).toBe(p.counters.txCreated);
  });

  it('reuses transaction and flow objects: a long keep-alive flow allocates no new tx', () => {
    const { al, p } = makeHttp();
    for (let round = 0; round < 2; round++) {
      const slot = round;
      for (let i = 0; i < 500; i++) {
        feed(al, slot, true, `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
        feed(al, slot, false, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        const tx = p.getTx(slot, 0)!;
        expect(tx.text(HttpBuf.Uri)).toBe(`/${i}`);
        p.markDone(slot, tx, TxDone.InspectedToServer | TxDone.InspectedToClient);
        expect(p.txCount(slot)).toBe(0);
      }
      al.clear(slot);
    }
    expect(p.counters.txCreated).toBe(1000);
    expect(p.counters.txAllocated).toBe(1);
    expect(p.counters.connAllocated).toBe(1);
  });

  it('counts header limits', () => {
    const { al, p } = makeHttp({ headersLimit: 3, fieldLimit: 64 });
    feed(al, 0, true, `GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: ${'x'.repeat(100)}\r\n\r\n`);
    const tx = p.getTx(0, 0)!;
    expect(tx.hasEvent(HttpEvent.RequestTooManyHeaders)).toBe(true);
    expect(tx.hasEvent(HttpEvent.RequestFieldTooLong)).toBe(true);
    expect(tx.text(HttpBuf.RequestHeader)).toBe('A: 1\r\nB: 2\r\nC: 3\r\n');
    expect(p.counters.headerLimitHits).toBeGreaterThan(0);
    expect(tx.progressToServer).toBe(HttpProgress.Complete);
  });

  it('absolute URI: http.uri is the path, http.host from the URI', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'GET http://User@Proxy.Example:3128/a/./b?x HTTP/1.1\r\nHost: other\r\n\r\n');
    const tx = p.getTx(0, 0)!;
    expect(tx.text(HttpBuf.Uri)).toBe('/a/b?x');
    expect(tx.text(HttpBuf.Host)).toBe('proxy.example');
    expect(tx.text(HttpBuf.HostRaw)).toBe('other');
    expect(tx.hasEvent(HttpEvent.HostHeaderAmbiguous)).toBe(true);
  });

  it('raises duplicate Content-Length and request_line_incomplete; keeps the first length', () => {
    const { al, p } = makeHttp();
    feed(al, 0, true, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabGET /cut');
    al.onEnd(0, true);
    const tx = p.getTx(0, 0)!;
    expect(tx.hasEvent(HttpEvent.DuplicateContentLengthFieldInRequest)).toBe(true);
    expect(tx.text(HttpBuf.RequestContentLen)).toBe('2');
    expect(tx.text(HttpBuf.RequestBody)).toBe('ab');
    expect(tx.hasEvent(HttpEvent.RequestLineIncomplete)).toBe(true);
  });
});
