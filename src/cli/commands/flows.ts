/**
 * `mirrorsink flows query 'QUERY' FILE... [--json]`: run a CloudWatch Logs Insights query over
 * VPC Flow Logs files — mirrorsink's own (--flows-dir output) or real ones fetched from S3 —
 * gzip or plain, default format or any custom format with a header line.
 */
import { parseCommandArgs } from '../args.js';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';
import { parseQuery } from '../../query/insights-parser.js';
import { QueryRunner, unknownFieldText, unknownFields } from '../../query/insights-eval.js';
import { DEFAULT_QUERY_FIELDS, readFlowLogFiles } from '../../query/flow-log-reader.js';
import { formatJsonLines, formatTable } from '../../query/result-format.js';

export const HELP = `Usage: mirrorsink flows query 'QUERY' FILE|DIR... [--json]

Run a CloudWatch Logs Insights query over VPC Flow Logs files: gzip or plain text (the
default format or a custom one announced by a header line, as S3 delivery writes it) or
Apache Parquet (*.log.parquet, AWS's column names), told apart by content.
Directories are read recursively. '-' in a record is a missing value.

Fields (Insights names): version accountId interfaceId srcAddr dstAddr srcPort dstPort
protocol packets bytes start end action logStatus, and for custom formats vpcId subnetId
instanceId tcpFlags type pktSrcAddr pktDstAddr region azId flowDirection trafficPath ...
plus @timestamp (= start), @message (the line) and @log (the file).

Commands (joined with |):
  fields EXPR [as NAME], ...     choose (and compute) the columns shown
  display FIELD, ...             set the columns shown
  filter EXPR                    = != < <= > >= and or not, like 'text' or /regex/, =~,
                                 in [a, b], isIpInSubnet(field, "10.0.0.0/8"), + - * / %
  stats AGG [as NAME], ... [by EXPR [as NAME], ...]
                                 count(*) count(f) count_distinct sum avg min max
                                 pct(f, N) stddev earliest latest; bin(5m) for time buckets
  sort EXPR [asc|desc], ...      Insights' natural order (numbers after text)
  limit N
  dedup FIELD, ...

Example:
  mirrorsink flows query 'stats sum(packets) as packetsTransferred by srcAddr, dstAddr
    | sort packetsTransferred desc | limit 15' flows/

A field no row has where the query names it (a typo such as dstport, or a name stats did
not keep) is reported with the fields there: a warning, or an error with --strict.
Regular expressions (JavaScript syntax) are matched in time linear in the text, whatever
the pattern: backreferences and lookarounds, which need backtracking, are refused.

Options:
  --json       one JSON object per row (keys as displayed) instead of a table
  --strict     an unknown field is an error (exit 1), not a warning
  -h, --help   this text
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('flows', args, { json: { type: 'boolean' }, strict: { type: 'boolean' } });
  if (help) {
    process.stdout.write(HELP);
    return ExitCode.Ok;
  }
  const [sub, query, ...files] = positionals;
  if (sub !== 'query') {
    throw new MirrorsinkError(ErrorCode.Usage, `flows: expected 'query' as subcommand${sub ? `, got '${sub}'` : ''} (see 'mirrorsink flows --help')`);
  }
  if (query === undefined) throw new MirrorsinkError(ErrorCode.Usage, 'flows query: missing QUERY');
  if (files.length === 0) throw new MirrorsinkError(ErrorCode.Usage, 'flows query: missing FILE (flow-log files or directories)');
  const parsed = parseQuery(query);
  const runner = new QueryRunner(parsed);
  const stats = await readFlowLogFiles(files, (row) => runner.push(row));
  // Known only once the files are read: their header lines say which fields exist.
  const unknown = unknownFields(parsed, stats.records > 0 && stats.columns !== undefined ? stats.columns : DEFAULT_QUERY_FIELDS);
  if (unknown.length > 0 && values.strict === true) {
    throw new MirrorsinkError(ErrorCode.Query, `query: ${unknownFieldText(unknown[0]!)}`);
  }
  for (const u of unknown) process.stderr.write(`flows query: warning: ${unknownFieldText(u)}\n`);
  const result = runner.finish();
  const text = values.json === true ? formatJsonLines(result) : formatTable(result);
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  if (stats.malformed > 0) {
    process.stderr.write(`flows query: skipped ${stats.malformed} line(s) whose field count does not match the format\n`);
  }
  return ExitCode.Ok;
}
