/**
 * A capture damaged in the middle (a record whose caplen no snaplen allows): replay keeps what
 * came before, as Suricata and tcpdump do, says where it stopped and exits 1.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/tools.js';
import { pcapFile } from '../source/capture-builders.js';
import { eth, ipv4, udp } from '../decode/builders.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-corrupt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('replay of a capture with a corrupt record', () => {
  it('replays the records before it, reports the damage and exits 1', () => {
    const frame = (text: string) => eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({}, new TextEncoder().encode(text))));
    const good = pcapFile([
      { tsSec: 1, tsFrac: 0, data: frame('first BADWORD') },
      { tsSec: 2, tsFrac: 0, data: frame('second BADWORD') },
    ]);
    // A third record header claiming 4 MiB of data.
    const header = Buffer.alloc(16);
    header.writeUInt32LE(3, 0);
    header.writeUInt32LE(0x420000, 8);
    header.writeUInt32LE(0x420000, 12);
    const file = path.join(tmp, 'damaged.pcap');
    writeFileSync(file, Buffer.concat([good, header, Buffer.alloc(64)]));
    const rules = path.join(tmp, 'r.rules');
    writeFileSync(rules, 'alert udp any any -> any any (msg:"bad"; content:"BADWORD"; sid:1;)\n');
    const eve = path.join(tmp, 'eve.json');
    const r = runCli(['replay', '--json', '--quiet', file, '--rules', rules, '--eve', eve]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/damaged\.pcap: corrupt pcap file at offset \d+: record caplen 4325376 exceeds the maximum of 262144 .*the 2 records before it were replayed/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    const summary = JSON.parse(r.stdout) as { packets: number; files: { frames: number; corrupt?: string }[]; alerts?: { total: number } };
    expect(summary.packets).toBe(2);
    expect(summary.files[0]).toMatchObject({ frames: 2, corrupt: expect.stringMatching(/corrupt pcap file/) });
    expect(summary.alerts?.total).toBe(2);
    expect(readFileSync(eve, 'utf8').split('\n').filter((l) => l.includes('"event_type":"alert"'))).toHaveLength(2);
  });
});
