import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { cliOverrides } from '../../src/config/overrides.js';
import { ConfigError } from '../../src/config/problems.js';
import { DEFAULTS } from '../../src/config/schema.js';
import { tmpDir, writeConfig } from '../server/harness.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const GOOD = `
listen:
  bind: [127.0.0.1, "::1"]
  vxlan_port: 4789
  geneve_port: false
http:
  port: 9200
  reload_token: s3cret-token
unknown_vni: drop
allowed_senders: [10.0.0.0/16, "2001:db8::/32"]
sessions:
  - name: web-1
    vni: 101
    eni: eni-0a1b2c3d4e5f60101
    addresses: [10.0.1.10, 10.0.1.32/28, "2001:db8:1::10"]
    mac: 02:00:0A:00:01:0A
    filter: { path: filters/web.json, filter_id: tmf-0123456789abcdef0, strict: true }
    account_id: "123456789012"
    region: us-east-1
    az_id: use1-az1
  - name: db-in
    vni: 201
    direction: ingress
rules:
  files: [rules/local.rules]
  vars: { HOME_NET: "[10.0.0.0/8]" }
eve: out/eve.json
flows: { max_flows: 1000 }
`;

describe('config: loading and validation', () => {
  it('a config-free start uses the documented defaults and says what it assumed', () => {
    const { config, assumptions } = loadConfig({ file: null, env: {} });
    expect(config.listen.bind).toEqual(['0.0.0.0']);
    expect(config.listen.vxlanPort).toBe(4789);
    expect(config.listen.genevePort).toBe(6081);
    expect(config.listen.receiveBufferBytes).toBe(DEFAULTS.receiveBufferBytes);
    expect(config.http).toEqual({ bind: '0.0.0.0', port: 9109, reloadToken: null });
    expect(config.unknownVni).toBe('process');
    expect(config.sessions).toEqual([]);
    expect(config.allowedSenders).toEqual([]);
    const text = assumptions.join('\n');
    expect(text).toMatch(/no configuration file/);
    expect(text).toMatch(/session 'unknown'/);
    expect(text).toMatch(/every sender/);
    expect(text).toMatch(/0\.0\.0\.0:9109/);
  });

  it('reads a full file; relative paths resolve against the file directory', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, GOOD);
    const { config } = loadConfig({ file, env: {} });
    expect(config.file).toBe(file);
    expect(config.listen.bind).toEqual(['127.0.0.1', '::1']);
    expect(config.listen.genevePort).toBeNull();
    expect(config.http.reloadToken).toBe('s3cret-token');
    expect(config.unknownVni).toBe('drop');
    expect(config.allowedSenders.map((c) => c.text)).toEqual(['10.0.0.0/16', '2001:db8::/32']);
    const [web, db] = config.sessions;
    expect(web!.name).toBe('web-1');
    expect(web!.mac).toBe('02000a00010a');
    expect(web!.primaryAddress!.text).toBe('10.0.1.10/32');
    expect(web!.addresses.map((a) => a.text)).toEqual(['10.0.1.10/32', '10.0.1.32/28', '2001:db8:1::10/128']);
    expect(web!.directionMode).toBe('auto');
    expect(web!.filter).toEqual({ path: path.join(dir, 'filters/web.json'), filterId: 'tmf-0123456789abcdef0', strict: true, amazonDnsAddress: null, directionUnknown: null });
    expect(web!.flowLog).toMatchObject({ accountId: '123456789012', region: 'us-east-1', azId: 'use1-az1', vpcId: null });
    expect(db!.directionMode).toBe('vni');
    expect(db!.direction).toBe('ingress');
    expect(config.rules.files).toEqual([path.join(dir, 'rules/local.rules')]);
    expect(config.rules.vars).toEqual({ HOME_NET: '[10.0.0.0/8]' });
    expect(config.eve.path).toBe(path.join(dir, 'out/eve.json'));
    expect(config.flows).toMatchObject({ maxFlows: 1000 }); // typed now (was the raw mapping)
  });

  it('reports every problem at once, each naming the file:line and the key', () => {
    const dir = tmpDir();
    const file = writeConfig(
      dir,
      `listen:
  vxlan_port: 70000
  bnd: 0.0.0.0
