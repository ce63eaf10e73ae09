/**
 * The synthesised test captures: every scenario builds its packets with our own builders, is
 * mirrored AWS-style (VXLAN, outer source = ENI primary IP, target 10.0.100.5) and written as a
 * classic pcap. Byte-for-byte deterministic: fixed seeds per file, fixed base time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BASE_TIME_SEC, Capture, ENI_A, ENI_B, MIRROR_TARGET, type Scenario } from './kit.js';
import { twoEnis } from './scenarios/two-enis.js';
import { sshBruteforce } from './scenarios/ssh-bruteforce.js';
import { rdpBruteforce } from './scenarios/rdp-bruteforce.js';
import { portscan } from './scenarios/portscan.js';
import { tcpFlagsScan } from './scenarios/tcp-flags-scan.js';
import { icmpSweep } from './scenarios/icmp-sweep.js';
import { dns } from './scenarios/dns.js';
import { http } from './scenarios/http.js';
import { webAttacks } from './scenarios/web-attacks.js';
import { tls } from './scenarios/tls.js';
import { cleartext } from './scenarios/cleartext.js';
import { knownBad } from './scenarios/known-bad.js';
import { ipv6Scenario } from './scenarios/ipv6.js';
import { truncated } from './scenarios/truncated.js';
import { malformed } from './scenarios/malformed.js';
import { directionVnis } from './scenarios/direction-vnis.js';

export const SCENARIOS: readonly Scenario[] = [
  twoEnis,
  sshBruteforce,
  rdpBruteforce,
  portscan,
  tcpFlagsScan,
  icmpSweep,
  dns,
  http,
  webAttacks,
  cleartext,
  knownBad,
  tls,
  ipv6Scenario,
  truncated,
  malformed,
  directionVnis,
];

export interface GeneratedCapture {
  file: string;
  packets: number;
  bytes: number;
  /** VNI -> packets. */
  vnis: Map<number, number>;
  data: Buffer;
}

/** Build one scenario's pcap in memory. */
export function buildCapture(s: Scenario): GeneratedCapture {
  const cap = new Capture(s.file);
  s.build(cap);
  const data = cap.toPcap();
  return { file: s.file, packets: cap.packetCount, bytes: data.length, vnis: new Map([...cap.vniCounts].sort((a, b) => a[0] - b[0])), data };
}

function vniText(v: Map<number, number>): string {
  return [...v].map(([vni, n]) => `${vni} (${n})`).join(', ');
}

/** captures/README.md, generated so the counts always match the files. */
export function capturesReadme(results: GeneratedCapture[]): string {
  const total = results.reduce((n, r) => n + r.bytes, 0);
  const lines = [
    '# Test captures',
    '',
    'Synthesised AWS VPC Traffic Mirroring captures: every packet is built by mirrorsink\'s own',
    'generator (`src/emulator/captures/`), wrapped as a mirror target receives it and written as a',
    'classic little-endian pcap (microsecond timestamps, LINKTYPE_ETHERNET). Nothing here comes',
    'from another capture. **Generated file: do not edit by hand.** Regenerate with',
    '',
    '```sh',
    'npm run captures            # = tsc, then: node dist/src/cli/main.js generate-captures captures',
    '```',
    '',
    'The output is byte-for-byte deterministic (fixed seed per file, every file starts at',
    `2026-11-02T09:00:00Z = ${BASE_TIME_SEC}); \`test/captures\` regenerates into a temporary`,
    'folder and compares.',
    '',
    '## Common setup',
    '',
    `- Mirror target: ${MIRROR_TARGET} (UDP 4789). Outer header as AWS sends it: IPv4 source = the`,
    '  mirror-source ENI\'s primary IP, TTL 255, IP ID 0, DF clear, UDP checksum 0, UDP source port =',
    '  symmetric hash of the inner flow in 65408-65535 (`src/emulator/source-port.ts`), VXLAN flags 0x08.',
    `- ENI A \`${ENI_A.id}\`: ${ENI_A.addresses.join(', ')}, MAC ${ENI_A.mac}, session VNI ${ENI_A.vni}.`,
    `- ENI B \`${ENI_B.id}\`: ${ENI_B.addresses.join(', ')}, MAC ${ENI_B.mac}, session VNI ${ENI_B.vni}.`,
    '- Both directions of each ENI\'s traffic are mirrored: ingress copies have the ENI as inner',
    '  destination (inner Ethernet: subnet router MAC → ENI MAC), egress copies the ENI as inner source',
    `  (ENI MAC → router MAC). Router MACs: ${ENI_A.gatewayMac} (ENI A\'s subnet), ${ENI_B.gatewayMac} (ENI B\'s).`,
    '  Traffic between the two ENIs is mirrored by both sessions (two copies, 60 µs apart).',
    '- Other addresses are documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,',
    '  2001:db8::/32) and the Amazon DNS resolver 10.0.0.2 (VPC 10.0.0.0/16).',
    '',
    `## Files (${results.length}, ${(total / 1024).toFixed(1)} KiB in all)`,
    '',
    '| file | packets | VNIs (packets) | what |',
    '|---|---:|---|---|',
    ...results.map((r, i) => `| [${r.file}](#${r.file.replace(/\./g, '')}) | ${r.packets} | ${vniText(r.vnis) || '-'} | ${SCENARIOS[i]!.summary} |`),
    '',
    'Check a file with tshark: `tshark -r captures/FILE -T fields -e vxlan.vni | sort | uniq -c`;',
    'inner fields with `-E occurrence=l`, e.g.',
    '`tshark -r captures/http.pcap -T fields -E occurrence=l -e ip.src -e ip.dst -e tcp.dstport -e http.request.uri`.',
    '',
    'Replay one to a running sink over UDP (the datagrams are the captured VXLAN payloads, unchanged):',
    '`mirrorsink send captures/two-enis.pcap --to 127.0.0.1:4789` (add `--aws-sport` to send each',
    'datagram from its recorded outer source port).',
    '',
  ];
  results.forEach((r, i) => {
    lines.push(`## ${r.file}`, '', `${r.packets} packets, ${r.bytes} bytes; VNIs: ${vniText(r.vnis) || 'none'}.`, '', SCENARIOS[i]!.details, '');
  });
  return lines.join('\n');
}

/** Write every capture and README.md into `dir` (created if needed). */
export function generateCaptures(dir: string): GeneratedCapture[] {
  mkdirSync(dir, { recursive: true });
  const results = SCENARIOS.map(buildCapture);
  for (const r of results) writeFileSync(path.join(dir, r.file), r.data);
  writeFileSync(path.join(dir, 'README.md'), capturesReadme(results));
  return results;
}
