/**
 * Replay's stages from its options: the flow table is 2^20 flows unless the configuration
 * sizes it (flows.max_flows), in which case the configuration wins.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowTable } from '../../src/flow/flow-table.js';
import { assembleReplayStages } from '../../src/pipeline/assemble.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { replayOptionsOf } from '../../src/cli/commands/replay.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-assemble-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function flowCapacity(values: Record<string, unknown>): Promise<number> {
  const assembled = await assembleReplayStages(replayOptionsOf({ 'no-rules': true, ...values }), new Pipeline());
  try {
    const flow = assembled.stages.flow;
    expect(flow).toBeInstanceOf(FlowTable);
    return (flow as FlowTable).capacity;
  } finally {
    await assembled.close();
  }
}

describe('assembleReplayStages: flow table size', () => {
  it('is 2^20 flows by default', async () => {
    expect(await flowCapacity({})).toBe(1 << 20);
  });

  it('follows flows.max_flows of the configuration', async () => {
    const config = path.join(tmp, 'small.yaml');
    writeFileSync(config, 'flows:\n  max_flows: 4096\n');
    expect(await flowCapacity({ config })).toBe(4096);
  });

  it('stays 2^20 when the configuration has flows without max_flows', async () => {
    const config = path.join(tmp, 'midstream.yaml');
    writeFileSync(config, 'flows:\n  midstream: true\n');
    expect(await flowCapacity({ config })).toBe(1 << 20);
  });
});
