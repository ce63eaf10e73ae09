/**
 * Rule sets for the detection benchmark, shaped like real signature sets against real traffic:
 * most patterns do NOT occur in the replayed payloads, a small fraction do.
 *
 *  - `hitFraction` (default 1 %, at least one rule when > 0) are verbatim payload substrings
 *    found in at most 1 % of the payloads, so some alerts fire and the alert path is
 *    exercised without dominating;
 *  - `randomFraction` (default 25 %) are random bytes (patterns that share nothing with the
 *    traffic: the scan mostly stays in the automaton's root);
 *  - the rest are payload substrings with one byte in their second half changed (so it differs
 *    even case-folded): near misses whose prefixes do occur, which drives the prefilter into
 *    deep states, the costly case for matching. Any that still occur in `payloads` (checked
 *    case-insensitively) get further bytes changed.
 *
 * So the replay measures matching cost (prefilter scan plus candidate inspection), not alert
 * output. Packets beyond the sampled payloads may still contain a changed pattern by chance;
 * the replay's alert count says how many alerts fired. Deterministic for (n, payloads, opts).
 *
 *   const payloads = collectPayloads('capture.pcap');
 *   const text = generateContentRules(1000, payloads);
 *   const rs = loadRulesText(text);
 */
import { DecodeCounters } from '../src/decode/decode-events.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { PacketView } from '../src/decode/packet-view.js';
import { readCaptureFile } from '../src/source/capture-file.js';
import { AhoCorasick } from '../src/detect/prefilter.js';

export interface ContentRuleOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Pattern length range in bytes. Default 6..16. */
  minLength?: number;
  maxLength?: number;
  /** First sid. Default 1000000. */
  firstSid?: number;
  /** Every k-th rule gets nocase (0 = none). Default 4. */
  nocaseEvery?: number;
  /** Fraction of patterns taken verbatim from the payloads (they alert). Default 0.01. */
  hitFraction?: number;
  /** Fraction of patterns that are random bytes. Default 0.25. */
  randomFraction?: number;
}

/** xorshift32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** A content string for bytes: printable ASCII as text, everything else (and " ; \ | :) as |hex|. */
export function contentLiteral(bytes: Uint8Array): string {
  let out = '';
  let hex: string[] = [];
  const flush = () => {
    if (hex.length > 0) out += `|${hex.join(' ')}|`;
    hex = [];
  };
  for (const b of bytes) {
    const printable = b >= 0x20 && b <= 0x7e && b !== 0x22 && b !== 0x3b && b !== 0x5c && b !== 0x7c && b !== 0x3a;
    if (printable) {
      flush();
      out += String.fromCharCode(b);
    } else hex.push(b.toString(16).padStart(2, '0'));
  }
  flush();
  return out;
}

/** ASCII case folding, as the detection engine's nocase and prefilter apply it. */
const fold = (b: number): number => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b);

