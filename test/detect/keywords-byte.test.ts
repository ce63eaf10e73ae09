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

/**
 * Issue 16 item 3: byte counts and values accepted or refused as Suricata's
 * DetectBytetestParse / DetectBytejumpParse / byte_extract do, and uint64 values compared
 * exactly (two 32-bit halves: doubles cannot tell 2^64-1 from 2^64-2).
 */
describe('byte keyword ranges as Suricata (issue 16 item 3)', () => {
  const loads = (opts: string): boolean => loadRulesText(`alert tcp any any -> any any (${opts} sid:1;)`).loaded === 1;
  const reason = (opts: string): string => loadRulesText(`alert tcp any any -> any any (${opts} sid:1;)`).failures[0]?.reason ?? '';

  it("byte_test nbytes 0 loads (27 ET Open rules): with string it reads the whole number, without it the value is 0", () => {
    expect(loads('byte_test:0,=,0,0,string,dec;')).toBe(true);
    expect(loads('byte_test:0,>=,33554431,0,string,dec,relative;')).toBe(true);
    expect(m('byte_test:0,=,40,0,string,dec;', '40\r\n')).toBe(true);
    expect(m('byte_test:0,=,40,0,string,dec;', '400')).toBe(false);
    // More digits than a bounded nbytes would take: unbounded like ByteExtractString(len 0).
    expect(m('byte_test:0,>,450000,0,string,dec;', '4500001')).toBe(true);
    expect(m('byte_test:0,>=,300000000,0,string,dec;', '299999999')).toBe(false);
    expect(m('content:"Length: "; byte_test:0,<=,30000,0,string,dec,relative;', 'Length: 29999 ok')).toBe(true);
    expect(m('content:"Length: "; byte_test:0,<=,30000,0,string,dec,relative;', 'Length: 30001 ok')).toBe(false);
    // No digits: no match (strtoull found no number).
    expect(m('byte_test:0,=,0,0,string,dec;', 'abc')).toBe(false);
    expect(m('byte_test:0,=,0,0;', 'abc')).toBe(true);
    expect(m('byte_test:0,=,1,0;', 'abc')).toBe(false);
  });

  it("Suricata's own parse cases (detect-bytetest.c DetectBytetestTestParse01..24)", () => {
    expect(loads('byte_test:4, =, 1 , 0;')).toBe(true);
    expect(loads('byte_test:4, !=, 1, 0;')).toBe(true);
    expect(loads('byte_test:4, !=, 1, 0, relative;')).toBe(true);
    expect(loads('byte_test:4, !=, 1, 0, string, oct;')).toBe(true);
    expect(loads('byte_test:4, >, 1, 0, string, hex;')).toBe(true);
    expect(loads('byte_test:4, <, 5, 0, little;')).toBe(true);
    expect(loads('byte_test:4, !, 5, 0;')).toBe(true);
    expect(loads('byte_test:\t4 , ! &, 5\t, 0 , little ;')).toBe(true);
    expect(loads('byte_test:4,!^,5,0,little,string,relative,hex;')).toBe(true);
    expect(loads('byte_test:4, =, 1, 0, hex;')).toBe(false); // a base without string
    expect(loads('byte_test:9, =, 1, 0;')).toBe(false); // more than 8 bytes without string
    expect(loads('byte_test:23,=,0xffffffffffffffffULL,0,string,oct;')).toBe(true);
    expect(loads('byte_test:24, =, 0xffffffffffffffffULL, 0, string;')).toBe(false);
    expect(loads('byte_test:4,=,0,0xffffffffffffffffULL;')).toBe(false); // offset too big
    expect(loads('byte_test:4, <, 5, 0, bitmask 0xf8;')).toBe(true);
    expect(loads('byte_test:4, !<, 5, 0, relative,string,hex, big, bitmask 0xf8;')).toBe(true);
    // dce with string/big/little/base conflicts (DetectBytetestTestParse19/21).
    for (const o of ['string', 'big', 'little', 'string,hex']) expect(reason(`byte_test:1,=,1,6,${o},dce;`)).toMatch(/'dce' with/);
    expect(reason('byte_test:1,=,1,6,dce;')).toMatch(/dce/);
    expect(loads('byte_test:8,=,0,0;')).toBe(true);
  });

  it('test values up to 2^64-1 load; past it (strtoull ERANGE) they are refused', () => {
    expect(loads('byte_test:8,=,18446744073709551615,0;')).toBe(true);
    expect(loads('byte_test:8,=,0xffffffffffffffff,0;')).toBe(true);
    expect(reason('byte_test:8,=,18446744073709551616,0;')).toMatch(/64 bits/);
    expect(reason('byte_test:8,=,0x10000000000000000,0;')).toMatch(/64 bits/);
    expect(loads('byte_test:8,=,-1,0;')).toBe(true); // strtoull wraps it to 2^64-1
  });

  it('compares uint64 values exactly above 2^53', () => {
    const ff = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const fe = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe];
    expect(m('byte_test:8,=,0xffffffffffffffff,0;', ff)).toBe(true);
    expect(m('byte_test:8,=,0xffffffffffffffff,0;', fe)).toBe(false);
    expect(m('byte_test:8,=,18446744073709551614,0;', fe)).toBe(true);
    expect(m('byte_test:8,<,0xffffffffffffffff,0;', fe)).toBe(true);
    expect(m('byte_test:8,>,0xfffffffffffffffe,0;', ff)).toBe(true);
    expect(m('byte_test:8,>,0xfffffffffffffffe,0;', fe)).toBe(false);
    expect(m('byte_test:8,=,-1,0;', ff)).toBe(true);
    expect(m('byte_test:8,=,0xfeffffffffffffff,0,little;', fe)).toBe(true);
    // 2^53 + 1 is not a double.
    expect(m('byte_test:8,=,9007199254740993,0;', [0, 0x20, 0, 0, 0, 0, 0, 1])).toBe(true);
    expect(m('byte_test:8,=,9007199254740992,0;', [0, 0x20, 0, 0, 0, 0, 0, 1])).toBe(false);
    expect(m('byte_test:8,&,0x8000000000000000,0;', [0x80, 0, 0, 0, 0, 0, 0, 0])).toBe(true);
    expect(m('byte_test:8,&,0x8000000000000000,0;', [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).toBe(false);
    expect(m('byte_test:8,^,0xffffffffffffffff,0;', fe)).toBe(true);
    // Strings: 20 decimal digits, and one more than fits (no match, as strtoull's ERANGE).
    expect(m('byte_test:20,=,0xffffffffffffffff,0,string,dec;', '18446744073709551615')).toBe(true);
    expect(m('byte_test:20,=,0xfffffffffffffffe,0,string,dec;', '18446744073709551615')).toBe(false);
    expect(m('byte_test:20,>,0,0,string,dec;', '18446744073709551616')).toBe(false);
    expect(m('byte_test:23,=,0xffffffffffffffff,0,string,oct;', '01777777777777777777777')).toBe(true);
    expect(m('byte_test:16,=,0xfffffffffffffffe,0,string,hex;', 'fffffffffffffffe')).toBe(true);
  });

  it('byte_jump: multiplier is a uint32 (0 included), post_offset an int32, nbytes 0..8 / 0..23', () => {
    expect(loads('byte_jump:1,0,multiplier 0;')).toBe(true);
    expect(loads('byte_jump:1,0,multiplier 4294967295;')).toBe(true);
    expect(loads('byte_jump:1,0,multiplier 4294967296;')).toBe(false);
    expect(loads('byte_jump:1,0,post_offset -100000;')).toBe(true);
    expect(loads('byte_jump:9,0;')).toBe(false);
    expect(loads('byte_jump:23,0,string,dec;')).toBe(true);
    expect(loads('byte_jump:24,0,string,dec;')).toBe(false);
    expect(loads('byte_jump:2,0,hex;')).toBe(false);
    expect(reason('byte_jump:4,0,big,dce;')).toMatch(/'dce' with/);
    // multiplier 0: the jump is just past the extracted bytes.
    expect(m('byte_jump:1,0,multiplier 0; content:"A"; within:1;', [0x05, 0x41])).toBe(true);
  });

  it('byte_extract: string digits limited per base (dec 20, hex 14, oct 23), base after string, no endianness with string', () => {
    expect(loads('byte_extract:20,0,x,string,dec;')).toBe(true);
    expect(loads('byte_extract:21,0,x,string,dec;')).toBe(false);
    expect(loads('byte_extract:21,0,x,string;')).toBe(false); // string defaults to dec
    expect(loads('byte_extract:14,0,x,string,hex;')).toBe(true);
    expect(loads('byte_extract:15,0,x,string,hex;')).toBe(false);
    expect(loads('byte_extract:23,0,x,string,oct;')).toBe(true);
    expect(loads('byte_extract:9,0,x;')).toBe(false);
    expect(reason('byte_extract:2,0,x,hex,string;')).toMatch(/before "string"/);
    expect(reason('byte_extract:2,0,x,string,big;')).toMatch(/endianness/);
    expect(reason('byte_extract:2,0,x,dce,string;')).toMatch(/'dce' with/);
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
