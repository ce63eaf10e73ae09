/**
 * docs/operator-guide.md and the deploy/ examples against the real CLI: the guide's links
 * resolve, its metric names are real, its config examples pass `mirrorsink serve --check`; the
 * deploy example config passes too, and the AWS filter rules in the committed templates are
 * the ones mirrorsink's own loader reads from the same filter file.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { CLI, haveTool, runCli } from '../helpers/tools.js';
import { METRICS, metricNames } from './metrics-spec.js';

const GUIDE = path.join(REPO_ROOT, 'docs', 'operator-guide.md');
const guide = readFileSync(GUIDE, 'utf8');
const DEPLOY_EXAMPLES = path.join(REPO_ROOT, 'deploy', 'examples');
const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-docs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function requireCli() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm test runs tsc before vitest)`);
}

describe('operator guide', () => {
  it('covers sizing, kernel tuning, MTU, direction, scaling, troubleshooting and upgrades', () => {
    const headings = [...guide.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!.toLowerCase()).join('\n');
    for (const h of ['sizing', 'kernel tuning', 'mtu', 'direction', 'scaling out behind the nlb', 'troubleshooting', 'upgrades and rule reloads', 'unanswered connections']) {
      expect(headings).toContain(h);
    }
  });

  it('sizes from measured benchmark numbers, not placeholders', () => {
    const sizing = guide.slice(guide.indexOf('## 3. Sizing'), guide.indexOf('Rules of thumb'));
    expect(sizing).toContain('see README Performance');
    expect(sizing).not.toMatch(/PLACEHOLDER|TBD/);
    const rows = sizing.split('\n').filter((l) => /^\| (live|replay)/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) expect(row).toMatch(/\d/);
  });

  it('names the facts an operator needs', () => {
    for (const s of [
      'net.core.rmem_max',
      'net.core.rmem_default',
      'net.core.netdev_max_backlog',
      '/proc/net/udp',
      'mirrorsink_capture_kernel_drops_total',
      '9001',
      '54 bytes',
      'PacketLength',
      'direction_mode',
      'NetworkSkipMirrorIn',
      'NetworkSkipMirrorOut',
      'SIGHUP',
      'POST /api/reload',
      'unknown_vni',
      'UDP listener on 4789',
      'outbound network\n  ACL',
    ]) {
      expect(guide, s).toContain(s);
    }
  });

  it('uses only metric names mirrorsink promises', () => {
    expect(metricNames(guide).filter((m) => !(m in METRICS))).toEqual([]);
  });

  it('links only to files that exist', () => {
    const links = [...guide.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(5);
    // configuration.md is the lead's; every other link must resolve now.
    const missing = links.filter((l) => l !== 'configuration.md' && !existsSync(path.resolve(path.dirname(GUIDE), l)));
    expect(missing).toEqual([]);
  });

  const blocks = [...guide.matchAll(/<!-- check: mirrorsink-config -->\n```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it('has config examples marked for checking', () => expect(blocks.length).toBeGreaterThan(0));
  blocks.forEach((block, i) => {
    it(`config example ${i + 1} passes mirrorsink serve --check`, () => {
      requireCli();
      const dir = mkdtempSync(path.join(tmp, 'cfg-'));
      copyFileSync(path.join(DEPLOY_EXAMPLES, 'filter.yaml'), path.join(dir, 'filter.yaml'));
      writeFileSync(path.join(dir, 'mirrorsink.yaml'), block);
      const r = runCli(['serve', '--check', '--config', path.join(dir, 'mirrorsink.yaml')]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('configuration OK');
    });
  });
});

describe('operator guide: Prometheus configuration', () => {
  const promBlocks = [...guide.matchAll(/<!-- check: prometheus-config -->\n```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  it('has a scrape configuration marked for checking', () => expect(promBlocks.length).toBeGreaterThan(0));
  promBlocks.forEach((block, i) => {
    it.skipIf(!haveTool('promtool') && !process.env.CI)(`Prometheus example ${i + 1} passes promtool check config`, () => {
      const file = path.join(tmp, `prometheus-${i}.yml`);
      writeFileSync(file, block);
      const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    });
  });
});

describe('deploy/ examples against mirrorsink', () => {
  it('deploy/examples/mirrorsink.yaml passes mirrorsink serve --check with its two one-direction sessions', () => {
    requireCli();
    const r = runCli(['serve', '--check', '--config', path.join(DEPLOY_EXAMPLES, 'mirrorsink.yaml')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sessions: 2, filters: 2/);
  });

  it('the filter rules in deploy/templates are what mirrorsink reads from deploy/examples/filter.yaml', () => {
    requireCli();
    const r = runCli(['filter', 'export', path.join(DEPLOY_EXAMPLES, 'filter.yaml'), '--format', 'cloudformation-json']);
    expect(r.status, r.stderr).toBe(0);
    const rules = (template: any) =>
      Object.values(template.Resources as Record<string, any>)
        .filter((res) => res.Type === 'AWS::EC2::TrafficMirrorFilterRule')
        .map((res) => {
          const p = res.Properties;
          return JSON.stringify([p.TrafficDirection, p.RuleNumber, p.RuleAction, p.Protocol ?? null, p.SourceCidrBlock, p.DestinationCidrBlock, p.SourcePortRange ?? null, p.DestinationPortRange ?? null]);
        })
        .sort();
    const expected = rules(JSON.parse(r.stdout));
    expect(expected.length).toBeGreaterThan(0);
    for (const file of ['nlb-target.json', 'eni-target.json']) {
      // The templates split the filter into an ingress-only and an egress-only one: together they hold the same rules.
      const t = JSON.parse(readFileSync(path.join(REPO_ROOT, 'deploy', 'templates', file), 'utf8'));
      expect(rules(t), file).toEqual(expected);
    }
  });

  it('mirrorsink accepts the filter spellings deploy/ parses', () => {
    requireCli();
    const r = runCli(['filter', 'check', path.join(REPO_ROOT, 'deploy', 'test', 'fixtures', 'filter-forms.yaml')]);
    expect(r.status, r.stderr).toBe(0);
  });
});
