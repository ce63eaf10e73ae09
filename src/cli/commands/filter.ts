/**
 * `mirrorsink filter check|explain|export`: validate AWS Traffic Mirror filter definitions, show
 * why a packet would (not) be mirrored, and write filters out for the AWS CLI, CloudFormation
 * and Terraform.
 */
import { writeFileSync } from 'node:fs';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';
import { parseCommandArgs, type OptionSpec } from '../args.js';
import { compileFilter, DIRECTION_UNKNOWN_POLICIES, type CompileFilterOptions, type DirectionUnknownPolicy } from '../../filter/compile.js';
import { explainPacket, formatExplanation, parsePacketSpec, type PacketDirection } from '../../filter/explain.js';
import { EXPORT_FORMATS, exportFilter, type ExportFormat } from '../../filter/export.js';
import { loadFilterFile, type LoadFilterResult } from '../../filter/load.js';
import { ruleText, type MirrorFilter } from '../../filter/model.js';
import { FilterValidationError, problemText } from '../../filter/problems.js';

const COMMON_HELP = `  --filter-id ID              the filter to use when the file holds several
                              (TrafficMirrorFilterId, Name tag, Terraform resource name)
  --strict                    AWS limits (10 rules per filter, rule numbers 1-32766, port ranges
                              only with TCP/UDP, known network services) are errors, not warnings`;

const EVAL_HELP = `  --amazon-dns-address ADDR   the Amazon DNS resolver address (VPC base + 2, e.g. 10.0.0.2;
                              IPv6 fd00:ec2::253); needed to honour network service amazon-dns
  --direction-unknown POLICY  packets of unknown direction: ${DIRECTION_UNKNOWN_POLICIES.join('|')} (default either:
                              mirrored when either rule list accepts)`;

const FORMATS_HELP = `Filter files (format told from the content): aws ec2 describe-traffic-mirror-filters JSON,
Terraform aws_ec2_traffic_mirror_filter(_rule) as .tf.json, terraform show -json or a simple
list, CloudFormation templates, and mirrorsink's YAML:
  filter: web-only
  network_services: [amazon-dns]
  ingress:
    - {rule: 100, action: accept, protocol: tcp, dst_port: 443, src: 0.0.0.0/0, dst: 10.0.0.0/16}`;

const HELP: Record<string, string> = {
  '': `Usage: mirrorsink filter <check|explain|export> FILE [options]

  check    validate a filter file and print its rules in evaluation order
  explain  say whether a packet would be mirrored, and why (rule by rule)
  export   write the filter as AWS CLI commands, CloudFormation or Terraform

Run 'mirrorsink filter <subcommand> --help' for its options.

${FORMATS_HELP}
`,
  check: `Usage: mirrorsink filter check FILE [--filter-id ID] [--strict] [--json]

Validate a traffic mirror filter file with AWS's rules and print, per direction, the rules in
the order they are evaluated (ascending rule number; the first match decides; no match = not
mirrored), then every warning. Exits 1 when the file has errors (all of them are listed).

${COMMON_HELP}
${EVAL_HELP}
  --json                      print one JSON object instead of text

${FORMATS_HELP}
`,
  explain: `Usage: mirrorsink filter explain FILE --packet "PACKET" [--packet ...] [options]

Say whether AWS would mirror the packet, which rule decided, and for every earlier rule why it
did not match.

PACKET: PROTO SRC -> DST [ingress|egress|unknown]
  PROTO  tcp, udp, icmp, icmpv6, gre, ... or 'proto N'
  SRC    10.0.0.5:443, 10.0.0.5, [2001:db8::1]:443 or 2001:db8::1 (ports only with tcp/udp)
  e.g.   --packet "tcp 10.0.0.5:443 -> 10.0.1.9:51000 ingress"

  --packet PACKET             the packet (repeatable)
  --direction DIR             direction when PACKET names none: ingress|egress|unknown
${COMMON_HELP}
${EVAL_HELP}
  --json                      print JSON (one object per packet, in a list)
`,
  export: `Usage: mirrorsink filter export FILE --format FORMAT [--output FILE] [options]

Write the filter for AWS tooling:
  aws-cli              shell script: aws ec2 create-traffic-mirror-filter,
                       modify-traffic-mirror-filter-network-services, create-traffic-mirror-filter-rule
  aws-json             the aws ec2 describe-traffic-mirror-filters JSON form
  cloudformation       template (YAML) with AWS::EC2::TrafficMirrorFilter(Rule) resources
  cloudformation-json  the same as JSON
  terraform            HCL aws_ec2_traffic_mirror_filter(_rule) resources
  terraform-json       the same as .tf.json
  yaml                 mirrorsink's own YAML

  --format FORMAT             one of ${EXPORT_FORMATS.join(', ')}
  --output, -o FILE           write to FILE instead of standard output
${COMMON_HELP}
`,
};

