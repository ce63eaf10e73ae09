import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HASH_START_GENEVE, HASH_START_VXLAN, innerFlowHash } from '../../src/decode/inner-flow-hash.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { awsVxlan, decode, eth, geneve, ipv4, tcp, udp } from './builders.js';
import type { PacketView } from '../../src/decode/packet-view.js';

const CAPTURES = path.resolve(__dirname, '../../captures');

interface Frame {
  bytes: Uint8Array;
  linktype: number;
}

function framesOf(file: string): Frame[] {
  const out: Frame[] = [];
  readCaptureFile(file, {
    onFrame(buf, offset, caplen, _wirelen, linktype) {
      out.push({ bytes: buf.slice(offset, offset + caplen), linktype });
    },
  });
  return out;
}

/** The flow table's key (flow/flow-table.ts), as text, or null for packets that make no flow. */
function flowKey(p: PacketView, withSession: boolean): string | null {
  if ((p.ipVersion !== 4 && p.ipVersion !== 6) || p.error !== 0 || p.isFragment || p.ipProto < 0) return null;
  const ports = p.ipProto === 6 || p.ipProto === 17 || p.ipProto === 132;
  const s = `${p.ipVersion === 4 ? p.src4 : Array.from(p.src6).join(':')}/${ports ? p.sport : 0}`;
  const d = `${p.ipVersion === 4 ? p.dst4 : Array.from(p.dst6).join(':')}/${ports ? p.dport : 0}`;
  return `${withSession ? p.vni : ''}|${p.ipProto}|${[s, d].sort().join('|')}`;
}

const captureFiles = readdirSync(CAPTURES)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => path.join(CAPTURES, f));

describe('innerFlowHash', () => {
  it('gives every packet of a flow, both directions, one hash (bundled captures, VXLAN frames)', () => {
    let flows = 0;
    let bidirectional = 0;
    for (const file of captureFiles) {
      const byKey = new Map<string, { hash: number; dirs: Set<string> }>();
      for (const f of framesOf(file)) {
        const { p } = decode(f.bytes, f.linktype);
        for (const withSession of [true, false]) {
          const key = flowKey(p, withSession);
          if (key === null) continue;
          const h = innerFlowHash(f.bytes, 0, f.bytes.length, f.linktype, withSession);
          const k = `${withSession}|${key}`;
          const seen = byKey.get(k);
          const dir = `${p.ipVersion === 4 ? p.src4 : p.src6.join(':')}:${p.sport}`;
          if (seen === undefined) byKey.set(k, { hash: h, dirs: new Set([dir]) });
          else {
            expect(h, `${path.basename(file)} ${k}`).toBe(seen.hash);
            seen.dirs.add(dir);
          }
        }
      }
      flows += byKey.size;
      for (const v of byKey.values()) if (v.dirs.size === 2) bidirectional++;
    }
    expect(flows).toBeGreaterThan(50);
    expect(bidirectional).toBeGreaterThan(10);
  });

  it('hashes a VXLAN datagram, its frame and the same inner frame in GENEVE alike (session folded the same)', () => {
    let checked = 0;
    for (const file of captureFiles) {
      for (const f of framesOf(file)) {
        const { p } = decode(f.bytes, f.linktype);
        if (p.tunnel !== 1 || p.error !== 0 || p.tunnelPayloadOffset < 0) continue;
        const vxlanHdr = p.tunnelPayloadOffset - 8;
        const inner = f.bytes.subarray(p.tunnelPayloadOffset);
        for (const withSession of [true, false]) {
          const fromFrame = innerFlowHash(f.bytes, 0, f.bytes.length, f.linktype, withSession);
          const fromDatagram = innerFlowHash(f.bytes, vxlanHdr, f.bytes.length - vxlanHdr, HASH_START_VXLAN, withSession);
          expect(fromDatagram).toBe(fromFrame);
          const gen = geneve({ vni: p.vni, proto: 0x6558, options: [0, 0, 0, 0] }, inner);
          expect(innerFlowHash(gen, 0, gen.length, HASH_START_GENEVE, withSession)).toBe(fromFrame);
          const genFrame = eth({ type: 0x0800 }, ipv4({ proto: 17, src: '10.9.9.9', dst: '10.9.9.8' }, udp({ sport: 40000, dport: 6081 }, gen)));
          expect(innerFlowHash(genFrame, 0, genFrame.length, 1, withSession)).toBe(fromFrame);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('GENEVE carrying IP/UDP/4789/VXLAN (AWS GWLB) hashes the innermost flow and the VXLAN VNI', () => {
    const inner = eth({ type: 0x0800 }, ipv4({ proto: 6, src: '192.168.1.1', dst: '192.168.1.2' }, tcp({ sport: 1000, dport: 80 })));
    const mirror = awsVxlan(inner, 42);
    const ipPart = mirror.subarray(14);
    const gwlb = geneve({ vni: 9, proto: 0x0800 }, ipPart);
    expect(innerFlowHash(gwlb, 0, gwlb.length, HASH_START_GENEVE, true)).toBe(innerFlowHash(mirror, 0, mirror.length, 1, true));
  });

  it('folds the session in unless told not to (dedup: two ENIs, two VNIs, one flow)', () => {
    const inner = eth({ type: 0x0800 }, ipv4({ proto: 6, src: '192.168.1.1', dst: '192.168.1.2' }, tcp({ sport: 1000, dport: 80 })));
    const a = awsVxlan(inner, 7, { src: '10.0.0.1', sport: 65400 });
    const b = awsVxlan(inner, 8, { src: '10.0.0.2', sport: 65401 });
    expect(innerFlowHash(a, 0, a.length, 1, false)).toBe(innerFlowHash(b, 0, b.length, 1, false));
    expect(innerFlowHash(a, 0, a.length, 1, true)).not.toBe(innerFlowHash(b, 0, b.length, 1, true));
  });

  it('hashes IPv4 fragments of one datagram by addresses only', () => {
    const first = eth({ type: 0x0800 }, ipv4({ proto: 17, src: '192.168.1.1', dst: '192.168.1.2', flags: 1, id: 5 }, udp({ sport: 53, dport: 5353 }, new Uint8Array(16))));
    const second = eth({ type: 0x0800 }, ipv4({ proto: 17, src: '192.168.1.2', dst: '192.168.1.1', fragOffset: 24, id: 5 }, new Uint8Array(16)));
    const { p } = decode(first);
    const { p: q } = decode(second);
    expect(p.isFragment && q.isFragment).toBe(true);
    expect(innerFlowHash(first, 0, first.length, 1, true)).toBe(innerFlowHash(second, 0, second.length, 1, true));
  });

  it('never throws on truncated input', () => {
    const inner = eth({ type: 0x0800 }, ipv4({ proto: 6, src: '192.168.1.1', dst: '192.168.1.2' }, tcp({ sport: 1000, dport: 80 })));
    const f = awsVxlan(inner, 7);
    for (let n = 0; n <= f.length; n++) expect(Number.isInteger(innerFlowHash(f, 0, n, 1, true))).toBe(true);
  });
});
