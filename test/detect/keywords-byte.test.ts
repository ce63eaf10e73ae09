import { describe, expect, it } from 'vitest';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { sidsFor } from './helpers.js';

const m = (opts: string, payload: string | number[]) => sidsFor(`alert tcp any any -> any any (${opts} sid:1;)`, { proto: 'tcp', payload }).length === 1;

describe('byte_test', () => {
  const p = [0x00, 0x10, 0x01, 0x02, 0x03, 0x04, 0xff];
  it('operators, endianness, offsets', () => {
    expect(m('byte_test:1,=,16,1;', p)).toBe(true);
    expect(m('byte_test:2,=,0x0102,2;', p)).toBe(true);
    expect(m('byte_test:2,=,0x0201,2,little;', p)).toBe(true);
    expect(m('byte_test:4,>,0x01020300,2;', p)).toBe(true);
    expect(m('byte_test:4,<,0x01020300,2;', p)).toBe(false);
    expect(m('byte_test:1,>=,255,6;', p)).toBe(true);
    expect(m('byte_test:1,<=,254,6;', p)).toBe(false);
    expect(m('byte_test:1,&,0x80,6;', p)).toBe(true);
    expect(m('byte_test:1,!&,0x80,6;', p)).toBe(false);
    expect(m('byte_test:1,!=,16,1;', p)).toBe(false);
    expect(m('byte_test:1,^,16,1;', p)).toBe(false);
    expect(m('byte_test:1,^,17,1;', p)).toBe(true);
    // Past the end: no match.
    expect(m('byte_test:2,=,0,6;', p)).toBe(false);
  });

  it('relative, negative offsets, bitmask', () => {
    expect(m('content:"|02|"; byte_test:1,=,3,0,relative;', p)).toBe(true);
    expect(m('content:"|02|"; byte_test:1,=,1,-2,relative;', p)).toBe(true);
    // bitmask then shift right by the mask's trailing zeros: 0xff & 0xf0 = 0xf0 >> 4 = 0x0f.
    expect(m('byte_test:1,=,15,6,bitmask 0xf0;', p)).toBe(true);
    expect(m('byte_test:1,=,3,3,bitmask 0x0f;', [0, 0, 0, 0x83])).toBe(true);
  });

  it('string values in dec, hex, oct', () => {
    expect(m('byte_test:3,=,123,2,string,dec;', 'x:123;')).toBe(true);
    expect(m('byte_test:2,=,255,0,string,hex;', 'ff')).toBe(true);
    expect(m('byte_test:2,=,8,0,string,oct;', '10')).toBe(true);
    expect(m('byte_test:3,>,99,0,string,dec;', 'abc')).toBe(false);
    // Fewer digits than bytes: strtoull stops at the first non-digit.
    expect(m('byte_test:3,=,12,0,string,dec;', '12x')).toBe(true);
  });

  it('rejects bad arguments', () => {
    const rs = loadRulesText(['byte_test:9,=,1,0;', 'byte_test:1,?,1,0;', 'byte_test:1,=,1,0,dec;', 'byte_test:1,=,1;'].map((o, i) => `alert tcp any any -> any any (${o} sid:${i + 1};)`).join('\n'));
    expect(rs.loaded).toBe(0);
  });
});

