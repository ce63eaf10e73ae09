/**
 * Loading rule files into a RuleSet.
 *
 * File syntax as Suricata reads it: one rule per line, a line ending in `\` continues on the
 * next one, `#` starts a comment line, blank lines are ignored. Every other line is a rule:
 * it either loads or is counted as failed with `file:line`, its sid when one can be read and
 * the reason — a bad or unsupported rule never stops the load. A rules file that cannot be
 * read is a MirrorsinkError(E_RULE). A directory stands for its *.rules files (sorted).
 *
 * Duplicate gid:sid: as Suricata, the rule with the higher rev wins and the other counts as
 * failed ("duplicate sid"); with equal revs the first one loaded stays.
 *
 * Evaluation order (= alert order within a packet) is Suricata's default: by action
 * (pass, drop, reject, alert), then flowbits role (rules that only set, set and read, only
 * read, no flowbits), then priority, then load order.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import type { AddressSet } from './address-set.js';
import { isAddressExpression } from './address-set.js';
import { loadClassificationFile, standardClassifications, type Classification } from './classification.js';
import { FlowbitNames } from './keywords/flowbits.js';
import type { PortSet } from './port-set.js';
import { isPortExpression } from './port-set.js';
import type { Rule, RuleFailure } from './rule.js';
import { RuleError, RuleSkipped } from './rule-error.js';
import { parseRule, sniffSid, type ParseContext } from './rule-parser.js';
import { buildVariables, type RuleVarsConfig } from './variables.js';

function findRulesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Compiled: dist/src/detect → ../../../rules; from source (tests): src/detect → ../../rules.
  const compiled = path.resolve(here, '..', '..', '..', 'rules');
  const source = path.resolve(here, '..', '..', 'rules');
  return existsSync(compiled) || !existsSync(source) ? compiled : source;
}

/** The rules/ directory shipped with the package (the default ruleset). */
export const DEFAULT_RULES_DIR = findRulesDir();

export interface LoadOptions {
  /**
   * Variables: either a suricata.yaml-style `{ 'address-groups': {...}, 'port-groups': {...} }`
   * or a flat `{ NAME: VALUE }` (from --var), where each value goes to the address groups if it
   * parses as an address expression and to the port groups if it parses as a port expression.
   */
  vars?: RuleVarsConfig | Record<string, string>;
  /** A classification.config replacing the built-in standard table. */
  classificationPath?: string;
}

export class RuleSet {
  /** Loaded rules in evaluation order; rules[i].id === i. */
  readonly rules: Rule[];
  readonly failures: RuleFailure[];
  /** Rules skipped because their `requires` is not met (not failures, as in Suricata). */
  readonly skipped: RuleFailure[];
  readonly warnings: string[];
  readonly files: string[];
  readonly flowbits: FlowbitNames;
  readonly classifications: ReadonlyMap<string, Classification>;
  /** Wall-clock time of the load (seconds since the epoch). */
  readonly loadedAt: number;

  constructor(
    rules: Rule[],
    failures: RuleFailure[],
    warnings: string[],
    files: string[],
    flowbits: FlowbitNames,
    classifications: ReadonlyMap<string, Classification>,
    skipped: RuleFailure[] = [],
  ) {
    this.rules = rules;
    this.failures = failures;
    this.skipped = skipped;
    this.warnings = warnings;
    this.files = files;
    this.flowbits = flowbits;
    this.classifications = classifications;
    this.loadedAt = Date.now() / 1000;
  }

  get loaded(): number {
    return this.rules.length;
  }

  get failed(): number {
    return this.failures.length;
  }

  /** Failures counted by category ("unsupported keyword 'http.uri'", ...), largest first. */
  get failuresByReason(): Record<string, number> {
    const m = new Map<string, number>();
    for (const f of this.failures) m.set(f.category, (m.get(f.category) ?? 0) + 1);
    return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  }

  bySid(sid: number, gid = 1): Rule | undefined {
    return this.rules.find((r) => r.sid === sid && r.gid === gid);
  }
}

function isVarsConfig(v: LoadOptions['vars']): v is RuleVarsConfig {
  return v !== undefined && ('address-groups' in v || 'port-groups' in v);
}

/** Builds the parse context (variables, classifications) once per load. */
function makeContext(opts: LoadOptions): ParseContext {
  let vars;
  if (opts.vars === undefined || isVarsConfig(opts.vars)) {
    vars = buildVariables(opts.vars as RuleVarsConfig | undefined);
  } else {
    vars = buildVariables();
    const flat = opts.vars as Record<string, string>;
    // Values may refer to each other: resolve against the defaults plus all given values.
    const addr = new Map(vars.address);
    const port = new Map(vars.port);
    for (const [k, v] of Object.entries(flat)) {
      addr.set(k, v);
      port.set(k, v);
    }
    for (const [k, v] of Object.entries(flat)) {
      const name = k.startsWith('$') ? k.slice(1) : k;
      const a = isAddressExpression(v, addr);
      const p = isPortExpression(v, port);
      if (a) vars.address.set(name, v);
      if (p) vars.port.set(name, v);
      if (!a && !p) throw new MirrorsinkError(ErrorCode.Rule, `variable ${name}: '${v}' is neither an address nor a port expression`);
    }
  }
  const classifications = opts.classificationPath ? loadClassificationFile(opts.classificationPath) : standardClassifications();
  return {
    addressVars: vars.address,
    portVars: vars.port,
    classifications,
    flowbits: new FlowbitNames(),
    addressCache: new Map<string, AddressSet>(),
    portCache: new Map<string, PortSet>(),
  };
}

