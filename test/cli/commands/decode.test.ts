import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithCorpus, pcapPath } from '../../helpers/corpus.js';
import { CLI, runCli } from '../../helpers/tools.js';

describe('mirrorsink decode (CLI)', () => {
  it('is built', () => {
    expect(existsSync(CLI), `${CLI} (run npx tsc -p tsconfig.json)`).toBe(true);
  });

  it('prints help', () => {
    const r = runCli(['decode', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: mirrorsink decode FILE [--json] [--limit N]');
    expect(r.stdout).toContain('--json');
  });

  it('rejects a missing FILE and bad options with a usage error', () => {
    const none = runCli(['decode']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^mirrorsink: decode: expected exactly one capture FILE/);
    const badLimit = runCli(['decode', 'x.pcap', '--limit', 'many']);
    expect(badLimit.status).toBe(2);
    expect(badLimit.stderr).toContain('--limit');
    const unknown = runCli(['decode', 'x.pcap', '--colour']);
    expect(unknown.status).toBe(2);
  });

  it('fails with one line for an unreadable file', () => {
    const r = runCli(['decode', '/nonexistent/capture.pcap']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('/nonexistent/capture.pcap');
    expect(r.stdout).toBe('');
  });
});

describeWithCorpus('mirrorsink decode on corpus files', () => {
  it('prints one line per packet, with the VNI and inner endpoints', () => {
    const r = runCli(['decode', pcapPath('vxlan', 'aws_mirror_ssh_dns_ntp.pcap')]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(100);
    expect(lines[2]).toBe('1561644078.257385000 vni 5569041 18.196.145.224:37180 > 172.31.0.238:22 TCP [S] length 60 payload 0');
  });

  it('prints JSON with nanosecond timestamps and honours --limit', () => {
    const r = runCli(['decode', '--json', '--limit', '2', pcapPath('formats', 'nanosecond_sll.pcap')]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith('{"n":1,"ts":1418145369.924505488,"vni":null,"outer":null,"src":"131.155.215.69","dst":"137.116.81.94","proto":6,"sport":46656,"dport":80,')).toBe(true);
    expect(JSON.parse(lines[1]!)).toMatchObject({ n: 2, tcp_flags: 0x12 });
  });

  it('rejects a file that is not a capture', () => {
    const r = runCli(['decode', pcapPath('CATALOG.md')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mirrorsink: .*CATALOG\.md: not a pcap or pcapng file/);
  });

  it('shows errors and truncation of malformed input', () => {
    const r = runCli(['decode', '--json', pcapPath('malformed', 'tcp_malformed.pcap')]);
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { error: string }).error)).toEqual(['tcp.pkt_too_small', 'tcp.pkt_too_small']);
  });
});
