/**
 * Capture records that lie about their time and length (issue 16 item 6): a pcapng interface
 * with if_tsresol 0 (whole seconds in 64 bits) or a huge if_tsoffset used to end replay with a
 * RangeError in the unanswered-flow listing and lose the summary; now the times are clamped to
 * 9999-12-31 and counted, every output is written, and the summary is printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/tools.js';
import { epb, idb, shb } from '../source/capture-builders.js';
import { awsVxlan, innerTcpFrame } from '../decode/builders.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-lies-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('replay of records with impossible times and lengths', () => {
  it('clamps and counts them, writes every output and prints the summary', () => {
    const inner = innerTcpFrame();
    const frame = awsVxlan(inner);
    const file = path.join(tmp, 'far.pcapng');
    writeFileSync(
      file,
      Buffer.concat([
        shb(true),
        idb(true, 1, { tsresol: 0 }),
        idb(true, 1, { tsresol: 6, tsoffset: 9_000_000_000_000_000n }),
        epb(true, 0, 0xffff_ffff_ffff_fff0n, frame),
        epb(true, 1, 1n, frame, 0xffffffff),
      ]),
    );
    const eve = path.join(tmp, 'eve.json');
    const pcapOut = path.join(tmp, 'out.pcap');
    const r = runCli(['replay', '--json', '--quiet', '--no-rules', file, '--eve', eve, '--pcap-out', pcapOut, '--flows-dir', path.join(tmp, 'flows')]);
    expect(r.stderr).not.toMatch(/internal error|RangeError|\n\s+at /);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { packets: number; decoder: Record<string, number>; flows: { unanswered: number } };
    expect(s.packets).toBe(2);
    expect(s.decoder['decoder.time_clamped']).toBe(2);
    expect(s.decoder['decoder.wirelen_clamped']).toBe(1);
    expect(s.flows.unanswered).toBe(1);
    const times = readFileSync(eve, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { timestamp: string }).timestamp);
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(t).toMatch(/^9999-12-31T23:59:59\.\d{6}\+0000$/);
    // The written pcap holds the mirrored frames with their real length, not 4 GB.
    const out = readFileSync(pcapOut);
    expect(out.length).toBe(24 + 2 * (16 + inner.length));
    expect(out.readUInt32LE(24 + 16 + inner.length + 12)).toBe(inner.length);
  });
});