sessions:
  - name: a
    vni: 101
    addresses: [10.0.1.10, 10.0.1.300]
    mac: zz:00:00:00:00:00
  - name: a
    vni: 16777216
    direction_mode: mac
  - vni: 101
    direction: sideways
unknown_vni: maybe
allowed_senders: [10.0.0.1/8]
`,
    );
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    const want: [RegExp, number][] = [
      [/:2: listen\.vxlan_port: must be an integer from 0 to 65535, got 70000/, 2],
      [/:3: listen\.bnd: unknown key \(did you mean 'bind'\?\)/, 3],
      [/:7: sessions\[0\]\.addresses\[1\]: '10\.0\.1\.300' is not a valid IPv4 or IPv6 CIDR block/, 7],
      [/:8: sessions\[0\]\.mac: 'zz:00:00:00:00:00' is not a MAC address/, 8],
      [/sessions\[1\]\.vni: must be an integer from 0 to 16777215, got 16777216/, 10],
      [/sessions\[1\]\.mac: is required with direction_mode 'mac'/, 9],
      [/sessions\[2\]\.direction: must be one of ingress, egress, got 'sideways'/, 13],
      [/:14: unknown_vni: must be one of process, drop, got 'maybe'/, 14],
      [/:15: allowed_senders\[0\]: '10\.0\.0\.1\/8' has bits set beyond the \/8 prefix \(did you mean 10\.0\.0\.0\/8\?\)/, 15],
    ];
    for (const [re] of want) expect(problems.some((p) => re.test(p)), `${re} in:\n${problems.join('\n')}`).toBe(true);
    for (const p of problems) expect(p.startsWith(file)).toBe(true);
    // The error message itself names the file and lists them all.
    try {
      loadConfig({ file, env: {} });
    } catch (err) {
      expect((err as Error).message).toContain(`invalid configuration in ${file}`);
      expect((err as Error).message).toContain(`(${problems.length} problems)`);
    }
  });

  it('duplicate names and VNIs: shared VNIs need distinct primary addresses', () => {
    const dir = tmpDir();
    const bad = writeConfig(
      dir,
      `sessions:
  - { name: a, vni: 7 }
  - { name: a, vni: 7 }
  - { name: unknown, vni: 8 }
`,
    );
    const problems = problemsOf(() => loadConfig({ file: bad, env: {} }));
    expect(problems.join('\n')).toMatch(/sessions\[1\]\.name: 'a' is already the name of sessions\[0\]/);
    expect(problems.join('\n')).toMatch(/sessions\[1\]\.vni: 7 is already the VNI of sessions\[0\] \(a\); sessions may share a VNI only when each has its own primary_address/);
    expect(problems.join('\n')).toMatch(/sessions\[2\]\.name: 'unknown' is reserved/);
    const ok = writeConfig(
      dir,
      `sessions:
  - { name: a, vni: 7, primary_address: 10.0.1.10 }
  - { name: b, vni: 7, primary_address: 10.0.2.20 }
