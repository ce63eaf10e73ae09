/**
 * `mirrorsink rules check FILE... [--json] [--var NAME=VALUE]... [--classification FILE]`:
 * load Suricata-language rule files the way replay/serve would and report what loaded and
 * why the rest did not, and which pcre engine runs. Exit 0 when every rule loaded, 1 when a
 * rule failed (so CI can gate on it; --allow-failures for full rulesets such as ET Open whose
 * app-layer rules are expected to be skipped) or a file is missing.
 */
import { prefilterEngine } from '../../detect/prefilter-native.js';
import { parseCommandArgs } from '../args.js';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';
import { loadRuleFiles } from '../../detect/rule-loader.js';
import { OpType, type PcreOp } from '../../detect/keywords/payload.js';
import { PCRE_MATCH_LIMIT } from '../../detect/pcre-vm.js';

/** The payload size the pcre notes are about (an MTU-sized packet). */
const NOTE_LEN = 1500;
export const PCRE_ENGINE = `bounded backtracking matcher (pcre-vm; linear time via a visited bitmap, at most ${PCRE_MATCH_LIMIT} steps per search)`;

export const HELP = `Usage: mirrorsink rules check FILE... [options]

Load rule files (or directories of *.rules) and report how many rules loaded, how many were
skipped and why, summarised by reason ("unsupported protocol 'http'", "unsupported keyword
'http.uri'", "invalid 'content'", ...).

Options:
  --json                  {"loaded": N, "failed": N, "failures_by_reason": {...},
                           "failures": [{"file", "line", "sid", "reason"}...], "warnings": [...]}
  --var NAME=VALUE        set a rule variable (repeatable), e.g. --var HOME_NET=[10.0.0.0/8]
                          (an address group if VALUE is an address expression, a port group if
                          it is a port expression)
  --classification FILE   classification.config to use instead of the built-in standard table
  --verbose               list every skipped rule (text output lists the first 20)
  --allow-failures        exit 0 even when rules were skipped (full rulesets such as ET Open)
  -h, --help              this text

pcre runs on a bounded matcher (no native regex engine); rules whose pcre can only be bounded
by the step limit (back references, very large counted repetitions) are listed as notes.

Exit status: 0 when every rule loaded (or --allow-failures), 1 when a rule failed to load or a
file cannot be read, 2 on a usage error.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('rules', args, {
    json: { type: 'boolean' },
    var: { type: 'string', multiple: true },
    classification: { type: 'string' },
    verbose: { type: 'boolean' },
    'allow-failures': { type: 'boolean' },
  });
  if (help) {
    process.stdout.write(HELP);
    return ExitCode.Ok;
  }
  const [sub, ...files] = positionals;
  if (sub !== 'check') {
    throw new MirrorsinkError(ErrorCode.Usage, `rules: unknown subcommand '${sub ?? ''}' (see 'mirrorsink rules --help')`);
  }
  if (files.length === 0) throw new MirrorsinkError(ErrorCode.Usage, "rules check: no rule file given (see 'mirrorsink rules --help')");

  const vars: Record<string, string> = {};
  for (const v of (values.var as string[] | undefined) ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new MirrorsinkError(ErrorCode.Usage, `rules: --var expects NAME=VALUE, got '${v}'`);
    vars[v.slice(0, eq).replace(/^\$/, '')] = v.slice(eq + 1);
  }
  const rs = loadRuleFiles(files, {
    vars: Object.keys(vars).length > 0 ? vars : undefined,
    classificationPath: values.classification as string | undefined,
  });

  const exit = rs.failed > 0 && values['allow-failures'] !== true ? ExitCode.Failure : ExitCode.Ok;
  // pcres that only the step limit bounds (no linear-time guarantee): named, not refused.
  const pcreNotes: { sid: number; reason: string }[] = [];
  for (const r of rs.rules) {
    for (const op of r.payload) {
      if (op.type !== OpType.Pcre) continue;
      const why = (op as PcreOp).prog.limitOnly(NOTE_LEN);
      if (why !== null) pcreNotes.push({ sid: r.sid, reason: `pcre ${(op as PcreOp).source.length > 60 ? 'pattern' : `'${(op as PcreOp).source}'`} bounded by the step limit only (${why})` });
    }
  }

  if (values.json === true) {
    const out = {
      loaded: rs.loaded,
      failed: rs.failed,
      skipped: rs.skipped.length,
      failures_by_reason: rs.failuresByReason,
      failures: rs.failures.map((f) => ({ file: f.file, line: f.line, sid: f.sid, reason: f.reason })),
      warnings: rs.warnings,
      pcre_engine: PCRE_ENGINE,
      prefilter_engine: prefilterEngine().description,
      pcre_notes: pcreNotes,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    return exit;
  }

  const lines: string[] = [];
  lines.push(`loaded: ${rs.loaded}`);
  lines.push(`failed: ${rs.failed}`);
  // Rules whose `requires` is not met: skipped, as Suricata does, and not failures.
  if (rs.skipped.length > 0) lines.push(`skipped: ${rs.skipped.length} (requires not met)`);
  const by = Object.entries(rs.failuresByReason);
  if (by.length > 0) {
    lines.push('failures by reason:');
    const w = Math.max(...by.map(([, n]) => String(n).length));
    for (const [reason, n] of by) lines.push(`  ${String(n).padStart(w)}  ${reason}`);
  }
  const limit = values.verbose === true ? Infinity : 20;
  if (rs.failures.length > 0) {
    lines.push('skipped rules:');
    for (const f of rs.failures.slice(0, limit)) {
      lines.push(`  ${f.file}:${f.line}${f.sid !== null ? ` (sid ${f.sid})` : ''}: ${f.reason}`);
    }
    if (rs.failures.length > limit) lines.push(`  ... ${rs.failures.length - limit} more (--verbose or --json lists all)`);
  }
  for (const w of rs.warnings) lines.push(`warning: ${w}`);
  lines.push(`pcre engine: ${PCRE_ENGINE}`);
  lines.push(`prefilter engine: ${prefilterEngine().description}`);
  for (const n of pcreNotes) lines.push(`note: sid ${n.sid}: ${n.reason}`);
  if (exit !== ExitCode.Ok) lines.push(`${rs.failed} rule(s) failed to load: exit 1 (--allow-failures to accept)`);
  process.stdout.write(lines.join('\n') + '\n');
  return exit;
}
