/**
 * `requires` (Suricata 7.0.3+, src/detect-requires.c / rust/src/detect/requires.rs): a rule
 * states what it needs, and a rule whose needs are not met is skipped silently (not an error;
 * counted apart from failures, RuleSet.skipped). It is evaluated before any other keyword, so
 * a rule for a newer engine may use keywords this one does not know.
 *
 *   requires: feature <name>[, feature <name>] [, version <op> <x[.y[.z]]> [<op> ...] [| ...]]
 *   requires: keyword <name>
 *
 * mirrorsink claims compatibility with Suricata SURICATA_COMPAT_VERSION (8.0.0): `version >= 8`
 * holds, `version >= 8.0.5` does not. Features: MIRRORSINK_FEATURES (none of Suricata's
 * optional build features — geoip, lua, ja3, ja4, hyperscan, ... — are present). `keyword`
 * asks whether the rule parser supports that keyword.
 */
import { invalidValue } from '../rule-error.js';

/** The Suricata version mirrorsink's rule language follows. */
export const SURICATA_COMPAT_VERSION: readonly [number, number, number] = [8, 0, 0];

/** Suricata "features" this engine has (see `requires: feature`). */
export const MIRRORSINK_FEATURES: ReadonlySet<string> = new Set<string>();

function parseVersion(text: string): [number, number, number] {
  if (!/^\d+(\.\d+){0,2}$/.test(text)) throw invalidValue('requires', `bad version '${text}'`);
  const p = text.split('.').map(Number);
  return [p[0]!, p[1] ?? 0, p[2] ?? 0];
}

function cmpVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** One `version` expression: alternatives split on `|`, each a list of `<op> <version>`. */
function versionHolds(expr: string, have: readonly number[]): boolean {
  const alts = expr.split('|');
  let any = false;
  for (const alt of alts) {
    const parts = alt.trim().match(/(>=|<=|>|<|=)\s*([0-9.]+)/g);
    const rest = alt.replace(/(>=|<=|>|<|=)\s*([0-9.]+)/g, '').trim();
    if (parts === null || rest !== '') throw invalidValue('requires', `cannot parse version '${alt.trim()}'`);
    let ok = true;
    for (const part of parts) {
      const m = /^(>=|<=|>|<|=)\s*([0-9.]+)$/.exec(part)!;
      const c = cmpVersion(have, parseVersion(m[2]!));
      const op = m[1];
      const holds = op === '>=' ? c >= 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '<' ? c < 0 : c === 0;
      if (!holds) ok = false;
    }
    if (ok) any = true;
  }
  return any;
}

/**
 * Evaluate a requires value: null when every requirement holds, else what is missing.
 * Throws RuleError (invalid 'requires') for a value that cannot be read.
 */
export function unmetRequirement(value: string, isKeyword: (name: string) => boolean, version: readonly number[] = SURICATA_COMPAT_VERSION): string | null {
  let unmet: string | null = null;
  for (const item of value.split(',')) {
    const t = item.trim();
    if (t === '') continue;
    const sp = t.search(/\s/);
    const kind = sp < 0 ? t : t.slice(0, sp);
    const arg = sp < 0 ? '' : t.slice(sp + 1).trim();
    if (arg === '') throw invalidValue('requires', `'${t}' has no value`);
    switch (kind) {
      case 'feature':
        if (!MIRRORSINK_FEATURES.has(arg) && unmet === null) unmet = `feature ${arg}`;
        break;
      case 'keyword':
        if (!isKeyword(arg) && unmet === null) unmet = `keyword ${arg}`;
        break;
      case 'version':
        if (!versionHolds(arg, version) && unmet === null) unmet = `version ${arg} (this is ${version.join('.')})`;
        break;
      default:
        throw invalidValue('requires', `unknown requirement '${kind}' (feature, keyword, version)`);
    }
  }
  return unmet;
}
