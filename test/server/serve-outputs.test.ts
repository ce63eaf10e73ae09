/**
 * serve with rules, EVE and flows configured: alerts and flow records reach their files on
 * shutdown, unanswered connection attempts are listed, and a bad rules file refuses a reload.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../helpers/corpus.js';
import { haveTool } from '../helpers/tools.js';
import { httpGet, httpPost, innerFrame, metric, parseMetrics, sendUdp, startInProcess, tmpDir, vxlan, waitFor, writeConfig } from './harness.js';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('serve: rules, EVE, flows', () => {
  it('alerts, EVE flow records, flow-log files and unanswered flows; all flushed on stop', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'local.rules'), 'alert udp any any -> any 53 (msg:"mirrorsink test: DNS query"; content:"example"; sid:1000001; rev:1;)\n');
    const file = writeConfig(
      dir,
      `sessions:
  - name: eni-a
    vni: 101
    eni: eni-0a1b2c3d4e5f60101
    addresses: [10.0.1.10]
    account_id: "123456789012"
    region: us-east-1
  - name: eni-web
    vni: 102
    addresses: [10.0.2.20]
    filter: { path: ${JSON.stringify(path.join(REPO_ROOT, 'examples', 'filters', 'web-only.yaml'))}, amazon_dns_address: 10.0.0.2 }
rules:
  files: [local.rules]
eve: eve.json
flows:
  max_flows: 1024
  eve: true
  log: { dir: flowlogs, aggregation_sec: 60 }
http: { reload_token: test-reload-token }
`,
    );
    const s = await startInProcess({ file, flags: { noGeneve: true } });
    let stopped = false;
    try {
      await sendUdp(s.vxlanPort, [
        vxlan(101, innerFrame({ src: '10.0.1.10', dst: '10.0.0.2', dport: 53, payload: 'www.example.com', frameLen: 120 })),
        vxlan(101, innerFrame({ src: '10.0.0.2', dst: '10.0.1.10', sport: 53, dport: 40000, frameLen: 140 })),
        vxlan(101, innerFrame({ src: '198.51.100.9', dst: '10.0.1.10', proto: 'tcp', sport: 51000, dport: 22, tcpFlags: 0x02, frameLen: 60 })),
      ]);
      // eni-web's filter mirrors HTTPS only: UDP to port 9999 is rejected (counted), 443 accepted.
      await sendUdp(s.vxlanPort, [
        vxlan(102, innerFrame({ src: '10.0.2.20', dst: '198.51.100.1', dport: 9999 })),
        vxlan(102, innerFrame({ src: '198.51.100.1', dst: '10.0.2.20', proto: 'tcp', sport: 50000, dport: 443, tcpFlags: 0x02 })),
      ]);
      await waitFor(async () => (await httpGet(s.base, '/api/sessions')).json().delivered === 4);
      const text = (await httpGet(s.base, '/metrics')).text;
      const m = parseMetrics(text);
      expect(metric(m, 'mirrorsink_detect_rules_loaded')).toBe(1);
      expect(metric(m, 'mirrorsink_dropped_packets_total', { cause: 'filter' })).toBe(1);
      expect(metric(m, 'mirrorsink_filter_verdicts_total', { session: 'eni-web', verdict: 'accepted' })).toBe(1);
      if (haveTool('promtool')) {
        const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
        expect(r.stdout + r.stderr).toBe('');
      }
      const un = await httpGet(s.base, '/api/flows/unanswered?limit=10');
      expect(un.status).toBe(200);
      expect(un.json().flows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ session: 'eni-a', src: '198.51.100.9', dst: '10.0.1.10', dport: 22, proto: 'TCP' }),
          expect.objectContaining({ session: 'eni-web', src: '198.51.100.1', dport: 443 }),
        ]),
      );
      expect((await httpGet(s.base, '/api/flows/unanswered?limit=0')).status).toBe(400);

      // A rules file that cannot be read refuses the reload; the running rules stay.
      writeConfig(dir, readFileSync(file, 'utf8').replace('files: [local.rules]', 'files: [missing.rules]'));
      const bad = await httpPost(s.base, '/api/reload', { authorization: 'Bearer test-reload-token' });
      expect(bad.status).toBe(422);
      expect(bad.json.problems[0]).toContain(`${file}: rules.files: cannot read rules file ${path.join(dir, 'missing.rules')}`);

      await s.stop();
      stopped = true;
      const eve = readFileSync(path.join(dir, 'eve.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const alerts = eve.filter((e) => e.event_type === 'alert');
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ src_ip: '10.0.1.10', dest_ip: '10.0.0.2', dest_port: 53, alert: { signature_id: 1000001 } });
      expect(eve.filter((e) => e.event_type === 'flow')).toHaveLength(3); // DNS flow and the two SYNs
      const logs = filesUnder(path.join(dir, 'flowlogs'));
      expect(logs.length).toBeGreaterThanOrEqual(1);
      expect(logs[0]).toMatch(/AWSLogs\/123456789012\/vpcflowlogs\/us-east-1\/.*\.log\.gz$/);
      const records = logs.flatMap((l) => gunzipSync(readFileSync(l)).toString().trim().split('\n'));
      expect(records.filter((r) => r.includes('eni-0a1b2c3d4e5f60101') && r.includes('ACCEPT OK'))).toHaveLength(3);
    } finally {
      if (!stopped) await s.stop();
    }
  });

  it('flows option problems name the key and the file', async () => {
    const dir = tmpDir();
    const file = writeConfig(dir, 'flows: { max_flow: 10, timeouts: { tcp_neww: 5 }, log: { aggregation_sec: 30 } }\n');
    await expect(startInProcess({ file })).rejects.toThrow(
      new RegExp(
        [
          `${file}:1: flows\\.max_flow: unknown key`,
          `${file}:1: flows\\.timeouts\\.tcp_neww: unknown timeout`,
          `${file}:1: flows\\.log\\.aggregation_sec: AWS offers 60 or 600 seconds, got 30`,
          `${file}:1: flows\\.log\\.dir: is required`,
        ].join('[\\s\\S]*'),
      ),
    );
  });
});
