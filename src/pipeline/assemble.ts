/**
 * Builds the stages of a replay from command-line options: one place that knows which option
 * turns on which stage, so replay, the benchmarks and the tests agree.
 */
import type { OptionSpec } from '../cli/args.js';
import { Direction } from '../decode/packet-view.js';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { compileFilter, loadFilterFile, SessionFilterStage, type CompiledFilter } from '../filter/index.js';
import type { PipelineStages } from './pipeline.js';

export const REPLAY_OPTIONS: OptionSpec = {
  filter: { type: 'string' },
  'filter-id': { type: 'string' },
  strict: { type: 'boolean' },
  direction: { type: 'string' },
  'amazon-dns': { type: 'string' },
  'keep-rejected': { type: 'boolean' },
};

export const REPLAY_OPTIONS_HELP = `  --filter FILE           apply an AWS Traffic Mirror filter (aws-cli JSON, Terraform, or
                          mirrorsink YAML); the summary reports accepted/rejected per rule
  --filter-id ID          which filter, when FILE holds several
  --strict                AWS limits (10 rules, ...) are errors, not warnings
  --direction DIR         ingress|egress: assume this direction for every packet
  --amazon-dns ADDR       the VPC resolver address for the amazon-dns network service
  --keep-rejected         still track and inspect packets the filter rejects`;

export interface AssembledStages {
  stages: PipelineStages;
  keepFilterRejected: boolean;
  warnings: string[];
  /** Sections added to the replay summary (filter, alerts, flows...). */
  summarySections(): Record<string, unknown>;
  /** Flush and close every output. */
  close(): Promise<void>;
}

function parseDirection(raw: unknown): Direction | null {
  if (raw === undefined) return null;
  if (raw === 'ingress') return Direction.Ingress;
  if (raw === 'egress') return Direction.Egress;
  throw new MirrorsinkError(ErrorCode.Usage, `replay: --direction must be ingress or egress, got '${String(raw)}'`);
}

export async function assembleReplayStages(values: Record<string, unknown>): Promise<AssembledStages> {
  const warnings: string[] = [];
  const stages: PipelineStages = {};
  const sections: (() => [string, unknown])[] = [];
  const closers: (() => Promise<void> | void)[] = [];

  let filter: CompiledFilter | null = null;
  const direction = parseDirection(values.direction);
  if (typeof values.filter === 'string') {
    const loaded = loadFilterFile(values.filter, { filterId: values['filter-id'] as string | undefined, strict: values.strict === true });
    warnings.push(...loaded.warnings);
    filter = compileFilter(loaded.filter, { amazonDnsAddress: (values['amazon-dns'] as string | undefined) ?? null });
    stages.filter = new SessionFilterStage([filter], direction);
    const compiled = filter;
    sections.push(() => ['filter', compiled.summary()]);
  } else if (direction !== null) {
    warnings.push('--direction has no effect without --filter');
  }

  return {
    stages,
    keepFilterRejected: values['keep-rejected'] === true,
    warnings,
    summarySections: () => Object.fromEntries(sections.map((s) => s())),
    close: async () => {
      for (const c of closers) await c();
    },
  };
}