`,
      'ok.yaml',
    );
    expect(loadConfig({ file: ok, env: {} }).config.sessions.map((s) => s.addresses.map((a) => a.text))).toEqual([['10.0.1.10/32'], ['10.0.2.20/32']]);
  });

  it('YAML syntax errors and unreadable files name the file', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, 'listen:\n  bind: [127.0.0.1\nhttp: {\n');
    expect(problemsOf(() => loadConfig({ file, env: {} }))[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: YAML syntax`));
    const missing = path.join(dir, 'nope.yaml');
    expect(problemsOf(() => loadConfig({ file: missing, env: {} }))).toEqual([`${missing}: cannot read the configuration file: no such file`]);
  });

  it('environment overrides the file, flags override the environment; problems name the variable or flag', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, 'http: { port: 9200 }\nlisten: { vxlan_port: 4789 }\nlog_level: info\n');
    const env = {
      MIRRORSINK_HTTP_PORT: '9300',
      MIRRORSINK_VXLAN_PORT: '14789',
      MIRRORSINK_BIND: '127.0.0.1, ::1',
      MIRRORSINK_LOG_LEVEL: 'debug',
      MIRRORSINK_RELOAD_TOKEN: 'from-the-env',
      MIRRORSINK_GENEVE_PORT: 'off',
      MIRRORSINK_EVE: 'eve.json',
    };
    const a = loadConfig({ file, env, cwd: '/srv' }).config;
    expect(a.http.port).toBe(9300);
    expect(a.listen.vxlanPort).toBe(14789);
    expect(a.listen.bind).toEqual(['127.0.0.1', '::1']);
    expect(a.logLevel).toBe('debug');
    expect(a.http.reloadToken).toBe('from-the-env');
    expect(a.listen.genevePort).toBeNull();
    expect(a.eve.path).toBe('/srv/eve.json'); // relative to the working directory, not the file
    const b = loadConfig({ file, env, cli: cliOverrides({ httpPort: '9400', logLevel: 'warn', genevePort: '16081' }) }).config;
    expect(b.http.port).toBe(9400);
    expect(b.logLevel).toBe('warn');
    expect(b.listen.genevePort).toBe(16081);
    // MIRRORSINK_CONFIG names the file when --config is absent.
    expect(loadConfig({ env: { MIRRORSINK_CONFIG: file } }).config.http.port).toBe(9200);

    const problems = problemsOf(() => loadConfig({ file, env: { MIRRORSINK_HTTP_PORT: 'http', MIRRORSINK_BIND: '10.0.0.0/8' }, cli: cliOverrides({ logLevel: 'loud' }) }));
    expect(problems).toContain("environment variable MIRRORSINK_HTTP_PORT: http.port: must be an integer from 0 to 65535, got 'http'");
    expect(problems).toContain("environment variable MIRRORSINK_BIND: listen.bind[0]: '10.0.0.0/8' is not an IPv4 or IPv6 address (use 0.0.0.0 or :: for every address)");
    expect(problems).toContain("--log-level: log_level: must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'");
  });

  it('rejects direction settings that contradict each other', () => {
    const dir = tmpDir();
    const file = writeConfig(
      dir,
      `sessions:
  - { name: a, vni: 1, direction_mode: vni }
  - { name: b, vni: 2, direction_mode: addresses }
  - { name: c, vni: 3, direction_mode: mac, direction: egress, mac: 02:00:00:00:00:01 }
  - { name: d, vni: 4, eni: eni-xyz, account_id: "12" }
`,
    );
    const text = problemsOf(() => loadConfig({ file, env: {} })).join('\n');
    expect(text).toMatch(/sessions\[0\]\.direction: is required with direction_mode 'vni'/);
    expect(text).toMatch(/sessions\[1\]\.addresses: is required with direction_mode 'addresses'/);
    expect(text).toMatch(/sessions\[2\]\.direction: only applies with direction_mode 'vni', not 'mac'/);
    expect(text).toMatch(/sessions\[3\]\.eni: 'eni-xyz' is not an ENI id/);
    expect(text).toMatch(/sessions\[3\]\.account_id: '12' is not valid \(expected 12 digits\)/);
  });
});