describe('byte_jump', () => {
  it('jumps over a length field; the next relative content starts there', () => {
    // len=3, then 3 bytes, then "OK".
    const p = [0x03, 0x41, 0x41, 0x41, 0x4f, 0x4b];
    expect(m('byte_jump:1,0; content:"OK"; within:2;', p)).toBe(true);
    expect(m('byte_jump:1,0; content:"AA"; within:2;', p)).toBe(false);
    expect(m('content:"|03|"; byte_jump:1,-1,relative; content:"OK"; within:2;', p)).toBe(true);
  });

  it('multiplier, align, post_offset, from_beginning, from_end', () => {
    const p = [0x02, 0x00, 0x00, 0x00, 0x00, 0x4f, 0x4b, 0x00, 0x00];
    // 2 * 2 = 4, plus the extracted byte: offset 5.
    expect(m('byte_jump:1,0,multiplier 2; content:"OK"; within:2;', p)).toBe(true);
    expect(m('byte_jump:1,0,multiplier 2; content:"|00 4f|"; within:2;', p)).toBe(false);
    // 2 aligned up to 4, +1 for the extracted byte = offset 5.
    expect(m('byte_jump:1,0,align; content:"OK"; within:2;', [0x02, 0, 0, 0, 0x4f, 0x4b, 0])).toBe(false);
    expect(m('byte_jump:1,0,align; content:"OK"; within:2;', [0x02, 0, 0, 0, 0, 0x4f, 0x4b])).toBe(true);
    expect(m('byte_jump:1,0,post_offset 2; content:"OK"; within:2;', p)).toBe(true);
    expect(m('byte_jump:1,0,from_beginning; content:"|00 00|"; within:2;', [0x03, 0, 0, 0, 0, 0])).toBe(true);
    expect(m('byte_jump:1,0,from_beginning,post_offset 3; content:"OK"; within:2;', [0x02, 0, 0, 0, 0, 0x4f, 0x4b])).toBe(true);
    // from_end: payload end + value.
    expect(m('byte_jump:0,0,from_end,post_offset -2; content:"OK"; within:2;', 'xxxxOK')).toBe(true);
  });

  it('a jump before the buffer start is clamped to it; a jump to the end or past it fails', () => {
    expect(m('content:"AB"; byte_jump:0,0,relative,post_offset -10; content:"AB"; within:2;', 'ABCD')).toBe(true);
    expect(m('byte_jump:1,0;', [0x03, 1, 2])).toBe(false);
    expect(m('byte_jump:1,0;', [0x01, 1, 2])).toBe(true);
  });

  it('string with bitmask (suricata-verify detect-bytejump-06)', () => {
    const q = 'Question?13When will the pandemic end?';
    expect(m('content:"Question?"; byte_jump:2,0,relative,string,from_end,post_offset -26, bitmask 0xfe; content:"ll the pandemic end"; distance:0;', q)).toBe(true);
  });
});

describe('byte_extract', () => {
  it('values feed offset, depth, distance, within and byte_test', () => {
    // [len=4]["abcd"]["tail"]
    const p = [0x04, ...Buffer.from('abcdtail')];
    expect(m('byte_extract:1,0,len; content:"tail"; distance:len;', p)).toBe(true);
    expect(m('byte_extract:1,0,len; content:"tail"; distance:len; within:4;', p)).toBe(true);
    expect(m('byte_extract:1,0,len; content:"abcd"; offset:1; depth:len;', p)).toBe(true);
    expect(m('byte_extract:1,0,len; content:"tail"; offset:len; depth:4;', p)).toBe(false);
    expect(m('byte_extract:1,0,len; content:"tail"; offset:len; depth:5;', p)).toBe(true);
    expect(m('byte_extract:1,0,len; byte_test:1,=,len,0;', p)).toBe(true);
    expect(m('byte_extract:1,0,len; isdataat:len,relative;', p)).toBe(true);
  });

  it('relative, multiplier, string, align', () => {
    expect(m('content:"L="; byte_extract:1,0,n,relative,string,dec; content:"x"; distance:n;', 'L=2abx')).toBe(true);
    expect(m('byte_extract:1,0,n,multiplier 2; content:"z"; distance:n; within:1;', [0x02, 0, 0, 0, 0, 0x7a])).toBe(true);
    expect(m('byte_extract:1,0,n,multiplier 2; content:"z"; distance:n; within:1;', [0x02, 0, 0, 0, 0x7a])).toBe(false);
    expect(m('byte_extract:1,0,n,align 4; content:"z"; distance:n; within:1;', [0x01, 0, 0, 0, 0, 0x7a])).toBe(true);
  });

  it('unknown variables fail to load', () => {
    const rs = loadRulesText('alert tcp any any -> any any (content:"a"; distance:nope; sid:1;)');
    expect(rs.failures[0]!.reason).toMatch(/unknown byte_extract variable 'nope'/);
  });
});

