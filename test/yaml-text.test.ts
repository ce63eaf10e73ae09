/**
 * Hostile and wrong files given where YAML is read (issue 16 item 5): an alias bomb and binary
 * content give one located line each, from the configuration loader, the filter loader and the
 * CLI commands that read them (serve --check, replay --config, filter check), never a stack
 * trace or the file's content echoed back.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ConfigError } from '../src/config/problems.js';
import { parseFilterText } from '../src/filter/load.js';
import { FilterValidationError } from '../src/filter/problems.js';
import { binaryContent, documentValue } from '../src/yaml-text.js';
import { REPO_ROOT } from './helpers/corpus.js';
import { runCli } from './helpers/tools.js';
import { tmpDir } from './server/harness.js';

const BOMB = `# a billion laughs
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
`;
/** Binary that YAML parses without a syntax error (one long scalar) if nobody looks first. */
const BINARY = gzipSync(Buffer.from('ingress: []\n'.repeat(50)));

function value(text: string) {
  const lines = new LineCounter();
  return documentValue(parseDocument(text, { lineCounter: lines }), lines);
}

describe('documentValue / binaryContent', () => {
  it('an alias bomb is a problem at the line of its first alias', () => {
    const v = value(BOMB);
    expect(v.value).toBeUndefined();
    expect(v.problem).toEqual({ line: 3, message: expect.stringMatching(/aliases expand too far/) });
  });
  it('a few aliases are fine', () => {
    expect(value('a: &x [1, 2]\nb: *x\n')).toEqual({ value: { a: [1, 2], b: [1, 2] }, problem: null });
  });
  it('binary content is named with its line, text is not', () => {
    expect(binaryContent('a: 1\nb: \u0000')).toEqual({ line: 2, message: expect.stringMatching(/not a text file \(control byte 0x00\)/) });
    expect(binaryContent(BINARY.toString('utf8'))?.message).toMatch(/^not a text file/);
    expect(binaryContent('a: "tab\there"\r\nb: é ü 日本\n')).toBeNull();
  });
});

describe('the loaders', () => {
  it('configuration: one located problem for a bomb and for binary', () => {
    const dir = tmpDir();
    const bomb = path.join(dir, 'bomb.yaml');
    const bin = path.join(dir, 'bin.yaml');
    writeFileSync(bomb, BOMB);
    writeFileSync(bin, BINARY);
    for (const [file, re] of [[bomb, /:3: YAML aliases expand too far/], [bin, /:1: not a text file/]] as const) {
      let err: unknown;
      try {
        loadConfig({ file, env: {} });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]!.startsWith(file)).toBe(true);
      expect(problems[0]).toMatch(re);
      expect(problems[0]!.length).toBeLessThan(file.length + 200);
    }
  });
  it('filters: one located problem for a bomb and for binary', () => {
    for (const [text, line, re] of [[BOMB, 3, /aliases expand too far/], [BINARY.toString('utf8'), 1, /^not a text file/]] as const) {
      let err: unknown;
      try {
        parseFilterText(text, 'f.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FilterValidationError);
      const errors = (err as FilterValidationError).errors;
      expect(errors).toEqual([{ severity: 'error', path: '', line, message: expect.stringMatching(re) }]);
    }
  });
});

describe('the CLI: no stack trace, no echoed content', () => {
  const dir = tmpDir();
  const bomb = path.join(dir, 'bomb.yaml');
  const bin = path.join(dir, 'bin.yaml');
  writeFileSync(bomb, BOMB);
  writeFileSync(bin, BINARY);
  const pcap = path.join(REPO_ROOT, 'captures', 'dns.pcap');
  const commands = (f: string): string[][] => [
    ['serve', '--check', '--config', f],
    ['replay', '--no-rules', '--config', f, pcap],
    ['filter', 'check', f],
  ];
  for (const [name, file, re] of [['alias bomb', bomb, /:3\)?:? .*YAML aliases expand too far|line 3\): YAML aliases/], ['binary', bin, /not a text file/]] as const) {
    it(`${name}: serve --check, replay --config and filter check`, () => {
      for (const args of commands(file)) {
        const r = runCli(args);
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(re);
        expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
        expect(r.stderr).toContain(path.basename(file));
        expect(r.stderr.length).toBeLessThan(600);
      }
    });
  }
});
