/**
 * One bundled capture through the whole replay pipeline, as `mirrorsink replay FILE --config
 * captures/mirrorsink.yaml --eve FILE` runs it (buildStages, packet clock, the bundled ruleset,
 * flow table, stream reassembly, app layer, EVE alerts, http, anomaly and flow records), and
 * the EVE records it wrote. `configure` may change the loaded configuration first (turn more
 * EVE types on).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { MirrorsinkConfig } from '../../src/config/schema.js';
import { defaultRuleFiles } from '../../src/pipeline/assemble.js';
import { buildStages, pipelineStagesOf, retireStages } from '../../src/pipeline/build.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { REPO_ROOT } from './corpus.js';

export const CAPTURES_DIR = path.join(REPO_ROOT, 'captures');
export const HAVE_CAPTURES = existsSync(CAPTURES_DIR) && readdirSync(CAPTURES_DIR).some((f) => f.endsWith('.pcap'));

/** The bundled captures, sorted. */
export function bundledCaptures(): string[] {
  return HAVE_CAPTURES ? readdirSync(CAPTURES_DIR).filter((f) => f.endsWith('.pcap')).sort() : [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EveRecord = Record<string, any>;

export async function replayCaptureEve(file: string, configure?: (c: MirrorsinkConfig) => void): Promise<{ records: EveRecord[]; lines: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirrorsink-captures-eve-'));
  try {
    const eve = path.join(dir, 'eve.json');
    const { config } = loadConfig({
      file: path.join(CAPTURES_DIR, 'mirrorsink.yaml'),
      env: {},
      cli: [
        { path: ['rules', 'files'], value: defaultRuleFiles(), origin: 'test' },
        { path: ['eve', 'path'], value: eve, origin: 'test' },
        { path: ['flows', 'eve'], value: true, origin: 'test' },
        { path: ['flows', 'max_flows'], value: 1 << 16, origin: 'test' },
      ],
    });
    configure?.(config);
    const pipeline = new Pipeline();
    const built = await buildStages(config, { drops: pipeline.drops, clock: 'packet', syncWrites: true, pcapCnt: true, alertsShownElsewhere: true }, null);
    pipeline.setStages(pipelineStagesOf(built));
    pipeline.keepFilterRejected = config.keepFilterRejected;
    readCaptureFile(path.join(CAPTURES_DIR, file), pipeline);
    pipeline.finish();
    await retireStages(built, null);
    const text = existsSync(eve) ? readFileSync(eve, 'utf8') : '';
    const lines = text.split('\n').filter((l) => l !== '');
    return { records: lines.map((l) => JSON.parse(l) as EveRecord), lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
