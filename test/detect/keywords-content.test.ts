import { describe, expect, it } from 'vitest';
import { sidsFor, type Pkt } from './helpers.js';

const pkt = (payload: string | number[], proto: Pkt['proto'] = 'tcp'): Pkt => ({ proto, payload, dport: 80 });
/** Does the rule with these options match this payload? */
const m = (opts: string, payload: string | number[], proto: Pkt['proto'] = 'tcp') => sidsFor(`alert ip any any -> any any (${opts} sid:1;)`, pkt(payload, proto)).length === 1;

describe('content', () => {
  it('plain, case-sensitive unless nocase', () => {
    expect(m('content:"GET /";', 'GET /index.html')).toBe(true);
    expect(m('content:"get /";', 'GET /index.html')).toBe(false);
    expect(m('content:"get /"; nocase;', 'GET /index.html')).toBe(true);
    expect(m('content:"index.HTML"; nocase;', 'GET /index.html')).toBe(true);
  });

  it('hex bytes and binary payloads', () => {
    expect(m('content:"|00 01 ff|";', [9, 0, 1, 0xff, 3])).toBe(true);
    expect(m('content:"A|0d 0a|B";', 'xxA\r\nBxx')).toBe(true);
    expect(m('content:"|ff fe|";', [0xff, 0xff])).toBe(false);
  });

  it('works on UDP and ICMP payloads', () => {
    expect(m('content:"query";', 'a query', 'udp')).toBe(true);
    expect(m('content:"abcd";', 'xxabcdxx', 'icmp')).toBe(true);
  });

  it('needs a payload: no match on an empty packet, even negated', () => {
    expect(m('content:!"x";', [])).toBe(false);
    expect(m('content:!"x";', 'y')).toBe(true);
  });

  it('offset and depth (depth counts from the offset)', () => {
    expect(m('content:"abc"; offset:2;', 'xxabc')).toBe(true);
    expect(m('content:"abc"; offset:3;', 'xxabc')).toBe(false);
    expect(m('content:"abc"; depth:3;', 'abcxx')).toBe(true);
    expect(m('content:"abc"; depth:4;', 'xabc')).toBe(true);
    expect(m('content:"abc"; depth:4;', 'xxabc')).toBe(false);
    expect(m('content:"abc"; offset:2; depth:3;', 'xxabcxx')).toBe(true);
    expect(m('content:"abc"; offset:2; depth:3;', 'xxxabc')).toBe(false);
  });

  it('distance and within are relative to the previous match end', () => {
    expect(m('content:"ab"; content:"cd"; distance:0;', 'abcd')).toBe(true);
    expect(m('content:"ab"; content:"cd"; distance:1;', 'abcd')).toBe(false);
    expect(m('content:"ab"; content:"cd"; distance:1;', 'abxcd')).toBe(true);
    expect(m('content:"ab"; content:"cd"; within:2;', 'abcd')).toBe(true);
    expect(m('content:"ab"; content:"cd"; within:2;', 'abxcd')).toBe(false);
    // within counts from where distance put the start (Suricata: depth = prev + distance + within).
    expect(m('content:"ab"; content:"cd"; distance:1; within:3;', 'abxxcd')).toBe(true);
    expect(m('content:"ab"; content:"cd"; distance:1; within:3;', 'abxxxcd')).toBe(false);
    // Negative distance looks back.
    expect(m('content:"cd"; content:"ab"; distance:-4; within:2;', 'abcd')).toBe(true);
    // Relative to the start when no content precedes.
    expect(m('content:"ab"; distance:2;', 'xxab')).toBe(true);
    expect(m('content:"ab"; distance:3;', 'xxab')).toBe(false);
  });

  it('tries later occurrences when a relative keyword fails (backtracking)', () => {
    expect(m('content:"a"; content:"Y"; distance:0; within:1;', 'aXbaYb')).toBe(true);
    expect(m('content:"a"; content:"Y"; distance:0; within:1;', 'aXbaZb')).toBe(false);
    // Three levels.
    expect(m('content:"k="; content:"v"; distance:0; within:1; content:"|3b|"; distance:0; within:1;', 'k=x; k=v, k=v;')).toBe(true);
    // The relative match is a byte_test: backtracking applies too.
    expect(m('content:"L"; byte_test:1,=,0x39,0,relative;', 'L1 L2 L9')).toBe(true);
  });

  it('negated contents, absolute and relative', () => {
    expect(m('content:"GET"; content:!"admin";', 'GET /index')).toBe(true);
    expect(m('content:"GET"; content:!"admin";', 'GET /admin')).toBe(false);
    expect(m('content:"user="; content:!"root"; distance:0; within:4;', 'user=root')).toBe(false);
    expect(m('content:"user="; content:!"root"; distance:0; within:4;', 'user=bob root')).toBe(true);
    expect(m('content:!"abc"; depth:3;', 'xabc')).toBe(true);
    expect(m('content:!"abc"; depth:3;', 'abcx')).toBe(false);
  });

  it('startswith / endswith', () => {
    expect(m('content:"GET"; startswith;', 'GET /')).toBe(true);
    expect(m('content:"GET"; startswith;', ' GET /')).toBe(false);
    expect(m('content:"html"; endswith;', 'index.html')).toBe(true);
    expect(m('content:"html"; endswith;', 'index.html?')).toBe(false);
    // endswith looks for an occurrence at the end, not just the first one.
    expect(m('content:"ab"; endswith;', 'abxab')).toBe(true);
  });

  it('fast_pattern variants do not change what matches', () => {
    expect(m('content:"foo"; content:"barbaz"; fast_pattern;', 'foo barbaz')).toBe(true);
    expect(m('content:"barbaz"; fast_pattern:only;', 'foo barbaz')).toBe(true);
    expect(m('content:"0123456789"; fast_pattern:2,4;', '__0123456789')).toBe(true);
    expect(m('content:"0123456789"; fast_pattern:2,4;', '__2345')).toBe(false);
    expect(m('content:"abc"; rawbytes;', 'xabc')).toBe(true);
  });

  it('prefilter is case-folded but the check is not', () => {
    const rules = ['alert tcp any any -> any any (content:"Secret"; sid:1;)', 'alert tcp any any -> any any (content:"secret"; nocase; sid:2;)'].join('\n');
    expect(sidsFor(rules, pkt('a SECRET b'))).toEqual([2]);
    expect(sidsFor(rules, pkt('a Secret b')).sort()).toEqual([1, 2]);
  });
});