const COMMON_OPTS: OptionSpec = {
  'filter-id': { type: 'string' },
  strict: { type: 'boolean' },
};
const EVAL_OPTS: OptionSpec = {
  'amazon-dns-address': { type: 'string' },
  'direction-unknown': { type: 'string' },
};

function oneFile(cmd: string, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new MirrorsinkError(ErrorCode.Usage, `${cmd}: expected one filter FILE, got ${positionals.length} (see 'mirrorsink ${cmd} --help')`);
  }
  return positionals[0]!;
}

function loadOpts(values: Record<string, unknown>) {
  const o: { filterId?: string; strict?: boolean } = { strict: values.strict === true };
  if (typeof values['filter-id'] === 'string') o.filterId = values['filter-id'];
  return o;
}

function compileOpts(cmd: string, values: Record<string, unknown>): CompileFilterOptions {
  const o: CompileFilterOptions = {};
  const dns = values['amazon-dns-address'];
  if (typeof dns === 'string') o.amazonDnsAddress = dns;
  const pol = values['direction-unknown'];
  if (pol !== undefined) {
    if (!DIRECTION_UNKNOWN_POLICIES.includes(pol as DirectionUnknownPolicy)) {
      throw new MirrorsinkError(ErrorCode.Usage, `${cmd}: --direction-unknown must be one of ${DIRECTION_UNKNOWN_POLICIES.join(', ')}, got '${String(pol)}'`);
    }
    o.directionUnknown = pol as DirectionUnknownPolicy;
  }
  return o;
}

function filterLabel(f: MirrorFilter): string {
  const parts = [f.name, f.id].filter((x) => x !== undefined);
  return parts.length === 0 ? '(unnamed)' : parts.length === 2 && parts[0] !== parts[1] ? `${parts[0]} (${parts[1]})` : parts[0]!;
}

function ruleJson(r: MirrorFilter['ingress'][number]) {
  return {
    rule_number: r.ruleNumber,
    action: r.action,
    protocol: r.protocol,
    source_cidr: r.srcCidr,
    source_ports: r.srcPorts,
    destination_cidr: r.dstCidr,
    destination_ports: r.dstPorts,
    description: r.description ?? null,
  };
}

