import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick, MAX_PATTERN } from '../../src/detect/prefilter.js';
import { FOLD } from '../../src/detect/keywords/payload.js';
import { NativeScanner, buildScanner, loadHsAddon, nativePrefilterModule, prefilterEngine, setNativePrefilter } from '../../src/detect/prefilter-native.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { contentLiteral } from '../../bench/detect-rules.js';
import { decoded } from './helpers.js';

const mod = nativePrefilterModule();
if (mod === null) process.stderr.write(`notice: native prefilter tests skipped: ${prefilterEngine().description}\n`);
const itNative = it.skipIf(mod === null);

function sorted(h: Int32Array, n: number): number[] {
  return [...h.subarray(0, n)].sort((a, b) => a - b);
}

describe('native (Hyperscan) prefilter', () => {
  it('reports which engine runs', () => {
    const e = prefilterEngine();
    expect(e.description).toMatch(mod === null ? /JavaScript Aho-Corasick \(native Hyperscan prefilter / : /^Hyperscan \d/);
    expect(e.native).toBe(mod !== null);
  });

  // The same candidate sets as the JavaScript automaton: random pattern sets (short, long past
  // MAX_PATTERN, overlapping, folded), random texts with upper case, random windows; fixed seed.
  itNative('finds exactly the patterns the JavaScript automaton finds (property, fixed seed)', () => {
    const alpha = fc.constantFrom([0x61, 0x62], [0x61, 0x62, 0x41, 0x00], [0x00, 0xff, 0x7a, 0x5a, 0x61, 0x7c], null);
    const arb = alpha.chain((a) => {
      const byte = a === null ? fc.integer({ min: 0, max: 255 }) : fc.constantFrom(...a);
      const bytes = (min: number, max: number) => fc.array(byte, { minLength: min, maxLength: max }).map((x) => Uint8Array.from(x));
      return fc.record({
        patterns: fc.array(bytes(1, 48).map((p) => p.map((b) => FOLD[b]!)), { minLength: 1, maxLength: 60 }),
        text: bytes(0, 400),
        cut: fc.tuple(fc.nat(), fc.nat()),
      });
    });
    fc.assert(
      fc.property(arb, ({ patterns, text, cut }) => {
        const js = new AhoCorasick(patterns);
        const nat = new NativeScanner(mod!, patterns, new AhoCorasick(patterns), 0);
        const a = text.length === 0 ? 0 : cut[0] % (text.length + 1);
        const b = a + (text.length === 0 ? 0 : cut[1] % (text.length - a + 1));
        // A Buffer over a pooled ArrayBuffer too (non-zero byteOffset): the engine passes both.
        const pooled = Buffer.concat([Buffer.alloc(7, 0x41), Buffer.from(text)]).subarray(7);
        for (const t of [text, pooled]) {
          const want = sorted(js.hits, js.scan(t, a, b));
          const n = nat.scan(t, a, b);
          expect(n).toBe(nat.hitCount);
          expect(sorted(nat.hits, n)).toEqual(want);
        }
      }),
      { numRuns: 400, seed: 0x5eed15 },
    );
  });

  itNative('long patterns are cut to MAX_PATTERN bytes like the automaton; windows and case folding hold', () => {
    const long = Uint8Array.from(Buffer.from('y'.repeat(MAX_PATTERN) + 'tail'));
    const pats = [Uint8Array.from(Buffer.from('hello')), long, Uint8Array.from([0x00, 0xff])];
    const s = new NativeScanner(mod!, pats, new AhoCorasick(pats), 0);
    const t = Buffer.from('..HeLLo..' + 'Y'.repeat(MAX_PATTERN) + '\u0000');
    expect(sorted(s.hits, s.scan(t, 0, t.length))).toEqual([0, 1]);
    expect(s.scan(t, 3, t.length)).toBe(1); // 'hello' starts at 2: outside the window
    expect(s.scan(t, 0, 6)).toBe(0); // ends at 7: outside
    expect(sorted(s.hits, s.scan(Uint8Array.from([1, 0, 0xff, 2]), 0, 4))).toEqual([2]);
    expect(s.scan(t, 5, 5)).toBe(0);
  });

  itNative('short payloads go through the JavaScript automaton, with the same results', () => {
    const pats = [Uint8Array.from(Buffer.from('abc'))];
    const s = new NativeScanner(mod!, pats, new AhoCorasick(pats), 48);
    const short = Buffer.from('xxABCxx');
    const long = Buffer.from('x'.repeat(60) + 'aBc');
    expect(s.scan(short, 0, short.length)).toBe(1);
    expect(s.scan(long, 0, long.length)).toBe(1);
    expect(s.scan(long, 0, 60)).toBe(0);
  });

  it('an addon that is not built, cannot load or is not ours is refused with the reason', () => {
    expect(loadHsAddon(null)).toEqual({ why: expect.stringMatching(/^not built \(apt-get install libhyperscan-dev .*npm run build:native/) });
    expect(loadHsAddon('/nonexistent/hs_prefilter.node')).toEqual({ why: expect.stringMatching(/^could not be loaded: /) });
    // Another addon (the recvmmsg receiver) is not the prefilter.
    const other = new URL('../../native/build/Release/udp_batch.node', import.meta.url).pathname;
    if (existsSync(other)) expect(loadHsAddon(other)).toEqual({ why: expect.stringContaining('does not match this version') });
  });

  it('buildScanner falls back to the JavaScript automaton when switched off', () => {
    setNativePrefilter(false);
    try {
      expect(buildScanner([Uint8Array.from([0x61])])).toBeInstanceOf(AhoCorasick);
    } finally {
      setNativePrefilter(true);
    }
    if (mod !== null) expect(buildScanner([Uint8Array.from([0x61])])).toBeInstanceOf(NativeScanner);
  });

  // Whole engine: the same alerts with either engine, over generated content rules on payloads
  // of every length class (the native path and the short-payload JavaScript path).
  itNative('the detection engine alerts the same with either engine', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const payloads: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const len = 1 + rnd(i % 3 === 0 ? 40 : 1200);
      payloads.push(Buffer.from(Array.from({ length: len }, () => 0x41 + rnd(6) + (rnd(2) ? 0x20 : 0))));
    }
    const rules: string[] = [];
    for (let i = 0; i < 200; i++) {
      const p = payloads[rnd(payloads.length)]!;
      const at = rnd(Math.max(1, p.length - 6));
      const pat = p.subarray(at, at + 3 + rnd(4));
      rules.push(`alert tcp any any -> any any (msg:"r${i}"; content:"${contentLiteral(pat)}";${i % 2 ? ' nocase;' : ''} sid:${1000 + i};)`);
    }
    const text = rules.join('\n');
    const run = (native: boolean): string[] => {
      setNativePrefilter(native);
      try {
        const alerts: string[] = [];
        const engine = new DetectEngine(loadRulesText(text), null, [{ alert: (_p, r) => alerts.push(String(r.sid)) }], { maxAlertsPerPacket: 1000 });
        payloads.forEach((pl, i) => {
          engine.inspect(decoded({ proto: 'tcp', payload: pl, sport: 1000 + i, dport: 80 }));
          alerts.push('|');
        });
        return alerts;
      } finally {
        setNativePrefilter(true);
      }
    };
    const js = run(false);
    expect(js.filter((a) => a !== '|').length).toBeGreaterThan(100);
    expect(run(true)).toEqual(js);
  });
});
