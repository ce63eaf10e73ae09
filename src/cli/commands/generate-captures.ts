/**
 * mirrorsink generate-captures DIR: write the synthesised test captures and their README.
 */
import { parseCommandArgs } from '../args.js';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';

const HELP = `Usage: mirrorsink generate-captures DIR [--json]

Write the deterministic synthesised AWS Traffic Mirroring captures (*.pcap) and README.md
into DIR (created if missing). Used by 'npm run captures' to refresh captures/.

Options:
  --json   print one JSON object per file instead of a table
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('generate-captures', args, { json: { type: 'boolean' } });
  if (help) {
    process.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (positionals.length !== 1) {
    throw new MirrorsinkError(ErrorCode.Usage, "generate-captures: expected exactly one output directory (see 'mirrorsink generate-captures --help')");
  }
  const { generateCaptures } = await import('../../emulator/captures/index.js');
  const dir = positionals[0]!;
  const results = generateCaptures(dir);
  for (const r of results) {
    const vnis = Object.fromEntries(r.vnis);
    if (values.json === true) process.stdout.write(JSON.stringify({ file: r.file, packets: r.packets, bytes: r.bytes, vnis }) + '\n');
    else process.stdout.write(`${r.file.padEnd(22)} ${String(r.packets).padStart(5)} packets ${String(r.bytes).padStart(8)} bytes  VNIs ${[...r.vnis.keys()].join(',')}\n`);
  }
  if (values.json !== true) process.stdout.write(`wrote ${results.length} captures and README.md to ${dir}\n`);
  return ExitCode.Ok;
}
