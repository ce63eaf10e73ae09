/**
 * serve's defaults match replay's (issue 16 item 9): with no rules, flows or EVE path named,
 * serve loads the bundled ruleset, tracks flows and writes EVE under the state directory, so the
 * bundled captures give serve the alerts replay gives (flow:established rules included). The
 * packets go through serve's stages from the capture files (no UDP: loopback may drop).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { runCli } from '../helpers/tools.js';
import { tmpDir, writeConfig } from '../server/harness.js';
import { loadServeConfig, serveDefaults } from '../../src/pipeline/serve-config.js';
import { cliOverrides } from '../../src/config/overrides.js';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../src/config/load.js';
import { defaultRuleFiles } from '../../src/pipeline/assemble.js';
import { buildStages, pipelineStagesOf, retireStages } from '../../src/pipeline/build.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import type { MirrorsinkConfig } from '../../src/config/schema.js';

const CAPTURES = path.join(REPO_ROOT, 'captures');
const PCAPS = readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap')).sort().map((f) => path.join(CAPTURES, f));
const CAPTURES_CONFIG = path.join(CAPTURES, 'mirrorsink.yaml');

function alertsIn(file: string): { sid: number }[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)).filter((e) => e.event_type === 'alert').map((e) => ({ sid: e.alert.signature_id }));
}

/** serve's stages over the capture files (as the UDP listener would feed them), then shutdown. */
async function runServeStages(config: MirrorsinkConfig): Promise<string[]> {
  const pipeline = new Pipeline();
  const stages = await buildStages(config, { drops: pipeline.drops }, null);
  pipeline.setStages(pipelineStagesOf(stages));
  for (const f of PCAPS) readCaptureFile(f, pipeline);
  pipeline.finish();
  await retireStages(stages, null);
  return stages.warnings;
}

