import { describe, expect, it } from 'vitest';
import { compilePcre } from '../../src/detect/pcre.js';
import { PCRE_MATCH_LIMIT, PcreResult, pcreLastSteps, pcreMatch, pcreSearch } from '../../src/detect/pcre-vm.js';
import { PayloadInspector } from '../../src/detect/payload-match.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { sidsFor } from './helpers.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** [start, end] of the VM's match or null; limit hits throw (they must not happen here). */
function vm(pcre: string, subject: string, start = 0): [number, number] | null {
  const spec = compilePcre(pcre, false);
  const r = pcreSearch(spec.prog, bytes(subject), 0, subject.length, start, spec.anchored);
  if (r === PcreResult.Limit) throw new Error(`limit hit for ${pcre}`);
  return r === PcreResult.Match ? [pcreMatch.start, pcreMatch.end] : null;
}

/** The same through the translated RegExp (safe, small inputs only). */
function js(pcre: string, subject: string, start = 0): [number, number] | null {
  const spec = compilePcre(pcre, false);
  spec.regex.lastIndex = start;
  const m = spec.regex.exec(subject);
  return m === null ? null : [m.index, m.index + m[0].length];
}

describe('bounded pcre matcher (pcre-vm)', () => {
  it('agrees with the translated RegExp on leftmost-first matches', () => {
    const patterns = [
      '/abc/',
      '/a.c/',
      '/a.c/s',
      '/^GET \\/[a-z]+/',
      '/[0-9]+/',
      '/x(a|ab)(c|bcd)(d*)/',
      '/(a+|b+)*c/',
      '/a*?b/',
      '/a{2,3}/',
      '/a{2,}?/',
      '/a{2}b{0,1}/',
      '/end$/',
      '/end$/E',
      '/^host/mi',
      '/\\bword\\b/',
      '/\\Bor\\B/',
      '/(?<=a)b/',
      '/(?<!a)b/',
      '/(?<=ab|x)c/',
      '/foo(?=bar)/',
      '/foo(?!bar)/',
      '/(\\w+)=\\1/',
      '/(?P<q>["\']).*?(?P=q)/',
      '/[^\\x00-\\x1f]{3}/',
      '/[a\\-z]+/',
      '/[\\s\\S]{2}$/',
      '/\\x41\\x{42}/i',
      '/[[:alpha:]]+[[:digit:]]/',
      '/\\Aab\\z/',
      '/ a \\s+ b # c/x',
      '/(?i)hello/',
      '/y/A',
      '/()/',
      '/(a*)*b/',
      '/(a|)+b/',
    ];
    const subjects = ['', 'abc', 'a\nc', 'GET /index', 'xabcd', 'aaab', 'aabbc', 'the end\n', 'the end', 'GET\r\nHost: x', 'a word here', 'words', 'ab', 'cb', 'xc', 'abc', 'foobar', 'foobaz', 'k=k x=y', '"a" \'b\'', 'AB', 'abc1', 'yy', ' a  b', 'HeLLo', 'b', 'xyz\n'];
    let n = 0;
    for (const p of patterns) {
      for (const s of subjects) {
        for (const start of [0, 1]) {
          if (start > s.length) continue;
          expect(vm(p, s, start), `${p} on ${JSON.stringify(s)} from ${start}`).toEqual(js(p, s, start));
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  it('case folding under /i is ASCII only (PCRE byte mode)', () => {
    expect(vm('/hello/i', 'xHeLLo')).toEqual([1, 6]);
    expect(vm('/(ab)\\1/i', 'abAB')).toEqual([0, 4]);
    expect(vm('/\\xe9/i', '\xc9')).toBeNull();
  });

  it('a reference to a group that did not take part fails (PCRE), not matches empty (JS)', () => {
    expect(vm('/(a)?\\1b/', 'b')).toBeNull();
  });

  it('gives up at the match limit instead of stalling (and says so)', () => {
    // Back references turn the visited bitmap off: this one is exponential without a limit.
    const spec = compilePcre('/(a|a)+(\\1)?$/', false);
    const s = bytes('a'.repeat(40) + 'b');
    expect(pcreSearch(spec.prog, s, 0, s.length, 0, false)).toBe(PcreResult.Limit);
    // The bound is counted work (steps), not wall time: a loaded machine changes only the latter.
    expect(pcreLastSteps()).toBeLessThanOrEqual(PCRE_MATCH_LIMIT + 1); // + the step that crosses it
    expect(PCRE_MATCH_LIMIT).toBeGreaterThan(10_000);
  });

  it("the issue's catastrophic patterns finish within a bound on 1500-byte payloads", () => {
    const patterns = [
      '/(a|a)+$/',
      '/(a|aa)+$/',
      '/(a|a?)+$/',
      '/(a{1,1000})+$/',
      '/(a{1,100}){1,100}$/',
      '/(a+)(?#c)+$/',
      '/a*a*a*a*a*a*a*a*$/',
      '/.*.*.*.*.*.*=/',
      '/(a+)+$/',
      '/(a*)*$/',
      '/(a|b|ab)*c/',
      '/(.*a){12}/',
      '/(\\w+\\s?)+$/',
      '/^(([a-z])+.)+[A-Z]([a-z])+$/',
      '/(x+x+)+y/',
    ];
    const payloads = [bytes('a'.repeat(1499) + '!'), bytes('a'.repeat(1500)), bytes('x'.repeat(1499) + '!'), bytes('ab'.repeat(750))];
    for (const p of patterns) {
      const spec = compilePcre(p, false);
      for (const s of payloads) {
        pcreSearch(spec.prog, s, 0, s.length, 0, spec.anchored);
        // Each search is bounded by counted steps (measured timings are in the README).
        expect(pcreLastSteps(), p).toBeLessThanOrEqual(PCRE_MATCH_LIMIT + 1); // + the step that crosses it
      }
    }
    // Right answers where they fit in the limit.
    expect(vm('/(a|aa)+$/', 'aaaa!')).toBeNull();
    expect(vm('/(a|aa)+$/', 'baaaa')).toEqual([1, 5]);
    expect(vm('/a*a*a*a*a*a*a*a*$/', 'aaa!')).toEqual([4, 4]);
    expect(vm('/.*.*.*.*.*.*=/', 'abc=d')).toEqual([0, 4]);
  });

  it('through the engine: the issue\'s patterns as rules over a 1460-byte payload, and limit hits counted', () => {
    const rules = [
      'pcre:"/(a|aa)+$/";',
      'pcre:"/.*.*.*.*.*.*=/";',
      'pcre:"/(a{1,100}){1,100}$/";',
      'pcre:"/(a|a)+(\\1)?$/";',
      'pcre:!"/(a|a)+(\\1)?$/";',
    ].map((o, k) => `alert tcp any any -> any any (msg:"m"; ${o} sid:${k + 1};)`);
    const payload = 'a'.repeat(1459) + '!';
    const sids = sidsFor(rules.join('\n'), { proto: 'tcp', payload });
    // None matches: the first three have no match; the back-reference pattern ends at the step
    // limit, which is "no match" even negated (Suricata's match-limit error).
    expect(sids).toEqual([]);

    const rs = loadRulesText(rules[3]!);
    const op = rs.rules[0]!.payload[0] as Parameters<PayloadInspector['match']>[0][number];
    const pm = new PayloadInspector();
    expect(pm.match([op], bytes(payload), 0, payload.length)).toBe(false);
    expect(pm.pcreLimitHits).toBe(1);
  });
});