describe('isdataat', () => {
  // 32-byte ICMP payload as in suricata-verify issue-8031.
  const p = 'abcdefghijklmnopqrstuvwabcdefghi';
  it('absolute: some byte at that offset exists', () => {
    expect(m('isdataat:31;', p)).toBe(true);
    expect(m('isdataat:32;', p)).toBe(false);
    expect(m('isdataat:!32;', p)).toBe(true);
  });
  it('relative: that many bytes remain after the pointer', () => {
    expect(m('isdataat:32,relative;', p)).toBe(true);
    expect(m('isdataat:33,relative;', p)).toBe(false);
    expect(m('content:"a"; depth:1; isdataat:31,relative;', p)).toBe(true);
    expect(m('content:"a"; depth:1; isdataat:32,relative;', p)).toBe(false);
    expect(m('content:"a"; depth:1; isdataat:!32,relative;', p)).toBe(true);
  });
});

describe('byte_math', () => {
  const pkt = (payload: number[]) => ({ proto: 'udp' as const, sport: 1, dport: 2, payload });
  const m = (o: string, p: number[]) => sidsFor(`alert udp any any -> any any (${o} sid:1;)`, pkt(p)).length === 1;
  it('extracts, applies the operator with a literal or variable rvalue, stores the result', () => {
    const p = [0x10, 0x03, 0x00, 0x20, 0x05];
    expect(m('byte_math:bytes 1, offset 0, oper +, rvalue 4, result r; byte_test:1,=,r,1;', [20, 24])).toBe(true);
    expect(m('byte_math:bytes 1, offset 0, oper *, rvalue 2, result r; byte_test:1,=,r,3;', p)).toBe(true);
    expect(m('byte_math:bytes 2, offset 2, oper >>, rvalue 4, result r; byte_test:1,=,r,0;', [3, 0, 0x00, 0x30])).toBe(true);
    expect(m('byte_extract:1,1,k; byte_math:bytes 1, offset 0, oper /, rvalue k, result r; byte_test:1,=,r,4;', [0x0f, 3, 0, 0, 5])).toBe(true);
    // Division by zero: no match.
    expect(m('byte_math:bytes 1, offset 0, oper /, rvalue 0, result r; byte_test:1,=,r,0;', p)).toBe(false);
    // uint64 arithmetic: 3 - 16 wraps to a huge value.
    expect(m('byte_math:bytes 1, offset 1, oper -, rvalue 16, result r; byte_test:1,<,r,0;', p)).toBe(true);
    // relative to the last match; little endian; string
    expect(m('content:"|ff|"; byte_math:bytes 2, offset 0, oper +, rvalue 1, result r, relative, endian little; byte_test:1,=,r,0;', [4, 0xff, 3, 0])).toBe(true);
    expect(m('byte_math:bytes 2, offset 0, oper -, rvalue 10, result r, string dec; byte_test:1,=,r,2;', [0x34, 0x30, 30])).toBe(true);
  });

  it('refusals', () => {
    const bad = (o: string) => loadRulesText(`alert udp any any -> any any (${o} sid:1;)`).failures[0]?.reason ?? '';
    expect(bad('byte_math:bytes 1, offset 0, oper %, rvalue 1, result r;')).toMatch(/invalid 'byte_math': unknown oper/);
    expect(bad('byte_math:bytes 1, offset 0, oper +, rvalue 1;')).toMatch(/invalid 'byte_math': needs/);
    expect(bad('byte_math:bytes 9, offset 0, oper +, rvalue 1, result r;')).toMatch(/invalid 'byte_math': bytes 9/);
    expect(bad('byte_math:bytes 1, offset 0, oper +, rvalue nope, result r;')).toMatch(/unknown byte_extract variable/);
  });
});