describe('serve defaults (what no file, variable or flag says)', () => {
  it('no configuration: the bundled rules, flows with EVE flow records, EVE under the state directory', () => {
    const state = tmpDir();
    const { config, assumptions } = loadServeConfig({ file: null, env: { MIRRORSINK_STATE_DIR: state } });
    expect(config.rules.files).toEqual(defaultRuleFiles());
    expect(config.rules.files.length).toBeGreaterThan(0);
    expect(config.flows).not.toBeNull();
    expect(config.flows!.eve).toBe(true);
    expect(config.eve.path).toBe(path.join(state, 'eve.json'));
    expect(assumptions.join('\n')).toMatch(/rules\.files not set: the bundled ruleset/);
    expect(assumptions.join('\n')).toMatch(new RegExp(`eve\\.path not set: EVE JSON to ${path.join(state, 'eve.json')} \\(state directory from environment variable MIRRORSINK_STATE_DIR`));
    // the plain loader (replay's base, and serve's before) has none of them
    const bare = loadConfig({ file: null, env: {} }).config;
    expect([bare.rules.files.length, bare.flows, bare.eve.path]).toEqual([0, null, null]);
  });

  it('workers: one pipeline thread per core (pcap outputs too), but one for live capture; what is said wins', () => {
    const state = tmpDir();
    const env = { MIRRORSINK_STATE_DIR: state };
    const cores = Math.min(availableParallelism(), 64);
    expect(loadServeConfig({ file: null, env }).config.workers).toBe(cores);
    const dir = tmpDir();
    const pcap = loadServeConfig({ file: writeConfig(dir, `flows: {pcap: {dir: ${JSON.stringify(dir)}}}\n`, 'p.yaml'), env });
    // The main thread writes flows.pcap for every worker; alert pcaps are per flow, per worker.
    expect(pcap.config.workers).toBe(cores);
    const live = loadServeConfig({ file: null, env, cli: cliOverrides({ interface: 'lo' }) });
    expect(live.config.workers).toBe(1);
    expect(live.assumptions.join('\n')).toMatch(/live capture reads one libpcap handle/);
    expect(loadServeConfig({ file: null, env: { ...env, MIRRORSINK_WORKERS: '3' } }).config.workers).toBe(3);
    // the plain loader keeps one thread
    expect(loadConfig({ file: null, env: {} }).config.workers).toBe(1);
  });

  it("the example configuration (README's) leaves rules, flows and EVE to serve's defaults", () => {
    const { config } = loadServeConfig({ file: path.join(REPO_ROOT, 'examples', 'mirrorsink.yaml'), env: { MIRRORSINK_STATE_DIR: '/srv/s' } });
    expect(config.rules.files).toEqual(defaultRuleFiles());
    expect(config.rules.vars.HOME_NET).toBe('[10.0.0.0/16]');
    expect(config.flows?.eve).toBe(true);
    expect(config.eve.path).toBe('/srv/s/eve.json');
    expect(config.health.kernelDropsWindowSeconds).toBe(30);
  });

  it('--state-dir, then MIRRORSINK_STATE_DIR, then systemd STATE_DIRECTORY, then /var/lib/mirrorsink', () => {
    const eve = (o: Parameters<typeof loadServeConfig>[0]) => loadServeConfig(o).config.eve.path;
    expect(eve({ file: null, env: { MIRRORSINK_STATE_DIR: '/srv/a', STATE_DIRECTORY: '/srv/b' }, stateDir: '/srv/c' })).toBe('/srv/c/eve.json');
    expect(eve({ file: null, env: { MIRRORSINK_STATE_DIR: '/srv/a', STATE_DIRECTORY: '/srv/b' } })).toBe('/srv/a/eve.json');
    expect(eve({ file: null, env: { STATE_DIRECTORY: '/srv/b:/srv/x' } })).toBe('/srv/b/eve.json');
    expect(eve({ file: null, env: {} })).toBe('/var/lib/mirrorsink/eve.json');
  });

  it('what the configuration says wins: no rules, no flows, no EVE; its own paths; variables and flags', () => {
    const dir = tmpDir();
    const off = loadServeConfig({ file: writeConfig(dir, 'rules:\n  files: []\nflows: false\neve:\n  path: false\n'), env: {} }).config;
    expect([off.rules.files, off.flows, off.eve.path]).toEqual([[], null, null]);
    // Left empty (YAML null) is unset: the defaults apply.
    const empty = loadServeConfig({ file: writeConfig(dir, 'rules:\n  files:\nflows:\neve:\n  path:\n', 'e.yaml'), env: { MIRRORSINK_STATE_DIR: '/srv/s' } }).config;
    expect([empty.rules.files, empty.flows?.eve, empty.eve.path]).toEqual([defaultRuleFiles(), true, '/srv/s/eve.json']);
    const own = loadServeConfig({ file: writeConfig(dir, 'eve: out/e.json\nrules: [my.rules]\nflows:\n  max_flows: 4096\n', 'b.yaml'), env: {} }).config;
    expect(own.eve.path).toBe(path.join(dir, 'out/e.json'));
    expect(own.rules.files).toEqual([path.join(dir, 'my.rules')]);
    expect(own.flows!.maxFlows).toBe(4096);
    expect(own.flows!.eve).toBe(false); // flows: named by the file, kept as written
    const env = loadServeConfig({ file: null, env: { MIRRORSINK_EVE: '/tmp/x/eve.json', MIRRORSINK_RULES: '/tmp/r.rules' } }).config;
    expect(env.eve.path).toBe('/tmp/x/eve.json');
    expect(env.rules.files).toEqual(['/tmp/r.rules']);
    expect(env.flows!.eve).toBe(true);
    const noEve = serveDefaults({ file: writeConfig(dir, 'eve:\n  path: false\n', 'c.yaml'), env: {} });
    expect(noEve.overrides.find((o) => o.path[0] === 'flows')).toEqual({ path: ['flows'], value: true, origin: 'serve default (flows on)' });
  });

  it("the bundled captures: serve's stages write the alerts replay writes (flow:established rules fire)", async () => {
    const state = tmpDir();
    const { config } = loadServeConfig({ file: CAPTURES_CONFIG, env: { MIRRORSINK_STATE_DIR: state } });
    await runServeStages(config);
    const served = alertsIn(path.join(state, 'eve.json'));

    const out = tmpDir();
    const r = runCli(['replay', ...PCAPS, '--config', CAPTURES_CONFIG, '--eve', path.join(out, 'eve.json')]);
    expect(r.status, r.stderr).toBe(0);
    const replayed = alertsIn(path.join(out, 'eve.json'));
    expect(replayed.length).toBeGreaterThan(0);
    const bySid = (a: { sid: number }[]) => a.map((x) => x.sid).sort((x, y) => x - y);
    expect(bySid(served)).toEqual(bySid(replayed));
  });

  it('warns when loaded rules need flow tracking that the configuration turned off', async () => {
    const state = tmpDir();
    const file = writeConfig(tmpDir(), `flows: false\neve: ${path.join(state, 'eve.json')}\n`);
    const { config } = loadServeConfig({ file, env: {} });
    const warnings = await runServeStages(config);
    expect(warnings.join('\n')).toMatch(/^\d+ loaded rules? needs? flow tracking \(flow:established\/to_server, flowbits, stream_size\) but flows are off: they can never match \(sid \d+/m);
    const on = await runServeStages(loadServeConfig({ file: null, env: { MIRRORSINK_STATE_DIR: state } }).config);
    expect(on.join('\n')).not.toMatch(/flow tracking/);
  });
});

describe('serve --check tells the truth about EVE', () => {
  it('an EVE path that is set is not reported missing', () => {
    const dir = tmpDir();
    const r = runCli(['serve', '--check', '--config', writeConfig(dir, `eve:\n  path: ${path.join(dir, 'eve.json')}\nrules: [${JSON.stringify(defaultRuleFiles()[0])}]\n`)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('configuration OK');
    expect(r.stdout).not.toMatch(/no eve\.path/);
  });

  it('an EVE path serve cannot open fails the check, naming the key and why', () => {
    const dir = tmpDir();
    const notADir = writeConfig(dir, 'x', 'plain-file');
    const file = writeConfig(dir, `eve:\n  path: ${notADir}/eve.json\n`);
    const r = runCli(['serve', '--check', '--config', file]);
    expect(r.stdout).not.toContain('configuration OK');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${file}: eve.path: cannot create ${notADir}/eve.json: ${notADir} is not a directory`);
    const isDir = runCli(['serve', '--check', '--config', writeConfig(dir, `eve: ${dir}\n`, 'd.yaml')]);
    expect(isDir.status).not.toBe(0);
    expect(isDir.stderr).toContain(`eve.path: ${dir} is a directory, not a file`);
    // and the defaults: the state directory is checked too
    const state = runCli(['serve', '--check'], { env: { MIRRORSINK_STATE_DIR: `${notADir}/state` } });
    expect(state.status).not.toBe(0);
    expect(state.stderr).toContain(`eve.path: cannot create ${notADir}/state/eve.json: ${notADir} is not a directory`);
    expect(state.stderr).toContain(`eve.path defaults to the state directory ${notADir}/state: make it writable for this user, or set MIRRORSINK_STATE_DIR (--state-dir)`);
    // serve itself fails the same way, before binding anything
    const start = runCli(['serve', '--vxlan-port', '0', '--geneve-port', '0', '--http-port', '0', '--bind', '127.0.0.1', '--http-bind', '127.0.0.1'], { env: { MIRRORSINK_STATE_DIR: `${notADir}/state` } });
    expect(start.status).toBe(1);
    expect(start.stderr).toContain(`eve.path defaults to the state directory ${notADir}/state`);
  });
});
