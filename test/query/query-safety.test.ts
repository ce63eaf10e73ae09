/**
 * `flows query` on mistaken and hostile input (issue 16 item 7): an unknown field is named
 * with the fields there (warning, or error with --strict) instead of giving silently empty or
 * unsorted results; regular expressions are matched in linear time (what needs backtracking
 * is refused);
 * bin(0m) and 20 000 nested parentheses are one-line errors; a file that is not a flow log is
 * an error, not an empty table.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, MirrorsinkError } from '../../src/errors.js';
import { boundedRegex, regexRefusal } from '../../src/query/bounded-regex.js';
import { readFlowLogFiles } from '../../src/query/flow-log-reader.js';
import { runQuery, unknownFieldText, unknownFields } from '../../src/query/insights-eval.js';
import { parseQuery } from '../../src/query/insights-parser.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import { runCli } from '../helpers/tools.js';

const DEFAULT_COLUMNS = ['version', 'accountId', 'interfaceId', 'srcAddr', 'dstAddr', 'srcPort', 'dstPort', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'logStatus'];
const LINES = [
  '2 123456789010 eni-0123 10.0.0.1 10.0.0.2 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK',
  '2 123456789010 eni-0123 10.0.0.2 10.0.0.1 22 20641 6 18 5230 1418530010 1418530070 ACCEPT OK',
];
const dir = mkdtempSync(path.join(tmpdir(), 'flowsq-safety-'));
const flowFile = path.join(dir, 'plain.log');
writeFileSync(flowFile, LINES.join('\n') + '\n');

function queryError(text: string): string {
  try {
    parseQuery(text);
  } catch (err) {
    expect(err).toBeInstanceOf(MirrorsinkError);
    expect((err as MirrorsinkError).code).toBe(ErrorCode.Query);
    return (err as Error).message;
  }
  throw new Error(`expected '${text.slice(0, 40)}' to be refused`);
}

describe('unknown fields', () => {
  const unknown = (q: string) => unknownFields(parseQuery(q), DEFAULT_COLUMNS).map((u) => [u.field, u.command]);
  it('are found where they are named, with what exists there', () => {
    expect(unknown('stats sum(packets) as p by srcAddr | sort HitCount desc')).toEqual([['HitCount', 'sort']]);
    expect(unknown('stats sum(packet)')).toEqual([['packet', 'stats']]);
    expect(unknown('filter dstport = 22')).toEqual([['dstport', 'filter']]);
    // After stats only its groups and aggregates exist.
    expect(unknown('stats count(*) as n by srcAddr | filter dstPort = 22')).toEqual([['dstPort', 'filter']]);
    const [u] = unknownFields(parseQuery('filter dstport = 22'), DEFAULT_COLUMNS);
    expect(unknownFieldText(u!)).toMatch(/^unknown field 'dstport' in filter \(did you mean 'dstPort'\?\); fields there: version, .*dstPort.*@timestamp/);
  });
  it('fields made by the query, built-ins and aliases are known', () => {
    expect(unknown('fields bytes / packets as avgSize | filter avgSize > 10 | sort avgSize desc')).toEqual([]);
    expect(unknown('stats count(*) as n by bin(5m) | sort n desc | display n')).toEqual([]);
    expect(unknown('fields @timestamp, @message, @log, startTime | dedup srcAddr')).toEqual([]);
    expect(unknown('stats count(*) by srcAddr | sort `count(*)` desc')).toEqual([]);
  });
});

describe('regular expressions are matched in linear time', () => {
  it('the shapes that make backtracking engines run away match at once', () => {
    const text = 'a'.repeat(100_000);
    const t0 = process.hrtime.bigint();
    for (const re of ['(a+)+b', '(a|a)*b', '^(\\w+\\s?)*$', '.*a.*a.*a.*a.*b', '(a*)*b', '(x+x+)+y', '^(a|aa)+$']) {
      expect(boundedRegex(re).test(re === '^(a|aa)+$' ? text : text + '!'), re).toBe(re === '^(a|aa)+$');
    }
    // JavaScript's RegExp takes minutes on the first of these with 30 characters.
    expect(Number(process.hrtime.bigint() - t0) / 1e9).toBeLessThan(20);
  });
  it('refuses what no automaton expresses, and patterns too large', () => {
    expect(regexRefusal('(a)\\1')).toMatch(/backreferences/);
    expect(regexRefusal('(?<n>a)\\k<n>')).toMatch(/backreferences/);
    expect(regexRefusal('a(?=b)')).toMatch(/lookarounds/);
    expect(regexRefusal('(?<!a)b')).toMatch(/lookarounds/);
    expect(regexRefusal('\\p{L}', 'u')).toMatch(/not supported/);
    expect(regexRefusal('(a{1000}){1000}')).toMatch(/pattern too large/);
    expect(regexRefusal('('.repeat(150) + 'a' + ')'.repeat(150))).toMatch(/nested more than 100/);
    expect(regexRefusal('(a')).toMatch(/Unterminated group/);
    expect(regexRefusal('a', 'x')).toMatch(/unknown flag/);
  });
  it('agrees with JavaScript on what flow-log queries use', () => {
    const pats = ['^10\\.0\\.', '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}', 'eni-[0-9a-f]+', '^(ACCEPT|REJECT)$', '(?:ab)+', '[(+*]+x', 'a{3}b{2}', '.*ssh.*', '(?<port>22|3389)', '\\bOK\\b', '[^\\s]+$', 'x?y|z'];
    const texts = ['10.0.0.1', '192.168.1.1', 'eni-0a1b', 'ACCEPT', 'REJECT OK', 'ababx', '(+x', 'aaabb', 'openssh', '3389', 'NODATA', 'OK', 'NOK', 'y', 'z', '', 'Eni-0A'];
    for (const p of pats) {
      for (const f of ['', 'i']) {
        const mine = boundedRegex(p, f);
        const js = new RegExp(p, f);
        for (const t of texts) expect(mine.test(t), `/${p}/${f} on '${t}'`).toBe(js.test(t));
      }
    }
  });
  it('a refused pattern is a one-line query error naming it', () => {
    expect(queryError('filter srcAddr like /(a)\\1/')).toMatch(/^query: bad regex: backreferences are not supported at column 21: \/\(a\)\\1\//);
    expect(queryError('filter srcAddr =~ /a(?=b)/')).toMatch(/lookarounds/);
    expect(runQuery(parseQuery("filter srcAddr like /^10\\.0\\.0\\.[12]$/ | stats count(*) as n"), [{ srcAddr: '10.0.0.1' }, { srcAddr: '10.0.0.3' }]).rows).toEqual([{ n: 1 }]);
  });
});

describe('one-line errors', () => {
  it('bin(0m)', () => {
    expect(() => runQuery(parseQuery('stats count(*) by bin(0m)'), [])).toThrow(/^query: bin\(\) needs a period above zero/);
  });
  it('20 000 nested parentheses, not, minus, lists and long chains', () => {
    for (const q of [
      `filter ${'('.repeat(20000)}srcPort = 1${')'.repeat(20000)}`,
      `filter ${'not '.repeat(20000)}srcPort = 1`,
      `filter srcPort = ${'-'.repeat(20000)}1`,
      `filter srcPort in ${'['.repeat(20000)}1${']'.repeat(20000)}`,
      `filter ${Array.from({ length: 20000 }, () => 'srcPort = 1').join(' or ')}`,
      `fields ${'abs('.repeat(20000)}1${')'.repeat(20000)}`,
    ]) {
      const msg = queryError(q);
      expect(msg).toMatch(/^query: expression nested too deeply \(more than 200 levels\) at column \d+: /);
      expect(msg.split('\n')).toHaveLength(1);
    }
    // Deep but within the bound still runs.
    const ok = parseQuery(`filter ${'('.repeat(150)}srcPort = 1${')'.repeat(150)}`);
    expect(runQuery(ok, [{ srcPort: 1 }, { srcPort: 2 }]).rows).toHaveLength(1);
  });
});

describe('times past the Date range', () => {
  it('print as numbers instead of throwing', async () => {
    const f = path.join(dir, 'huge.log');
    writeFileSync(f, '2 123456789010 eni-0123 10.0.0.1 10.0.0.2 20641 22 6 20 4249 99999999999999999 99999999999999999 ACCEPT OK\n');
    const r = runCli(['flows', 'query', 'stats count(*) by bin(5m)', f]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^bin\(5m\) +count\(\*\)\n-+ +-+\n\d+ +1\n$/);
  });
});

describe('files that are not flow logs', () => {
  it('binary (a pcap) and prose are errors naming the file', async () => {
    const pcap = path.join(REPO_ROOT, 'captures', 'dns.pcap');
    await expect(readFlowLogFiles([pcap], () => {})).rejects.toThrow(new RegExp(`^${pcap}: not a flow log: binary content`));
    const readme = path.join(REPO_ROOT, 'README.md');
    await expect(readFlowLogFiles([readme], () => {})).rejects.toThrow(new RegExp(`^${readme}:1: not a flow log: no line is a record`));
  });
  it('a flow log with a stray line is still read (the line counted), and an empty one is an empty table', async () => {
    const mixed = path.join(dir, 'mixed.log');
    writeFileSync(mixed, `${LINES[0]}\nnot a record\n${LINES[1]}\n`);
    const rows: unknown[] = [];
    const st = await readFlowLogFiles([mixed], (r) => rows.push(r));
    expect([rows.length, st.malformed]).toEqual([2, 1]);
    expect([...st.columns!]).toEqual(DEFAULT_COLUMNS);
    const empty = path.join(dir, 'empty.log');
    writeFileSync(empty, '');
    expect((await readFlowLogFiles([empty], () => {})).records).toBe(0);
  });
});

describe('the CLI', () => {
  it('an unknown field: a warning with the results, an error with --strict', () => {
    const q = 'stats sum(packets) as p by srcAddr | sort HitCount desc';
    const warn = runCli(['flows', 'query', q, flowFile]);
    expect(warn.status).toBe(0);
    expect(warn.stdout).toContain('10.0.0.1');
    expect(warn.stderr).toBe("flows query: warning: unknown field 'HitCount' in sort; fields there: srcAddr, p\n");
    const strict = runCli(['flows', 'query', '--strict', 'stats sum(packet) as p', flowFile]);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toMatch(/^mirrorsink: query: unknown field 'packet' in stats \(did you mean 'packets'\?\); fields there: .*\n$/);
  });
  it('bad queries and files: one line, no stack trace', () => {
    for (const [args, re] of [
      [['flows', 'query', 'stats count(*) by bin(0m)', flowFile], /bin\(\) needs a period above zero/],
      [['flows', 'query', `filter ${'('.repeat(20000)}srcPort = 1${')'.repeat(20000)}`, flowFile], /nested too deeply/],
      [['flows', 'query', 'filter srcAddr like /(a)\\1/', flowFile], /bad regex: backreferences are not supported/],
      [['flows', 'query', 'fields srcAddr', path.join(REPO_ROOT, 'captures', 'dns.pcap')], /dns\.pcap: not a flow log/],
    ] as const) {
      const r = runCli([...args]);
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });
});
