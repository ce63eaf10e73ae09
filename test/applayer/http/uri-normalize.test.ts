import { describe, expect, it } from 'vitest';
import { normalizedScratch, normalizePath, parseUri, UriParts } from '../../../src/applayer/http/uri-normalize.js';

function norm(path: string): string {
  const b = Buffer.from(path, 'latin1');
  const n = normalizePath(b, 0, b.length);
  return Buffer.from(normalizedScratch().subarray(0, n)).toString('latin1');
}

describe('URI path normalisation (libhtp IDS personality as Suricata configures it)', () => {
  it.each([
    ['/a%20b', '/a b'],
    ['/%41%42c', '/ABc'],
    ['/%zz/%4', '/%zz/%4'], // invalid escapes kept as sent
    ['/%u0041%U0042', '/AB'], // %u decoding
    ['/%uFF0E%uFF0E/x', '/x'], // full-width dots: best fit '.', then dot segments
    ['/%u4e2d', '/?'], // no best fit: replacement byte
    ['/a\\b\\c', '/a/b/c'], // backslash is a separator
    ['/a//b///c', '/a/b/c'], // separators compress
    ['/a/./b/../c', '/a/c'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/%2e%2e/%2E/x', '/x'], // decoded dots are dot segments
    ['/a%2fb%5Cc', '/a/b/c'], // encoded separators decoded (IDS path-separators-decode)
    ['/a%2f%2F/b', '/a/b'], // and compressed
    ['/%u002e%u002E/x', '/x'],
    ['/%u12', '/%u12'], // short %u kept
    ['/a%', '/a%'],
    ['/a%4', '/a%4'],
    ['/caf%c3%a9', '/caf\xe9'], // UTF-8 best fit to one byte
    ['/caf\xc3\xa9', '/caf\xe9'],
    ['/\xc3', '/'], // a sequence cut by the end is dropped
    ['/\xc3x', '/?x'], // bad continuation: '?' and the byte is read again
    ['/\x80a', '/?a'], // stray continuation byte
    ['/\xc0\xaf', '//'], // overlong '/' decodes after separators were compressed (libhtp order)
    ['/\xef\xbc\x8e\xef\xbc\x8e/x', '/x'], // UTF-8 full-width dots
    ['/Mixed/CASE', '/Mixed/CASE'], // case kept (convert-lowercase off)
    ['/a+b', '/a+b'], // plus is not a space
    ['/a/..', '/'],
    ['/a/.', '/a/'],
    ['/a%00b', '/a\x00b'],
    ['', ''],
    ['*', '*'],
  ])('%j → %j', (input, want) => {
    expect(norm(input)).toBe(want);
  });

  it('splits absolute, origin and authority forms', () => {
    const u = new UriParts();
    const s = 'http://user:pw@Host.Example:81/p/q?x=1#f';
    parseUri(Buffer.from(s), 0, s.length, u);
    expect(s.substr(u.hostOff, u.hostLen)).toBe('Host.Example:81');
    expect(s.substr(u.pathOff, u.pathLen)).toBe('/p/q');
    expect(s.substr(u.queryOff, u.queryLen)).toBe('x=1');
    expect(s.substr(u.fragOff, u.fragLen)).toBe('f');
    const o = '/only?';
    parseUri(Buffer.from(o), 0, o.length, u);
    expect([u.hostOff, o.substr(u.pathOff, u.pathLen), u.queryLen]).toEqual([-1, '/only', 0]);
    const c = 'example.com:443';
    parseUri(Buffer.from(c), 0, c.length, u);
    expect([u.hostOff, c.substr(u.pathOff, u.pathLen)]).toEqual([-1, 'example.com:443']);
  });
});
