/**
 * Every capture in the shared corpus decodes without throwing, and every file in malformed/
 * is reported as malformed or truncated by at least one packet.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { DecodeCounters, DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { PacketView, TunnelKind } from '../../src/decode/packet-view.js';
import { formatPacketLine } from '../../src/decode/packet-format.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { HAVE_CORPUS, PCAP_DIR, describeWithCorpus, pcapPath } from '../helpers/corpus.js';

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...captures(full));
    else if (/\.(pcap|pcapng)$/.test(e.name)) out.push(full);
  }
  return out.sort();
}

interface Summary {
  frames: number;
  errors: number;
  truncated: number;
  counters: DecodeCounters;
}

function decodeFile(file: string): Summary {
  const p = new PacketView();
  const counters = new DecodeCounters();
  const s: Summary = { frames: 0, errors: 0, truncated: 0, counters };
  readCaptureFile(file, {
    onFrame(buf, offset, caplen, wirelen, linktype) {
      p.setFrame(buf, offset, caplen, wirelen, linktype);
      p.frameNo = ++s.frames;
      decodeFrame(p, counters);
      if (p.error !== DecodeEvent.None) s.errors++;
      if (p.truncated) s.truncated++;
    },
  });
  return s;
}

describeWithCorpus('decoder over the whole corpus', () => {
  const files = HAVE_CORPUS ? captures(PCAP_DIR) : [];

  it('finds the corpus captures', () => {
    expect(files.length).toBeGreaterThan(60);
  });

  it.each(files.map((f) => [path.relative(PCAP_DIR, f), f]))('%s decodes without throwing', (_rel, file) => {
    const s = decodeFile(file);
    expect(s.counters.layers[Layer.Pkts]).toBe(s.frames);
    expect(s.counters.layers[Layer.Invalid]).toBe(s.errors);
    expect(s.counters.layers[Layer.Truncated]).toBe(s.truncated);
    if (file.includes(`${path.sep}malformed${path.sep}`)) expect(s.errors + s.truncated, 'malformed file flagged').toBeGreaterThan(0);
  });
});

/** Decode a corpus file and keep a snapshot of the fields a check needs for each packet. */
function collect<T>(rel: string[], pick: (p: PacketView) => T): T[] {
  const p = new PacketView();
  const c = new DecodeCounters();
  const out: T[] = [];
  readCaptureFile(pcapPath(...rel), {
    onFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec) {
      p.setFrame(buf, offset, caplen, wirelen, linktype);
      p.tsSec = tsSec;
      p.tsNsec = tsNsec;
      p.frameNo = out.length + 1;
      decodeFrame(p, c);
      out.push(pick(p));
    },
  });
  return out;
}

describeWithCorpus('decoder on the tunnel captures', () => {
  it('opens exactly one VXLAN level of vxlan_triple_nested.pcap', () => {
    const [r] = collect(['vxlan', 'vxlan_triple_nested.pcap'], (p) => ({ vni: p.vni, depth: p.tunnelDepth, proto: p.ipProto, dport: p.dport, line: formatPacketLine(p) }));
    expect(r).toEqual({ vni: 1, depth: 1, proto: 17, dport: 4789, line: '1677857409.594662000 vni 1 2.2.2.2:4789 > 2.2.2.9:4789 UDP length 157 payload 129' });
  });

  it('opens GENEVE then VXLAN in geneve_vxlan_dns_truncated.pcap and keeps the truncation', () => {
    const rows = collect(['vxlan', 'geneve_vxlan_dns_truncated.pcap'], (p) => ({ tunnel: p.tunnel, depth: p.tunnelDepth, vni: p.vni, dport: p.dport, sport: p.sport, truncated: p.truncated, error: p.error, outerDport: p.outerDport }));
    expect(rows).toEqual([
      { tunnel: TunnelKind.GeneveVxlan, depth: 2, vni: 4242, sport: 36872, dport: 53, truncated: true, error: DecodeEvent.None, outerDport: 4789 },
      { tunnel: TunnelKind.GeneveVxlan, depth: 2, vni: 4242, sport: 53, dport: 36872, truncated: true, error: DecodeEvent.None, outerDport: 4789 },
    ]);
  });

  it('ignores the reserved VXLAN bits of vxlan_nonzero_reserved.pcap', () => {
    const rows = collect(['vxlan', 'vxlan_nonzero_reserved.pcap'], (p) => ({ vni: p.vni, error: p.error, proto: p.ipProto }));
    expect(rows).toHaveLength(10);
    for (const r of rows) expect(r).toEqual({ vni: 11, error: DecodeEvent.None, proto: 6 });
  });

  it('reads VNI 3000001 and leaves UDP/8472 alone', () => {
    expect(collect(['vxlan', 'vxlan_single_icmp_vni3000001.pcap'], (p) => p.vni)).toEqual([3000001]);
    for (const r of collect(['vxlan', 'vxlan_port_8472.pcap'], (p) => ({ vni: p.vni, dport: p.dport }))) expect(r).toEqual({ vni: -1, dport: 8472 });
  });

  it('decapsulates the BIG TCP frame whose outer UDP and IP lengths are 0', () => {
    const [r] = collect(['vxlan', 'vxlan_bigtcp_80k_ipv6.pcap'], (p) => ({ vni: p.vni, v: p.ipVersion, sport: p.sport, dport: p.dport, error: p.error, payloadLen: p.payloadLen }));
    expect(r).toEqual({ vni: 5001, v: 6, sport: 33673, dport: 36425, error: DecodeEvent.None, payloadLen: 80060 - 14 - 20 - 8 - 8 - 14 - 40 - 32 });
  });

  it('uses the 7 KB GSO frame whole', () => {
    const [r] = collect(['vxlan', 'vxlan_gso_7k_frame.pcap'], (p) => ({ vni: p.vni, ipLen: p.ipLen, payloadLen: p.payloadLen, truncated: p.truncated }));
    expect(r).toEqual({ vni: 5001, ipLen: 7042, payloadLen: 6990, truncated: false });
  });

  it('sees AWS PacketLength truncation in dns_packets_pl64_vxlan.pcap as truncation, not errors', () => {
    const rows = collect(['generated', 'dns_packets_pl64_vxlan.pcap'], (p) => ({ vni: p.vni, error: p.error, truncated: p.truncated, payloadOffset: p.payloadOffset, tunnelPayloadOffset: p.tunnelPayloadOffset, payloadLen: p.payloadLen, sport: p.sport }));
    expect(rows).toHaveLength(464);
    expect(rows.filter((r) => r.truncated).length).toBeGreaterThan(100);
    for (const r of rows) {
      expect(r.vni).toBe(53);
      expect(r.error).toBe(DecodeEvent.None);
      // PacketLength 64 counts the bytes after the VXLAN header.
      if (r.truncated) expect(r.payloadOffset + r.payloadLen - r.tunnelPayloadOffset).toBe(64);
    }
  });
});
