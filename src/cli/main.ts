#!/usr/bin/env node
/**
 * mirrorsink command line: dispatches to one module per command, loaded on demand so that
 * `mirrorsink decode` does not pay for fastify or the rule engine.
 */
import { MirrorsinkError, ExitCode } from '../errors.js';

interface CommandModule {
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  decode: { summary: 'print one line (or JSON object) per packet of a capture file', load: () => import('./commands/decode.js') },
  replay: { summary: 'run the whole pipeline over capture files as fast as possible', load: () => import('./commands/replay.js') },
  serve: { summary: 'run as a Traffic Mirroring target (UDP 4789/6081) with metrics on HTTP', load: () => import('./commands/serve.js') },
  send: { summary: 'wrap a capture in AWS-style VXLAN and send it to a mirror target', load: () => import('./commands/send.js') },
  filter: { summary: 'check, explain and export AWS Traffic Mirror filters', load: () => import('./commands/filter.js') },
  rules: { summary: 'check Suricata-language rule files', load: () => import('./commands/rules.js') },
  'generate-captures': { summary: 'write the deterministic synthesised captures (captures/*.pcap + README.md)', load: () => import('./commands/generate-captures.js') },
  flows: { summary: 'query VPC Flow Logs records (CloudWatch Logs Insights syntax)', load: () => import('./commands/flows.js') },
  healthcheck: { summary: "ask a running serve's /healthz (the image's HEALTHCHECK): exit 0 or 1", load: () => import('./commands/healthcheck.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: mirrorsink <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'mirrorsink <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === '--version' || name === '-V') {
    const { VERSION } = await import('../version.js');
    process.stdout.write(`mirrorsink ${VERSION}\n`);
    return ExitCode.Ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`mirrorsink: unknown command '${name}'\n\n${usage()}\n`);
    return ExitCode.Usage;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof MirrorsinkError) {
      process.stderr.write(`mirrorsink: ${err.message}\n`);
      process.exitCode = err.code === 'E_USAGE' ? ExitCode.Usage : ExitCode.Failure;
    } else {
      process.stderr.write(`mirrorsink: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = ExitCode.Failure;
    }
  },
);
