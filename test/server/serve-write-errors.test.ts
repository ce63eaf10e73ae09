/**
 * serve with its outputs on a full filesystem: EVE alerts and flow-log files fail with ENOSPC,
 * the failures are counted in mirrorsink_output_write_errors_total{output,code} and logged
 * once per interval, the sink keeps receiving and detecting, and stopping (SIGTERM for the real
 * process) ends in bounded time with exit code 0. A real 64 KiB tmpfs where mounting works;
 * otherwise (visible notice) EVE goes to /dev/full and flow logs under a path blocked by a
 * regular file (ENOTDIR).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fillUp, mountTmpfs } from '../helpers/tmpfs.js';
import { httpGet, innerFrame, metric, parseMetrics, sendUdp, startInProcess, startServeProcess, tmpDir, vxlan, waitFor, writeConfig } from './harness.js';

const fs = mountTmpfs(64);
afterAll(() => fs?.unmount());

/** Output paths that refuse writes, and the errno code they give. */
function fullTargets(name: string): { eve: string; flowsDir: string; eveCode: string; flowCode: string } {
  if (fs !== null) {
    const d = path.join(fs.dir, name);
    mkdirSync(d, { recursive: true });
    // The flow-log directories are created before the disk fills: the failure is ENOSPC on data.
    mkdirSync(path.join(d, 'flowlogs', 'AWSLogs', '123456789012', 'vpcflowlogs', 'us-east-1'), { recursive: true });
    const eve = path.join(d, 'eve.json');
    writeFileSync(eve, '');
    fillUp(fs.dir);
    return { eve, flowsDir: path.join(d, 'flowlogs'), eveCode: 'ENOSPC', flowCode: 'ENOSPC' };
  }
  const d = tmpDir();
  writeFileSync(path.join(d, 'blocked'), 'a file where the flow-log directory should be');
  return { eve: '/dev/full', flowsDir: path.join(d, 'blocked', 'flowlogs'), eveCode: 'ENOSPC', flowCode: 'ENOTDIR' };
}

function config(dir: string, t: { eve: string; flowsDir: string }): string {
  writeFileSync(path.join(dir, 'local.rules'), 'alert udp any any -> any 53 (msg:"mirrorsink test: DNS query"; content:"example"; sid:1000001; rev:1;)\n');
  return writeConfig(
    dir,
    `sessions:
  - name: eni-a
    vni: 101
    addresses: [10.0.1.10]
    account_id: "123456789012"
    region: us-east-1
rules:
  files: [local.rules]
eve: ${JSON.stringify(t.eve)}
flows:
  max_flows: 1024
  eve: true
  log: { dir: ${JSON.stringify(t.flowsDir)}, aggregation_sec: 60 }
`,
  );
}

const dnsQuery = (sport: number) => vxlan(101, innerFrame({ src: '10.0.1.10', dst: '10.0.0.2', sport, dport: 53, payload: 'www.example.com', frameLen: 120 }));

describe('serve on a full filesystem', () => {
  it('in process: EVE and flow-log write errors counted and logged, receiving and detecting go on, stop() ends', async () => {
    const t = fullTargets('inproc');
    const dir = tmpDir();
    const s = await startInProcess({ file: config(dir, t), flags: { noGeneve: true } });
    let stopped = false;
    try {
      // Keep sending until the EVE flush timer has hit the full disk (no datagram needs to arrive).
      let sport = 41000;
      await waitFor(
        async () => {
          await sendUdp(s.vxlanPort, [dnsQuery(sport++)]);
          const m = parseMetrics((await httpGet(s.base, '/metrics')).text);
          return (metric(m, 'mirrorsink_output_write_errors_total', { output: 'eve', code: t.eveCode }) ?? 0) > 0;
        },
        30000,
        'an EVE write error in /metrics',
      );
      // Still receiving and detecting after the failure.
      const before = (await httpGet(s.base, '/api/sessions')).json().delivered as number;
      const alertsBefore = metric(parseMetrics((await httpGet(s.base, '/metrics')).text), 'mirrorsink_detect_alerts_total', { sid: '1000001' });
      await waitFor(
        async () => {
          await sendUdp(s.vxlanPort, [dnsQuery(sport++)]);
          return (await httpGet(s.base, '/api/sessions')).json().delivered > before;
        },
        30000,
        'packets delivered after the write error',
      );
      const m = parseMetrics((await httpGet(s.base, '/metrics')).text);
      const alertsAfter = metric(m, 'mirrorsink_detect_alerts_total', { sid: '1000001' });
      if (alertsBefore !== undefined && alertsAfter !== undefined) expect(alertsAfter).toBeGreaterThan(alertsBefore);
      expect(s.svc.isReady).toBe(true);

      const t0 = Date.now();
      await s.stop();
      stopped = true;
      // Bounded: drain_ms + the writers' close timeouts, far below this.
      expect(Date.now() - t0).toBeLessThan(20000);
      const after = parseMetrics(await s.svc.registry.metrics());
      expect(metric(after, 'mirrorsink_output_write_errors_total', { output: 'flow_log', code: t.flowCode }) ?? 0).toBeGreaterThan(0);
      // Nothing that failed is counted as written.
      expect(metric(after, 'mirrorsink_flow_records_written_total')).toBe(0);
      expect(metric(after, 'mirrorsink_output_dropped_total', { output: 'flow_log' }) ?? 0).toBeGreaterThan(0);
      // Logged (summed per interval, not per write), naming the output and the code.
      const msgs = s.logs.messages();
      expect(msgs.some((x) => x.includes('output eve:') && x.includes(t.eveCode))).toBe(true);
      expect(msgs.some((x) => x.includes('output flow_log:') && x.includes(t.flowCode))).toBe(true);
      expect(msgs.some((x) => x.includes('mirrorsink stopped'))).toBe(true);
    } finally {
      if (!stopped) await s.stop();
    }
  }, 90000);

  it('the real process: keeps receiving with EVE and flow logs failing, exits 0 on SIGTERM', async () => {
    const t = fullTargets('proc');
    const dir = tmpDir();
    const p = await startServeProcess(['--config', config(dir, t), '--bind', '127.0.0.1', '--vxlan-port', '0', '--no-geneve', '--http-port', '0', '--http-bind', '127.0.0.1']);
    try {
      let sport = 42000;
      await waitFor(
        async () => {
          await sendUdp(p.port('vxlan'), [dnsQuery(sport++)]);
          const m = parseMetrics((await httpGet(p.base, '/metrics')).text);
          return (metric(m, 'mirrorsink_output_write_errors_total', { output: 'eve', code: t.eveCode }) ?? 0) > 0;
        },
        30000,
        'an EVE write error in /metrics',
      );
      const before = (await httpGet(p.base, '/api/sessions')).json().delivered as number;
      await waitFor(
        async () => {
          await sendUdp(p.port('vxlan'), [dnsQuery(sport++)]);
          return (await httpGet(p.base, '/api/sessions')).json().delivered > before;
        },
        30000,
        'packets delivered after the write error',
      );
    } finally {
      const t0 = Date.now();
      const code = await p.stop();
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(20000);
    }
    expect(p.stderr()).toBe('');
    expect(p.logs.some((l) => String(l.msg).includes('output flow_log:'))).toBe(true);
    expect(p.logs.some((l) => String(l.msg).includes('mirrorsink stopped'))).toBe(true);
  }, 90000);
});
