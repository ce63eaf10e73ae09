/** `mirrorsink filter ...` through the built CLI (npm test builds dist/ first). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { runCli } from '../helpers/tools.js';
import { loadFilterFile } from '../../src/filter/load.js';
import { comparableFilter } from '../../src/filter/model.js';

const EX = (f: string) => path.join(REPO_ROOT, 'examples', 'filters', f);
const tmp = mkdtempSync(path.join(tmpdir(), 'msf-cli-'));

describe('mirrorsink filter', () => {
  it('--help for the command and each subcommand', () => {
    const top = runCli(['filter', '--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/Usage: mirrorsink filter <check\|explain\|export>/);
    for (const sub of ['check', 'explain', 'export']) {
      const r = runCli(['filter', sub, '--help']);
      expect(r.status, sub).toBe(0);
      expect(r.stdout).toContain(`Usage: mirrorsink filter ${sub}`);
    }
    expect(runCli(['filter', 'export', '--help']).stdout).toContain('aws-cli');
    expect(runCli(['filter']).status).toBe(2);
    const bad = runCli(['filter', 'frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown subcommand 'frobnicate'/);
  });

  describe('check', () => {
    it('prints rules in evaluation order per direction and notes', () => {
      const r = runCli(['filter', 'check', EX('web-only.yaml')]);
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      const i = lines.findIndex((l) => l.startsWith('ingress: 3 rules'));
      expect(lines[i + 1]).toMatch(/^\s+50\s+reject\s+tcp\s+192\.0\.2\.0\/24 port any -> 10\.0\.0\.0\/16 port 443\s+\(scanner network\)$/);
      expect(lines[i + 2]).toMatch(/^\s+100\s+accept/);
      expect(lines[i + 3]).toMatch(/^\s+200\s+accept\s+tcp\s+::\/0/);
      expect(r.stdout).toMatch(/egress: 1 rule,/);
      expect(r.stdout).toMatch(/note: amazon-dns is listed but no Amazon DNS resolver address is configured/);
      expect(r.stdout.trimEnd().endsWith('OK')).toBe(true);
      const withDns = runCli(['filter', 'check', EX('web-only.yaml'), '--amazon-dns-address', '10.0.0.2']);
      expect(withDns.stdout).toMatch(/note: amazon-dns: every packet to or from 10\.0\.0\.2 is mirrored before the rules/);
    });
    it('--json', () => {
      const r = runCli(['filter', 'check', EX('describe-traffic-mirror-filters.json'), '--json']);
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ ok: true, format: 'aws-describe', filter: { id: 'tmf-0a1b2c3d4e5f60718', name: 'no-ssh', network_services: ['amazon-dns'] }, errors: [] });
      expect(j.filter.ingress.map((x: { rule_number: number }) => x.rule_number)).toEqual([100, 200]);
      expect(j.filter.ingress[0].destination_ports).toEqual({ from: 22, to: 22 });
    });
    it('exits 1 listing every error with file, path and line; --json gives them structured', () => {
      const f = path.join(tmp, 'bad.yaml');
      writeFileSync(f, `ingress:
  - {rule: 1, action: accept, protocol: tcp, dst_port: "9-8", src: 10.0.0.0/8, dst: "::/0"}
  - {rule: 1, action: accept, src: 10.0.0.0/99, dst: 0.0.0.0/0}
`);
      const r = runCli(['filter', 'check', f]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${f}: 4 errors in filter file:`);
      expect(r.stderr).toContain('ingress[0].dst_port (line 2): port range 9-8: from 9 > to 8');
      expect(r.stderr).toContain('ingress[0].dst (line 2): source 10.0.0.0/8 is IPv4 but destination ::/0 is IPv6');
      expect(r.stderr).toContain('ingress[1].rule (line 3): duplicate ingress rule number 1');
      expect(r.stderr).toContain('ingress[1].src (line 3):');
      const j = runCli(['filter', 'check', f, '--json']);
      expect(j.status).toBe(1);
      const o = JSON.parse(j.stdout);
      expect(o.ok).toBe(false);
      expect(o.errors).toHaveLength(4);
      expect(o.errors[0]).toEqual({ path: 'ingress[0].dst_port', line: 2, message: 'port range 9-8: from 9 > to 8' });
    });
    it('--strict turns AWS-limit warnings into errors; --filter-id picks a filter', () => {
      const f = path.join(tmp, 'many.yaml');
      const rules = Array.from({ length: 12 }, (_, i) => `  - {rule: ${i + 1}, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`).join('\n');
      writeFileSync(f, `filters:\n  - filter: a\n    ingress:\n${rules.replace(/^/gm, '  ')}\n  - {filter: b}\n`);
      const noId = runCli(['filter', 'check', f]);
      expect(noId.status).toBe(1);
      expect(noId.stderr).toMatch(/2 filters in the file \(a, b\)/);
      const warn = runCli(['filter', 'check', f, '--filter-id', 'a']);
      expect(warn.status).toBe(0);
      expect(warn.stdout).toMatch(/warnings \(1\):\n {2}filters\[0\] \(line 2\): 12 rules: AWS allows at most 10 rules per filter/);
      const strict = runCli(['filter', 'check', f, '--filter-id', 'a', '--strict']);
      expect(strict.status).toBe(1);
      expect(strict.stderr).toMatch(/12 rules: AWS allows at most 10 rules per filter \(strict\)/);
    });
    it('a missing file exits 1 naming it', () => {
      const r = runCli(['filter', 'check', path.join(tmp, 'nope.yaml')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/nope\.yaml: cannot read filter file: no such file/);
    });
  });

  describe('explain', () => {
    it('prints the verdict, the deciding rule and why earlier rules did not match', () => {
      const r = runCli(['filter', 'explain', EX('describe-traffic-mirror-filters.json'), '--packet', 'tcp 203.0.113.5:51000 -> 10.0.1.9:22 ingress', '--packet', 'udp 203.0.113.5:5000 -> 10.0.1.9:53 ingress']);
      expect(r.status).toBe(0);
      const [first, second] = r.stdout.split('\n\n');
      expect(first).toContain('verdict:   rejected (not mirrored) by ingress rule 100 (reject)');
      expect(second).toContain('no match: protocol 17 ≠ 6; destination port 53 not in 22-22');
      expect(second).toContain('verdict:   accepted (mirrored) by ingress rule 200 (accept)');
    });
    it('--json, --direction and amazon-dns', () => {
      const r = runCli(['filter', 'explain', EX('describe-traffic-mirror-filters.json'), '--packet', 'udp 10.0.3.3:5353 -> 10.0.0.2:53', '--direction', 'egress', '--amazon-dns-address', '10.0.0.2', '--json']);
      expect(r.status).toBe(0);
      const [e] = JSON.parse(r.stdout);
      expect(e).toMatchObject({ direction: 'egress', verdict: 'accepted', rule: -2 });
    });
    it('a bad packet description is a usage error (exit 2)', () => {
      const r = runCli(['filter', 'explain', EX('web-only.yaml'), '--packet', 'tcp 10.0.0.1 -> ']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--packet: expected 'PROTO SRC -> DST \[DIRECTION\]'/);
      expect(runCli(['filter', 'explain', EX('web-only.yaml')]).status).toBe(2);
    });
  });

  describe('export', () => {
    it('each format; aws-json and terraform-json load back to the same model', () => {
      const original = loadFilterFile(EX('describe-traffic-mirror-filters.json')).filter;
      for (const format of ['aws-json', 'terraform-json', 'cloudformation', 'cloudformation-json', 'yaml']) {
        const out = path.join(tmp, `export.${format}`);
        const r = runCli(['filter', 'export', EX('describe-traffic-mirror-filters.json'), '--format', format, '-o', out]);
        expect(r.status, r.stderr).toBe(0);
        expect(comparableFilter(loadFilterFile(out).filter), format).toEqual(comparableFilter(original));
        const check = runCli(['filter', 'check', out]);
        expect(check.status, check.stderr).toBe(0);
      }
      const cli = runCli(['filter', 'export', EX('web-only.yaml'), '--format', 'aws-cli']);
      expect(cli.stdout).toContain('--add-network-services amazon-dns');
      expect(cli.stdout).toContain('--traffic-direction egress --rule-number 100 --rule-action accept');
      const tf = runCli(['filter', 'export', EX('web-only.yaml'), '--format', 'terraform']);
      expect(tf.stdout).toContain('resource "aws_ec2_traffic_mirror_filter_rule" "web-only_ingress_50"');
      expect(readFileSync(path.join(tmp, 'export.cloudformation'), 'utf8')).toContain('AWS::EC2::TrafficMirrorFilterRule');
    });
    it('an unknown or missing --format is a usage error', () => {
      const r = runCli(['filter', 'export', EX('web-only.yaml'), '--format', 'pulumi']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--format must be one of aws-cli, aws-json, cloudformation/);
      expect(runCli(['filter', 'export', EX('web-only.yaml')]).status).toBe(2);
    });
  });
});