/** The patterns generateContentRules uses (see the module comment), with their nocase flags. */
export function generatePatterns(n: number, payloads: Uint8Array[], opts: ContentRuleOptions = {}): { pattern: Uint8Array; nocase: boolean; verbatim: boolean }[] {
  const rnd = prng(opts.seed ?? 1);
  const minLen = Math.max(1, opts.minLength ?? 6);
  const maxLen = Math.max(minLen, opts.maxLength ?? 16);
  const nocaseEvery = opts.nocaseEvery ?? 4;
  const hitFraction = Math.min(1, Math.max(0, opts.hitFraction ?? 0.01));
  const randomFraction = Math.min(1, Math.max(0, opts.randomFraction ?? 0.25));
  const usable = payloads.filter((p) => p.length >= minLen);
  // Verbatim rules evenly spaced (deterministic count, not left to the PRNG).
  const hits = hitFraction > 0 && n > 0 ? Math.max(1, Math.round(n * hitFraction)) : 0;
  const hitEvery = hits > 0 ? Math.floor(n / hits) : 0;
  const out: { pattern: Uint8Array; nocase: boolean; verbatim: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const len = minLen + Math.floor(rnd() * (maxLen - minLen + 1));
    const verbatim = hitEvery > 0 && i % hitEvery === 0 && i / hitEvery < hits;
    const random = !verbatim && rnd() < randomFraction;
    let pat: Uint8Array;
    if (usable.length > 0 && !random) {
      const p = usable[Math.floor(rnd() * usable.length)]!;
      const l = Math.min(len, p.length);
      const start = Math.floor(rnd() * (p.length - l + 1));
      // A copy (Buffer#slice would be a view, and the byte change below would alter the payload).
      pat = new Uint8Array(p.subarray(start, start + l));
      if (!verbatim) {
        const j = (l >> 1) + Math.floor(rnd() * (l - (l >> 1)));
        const old = pat[j]!;
        let b = old;
        while (fold(b) === fold(old)) b = Math.floor(rnd() * 256);
        pat[j] = b;
      }
    } else {
      pat = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
    }
    out.push({ pattern: pat, nocase: nocaseEvery > 0 && i % nocaseEvery === nocaseEvery - 1, verbatim });
  }
  // A changed byte can still leave a pattern that occurs (e.g. inside long runs of one byte):
  // change such patterns again; and a verbatim pattern from a common region (zero runs,
  // protocol headers) would alert on most packets: pick another. A few rounds, checked
  // case-insensitively over the payloads with the engine's own prefilter.
  const maxVerbatimShare = 0.01;
  for (let round = 0; round < 8; round++) {
    const ac = new AhoCorasick(out.map((x) => x.pattern.map(fold)));
    const count = new Int32Array(out.length);
    for (const p of usable) {
      const k = ac.scan(p, 0, p.length);
      for (let h = 0; h < k; h++) count[ac.hits[h]!]!++;
    }
    let redo = 0;
    for (let i = 0; i < out.length; i++) {
      const x = out[i]!;
      if (x.verbatim && count[i]! > Math.max(1, usable.length * maxVerbatimShare)) {
        const p = usable[Math.floor(rnd() * usable.length)]!;
        const l = Math.min(x.pattern.length, p.length);
        const start = Math.floor(rnd() * (p.length - l + 1));
        x.pattern = new Uint8Array(p.subarray(start, start + l));
        redo++;
      } else if (!x.verbatim && count[i]! > 0) {
        const j = Math.floor(rnd() * x.pattern.length);
        const old = x.pattern[j]!;
        let b = old;
        while (fold(b) === fold(old)) b = Math.floor(rnd() * 256);
        x.pattern[j] = b;
        redo++;
      }
    }
    if (redo === 0) break;
  }
  return out;
}

/**
 * Rules text with `n` content rules (`alert ip any any -> any any`), patterns as described in
 * the module comment. Payloads shorter than the minimum length are skipped; with no usable
 * payload all patterns are random bytes.
 */
export function generateContentRules(n: number, payloads: Uint8Array[], opts: ContentRuleOptions = {}): string {
  const firstSid = opts.firstSid ?? 1000000;
  const lines = generatePatterns(n, payloads, opts).map(({ pattern, nocase }, i) => {
    const nc = nocase ? ' nocase;' : '';
    return `alert ip any any -> any any (msg:"bench content rule ${i + 1}"; content:"${contentLiteral(pattern)}";${nc} sid:${firstSid + i}; rev:1;)`;
  });
  return lines.join('\n') + '\n';
}

/**
 * Copies of the first `limit` non-empty (inner) payloads of a capture file (real copies: the
 * reader's Buffer is reused, and Buffer#slice would only be a view). The default covers all
 * ~3 100 distinct payloads of the bench capture, so "does not occur" above holds for all of it.
 */
export function collectPayloads(file: string, limit = 5000): Uint8Array[] {
  const out: Uint8Array[] = [];
  const p = new PacketView();
  const c = new DecodeCounters();
  readCaptureFile(file, {
    onFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec) {
      if (out.length >= limit) return;
      p.setFrame(buf, offset, caplen, wirelen, linktype);
      p.tsSec = tsSec;
      p.tsNsec = tsNsec;
      decodeFrame(p, c);
      if (p.error === 0 && p.payloadLen > 0) out.push(new Uint8Array(p.buf.subarray(p.payloadOffset, p.payloadOffset + p.payloadLen)));
    },
  });
  return out;
}
