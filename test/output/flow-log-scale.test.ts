import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PacketView, TCP_SYN } from '../../src/decode/packet-view.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { createFlowOutputs } from '../../src/output/flow-log-outputs.js';
import { fill } from '../flow/make-packet.js';

describe('flow logs at scale', () => {
  it('keeps memory bounded for many single-packet flows: records stream out as flows end', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fls-'));
    const capacity = 1024;
    const table = new FlowTable({ maxFlows: capacity });
    const fo = createFlowOutputs({ table, flowsDir: dir, aggregationSec: 600 });
    const agg = fo.aggregator!;
    const files = fo.files!;
    const p = new PacketView();
    const flows = 100_000;
    let maxPending = 0;
    let maxBuffered = 0;
    for (let i = 0; i < flows; i++) {
      // One interval (600 s) and one 5-minute file for all of them: nothing closes an interval, only flows ending
      // (evicted from the full table) write records.
      fill(p, { src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '10.0.0.2', sport: 40000, dport: 443, flags: TCP_SYN, ts: 1_700_000_400 + (i % 300), len: 60 });
      table.expire(p.tsSec);
      table.update(p);
      for (const o of fo.outputs) o.write(p);
      if (agg.pendingFlows > maxPending) maxPending = agg.pendingFlows;
      const b = files.bufferedChars();
      if (b > maxBuffered) maxBuffered = b;
      // Streaming: every flow the table no longer holds has been written already.
      // Left the aggregator: on disk, or streamed into the open (compressed, bounded) file.
      if ((i & 4095) === 4095) expect(files.recordsWritten + files.recordsPending).toBeGreaterThanOrEqual(i + 1 - capacity);
    }
    // At most one pending record set per flow slot, and one chunk of text per open file.
    expect(maxPending).toBeLessThanOrEqual(capacity);
    expect(maxBuffered).toBeLessThan(64 * 1024 + 200);
    expect(files.recordsWritten + files.recordsPending).toBeGreaterThanOrEqual(flows - capacity);
    table.flush();
    await fo.close();
    expect(agg.pendingFlows).toBe(0);
    expect(files.recordsWritten).toBe(flows);
    expect(files.files.length).toBe(1);
    const lines = gunzipSync(readFileSync(files.files[0]!)).toString('utf8').split('\n');
    expect(lines.length).toBe(flows + 2); // header, records, '' after the last newline
    expect(lines[0]).toBe('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status');
    expect(lines[1]).toBe('2 - - 10.0.0.0 10.0.0.2 40000 443 6 1 60 1700000400 1700000400 ACCEPT OK');
    expect(new Set(lines.slice(1, -1)).size).toBe(flows);
  });
});
