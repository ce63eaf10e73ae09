/**
 * Overlap policies byte for byte: the Sturges/Novak fragment set Suricata's own unit tests use
 * (src/defrag.c DefragSturgesNovak*Test), IPv4 and IPv6, with the expected bytes per policy.
 */
import { describe, expect, it } from 'vitest';
import { DecodeEvent } from '../../src/decode/decode-events.js';
import { DefragPolicy } from '../../src/defrag/defrag-policy.js';
import { DefragResult } from '../../src/defrag/defragmenter.js';
import { feed, fill, frag4, frag6, type FragSpec } from './helpers.js';

/** [char, offset, length, more] in the order sent. */
const SN: [string, number, number, boolean][] = [
  ['A', 0, 24, true],
  ['B', 32, 16, true],
  ['C', 48, 24, true],
  ['D', 80, 8, true],
  ['E', 104, 16, true],
  ['F', 120, 24, true],
  ['G', 144, 16, true],
  ['H', 160, 16, true],
  ['I', 176, 8, true],
  ['J', 8, 32, true],
  ['K', 48, 24, true],
  ['L', 72, 24, true],
  ['M', 96, 24, true],
  ['N', 128, 8, true],
  ['O', 152, 8, true],
  ['P', 160, 8, true],
  ['Q', 176, 16, false],
];

const EXPECTED: Record<string, string> = {
  bsd: 'AAAJJBCCCLLLMMMFFFGGHHIQ',
  linux: 'AAAJJBKKKLLLMMMFFFGGPHQQ',
  windows: 'AAAJBBCCCLLLMEEFFFGGHHIQ',
  solaris: 'AAAJBBCCCLLLMMMFFFGGHHIQ',
  first: 'AAAJBBCCCLDLMEEFFFGGHHIQ',
  last: 'AJJJJBKKKLLLMMMFNFGOPHQQ',
};
const POLICY: Record<string, DefragPolicy> = {
  bsd: DefragPolicy.Bsd,
  linux: DefragPolicy.Linux,
  windows: DefragPolicy.Windows,
  solaris: DefragPolicy.Solaris,
  first: DefragPolicy.First,
  last: DefragPolicy.Last,
};

function expand(s: string): string {
  return [...s].map((c) => c.repeat(8)).join('');
}

const specs: FragSpec[] = SN.map(([ch, off, len, more]) => ({ off, more, data: fill(ch, len) }));

describe('Sturges/Novak overlap set', () => {
  for (const name of Object.keys(EXPECTED)) {
    it(`IPv4 ${name}`, () => {
      const fed = feed(
        specs.map((s) => frag4(s)),
        { ipv4Policy: POLICY[name]! },
      );
      expect(fed.results.slice(0, 16).every((r) => r !== DefragResult.Complete)).toBe(true);
      expect(fed.results[16]).toBe(DefragResult.Complete);
      // The first nine do not overlap; some of the next seven do.
      expect(fed.events.slice(0, 9).every((e) => !e.includes(DecodeEvent.Ipv4FragOverlap))).toBe(true);
      expect(fed.events.slice(9, 16).some((e) => e.includes(DecodeEvent.Ipv4FragOverlap))).toBe(true);
      const d = fed.datagrams[0]!;
      expect(d.length).toBe(20 + 192);
      expect(Buffer.from(d.subarray(20)).toString('latin1')).toBe(expand(EXPECTED[name]!));
      expect(fed.defrag.activeFrags).toBe(0);
      expect(fed.defrag.activeTrackers).toBe(0);
      expect(fed.defrag.memuse).toBe(0);
    });
    it(`IPv6 ${name}`, () => {
      const fed = feed(
        specs.map((s) => frag6(s)),
        { ipv6Policy: POLICY[name]! },
      );
      expect(fed.results[16]).toBe(DefragResult.Complete);
      const d = fed.datagrams[0]!;
      expect(d.length).toBe(40 + 192);
      expect(d[6]).toBe(58); // next header: what followed the fragment header
      expect((d[4]! << 8) | d[5]!).toBe(192);
      expect(Buffer.from(d.subarray(40)).toString('latin1')).toBe(expand(EXPECTED[name]!));
    });
  }
});