interface RuleText {
  text: string;
  line: number;
}

/** Rule texts of a file: comments and blank lines dropped, continuations joined. */
export function splitRuleLines(content: string): RuleText[] {
  const out: RuleText[] = [];
  const lines = content.split(/\r?\n/);
  let acc = '';
  let startLine = 0;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (acc === '') {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      startLine = i + 1;
    }
    const trimmedEnd = line.trimEnd();
    if (trimmedEnd.endsWith('\\')) {
      line = trimmedEnd.slice(0, -1);
      acc += line;
      continue;
    }
    acc += line;
    out.push({ text: acc.trim(), line: startLine });
    acc = '';
  }
  if (acc.trim() !== '') out.push({ text: acc.trim(), line: startLine });
  return out;
}

function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      const msg = err instanceof Error && 'code' in err && err.code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
      throw new MirrorsinkError(ErrorCode.Rule, `cannot read rules file ${p}: ${msg}`);
    }
    if (st.isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => f.endsWith('.rules'))
        .sort()
        .map((f) => path.join(p, f));
      out.push(...files);
    } else out.push(p);
  }
  return out;
}

class Builder {
  readonly ctx: ParseContext;
  readonly rules: Rule[] = [];
  readonly failures: RuleFailure[] = [];
  readonly skipped: RuleFailure[] = [];
  readonly files: string[] = [];
  private loadIndex = 0;
  private readonly bySid = new Map<string, number>();

  constructor(opts: LoadOptions) {
    this.ctx = makeContext(opts);
  }

  addText(content: string, file: string): void {
    this.files.push(file);
    for (const { text, line } of splitRuleLines(content)) {
      let rule: Rule;
      try {
        rule = parseRule(text, this.ctx, { file, line, loadIndex: this.loadIndex++ });
      } catch (err) {
        if (!(err instanceof RuleError)) throw err;
        if (err instanceof RuleSkipped) {
          this.skipped.push({ file, line, sid: sniffSid(text), reason: err.reason, category: err.category });
          continue;
        }
        this.failures.push({ file, line, sid: sniffSid(text), reason: err.reason, category: err.category });
        continue;
      }
      const key = `${rule.gid}:${rule.sid}`;
      const prev = this.bySid.get(key);
      if (prev !== undefined) {
        const old = this.rules[prev]!;
        if (rule.rev > old.rev) {
          this.failures.push({ file: old.file, line: old.line, sid: old.sid, reason: `duplicate sid ${key} (replaced by rev ${rule.rev} at ${file}:${line})`, category: 'duplicate sid' });
          this.rules[prev] = rule;
        } else {
          this.failures.push({ file, line, sid: rule.sid, reason: `duplicate sid ${key} (already loaded from ${old.file}:${old.line})`, category: 'duplicate sid' });
        }
        continue;
      }
      this.bySid.set(key, this.rules.length);
      this.rules.push(rule);
    }
  }

  finish(): RuleSet {
    const rules = this.rules.slice().sort(
      (a, b) => a.action - b.action || a.flowbitsRole - b.flowbitsRole || a.priority - b.priority || a.loadIndex - b.loadIndex,
    );
    rules.forEach((r, i) => {
      r.id = i;
    });
    const warnings: string[] = [];
    const fb = this.ctx.flowbits;
    for (const b of fb.checkedBy) {
      if (!fb.setBy.has(b)) warnings.push(`flowbit '${fb.names[b]}' is checked but never set`);
    }
    return new RuleSet(rules, this.failures, warnings, this.files, fb, this.ctx.classifications, this.skipped);
  }
}

/** Load rule files (or directories of *.rules). */
export function loadRuleFiles(paths: string[], opts: LoadOptions = {}): RuleSet {
  const files = expandPaths(paths);
  const b = new Builder(opts);
  for (const f of files) {
    let content: string;
    try {
      content = readFileSync(f, 'utf8');
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new MirrorsinkError(ErrorCode.Rule, `cannot read rules file ${f}: ${msg}`);
    }
    b.addText(content, f);
  }
  return b.finish();
}

/** Load rules from text (tests, benchmarks, inline rules). */
export function loadRulesText(text: string, opts: LoadOptions & { file?: string } = {}): RuleSet {
  const b = new Builder(opts);
  b.addText(text, opts.file ?? '<text>');
  return b.finish();
}
