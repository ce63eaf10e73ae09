/**
 * Builds the stages of a replay from command-line options: one place that knows which option
 * turns on which stage, so replay and the tests agree.
 */
import type { OptionSpec } from '../cli/args.js';
import type { PipelineStages } from './pipeline.js';

export const REPLAY_OPTIONS: OptionSpec = {};

export const REPLAY_OPTIONS_HELP = ``;

export interface AssembledStages {
  stages: PipelineStages;
  keepFilterRejected: boolean;
  warnings: string[];
  /** Sections added to the replay summary (filter, alerts, flows...). */
  summarySections(): Record<string, unknown>;
  /** Flush and close every output. */
  close(): Promise<void>;
}

export async function assembleReplayStages(_values: Record<string, unknown>): Promise<AssembledStages> {
  return {
    stages: {},
    keepFilterRejected: false,
    warnings: [],
    summarySections: () => ({}),
    close: async () => {},
  };
}
