/**
 * Would the kernel's SO_REUSEPORT hash of the OUTER 4-tuple keep every flow on one serve worker
 * (pipeline/worker-path.ts)? For each inner flow of the bundled captures (the flow table's key:
 * protocol, both endpoints, the ICMP echo id), the outer (source, source port -> destination,
 * destination port) of its datagrams, both directions:
 *  - one ENI mirroring a conversation: one outer 4-tuple per flow (AWS's outer source port is a
 *    symmetric hash of the inner flow), so reuseport keeps the flow together;
 *  - two ENIs mirroring both ends (two-enis.pcap, and one echo conversation of icmp-sweep.pcap
 *    whose sweeper and target are both mirrored): two outer sources for one flow, so the copies
 *    would part: dedup needs the inner-hash dispatch path.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { DecodeCounters } from '../../src/decode/decode-events.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import { chooseWorkerPath } from '../../src/pipeline/worker-path.js';

const DIR = path.join(REPO_ROOT, 'captures');

function outerTuplesByFlow(file: string): Map<string, Set<string>> {
  const flows = new Map<string, Set<string>>();
  const p = new PacketView();
  const c = new DecodeCounters();
  readCaptureFile(file, {
    onFrame(buf, off, caplen, wirelen, linktype) {
      p.setFrame(buf, off, caplen, wirelen, linktype);
      decodeFrame(p, c);
      if (p.tunnelDepth === 0 || (p.ipVersion !== 4 && p.ipVersion !== 6) || p.error !== 0 || p.isFragment) return;
      const echo = (p.ipProto === 1 && (p.icmpType === 8 || p.icmpType === 0)) || (p.ipProto === 58 && (p.icmpType === 128 || p.icmpType === 129));
      const ports = p.ipProto === 6 || p.ipProto === 17;
      const a = `${p.ipVersion === 4 ? p.src4 : p.src6.join(':')}/${ports ? p.sport : echo ? p.icmpId : 0}`;
      const b = `${p.ipVersion === 4 ? p.dst4 : p.dst6.join(':')}/${ports ? p.dport : echo ? p.icmpId : 0}`;
      const key = `${p.ipProto}|${[a, b].sort().join('|')}`;
      let s = flows.get(key);
      if (s === undefined) flows.set(key, (s = new Set()));
      s.add(`${p.outerSrc4}:${p.outerSport}>${p.outerDst4}:${p.outerDport}`);
    },
  });
  return flows;
}

describe('outer 4-tuple affinity of the bundled captures', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.pcap'));

  it('gives every flow one outer 4-tuple per mirroring ENI, both directions (the source port is symmetric)', () => {
    let flows = 0;
    const bothEnds: string[] = [];
    for (const f of files) {
      for (const [key, tuples] of outerTuplesByFlow(path.join(DIR, f))) {
        const sources = new Set([...tuples].map((t) => t.split(':')[0]));
        // One ENI: one source, one port for both directions.
        expect(tuples.size, `${f} ${key}: ${[...tuples].join(', ')}`).toBe(sources.size);
        if (sources.size > 1) bothEnds.push(f);
        flows++;
      }
    }
    expect(flows).toBeGreaterThan(1000);
    // Only where both ends of a conversation are mirror sources (the sweeper and its target).
    expect(new Set(bothEnds)).toEqual(new Set(['icmp-sweep.pcap', 'two-enis.pcap']));
  });

  it('gives a conversation mirrored at both ends two outer sources: dedup needs the inner-hash path', () => {
    const split = [...outerTuplesByFlow(path.join(DIR, 'two-enis.pcap')).values()].filter((t) => t.size > 1);
    expect(split.length).toBeGreaterThan(0);
    const sources = new Set([...split[0]!].map((t) => t.split(':')[0]));
    expect(sources.size).toBe(2);
    expect(chooseWorkerPath({ workers: 2, receiver: 'recvmmsg', geneve: false, dedup: true, reusePort: true }).path).toBe('dispatch');
    expect(chooseWorkerPath({ workers: 2, receiver: 'recvmmsg', geneve: false, dedup: false, reusePort: true }).path).toBe('reuseport');
    expect(chooseWorkerPath({ workers: 2, receiver: 'dgram', geneve: false, dedup: false, reusePort: true }).path).toBe('dispatch');
    expect(chooseWorkerPath({ workers: 2, receiver: 'recvmmsg', geneve: true, dedup: false, reusePort: true }).path).toBe('dispatch');
    expect(chooseWorkerPath({ workers: 1, receiver: 'recvmmsg', geneve: false, dedup: false, reusePort: true }).path).toBe('single');
  });
});
