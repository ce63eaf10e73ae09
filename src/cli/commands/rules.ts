/**
 * `mirrorsink rules check FILE... [--json] [--var NAME=VALUE]... [--classification FILE]`:
 * load Suricata-language rule files the way replay/serve would and report what loaded and
 * why the rest did not. Exit 0 when the files could be read (skipped rules are normal: app-
 * layer rules of a full ruleset are expected to be skipped), 1 when a file is missing.
 */
import { parseCommandArgs } from '../args.js';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';
import { loadRuleFiles } from '../../detect/rule-loader.js';

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
  -h, --help              this text

Exit status: 0 when the files were read (even with skipped rules), 1 when a file cannot be
read, 2 on a usage error.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('rules', args, {
    json: { type: 'boolean' },
    var: { type: 'string', multiple: true },
    classification: { type: 'string' },
    verbose: { type: 'boolean' },
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

  if (values.json === true) {
    const out = {
      loaded: rs.loaded,
      failed: rs.failed,
      failures_by_reason: rs.failuresByReason,
      failures: rs.failures.map((f) => ({ file: f.file, line: f.line, sid: f.sid, reason: f.reason })),
      warnings: rs.warnings,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    return ExitCode.Ok;
  }

  const lines: string[] = [];
  lines.push(`loaded: ${rs.loaded}`);
  lines.push(`failed: ${rs.failed}`);
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
  process.stdout.write(lines.join('\n') + '\n');
  return ExitCode.Ok;
}