async function check(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('filter check', args, { ...COMMON_OPTS, ...EVAL_OPTS, json: { type: 'boolean' } });
  if (help) {
    process.stdout.write(HELP.check!);
    return ExitCode.Ok;
  }
  const file = oneFile('filter check', positionals);
  const json = values.json === true;
  let loaded: LoadFilterResult;
  try {
    loaded = loadFilterFile(file, loadOpts(values));
  } catch (err) {
    if (!(err instanceof FilterValidationError)) throw err;
    if (json) {
      const toJson = (p: (typeof err.problems)[number]) => ({ path: p.path, line: p.line, message: p.message });
      process.stdout.write(JSON.stringify({
        ok: false,
        file,
        errors: err.problems.filter((p) => p.severity === 'error').map(toJson),
        warnings: err.problems.filter((p) => p.severity === 'warning').map(toJson),
      }, null, 2) + '\n');
    } else {
      process.stderr.write(`mirrorsink: ${err.message}\n`);
      const warnings = err.problems.filter((p) => p.severity === 'warning');
      if (warnings.length > 0) process.stderr.write(`warnings:\n${warnings.map((p) => `  ${problemText(p)}`).join('\n')}\n`);
    }
    return ExitCode.Failure;
  }
  const compiled = compileFilter(loaded.filter, compileOpts('filter check', values));
  const f = loaded.filter;
  const notes = compiled.notes();
  if (json) {
    process.stdout.write(JSON.stringify({
      ok: true,
      file,
      format: loaded.format,
      filter: {
        id: f.id ?? null,
        name: f.name ?? null,
        description: f.description ?? null,
        network_services: f.networkServices,
        amazon_dns_address: compiled.amazonDnsAddresses.length > 0 ? compiled.amazonDnsAddresses : null,
        direction_unknown: compiled.directionUnknown,
        ingress: f.ingress.map(ruleJson),
        egress: f.egress.map(ruleJson),
      },
      notes,
      warnings: loaded.problems.map((p) => ({ path: p.path, line: p.line, message: p.message })),
      errors: [],
    }, null, 2) + '\n');
    return ExitCode.Ok;
  }
  const out: string[] = [`filter ${filterLabel(f)}: ${file} (${loaded.format})`];
  if (f.description) out.push(`description: ${f.description}`);
  out.push(`network services: ${f.networkServices.length > 0 ? f.networkServices.join(', ') : 'none'}`);
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = dir === 'ingress' ? f.ingress : f.egress;
    out.push(`${dir}: ${rules.length} rule${rules.length === 1 ? '' : 's'}, evaluated in this order (first match decides; no match = not mirrored)`);
    for (const r of rules) out.push(`  ${ruleText(r)}`);
  }
  out.push(`unknown direction: ${compiled.directionUnknown}`);
  for (const n of notes) out.push(`note: ${n}`);
  if (loaded.warnings.length > 0) {
    out.push(`warnings (${loaded.warnings.length}):`);
    for (const w of loaded.warnings) out.push(`  ${w}`);
  }
  out.push('OK');
  process.stdout.write(out.join('\n') + '\n');
  return ExitCode.Ok;
}

async function explain(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('filter explain', args, {
    ...COMMON_OPTS,
    ...EVAL_OPTS,
    packet: { type: 'string', multiple: true },
    direction: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (help) {
    process.stdout.write(HELP.explain!);
    return ExitCode.Ok;
  }
  const file = oneFile('filter explain', positionals);
  const packets = (values.packet as string[] | undefined) ?? [];
  if (packets.length === 0) throw new MirrorsinkError(ErrorCode.Usage, `filter explain: --packet is required (see 'mirrorsink filter explain --help')`);
  const dir = values.direction ?? 'unknown';
  if (dir !== 'ingress' && dir !== 'egress' && dir !== 'unknown') {
    throw new MirrorsinkError(ErrorCode.Usage, `filter explain: --direction must be ingress, egress or unknown, got '${String(dir)}'`);
  }
  const specs = packets.map((t) => parsePacketSpec(t, dir as PacketDirection));
  const loaded = loadFilterFile(file, loadOpts(values));
  const copts = compileOpts('filter explain', values);
  const results = specs.map((s) => explainPacket(compileFilter(loaded.filter, copts), s));
  if (values.json === true) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  } else {
    const label = `${filterLabel(loaded.filter)} (${file})`;
    process.stdout.write(results.map((e) => formatExplanation(e, label)).join('\n\n') + '\n');
  }
  return ExitCode.Ok;
}

async function exportCmd(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('filter export', args, {
    ...COMMON_OPTS,
    format: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (help) {
    process.stdout.write(HELP.export!);
    return ExitCode.Ok;
  }
  const file = oneFile('filter export', positionals);
  const format = values.format;
  if (!EXPORT_FORMATS.includes(format as ExportFormat)) {
    throw new MirrorsinkError(ErrorCode.Usage, `filter export: --format must be one of ${EXPORT_FORMATS.join(', ')}, got ${format === undefined ? 'nothing' : `'${String(format)}'`}`);
  }
  const loaded = loadFilterFile(file, loadOpts(values));
  for (const w of loaded.warnings) process.stderr.write(`mirrorsink: warning: ${file}: ${w}\n`);
  const text = exportFilter(loaded.filter, format as ExportFormat);
  if (typeof values.output === 'string') writeFileSync(values.output, text);
  else process.stdout.write(text);
  return ExitCode.Ok;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP['']!);
    return sub === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  switch (sub) {
    case 'check':
      return check(rest);
    case 'explain':
      return explain(rest);
    case 'export':
      return exportCmd(rest);
    default:
      throw new MirrorsinkError(ErrorCode.Usage, `filter: unknown subcommand '${sub}' (check, explain or export; see 'mirrorsink filter --help')`);
  }
}
