import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick, MAX_PATTERN } from '../../src/detect/prefilter.js';
import { FOLD } from '../../src/detect/keywords/payload.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { contentLiteral } from '../../bench/detect-rules.js';
import { decoded } from './helpers.js';

function naiveFind(patterns: Uint8Array[], text: Uint8Array): number[] {
  const t = text.map((b) => FOLD[b]!);
  const out: number[] = [];
  patterns.forEach((p, id) => {
    const q = p.subarray(0, MAX_PATTERN);
    outer: for (let i = 0; i + q.length <= t.length; i++) {
      for (let j = 0; j < q.length; j++) if (t[i + j] !== q[j]) continue outer;
      out.push(id);
      return;
    }
  });
  return out;
}

describe('Aho-Corasick', () => {
  it('finds exactly the patterns a naive search finds (small alphabet, overlaps)', () => {
    const pat = fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => a.map((b) => FOLD[0x61 + (b % 3)]!));
    fc.assert(
      fc.property(fc.array(pat, { minLength: 1, maxLength: 30 }), fc.uint8Array({ maxLength: 200 }).map((a) => a.map((b) => 0x61 + (b % 4))), (patterns, text) => {
        const ac = new AhoCorasick(patterns);
        const n = ac.scan(text, 0, text.length);
        const got = [...ac.hits.subarray(0, n)].sort((a, b) => a - b);
        expect(got).toEqual(naiveFind(patterns, text));
      }),
      { numRuns: 300 },
    );
  });

  // Every scan path (full DFA, hybrid with few/many dense rows, with and without the root
  // skip loop) against the naive search, on texts with upper case and start/end windows.
  const forms: [string, ConstructorParameters<typeof AhoCorasick>[1]][] = [
    ['full DFA + skip', {}],
    ['full DFA, no skip', { maxSkipPairs: -1 }],
    ['full DFA, deep states in pattern order', { maxDenseRows: 2 }],
    ['hybrid, root row only + skip', { maxDfaStates: 0, maxDenseRows: 1 }],
    ['hybrid, 3 dense rows, no skip', { maxDfaStates: 0, maxDenseRows: 3, maxSkipPairs: -1 }],
    ['hybrid, 40 dense rows + skip', { maxDfaStates: 0, maxDenseRows: 40 }],
  ];
  for (const [name, limits] of forms) {
    it(`${name}: finds exactly what a naive search finds (random bytes, windows)`, () => {
      // Small alphabets (with upper case in the text) give overlaps and deep failure chains.
      const alpha = fc.constantFrom([0x61, 0x62], [0x61, 0x62, 0x41, 0x00], [0x00, 0xff, 0x7a, 0x5a, 0x61], null);
      const arb = alpha.chain((a) => {
        const byte = a === null ? fc.integer({ min: 0, max: 255 }) : fc.constantFrom(...a);
        const bytes = (min: number, max: number) => fc.array(byte, { minLength: min, maxLength: max }).map((x) => Uint8Array.from(x));
        return fc.record({
          patterns: fc.array(bytes(1, 40).map((p) => p.map((b) => FOLD[b]!)), { minLength: 1, maxLength: 40 }),
          text: bytes(0, 300),
          cut: fc.tuple(fc.nat(), fc.nat()),
        });
      });
      fc.assert(
        fc.property(arb, ({ patterns, text, cut }) => {
          const ac = new AhoCorasick(patterns, limits);
          const a = text.length === 0 ? 0 : cut[0] % (text.length + 1);
          const b = a + (text.length === 0 ? 0 : cut[1] % (text.length - a + 1));
          // Same bytes as a Buffer too: the engine passes both kinds.
          for (const t of [text, Buffer.from(text)]) {
            const n = ac.scan(t, a, b);
            const got = [...ac.hits.subarray(0, n)].sort((x, y) => x - y);
            expect(got).toEqual(naiveFind(patterns, text.subarray(a, b)));
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('folds ASCII case of the text, respects start/end, cuts long patterns', () => {
    const ac = new AhoCorasick([Uint8Array.from(Buffer.from('hello')), Uint8Array.from(Buffer.from('x'.repeat(40)))]);
    const t = Buffer.from('..HeLLo..' + 'x'.repeat(MAX_PATTERN));
    expect(ac.scan(t, 0, t.length)).toBe(2);
    expect(ac.scan(t, 3, t.length)).toBe(1);
  });
});

describe('engine candidate selection', () => {
  it('alerts exactly what checking every rule on every packet alerts', () => {
    const word = fc.constantFrom('GET', 'get', 'POST', 'abc', 'AbC', 'bca', 'cab', '|00 01|', 'xyz', 'a', 'ab');
    const ruleArb = fc.record({
      proto: fc.constantFrom('tcp', 'udp', 'ip'),
      dport: fc.constantFrom('any', '80', '[80,443]', '!80', '1024:', '53'),
      sport: fc.constantFrom('any', '80', '53'),
      contents: fc.array(fc.record({ w: word, nocase: fc.boolean(), neg: fc.boolean() }), { maxLength: 3 }),
    });
    const pktArb = fc.record({
      proto: fc.constantFrom('tcp' as const, 'udp' as const),
      sport: fc.constantFrom(80, 53, 40000),
      dport: fc.constantFrom(80, 443, 53, 5000),
      payload: fc.array(fc.constantFrom('GET ', 'abc', 'ABC', 'cab', '\x00\x01', 'xyz', ' '), { maxLength: 6 }).map((a) => a.join('')),
    });
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 25 }), fc.array(pktArb, { minLength: 1, maxLength: 8 }), (rules, pkts) => {
        const text = rules
          .map((r, i) => {
            const cs = r.contents.map((c) => `content:${c.neg ? '!' : ''}"${c.w}";${c.nocase ? ' nocase;' : ''}`).join(' ');
            return `alert ${r.proto} any ${r.sport} -> any ${r.dport} (${cs} sid:${i + 1};)`;
          })
          .join('\n');
        const rs = loadRulesText(text);
        const seen: number[] = [];
        const eng = new DetectEngine(rs, null, [{ alert: (_p, rule) => seen.push(rule.sid) }], { maxAlertsPerPacket: 1000 });
        for (const pk of pkts) {
          seen.length = 0;
          const p = decoded(pk);
          eng.inspect(p);
          const brute = rs.rules.filter((r) => (r.proto === 0 || (r.proto === 1) === (pk.proto === 'tcp')) && eng.matchRule(r, p, false, -1, 0)).map((r) => r.sid);
          expect(seen).toEqual(brute);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('bench helper patterns round-trip through content syntax', () => {
    const bytes = Uint8Array.from([0x41, 0x22, 0x3b, 0x00, 0x7c, 0x3a, 0x5c, 0x42]);
    const rs = loadRulesText(`alert ip any any -> any any (content:"${contentLiteral(bytes)}"; sid:1;)`);
    expect(rs.failed).toBe(0);
    expect([...(rs.rules[0]!.payload[0] as { raw: Uint8Array }).raw]).toEqual([...bytes]);
  });
});

describe('address index (rules without content)', () => {
  it('selects exactly what checking every rule selects, IPv4 and IPv6', () => {
    const addr = fc.constantFrom('1.2.3.4', '1.2.3.0/24', '10.0.0.0/8', '!10.0.0.0/8', 'any', '$HOME_NET', '$EXTERNAL_NET', '2001:db8::/32', '[1.2.3.4,9.9.9.9]', '[9.9.9.0/24,!9.9.9.9]', '2001:db8::1');
    const ruleArb = fc.record({ src: addr, dst: addr, bidir: fc.boolean() });
    const ip = fc.constantFrom('1.2.3.4', '1.2.3.5', '10.1.1.1', '9.9.9.9', '9.9.9.8', '8.8.8.8');
    const ip6 = fc.constantFrom('2001:db8::1', '2001:db8::2', '2001:db9::1');
    const pktArb = fc.oneof(fc.record({ src: ip, dst: ip }), fc.record({ src: ip6, dst: ip6 }));
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 30 }), fc.array(pktArb, { minLength: 1, maxLength: 6 }), (rules, pkts) => {
        const rs = loadRulesText(rules.map((r, i) => `alert ip ${r.src} any ${r.bidir ? '<>' : '->'} ${r.dst} any (sid:${i + 1};)`).join('\n'));
        const seen: number[] = [];
        const eng = new DetectEngine(rs, null, [{ alert: (_p, rule) => seen.push(rule.sid) }], { maxAlertsPerPacket: 1000 });
        for (const pk of pkts) {
          seen.length = 0;
          const p = decoded({ proto: 'udp', ...pk });
          eng.inspect(p);
          expect(seen).toEqual(rs.rules.filter((r) => eng.matchRule(r, p, false, -1, 0)).map((r) => r.sid));
        }
      }),
      { numRuns: 200 },
    );
  });
});
