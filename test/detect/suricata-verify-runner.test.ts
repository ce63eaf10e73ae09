/**
 * The suricata-verify runner's semantics (those of run.py), without the corpus: find_value,
 * Python equality, has-key / not-has-key, the operators, per-check version conditions for
 * Suricata 9.0, which checks are about alerts, and the mapping of args / suricata.yaml to
 * replay options.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupTemp,
  runTest,
  countMatches,
  evaluateAlertChecks,
  findValue,
  isAlertCheck,
  matchEvent,
  parseYaml11,
  pyEqual,
  replayOptionsFor,
  settingsOf,
  unmetVersion,
  type CheckSpec,
} from './suricata-verify-runner.js';

const alert = {
  event_type: 'alert',
  src_port: 80,
  pcap_filename: '/x/input.pcap',
  alert: { signature_id: 7, signature: 'GPL ATTACK_RESPONSE id check', metadata: { tag: ['a', 'b'] } },
  ftp: { reply: ['220 ready', 'Transfer complete.'] },
};

describe('find_value', () => {
  it('reaches into objects and lists', () => {
    expect(findValue('alert.signature_id', alert)).toBe(7);
    expect(findValue('alert.metadata.tag[1]', alert)).toBe('b');
    expect(findValue('alert.metadata.tag[5]', alert)).toBeUndefined();
    expect(findValue('alert.nothing', alert)).toBeUndefined();
    expect(findValue('src_port.x', alert)).toBeUndefined();
  });

  it('__len measures what is before it, -1 for a number', () => {
    expect(findValue('alert.metadata.tag.__len', alert)).toBe(2);
    expect(findValue('alert.signature.__len', alert)).toBe(28);
    expect(findValue('src_port.__len', alert)).toBe(-1);
  });

  it('stops at an operator', () => {
    expect(findValue('ftp.reply.__contains', alert)).toEqual(alert.ftp.reply);
  });
});

describe('Python equality', () => {
  it('compares numbers across int/float/bool but never with strings', () => {
    expect(pyEqual(1, 1.0)).toBe(true);
    expect(pyEqual(true, 1)).toBe(true);
    expect(pyEqual('1', 1)).toBe(false);
    expect(pyEqual(null, undefined)).toBe(true);
    expect(pyEqual([1, { a: 'x' }], [1, { a: 'x' }])).toBe(true);
    expect(pyEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });
});

describe('match', () => {
  it('needs every key to hold', () => {
    expect(matchEvent({ event_type: 'alert', 'alert.signature_id': 7 }, alert)).toBe(true);
    expect(matchEvent({ event_type: 'alert', 'alert.signature_id': 8 }, alert)).toBe(false);
    expect(matchEvent({ 'alert.signature_id': '7' }, alert)).toBe(false);
  });

  it('has-key and not-has-key, one name or a list', () => {
    expect(matchEvent({ 'has-key': 'alert.metadata' }, alert)).toBe(true);
    expect(matchEvent({ 'has-key': ['alert', 'ftp'] }, alert)).toBe(true);
    expect(matchEvent({ 'has-key': ['alert', 'http'] }, alert)).toBe(false);
    expect(matchEvent({ 'not-has-key': 'alert.rule' }, alert)).toBe(true);
    expect(matchEvent({ 'not-has-key': ['http', 'ftp'] }, alert)).toBe(false);
  });

  it('string and list operators', () => {
    expect(matchEvent({ 'ftp.reply.__contains': 'Transfer complete.' }, alert)).toBe(true);
    expect(matchEvent({ 'ftp.reply.__contains': 'Transfer' }, alert)).toBe(false);
    expect(matchEvent({ 'alert.signature.__find': 'ATTACK' }, alert)).toBe(true);
    expect(matchEvent({ 'pcap_filename.__endswith': 'input.pcap' }, alert)).toBe(true);
    expect(matchEvent({ 'alert.signature.__startswith': 'GPL' }, alert)).toBe(true);
    expect(matchEvent({ 'alert.signature_id.__gte': 7, 'src_port.__lt': 81 }, alert)).toBe(true);
    expect(matchEvent({ 'alert.signature_id.__gt': 7 }, alert)).toBe(false);
  });

  it('an operator on a missing field is an error, as in Python', () => {
    expect(() => countMatches({ 'http.url.__contains': 'x' }, [alert])).toThrow(/not iterable/);
  });
});

describe('version conditions for Suricata 9.0', () => {
  it('min-version, lt-version, gt-version, version', () => {
    expect(unmetVersion({ 'min-version': 8 })).toBeNull();
    expect(unmetVersion({ 'min-version': '9.0.0' })).toBeNull();
    expect(unmetVersion({ 'min-version': '9.0.1' })).not.toBeNull();
    expect(unmetVersion({ 'lt-version': 9 })).not.toBeNull();
    expect(unmetVersion({ 'lt-version': '10' })).toBeNull();
    expect(unmetVersion({ 'gt-version': '8.0.7' })).toBeNull();
    expect(unmetVersion({ version: 9 })).toBeNull();
    expect(unmetVersion({ version: '8.0' })).not.toBeNull();
    expect(unmetVersion({ features: ['HAVE_LUA'] })).toBeNull();
  });

  it('lt-version below 9 leaves the check out', () => {
    // is_lt(9.0.0, 8.0.7): major 9 > 8 → False.
    expect(unmetVersion({ 'lt-version': '8.0.7' })).not.toBeNull();
  });
});

describe('alert checks', () => {
  it('are the filters about alerts', () => {
    expect(isAlertCheck({ count: 1, match: { event_type: 'alert' } })).toBe(true);
    expect(isAlertCheck({ count: 1, match: { 'alert.signature_id': 1 } })).toBe(true);
    expect(isAlertCheck({ count: 1, match: { 'has-key': 'alert.rule' } })).toBe(true);
    expect(isAlertCheck({ count: 1, match: { event_type: 'flow' } })).toBe(false);
  });

  it('evaluates in scope, version-applicable filters only, numbered as in test.yaml', () => {
    const checks = parseYaml11(`
checks:
  - filter:
      count: 1
      match: {event_type: alert, alert.signature_id: 7}
  - filter:
      count: 5
      match: {event_type: flow}
  - filter:
      lt-version: 8
      count: 9
      match: {event_type: alert}
  - filter:
      requires: {min-version: 8}
      count: 0
      match: {event_type: alert}
  - shell: {args: "true"}
`) as { checks: CheckSpec[] };
    const out = evaluateAlertChecks(checks.checks, [alert]);
    expect(out.map((o) => [o.index, o.ok, o.got])).toEqual([
      [1, true, 1],
      [4, false, 1],
    ]);
  });

  it('reads YAML as PyYAML does (1.1: yes is true)', () => {
    expect(parseYaml11('a: yes\nb: "yes"')).toEqual({ a: true, b: 'yes' });
  });
});

describe('configuration → replay options', () => {
  it('maps --set stream.* and suricata.yaml vars, reports what it cannot map', () => {
    const s = settingsOf(
      { vars: { 'address-groups': { HOME_NET: '[10.0.0.0/8]' }, 'port-groups': { FTP_PORTS: 2121 } }, stream: { midstream: false } },
      ['-k none --set stream.midstream=true', '--set stream.reassembly.depth=0', '-k none port 22'],
    );
    expect(s.checksumNone).toBe(true);
    expect(s.bpf).toBe('port 22');
    const r = replayOptionsFor(s);
    expect(r.values).toEqual({ midstream: true, var: ['HOME_NET=[10.0.0.0/8]', 'FTP_PORTS=2121'] });
    expect(r.config.stream).toEqual({ reassembly: { depth: '0' } });
    expect(r.unmapped).toEqual(["bpf 'port 22'"]);
  });

  it('midstream stays off unless set true', () => {
    expect(replayOptionsFor(settingsOf(null, ['--set stream.midstream=false'])).values).toEqual({});
    expect(replayOptionsFor(settingsOf({ stream: { midstream: true } }, [])).values).toEqual({ midstream: true });
  });

  it("maps the eve-log alert type's payload, payload-printable, packet, payload-buffer-size to eve.alert", () => {
    const yaml = {
      outputs: [
        { 'fast': { enabled: 'yes' } },
        { 'eve-log': { enabled: 'yes', types: [{ alert: { payload: 'yes', 'payload-printable': 'yes', packet: 'no', 'payload-buffer-size': '4kb' } }, 'flow'] } },
      ],
    };
    expect(replayOptionsFor(settingsOf(yaml, [])).config.eve).toEqual({ alert: { payload: true, payload_printable: true, packet: false, payload_buffer_size: '4kb' } });
    // Nothing set (or the eve-log output disabled): no eve section.
    expect(replayOptionsFor(settingsOf({ outputs: [{ 'eve-log': { types: ['alert'] } }] }, [])).config.eve).toBeUndefined();
    expect(replayOptionsFor(settingsOf({ outputs: [{ 'eve-log': { enabled: 'no', types: [{ alert: { packet: 'yes' } }] } }] }, [])).config.eve).toBeUndefined();
  });
});

describe('runTest never throws', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mirrorsink-sv-runner-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    cleanupTemp();
  });
  const make = (name: string, files: Record<string, string>) => {
    const dir = path.join(root, 'tests', name);
    mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
    return { name, dir, pcap: `tests/${name}/input.pcap`, needs: '-' };
  };
  const yaml = 'checks:\n  - filter:\n      count: 1\n      match:\n        event_type: alert\n';

  it('a capture replay cannot read is a fail with its reason', async () => {
    const t = make('not-a-pcap', { 'test.yaml': yaml, 'test.rules': 'alert ip any any -> any any (sid:1;)\n', 'input.pcap': 'hello, not a capture' });
    const r = await runTest(root, t);
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/^replay failed: tests\/not-a-pcap\/input.pcap: /);
  });

  it('an unreadable test.yaml is a fail with its reason', async () => {
    const t = make('bad-yaml', { 'test.yaml': 'checks: [\n', 'input.pcap': '' });
    const r = await runTest(root, t);
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/^test definition unreadable: /);
  });

  it('a test without alert checks is not applicable', async () => {
    const t = make('no-alert-checks', { 'test.yaml': 'checks:\n  - filter:\n      count: 1\n      match:\n        event_type: flow\n' });
    expect((await runTest(root, t)).status).toBe('not-applicable');
  });
});
