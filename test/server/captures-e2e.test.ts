/**
 * The bundled captures through the live sink: each frame's VXLAN payload (outer Ethernet/IPv4/
 * UDP stripped, as the socket delivers it) is sent to `serve --config captures/mirrorsink.yaml`
 * over loopback; per-session, per-direction packet and byte counts must equal what tshark
 * reports for the same files (VNI and inner addresses per frame, frame length - 50 bytes of
 * outer headers).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/corpus.js';
import { haveTool, runTool } from '../helpers/tools.js';
import { httpGet, sendUdp, startInProcess, startServeProcess, waitFor } from './harness.js';
import { runCli } from '../helpers/tools.js';

/** Classic little-endian pcap, Ethernet + IPv4 + UDP outer: the UDP payloads. */
function udpPayloads(file: string): Buffer[] {
  const b = readFileSync(file);
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: Buffer[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const incl = b.readUInt32LE(off + 8);
    const frame = b.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const ihl = (frame[14]! & 0x0f) * 4;
    const udp = 14 + ihl;
    out.push(Buffer.from(frame.subarray(udp + 8, 14 + frame.readUInt16BE(16))));
  }
  return out;
}

const ENI: Record<string, string[]> = { '101': ['10.0.1.10', '2001:db8:1::10'], '102': ['10.0.2.20'] };
const NAME: Record<string, string> = { '101': 'eni-a', '102': 'eni-b', '201': 'eni-a-ingress', '202': 'eni-a-egress' };

/** tshark's view: session → direction → [packets, bytes]. */
function truth(files: string[]) {
  const t: Record<string, Record<string, [number, number]>> = {};
  for (const f of files) {
    const r = runTool('tshark', ['-r', f, '-T', 'fields', '-E', 'occurrence=l', '-e', 'vxlan.vni', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'frame.len']);
    for (const line of r.stdout.trim().split('\n')) {
      const [vni, s4, d4, s6, d6, len] = line.split('\t') as string[];
      const src = s6 || s4!;
      const dst = d6 || d4!;
      const dir = vni === '201' ? 'ingress' : vni === '202' ? 'egress' : ENI[vni!]!.includes(src) ? 'egress' : ENI[vni!]!.includes(dst) ? 'ingress' : 'unknown';
      const row = ((t[NAME[vni!]!] ??= {})[dir] ??= [0, 0]);
      row[0]++;
      row[1] += Number(len) - 50;
    }
  }
  return t;
}

(haveTool('tshark') ? describe : describe.skip)('bundled captures through serve (oracle: tshark)', () => {
  it('two-enis.pcap, ipv6.pcap and direction-vnis.pcap: sessions and directions as tshark sees them', async () => {
    const files = ['two-enis.pcap', 'ipv6.pcap', 'direction-vnis.pcap'].map((f) => path.join(REPO_ROOT, 'captures', f));
    const s = await startInProcess({ file: path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml'), flags: { noGeneve: true } });
    try {
      const datagrams = files.flatMap(udpPayloads);
      await sendUdp(s.vxlanPort, datagrams);
      const api = await waitFor(async () => {
        const j = (await httpGet(s.base, '/api/sessions')).json();
        return j.received.vxlan.datagrams === datagrams.length ? j : null;
      });
      const got: Record<string, Record<string, [number, number]>> = {};
      for (const sess of api.sessions) {
        for (const dir of ['ingress', 'egress', 'unknown']) {
          if (sess.packets[dir] > 0) (got[sess.name] ??= {})[dir] = [sess.packets[dir], sess.bytes[dir]];
        }
      }
      expect(got).toEqual(truth(files));
      expect(api.drops).toEqual({ unknown_vni: 0, disallowed_sender: 0, malformed: 0, filter: 0, duplicate: 0 });
    } finally {
      await s.stop();
    }
  });

  it('mirrorsink send → mirrorsink serve, both real processes: the same counts', async () => {
    const files = ['two-enis.pcap', 'direction-vnis.pcap'].map((f) => path.join(REPO_ROOT, 'captures', f));
    const p = await startServeProcess(['--config', path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml'), '--bind', '127.0.0.1', '--vxlan-port', '0', '--no-geneve', '--http-port', '0', '--http-bind', '127.0.0.1']);
    try {
      const sent = runCli(['send', ...files, '--to', `127.0.0.1:${p.port('vxlan')}`, '--rate', '2000', '--json']);
      expect(sent.status, sent.stderr).toBe(0);
      const summary = JSON.parse(sent.stdout);
      expect(summary.packets).toBe(56 + 17);
      const api = await waitFor(async () => {
        const j = (await httpGet(p.base, '/api/sessions')).json();
        return j.received.vxlan.datagrams === 73 ? j : null;
      });
      const got: Record<string, Record<string, [number, number]>> = {};
      for (const sess of api.sessions) {
        for (const dir of ['ingress', 'egress', 'unknown']) {
          if (sess.packets[dir] > 0) (got[sess.name] ??= {})[dir] = [sess.packets[dir], sess.bytes[dir]];
        }
      }
      expect(got).toEqual(truth(files));
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });
});
