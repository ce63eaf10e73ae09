/**
 * HTTP keywords in the rule parser (issue 13 item 3): `alert http` headers, sticky buffers and
 * legacy modifiers placed in the right transaction buffer and direction, uricontent, urilen,
 * bsize, pcre buffer flags, fast-pattern choice across buffers, named refusals.
 */
import { describe, expect, it } from 'vitest';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { Proto, TxDir, type Rule } from '../../src/detect/rule.js';
import { AppProto } from '../../src/applayer/app-proto.js';
import { HttpBuf } from '../../src/applayer/http/http-buffers.js';

function one(opts: string, header = 'alert http any any -> any any'): Rule {
  const rs = loadRulesText(`${header} (${opts} sid:1;)`);
  expect(rs.failures.map((f) => f.reason)).toEqual([]);
  return rs.rules[0]!;
}

function reason(opts: string, header = 'alert http any any -> any any'): string {
  const rs = loadRulesText(`${header} (${opts} sid:1;)`);
  expect(rs.rules).toHaveLength(0);
  return rs.failures[0]!.category;
}

const bufs = (r: Rule) => r.txBuffers.map((t) => t.buf).sort((a, b) => a - b);

describe('HTTP keywords', () => {
  it('alert http = TCP + app proto http; no buffers keeps it a stream rule', () => {
    const r = one('content:"x";');
    expect(r.proto).toBe(Proto.Tcp);
    expect(r.alproto).toBe(AppProto.Http);
    expect(r.txDir).toBe(TxDir.None);
    expect(r.payload).toHaveLength(1);
  });

  it('sticky buffers and legacy modifiers land in their buffers (request side)', () => {
    const r = one('content:"GET"; http_method; http.uri; content:"/a"; content:"b"; http_header; uricontent:"c"; http.host; content:"h";');
    expect(r.txDir).toBe(TxDir.ToServer);
    expect(bufs(r)).toEqual([HttpBuf.Uri, HttpBuf.Method, HttpBuf.Host, HttpBuf.RequestHeader].sort((a, b) => a - b));
    expect(r.txBuffers.find((t) => t.buf === HttpBuf.Uri)!.ops).toHaveLength(2);
    expect(r.payload).toHaveLength(0);
    expect(r.alproto).toBe(AppProto.Http);
  });

  it('two-sided buffers follow the rule direction (flow, or one-sided buffers)', () => {
    expect(bufs(one('flow:established,to_client; http.header; content:"x";'))).toEqual([HttpBuf.ResponseHeader]);
    expect(bufs(one('http.header; content:"x"; http.stat_code; content:"200";'))).toEqual([HttpBuf.StatCode, HttpBuf.ResponseHeader].sort((a, b) => a - b));
    expect(bufs(one('http.header; content:"x";'))).toEqual([HttpBuf.RequestHeader]);
    expect(bufs(one('file_data; content:"x";'))).toEqual([HttpBuf.ResponseBody]);
    expect(bufs(one('flow:to_server; file.data; content:"x";'))).toEqual([HttpBuf.RequestBody]);
  });

  it('pcre buffer flags, urilen and bsize', () => {
    const r = one('pcre:"/^\\/x/U"; pcre:"/ua/V"; urilen:>5;');
    expect(bufs(r)).toEqual([HttpBuf.Uri, HttpBuf.UserAgent]);
    expect(r.txBuffers.find((t) => t.buf === HttpBuf.Uri)!.len!.test(6)).toBe(true);
    expect(r.txBuffers.find((t) => t.buf === HttpBuf.Uri)!.len!.test(5)).toBe(false);
    const raw = one('urilen:3<>10,raw;');
    expect(bufs(raw)).toEqual([HttpBuf.UriRaw]);
    const b = one('http.method; content:"GET"; bsize:3;');
    expect(b.txBuffers[0]!.len!.test(3)).toBe(true);
    expect(one('content:"x"; http_uri;', 'alert tcp any any -> any 80').alproto).toBe(AppProto.Http);
  });

  it('fast pattern: explicit wins, else buffer priority then length', () => {
    const r = one('content:"GET"; http_method; content:"/verylongpath"; http_uri;');
    expect(r.prefilterBuffer).toBe(HttpBuf.Uri);
    // A method (priority 4) loses to a short uri content (priority 2).
    expect(one('content:"POSTXXXXXXXX"; http_method; content:"/a"; http_uri;').prefilterBuffer).toBe(HttpBuf.Uri);
    const f = one('content:"GET"; http_method; fast_pattern; content:"/verylongpath"; http_uri;');
    expect(f.prefilterBuffer).toBe(HttpBuf.Method);
    expect(Buffer.from(f.prefilterPattern!).toString()).toBe('get');
  });

  it('what cannot be done is refused with a reason', () => {
    expect(reason('http.uri; content:"a"; http.stat_code; content:"200";')).toBe('http buffers of both directions');
    expect(reason('flow:to_client; http.uri; content:"a";')).toBe('http buffer direction');
    expect(reason('bsize:3;')).toBe("invalid 'bsize'");
    expect(reason('http.uri; content:"a";', 'alert udp any any -> any any')).toBe("invalid 'http.uri'");
    expect(reason('content:"a"; pcre:"/a/K";')).toBe('unsupported pcre modifier');
  });
});