describe('flows section', () => {
  it('is typed: defaults, relative directories resolved against the file', () => {
    const dir = tmpDir();
    const file = writeConfig(
      dir,
      `
eve: { path: eve.json }
flows:
  max_flows: 4096
  midstream: true
  timeouts: { tcp_new: 5, udp_established: 90 }
  eve: true
  log: { dir: flowlogs, aggregation_sec: 60 }
  pcap: { dir: pcaps, mode: outer, max_files: 3 }
  alert_pcap_dir: alerts
`,
    );
    const { config } = loadConfig({ file, env: {} });
    const f = config.flows!;
    expect(f.maxFlows).toBe(4096);
    expect(f.midstream).toBe(true);
    expect(f.unansweredHistory).toBeNull();
    expect(f.timeouts).toMatchObject({ tcpNew: 5, udpEstablished: 90, tcpEstablished: null });
    expect(f.eve).toBe(true);
    expect(f.log).toMatchObject({ dir: path.join(dir, 'flowlogs'), aggregationSec: 60, rotateSec: 300, flowLogId: 'fl-mirrorsink', noData: true });
    expect(f.log!.format).toMatch(/^\$\{version\}/);
    expect(f.pcap).toEqual({ dir: path.join(dir, 'pcaps'), mode: 'outer', maxFileBytes: null, maxFileSeconds: null, maxFiles: 3, maxTotalBytes: null });
    expect(f.alertPcapDir).toBe(path.join(dir, 'alerts'));
    expect(loadConfig({ file: writeConfig(tmpDir(), 'flows: true\n'), env: {} }).config.flows).toMatchObject({ maxFlows: null, log: null, pcap: null, eve: false });
    expect(loadConfig({ file: writeConfig(tmpDir(), 'flows: false\n'), env: {} }).config.flows).toBeNull();
  });

  it('every problem names file:line and the key', () => {
    const file = writeConfig(
      tmpDir(),
      `flows:
  max_flows: 3
  timeouts:
    tcp_neww: 5
    udp_new: -1
  eve: true
  log:
    format: '\${nonsense}'
    aggregation_sec: 30
  pcap:
    mode: sideways
    max_files: many
  alert_pcap_dir: ''
`,
    );
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    const want: RegExp[] = [
      /:2: flows\.max_flows: must be an integer from 16 to 16777216, got 3/,
      /:4: flows\.timeouts\.tcp_neww: unknown timeout \(known: tcp_new, /,
      /:5: flows\.timeouts\.udp_new: must be an integer from 1 to 86400, got -1/,
      /:6: flows\.eve: EVE flow records need eve\.path/,
      /:8: flows\.log\.format: /,
      /:9: flows\.log\.aggregation_sec: AWS offers 60 or 600 seconds, got 30/,
      /:7: flows\.log\.dir: is required/,
      /:11: flows\.pcap\.mode: must be inner \(decapsulated frames\) or outer, got 'sideways'/,
      /:10: flows\.pcap\.dir: is required/,
      /:13: flows\.alert_pcap_dir: must be a directory path/,
    ];
    for (const re of want) expect(problems.some((p) => p.startsWith(file) && re.test(p)), `${re} in:\n${problems.join('\n')}`).toBe(true);
    expect(problemsOf(() => loadConfig({ file: writeConfig(tmpDir(), 'flows: [1]\n'), env: {} }))[0]).toMatch(/:1: flows: must be a mapping of flow options \(or true\), got a list/);
    expect(problemsOf(() => loadConfig({ file: writeConfig(tmpDir(), 'flows: { log: yes-please }\n'), env: {} }))[0]).toMatch(/:1: flows\.log: must be a mapping with at least dir/);
  });
});

describe('dedup section', () => {
  it('is off by default, typed when given, and bad values name file:line and key', () => {
    expect(loadConfig({ file: writeConfig(tmpDir(), 'sessions: []\n'), env: {} }).config.dedup).toEqual({ enabled: false, windowMs: 100, tableSize: 65536 });
    expect(loadConfig({ file: writeConfig(tmpDir(), 'dedup: { enabled: true, window_ms: 20 }\n'), env: {} }).config.dedup).toEqual({ enabled: true, windowMs: 20, tableSize: 65536 });
    const file = writeConfig(tmpDir(), 'dedup:\n  enabled: yes-please\n  window_ms: 0\n  size: 5\n');
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    for (const re of [/:2: dedup\.enabled: /, /:3: dedup\.window_ms: must be an integer from 1 to 60000, got 0/, /:4: dedup\.size: /]) {
      expect(problems.some((p) => p.startsWith(file) && re.test(p)), `${re} in:\n${problems.join('\n')}`).toBe(true);
    }
  });
});

describe('eve.dns / eve.tls / eve.ssh (issue 14)', () => {
  it('on by default, false turns each off, other values name file:line and key', () => {
    const dir = tmpDir();
    const on = loadConfig({ file: writeConfig(dir, 'eve: out/eve.json\n'), env: {} }).config.eve;
    expect([on.dns, on.tls, on.ssh]).toEqual([true, true, true]);
    const off = loadConfig({ file: writeConfig(dir, 'eve:\n  path: out/eve.json\n  dns: false\n  tls: false\n  ssh: no\n'), env: {} }).config.eve;
    expect([off.dns, off.tls, off.ssh]).toEqual([false, false, false]);
    const file = writeConfig(dir, 'eve:\n  path: out/eve.json\n  dns: 5\n');
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems.some((p) => p.startsWith(`${file}:3: eve.dns:`)), problems.join('\n')).toBe(true);
  });
});
