/**
 * Sticky-buffer transforms (src/detect/transforms.ts): each transform's output, chains, the
 * parser's placement (a transform after keywords starts a new transformed instance of the
 * buffer), named refusals, and that transformed buffers never feed the raw-buffer prefilter.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import type { Rule } from '../../src/detect/rule.js';
import { HttpBuf } from '../../src/applayer/http/http-buffers.js';
import { TransformScratch, parseTransform, type Transform } from '../../src/detect/transforms.js';
import { sidsFor } from './helpers.js';

function apply(chain: Transform[], input: string | Uint8Array): Buffer {
  const s = new TransformScratch();
  const src = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  // Offset into a larger buffer, as tx buffers are.
  const big = new Uint8Array(src.length + 7);
  big.set(src, 3);
  const n = s.apply(chain, big, 3, src.length);
  return Buffer.from(s.out.subarray(0, n));
}
const t = (name: string, value: string | null = null): Transform => parseTransform(name, value);
const str = (b: Buffer): string => b.toString('latin1');

function one(opts: string, header = 'alert http any any -> any any'): Rule {
  const rs = loadRulesText(`${header} (${opts} sid:1;)`);
  expect(rs.failures.map((f) => f.reason)).toEqual([]);
  return rs.rules[0]!;
}
function reason(opts: string, header = 'alert http any any -> any any'): string {
  const rs = loadRulesText(`${header} (${opts} sid:1;)`);
  expect(rs.rules).toHaveLength(0);
  return rs.failures[0]!.reason;
}

describe('transforms', () => {
  it('whitespace and case', () => {
    expect(str(apply([t('strip_whitespace')], ' a b\t\r\nc '))).toBe('abc');
    expect(str(apply([t('compress_whitespace')], 'a  b\t\t c'))).toBe('a b\tc');
    expect(str(apply([t('to_lowercase')], 'AbC-\xc4'))).toBe('abc-\xc4');
    expect(str(apply([t('to_uppercase')], 'aBc-1'))).toBe('ABC-1');
    expect(str(apply([t('header_lowercase')], 'Host: ABC\r\nX-Y: Z\r\n'))).toBe('host: ABC\r\nx-y: Z\r\n');
    expect(str(apply([t('strip_pseudo_headers')], ':method: GET\r\nhost: a\r\n:path: /\r\n'))).toBe('host: a\r\n');
  });

  it('url_decode: %HH and +, malformed escapes kept', () => {
    expect(str(apply([t('url_decode')], '%2Fetc%2fpasswd+x%zz%4'))).toBe('/etc/passwd x%zz%4');
  });

  it('xor: hex key cycling, and the key-from-buffer form', () => {
    const plain = Buffer.from('password');
    const key = [0x0d, 0x0a, 0xc8, 0xff];
    const enc = Uint8Array.from(plain, (b, i) => b ^ key[i % 4]!);
    expect(str(apply([t('xor', '"0d0ac8ff"')], enc))).toBe('password');
    const withKey = Uint8Array.from([...key, ...enc]);
    expect(str(apply([t('xor', 'offset 4, extract 4 0')], withKey))).toBe('password');
    // Key out of bounds: nothing decodes.
    expect(apply([t('xor', 'extract 1 200')], withKey)).toHaveLength(0);
  });

  it('from_base64: offset, bytes, modes', () => {
    expect(str(apply([t('from_base64', 'offset 6')], '/?arg=dGhpc2lzYXRlc3QK'))).toBe('thisisatest\n');
    expect(str(apply([t('from_base64', 'bytes 6, offset 6')], '/?arg=dGhpc2lzYXRlc3QK'))).toBe('this');
    expect(str(apply([t('from_base64', 'offset 6, mode rfc2045')], '/?arg=Zm 9v Ym Fy'))).toBe('foobar');
    // rfc4648 stops at the space (one partial byte); strict fails and leaves the buffer alone.
    expect(str(apply([t('from_base64', 'offset 6, mode rfc4648')], '/?arg=Zm 9v Ym Fy'))).toBe('f');
    expect(str(apply([t('from_base64', 'offset 6, mode strict')], '/?arg=Zm 9v Ym Fy'))).toBe('/?arg=Zm 9v Ym Fy');
    expect(str(apply([t('from_base64')], 'Zm9vYmFy'))).toBe('foobar');
  });

  it('pcrexform: capture group 1, unchanged without a match', () => {
    const x = t('pcrexform', '"[a-zA-Z]+\\s+(.*)\\s+HTTP"');
    expect(str(apply([x], 'GET /z4d4kWk.jpg HTTP/1.1'))).toBe('/z4d4kWk.jpg');
    expect(str(apply([x], 'nothing here'))).toBe('nothing here');
  });

  it('hashes give the digest bytes; chains run in order', () => {
    const h = (alg: string, s: string) => createHash(alg).update(s).digest();
    expect(apply([t('to_md5')], 'abc')).toEqual(h('md5', 'abc'));
    expect(apply([t('to_sha1')], 'abc')).toEqual(h('sha1', 'abc'));
    expect(apply([t('to_sha256')], 'abc')).toEqual(h('sha256', 'abc'));
    expect(apply([t('compress_whitespace'), t('to_lowercase'), t('to_sha256')], 'A  B')).toEqual(h('sha256', 'a b'));
  });

  it('the scratch grows for a large buffer once, and stays reused', () => {
    const s = new TransformScratch();
    const big = new Uint8Array(200_000).fill(0x41);
    expect(s.apply([t('to_lowercase')], big, 0, big.length)).toBe(200_000);
    const out = s.out;
    expect(out[199_999]).toBe(0x61);
    s.apply([t('to_lowercase')], big, 0, big.length);
    expect(s.out === out || s.out.length === out.length).toBe(true);
  });

  it('parser: transforms attach to the sticky buffer; after keywords they start a new instance', () => {
    const r = one('http.uri; to_lowercase; content:"/a";');
    expect(r.txBuffers).toHaveLength(1);
    expect(r.txBuffers[0]!.transforms!.length).toBe(1);
    const two = one('http.uri; content:"/?arg=dGhp"; from_base64: offset 6; content:"this";');
    expect(two.txBuffers).toHaveLength(2);
    expect(two.txBuffers.map((b) => b.buf)).toEqual([HttpBuf.Uri, HttpBuf.Uri]);
    expect(two.txBuffers[0]!.transforms).toBeNull();
    expect(two.txBuffers[1]!.transforms!.length).toBe(1);
    // The prefilter uses the raw buffer's content only.
    expect(Buffer.from(two.prefilterPattern!).toString()).toBe('/?arg=dghp');
    const only = one('file_data; strip_whitespace; content:"embraceholistically";');
    expect(only.prefilterPattern).toBeNull();
  });

  it('parser: refusals name the keyword', () => {
    expect(reason('to_lowercase; content:"a";')).toMatch(/invalid 'to_lowercase': a transform needs a sticky buffer/);
    expect(reason('http.uri; xor:"abc"; content:"a";')).toMatch(/invalid 'xor'.*even/);
    expect(reason('http.uri; xor:"zz"; content:"a";')).toMatch(/invalid 'xor'.*not hex/);
    expect(reason('http.uri; from_base64: mode base32; content:"a";')).toMatch(/invalid 'from_base64'.*unknown mode/);
    expect(reason('http.uri; pcrexform:"abc"; content:"a";')).toMatch(/invalid 'pcrexform'.*no capture group/);
    expect(reason('http.uri; to_md5:x; content:"a";')).toMatch(/invalid 'to_md5'.*takes no value/);
  });
});

describe('base64_decode / base64_data', () => {
  const pkt = (payload: string) => ({ proto: 'udp' as const, sport: 1, dport: 2, payload });
  it('decodes from the detection pointer (relative), offset and bytes; base64_data inspects the result', () => {
    const p = pkt('x=1&foobar=aGVsbG8gd29ybGQ=&y');
    const r = (o: string) => sidsFor(`alert udp any any -> any any (${o} sid:1;)`, p);
    expect(r('content:"foobar="; base64_decode:relative; base64_data; content:"hello world";')).toEqual([1]);
    expect(r('content:"foobar="; base64_decode:relative; base64_data; content:"hello"; startswith; content:"world"; distance:1;')).toEqual([1]);
    expect(r('content:"foobar="; base64_decode:bytes 8,relative; base64_data; content:"hello";')).toEqual([1]);
    expect(r('content:"foobar="; base64_decode:bytes 8,relative; base64_data; content:"world";')).toEqual([]);
    expect(r('base64_decode:offset 11; base64_data; content:"hello";')).toEqual([1]);
    // Not decodable from there: the rule fails.
    expect(r('content:"&y"; base64_decode:relative; base64_data; content:"a";')).toEqual([]);
    // Keywords after the decoded part stay on the decoded bytes; pkt_data goes back.
    expect(r('content:"foobar="; base64_decode:relative; base64_data; content:"world"; pkt_data; content:"x=1"; startswith;')).toEqual([1]);
  });

  it('refusals', () => {
    expect(reason('base64_data; content:"a";', 'alert udp any any -> any any')).toMatch(/invalid 'base64_data': needs a base64_decode/);
    expect(reason('base64_decode:bytes x; content:"a";', 'alert udp any any -> any any')).toMatch(/invalid 'base64_decode'/);
    expect(reason('base64_decode; base64_data; base64_decode; content:"a";', 'alert udp any any -> any any')).toMatch(/invalid 'base64_decode': inside base64_data/);
  });
});

describe('gunzip', () => {
  it('decompresses (a truncated stream as far as it goes), bad data gives nothing, max-size bounds it', async () => {
    const { gzipSync } = await import('node:zlib');
    const z = gzipSync(Buffer.from('hello gzip world'));
    expect(str(apply([t('gunzip')], z))).toBe('hello gzip world');
    expect(str(apply([t('gunzip')], z.subarray(0, z.length - 8)))).toBe('hello gzip world');
    expect(apply([t('gunzip')], 'not gzip')).toHaveLength(0);
    expect(apply([t('gunzip', 'max-size 4')], z)).toHaveLength(0);
    const b64 = Buffer.from('/' + z.toString('base64'));
    expect(str(apply([t('from_base64', 'offset 1'), t('gunzip', 'max-size 8192')], b64))).toBe('hello gzip world');
    expect(reason('http.uri; gunzip: max 5; content:"a";')).toMatch(/invalid 'gunzip'/);
  });
});

describe('subslice and entropy', () => {
  it('subslice: offsets from either end, lengths, truncate', () => {
    const ua = 'curl/7.64.1';
    expect(str(apply([t('subslice', '-6')], ua))).toBe('7.64.1');
    expect(str(apply([t('subslice', '-10,3')], ua))).toBe('url');
    expect(str(apply([t('subslice', '1,-3')], ua))).toBe('url/7.6');
    expect(apply([t('subslice', '0, 13')], ua)).toHaveLength(0);
    expect(str(apply([t('subslice', '1,30, truncate')], ua))).toBe('url/7.64.1');
    expect(apply([t('subslice', '20')], ua)).toHaveLength(0);
    expect(reason('http.uri; subslice: 1, 0; content:"a";')).toMatch(/invalid 'subslice'/);
    expect(reason('http.uri; subslice: x; content:"a";')).toMatch(/invalid 'subslice'/);
  });

  it('entropy: bits per byte of the buffer (or a part), compared as a float', () => {
    const pkt = (payload: string) => ({ proto: 'udp' as const, sport: 1, dport: 2, payload });
    const r = (o: string, p: string) => sidsFor(`alert udp any any -> any any (${o} sid:1;)`, pkt(p));
    expect(r('entropy: value 0;', 'aaaa')).toEqual([1]);
    expect(r('entropy: value = 2;', 'abcd')).toEqual([1]);
    expect(r('entropy: value 1.9-2.1;', 'abcdabcd')).toEqual([1]);
    expect(r('entropy: value !1.9-2.1;', 'abcdabcd')).toEqual([]);
    expect(r('entropy: offset 4, value < 0.5;', 'abcdzzzz')).toEqual([1]);
    expect(r('entropy: bytes 2, value = 1;', 'abzzzz')).toEqual([1]);
    expect(r('entropy: value > 2;', 'abcd')).toEqual([]);
    expect(reason('entropy: bytes 4;', 'alert udp any any -> any any')).toMatch(/invalid 'entropy': needs 'value/);
    expect(reason('entropy: value ~3;', 'alert udp any any -> any any')).toMatch(/invalid 'entropy'/);
  });
});
