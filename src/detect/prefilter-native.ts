/**
 * The optional native prefilter engine (native/hyperscan/hs_prefilter.c): Hyperscan, or its
 * portable fork Vectorscan (arm64), compiles each rule group's fast patterns (per buffer) into
 * one block-mode literal database and scans a payload with SIMD, writing the ids of the
 * patterns found into the same Int32Array the JavaScript automaton uses, with no JavaScript
 * call per match. The semantics are those of the JavaScript AhoCorasick exactly (the patterns
 * are already ASCII-folded and cut to MAX_PATTERN bytes, so every one is HS_FLAG_CASELESS, and
 * each id is reported once per scan: HS_FLAG_SINGLEMATCH), so both engines select the same
 * candidate rules; the tests check that.
 *
 * A call into the addon costs about as much as the JavaScript automaton spends on a short
 * payload, so payloads shorter than `nativeMinBytes` still go through the JavaScript DFA
 * (chosen by measurement, bench/prefilter-scan.ts).
 *
 * Built by native/build.mjs when libhyperscan-dev / libvectorscan-dev is installed; absent,
 * failed to load, on a CPU the library does not support, or switched off with
 * MIRRORSINK_NO_NATIVE_PREFILTER=1, detection uses the JavaScript automaton alone and
 * prefilterEngine() says why (start-up log, `serve --check`, `rules check`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AhoCorasick, MAX_PATTERN } from './prefilter.js';

/** What rule groups scan with: AhoCorasick, or NativeScanner in front of one. */
export interface PatternScanner {
  readonly patternCount: number;
  /** Pattern ids found by the last scan(), hitCount of them. */
  readonly hits: Int32Array;
  hitCount: number;
  scan(buf: Uint8Array, start: number, end: number): number;
}

interface HsModule {
  abi: number;
  compile(bytes: Uint8Array, lens: Uint32Array, flags: Uint32Array, hits: Int32Array): unknown;
  scan(db: unknown, buf: Uint8Array, start: number, end: number): number;
  noop(db: unknown, buf: Uint8Array, start: number, end: number): number;
  platformOk(): string;
  version(): string;
}

export const NATIVE_PREFILTER_HINT =
  'apt-get install libhyperscan-dev (x86-64) or libvectorscan-dev (arm64), then `npm run build:native`';
/** Environment switch that keeps detection on the JavaScript automaton. */
export const NO_NATIVE_ENV = 'MIRRORSINK_NO_NATIVE_PREFILTER';

/**
 * Payloads shorter than this are scanned by the JavaScript DFA even when the native engine is
 * loaded: below it the N-API call costs more than the JavaScript scan saves (measured with
 * bench/prefilter-scan.ts --native on the bench capture's payloads; see the README).
 */
export const NATIVE_MIN_BYTES = 48;

type Load = { module: HsModule; version: string } | { why: string };
let loaded: Load | null = null;
let enabled = true;

function addonPath(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const p = path.resolve(here, up, 'native', 'hyperscan', 'build', 'Release', 'hs_prefilter.node');
    if (existsSync(p)) return p;
  }
  return null;
}

function load(): Load {
  if (loaded !== null) return loaded;
  if (process.env[NO_NATIVE_ENV] === '1') return (loaded = { why: `switched off by ${NO_NATIVE_ENV}=1` });
  return (loaded = loadHsAddon(addonPath()));
}

/** Load the addon from `file` (null: not built): the module, or why it cannot be used. */
export function loadHsAddon(file: string | null): Load {
  if (file === null) return { why: `not built (${NATIVE_PREFILTER_HINT})` };
  try {
    const m = createRequire(import.meta.url)(file) as Partial<HsModule>;
    if (m.abi !== 1 || typeof m.compile !== 'function' || typeof m.scan !== 'function' || typeof m.platformOk !== 'function') {
      return { why: `${file} does not match this version of mirrorsink (run \`npm run build:native\`)` };
    }
    const bad = m.platformOk();
    if (bad !== '') return { why: bad };
    return { module: m as HsModule, version: (m as HsModule).version() };
  } catch (err) {
    // A missing libhs.so (library removed after the build) lands here too.
    return { why: `could not be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/** The loaded addon, or null (not built, unusable, switched off here or by setNativePrefilter). */
export function nativePrefilterModule(): HsModule | null {
  if (!enabled) return null;
  const l = load();
  return 'module' in l ? l.module : null;
}

/**
 * Turn the native engine off (or back on) for rule groups built from now on: tests and the
 * bench compare both engines in one process. Engines already built keep theirs.
 */
export function setNativePrefilter(on: boolean): void {
  enabled = on;
}

/** One line for start-up logs, `serve --check` and `rules check`. */
export function prefilterEngine(): { native: boolean; description: string } {
  const l = load();
  if ('module' in l && enabled) {
    return { native: true, description: `Hyperscan ${l.version} (native, payloads of ${NATIVE_MIN_BYTES}+ bytes; shorter ones: JavaScript Aho-Corasick)` };
  }
  const why = 'module' in l ? 'switched off' : l.why;
  return { native: false, description: `JavaScript Aho-Corasick (native Hyperscan prefilter ${why})` };
}

/**
 * The native database in front of a JavaScript automaton over the same patterns: hits land in
 * the automaton's `hits` array either way, so callers see one scanner.
 */
export class NativeScanner implements PatternScanner {
  readonly patternCount: number;
  readonly hits: Int32Array;
  hitCount = 0;
  private readonly js: AhoCorasick;
  private readonly mod: HsModule;
  private readonly db: unknown;
  private readonly minBytes: number;
  /** Shortest (cut) pattern: a shorter buffer cannot hold any, so it is not scanned. */
  private readonly minPattern: number;

  constructor(mod: HsModule, patterns: readonly Uint8Array[], js: AhoCorasick, minBytes = NATIVE_MIN_BYTES) {
    this.mod = mod;
    this.js = js;
    this.hits = js.hits;
    this.patternCount = patterns.length;
    this.minBytes = minBytes;
    let total = 0;
    let shortest = MAX_PATTERN;
    for (const p of patterns) {
      total += Math.min(p.length, MAX_PATTERN);
      if (p.length < shortest) shortest = p.length;
    }
    this.minPattern = shortest;
    const bytes = new Uint8Array(total);
    const lens = new Uint32Array(patterns.length);
    let off = 0;
    patterns.forEach((p, i) => {
      const cut = p.length > MAX_PATTERN ? p.subarray(0, MAX_PATTERN) : p;
      bytes.set(cut, off);
      lens[i] = cut.length;
      off += cut.length;
    });
    // Folded patterns: caseless, as the JavaScript automaton folds the text.
    this.db = mod.compile(bytes, lens, new Uint32Array(patterns.length).fill(1), this.hits);
  }

  scan(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const n = len < this.minPattern ? 0 : len < this.minBytes ? this.js.scan(buf, start, end) : this.mod.scan(this.db, buf, start, end);
    this.hitCount = n;
    return n;
  }
}

/**
 * The scanner for one rule group's (or buffer's) folded fast patterns: native when the addon
 * is usable and every pattern is non-empty, else the JavaScript automaton.
 */
export function buildScanner(patterns: readonly Uint8Array[], minBytes = NATIVE_MIN_BYTES): PatternScanner {
  const js = new AhoCorasick(patterns);
  const mod = nativePrefilterModule();
  if (mod === null || patterns.length === 0 || patterns.some((p) => p.length === 0)) return js;
  return new NativeScanner(mod, patterns, js, minBytes);
}
