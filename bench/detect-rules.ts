/**
 * Rule sets for the detection benchmark: N content rules whose patterns are substrings of the
 * payloads of the capture being replayed, so the prefilter and the content inspector have
 * real work (hits, near-misses, many patterns sharing prefixes) rather than patterns that
 * never occur. Deterministic for a given (n, payloads, seed).
 *
 *   const payloads = collectPayloads('capture.pcap', 2000);
 *   const text = generateContentRules(1000, payloads);
 *   const rs = loadRulesText(text);
 */
import { DecodeCounters } from '../src/decode/decode-events.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { PacketView } from '../src/decode/packet-view.js';
import { readCaptureFile } from '../src/source/capture-file.js';

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

/**
 * Rules text with `n` content rules (`alert ip any any -> any any`) whose patterns are random
 * substrings of `payloads`. Payloads shorter than the minimum length are skipped; with no
 * usable payload the patterns are random bytes.
 */
export function generateContentRules(n: number, payloads: Uint8Array[], opts: ContentRuleOptions = {}): string {
  const rnd = prng(opts.seed ?? 1);
  const minLen = Math.max(1, opts.minLength ?? 6);
  const maxLen = Math.max(minLen, opts.maxLength ?? 16);
  const firstSid = opts.firstSid ?? 1000000;
  const nocaseEvery = opts.nocaseEvery ?? 4;
  const usable = payloads.filter((p) => p.length >= minLen);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = minLen + Math.floor(rnd() * (maxLen - minLen + 1));
    let pat: Uint8Array;
    if (usable.length > 0) {
      const p = usable[Math.floor(rnd() * usable.length)]!;
      const l = Math.min(len, p.length);
      const start = Math.floor(rnd() * (p.length - l + 1));
      pat = p.subarray(start, start + l);
    } else {
      pat = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
    }
    const nocase = nocaseEvery > 0 && i % nocaseEvery === nocaseEvery - 1 ? ' nocase;' : '';
    lines.push(`alert ip any any -> any any (msg:"bench content rule ${i + 1}"; content:"${contentLiteral(pat)}";${nocase} sid:${firstSid + i}; rev:1;)`);
  }
  return lines.join('\n') + '\n';
}

/** Copies of the first `limit` non-empty (inner) payloads of a capture file. */
export function collectPayloads(file: string, limit = 2000): Uint8Array[] {
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
      if (p.error === 0 && p.payloadLen > 0) out.push(p.buf.slice(p.payloadOffset, p.payloadOffset + p.payloadLen));
    },
  });
  return out;
}
