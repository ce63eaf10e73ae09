/**
 * serve with pipeline threads (`workers:` above 1, service/serve-workers.ts): the bundled
 * captures sent over loopback to the real listener give the same alerts, EVE flow / http / dns
 * / tls records and flow-log records with 2 workers as with 1 (a flow split over two workers
 * would show as two partial flow records), over VXLAN and GENEVE; reload reaches every worker
 * or none; a stalled worker turns /healthz 503; shutdown flushes every worker's records.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/corpus.js';
import { geneve, httpGet, innerFrame, startServeProcess, metric, parseMetrics, sendUdp, startInProcess, tmpDir, vxlan, waitFor, writeConfig, type InProcess } from '../server/harness.js';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../helpers/tools.js';
import { eveSchemaValidator } from '../helpers/eve-schema.js';

const validateEve = eveSchemaValidator();

/** EVE lines of a file that fail Suricata's schema (tunnel.vni / tunnel.session, our documented extension, aside). */
function schemaFailures(file: string): string[] {
  if (validateEve === null) return [];
  const out: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    if (r.tunnel !== undefined) {
      const { vni: _v, session: _s, ...tunnel } = r.tunnel as Record<string, unknown>;
      r.tunnel = tunnel;
    }
    if (!validateEve(r)) out.push(`${String(r.event_type)}: ${(validateEve.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  }
  return out;
}

/** `mirrorsink send FILES --to 127.0.0.1:PORT --aws-sport`: each datagram from its flow's AWS-style source port. */
function sendAwsStyle(files: string[], port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'send', ...files, '--to', `127.0.0.1:${port}`, '--aws-sport', '--rate', '5000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`send exited ${code}: ${out}`))));
  });
}

/** The records of a classic little-endian pcap file. */
function pcapRecords(file: string): Buffer[] {
  const b = readFileSync(file);
  const out: Buffer[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const incl = b.readUInt32LE(off + 8);
    out.push(b.subarray(off + 16, off + 16 + incl));
    off += 16 + incl;
  }
  return out;
}

/** Classic little-endian pcap, Ethernet + IPv4 + UDP outer: the UDP payloads (VXLAN header + frame). */
function udpPayloads(file: string): Buffer[] {
  const out: Buffer[] = [];
  for (const frame of pcapRecords(file)) {
    const udp = 14 + (frame[14]! & 0x0f) * 4;
    out.push(Buffer.from(frame.subarray(udp + 8, 14 + frame.readUInt16BE(16))));
  }
  return out;
}

const CAPTURES = ['two-enis.pcap', 'http.pcap', 'web-attacks.pcap', 'dns.pcap', 'tls.pcap', 'known-bad.pcap', 'portscan.pcap'];

/**
 * The sids of rules whose counts span flows (`threshold:` / `detection_filter:` by source,
 * destination...): their counts are shared by the workers, so as many alerts fire as with one
 * thread, but which packet completes a count depends on how the threads interleave. Their
 * alerts are compared by number, the rest record by record.
 */
function acrossFlowSids(): Set<number> {
  const text = readFileSync(path.join(REPO_ROOT, 'rules', 'mirrorsink.rules'), 'utf8');
  return new Set(text.split('\n').filter((l) => /\b(threshold|detection_filter)\s*:/.test(l)).map((l) => Number(/\bsid:\s*(\d+)/.exec(l)?.[1])));
}

function configFor(dir: string, extra = ''): string {
  const base = readFileSync(path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml'), 'utf8');
  return writeConfig(dir, `${base}\nflows: {eve: true, log: {dir: ${JSON.stringify(path.join(dir, 'flows'))}}}\nrules: {files: [${JSON.stringify(path.join(REPO_ROOT, 'rules', 'mirrorsink.rules'))}]}\neve: {path: ${JSON.stringify(path.join(dir, 'eve.json'))}}\n${extra}`);
}

const ACROSS_FLOWS = acrossFlowSids();

/** serve with 2 workers, flows and EVE, over a rules file of its own (dir/test.rules). */
async function twoWorkersWithRules(text: string): Promise<{ dir: string; rules: string; s: InProcess }> {
  const dir = tmpDir();
  const rules = path.join(dir, 'test.rules');
  writeFileSync(rules, text);
  const file = writeConfig(dir, `flows: {eve: true}\nrules: {files: [${JSON.stringify(rules)}]}\neve: {path: ${JSON.stringify(path.join(dir, 'eve.json'))}}\n`);
  return { dir, rules, s: await startInProcess({ file, flags: { workers: '2' } }) };
}

async function receivedAll(s: InProcess, count: number): Promise<void> {
  await waitFor(async () => {
    const j = (await httpGet(s.base, '/api/sessions')).json();
    const got = j.received.vxlan.datagrams + j.received.geneve.datagrams;
    // Every datagram read and through a pipeline (delivered or dropped with a reason).
    const done = j.delivered + Object.values(j.drops as Record<string, number>).reduce((a, b) => a + b, 0);
    return got === count && done >= count;
  }, 30_000, `${count} datagrams through the pipeline`);
}

/**
 * Flow-log records as far as they must not depend on the number of workers nor on where the
 * wall clock's 10-minute boundaries fall during a run (serve's intervals are wall time): per
 * interface and flow, packets and bytes added up over intervals; and a list of NODATA problems,
 * none expected: in every interval the run covered, each session has either traffic or exactly
 * one NODATA record.
 */
function flowLogView(lines: string[]): { flows: string[]; noDataProblems: string[] } {
  // version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
  const totals = new Map<string, [number, number]>();
  const traffic = new Set<string>();
  const noData = new Map<string, number>();
  const interfaces = new Set<string>();
  const starts = new Set<string>();
  for (const l of lines) {
    const f = l.split(' ');
    // An OK record starts at its first packet; NODATA at the interval's start (600 s, the default).
    const [iface, status] = [f[2]!, f[13]!];
    const start = String(Number(f[10]) - (Number(f[10]) % 600));
    interfaces.add(iface);
    starts.add(start);
    if (status === 'NODATA') {
      noData.set(`${iface} ${start}`, (noData.get(`${iface} ${start}`) ?? 0) + 1);
      continue;
    }
    traffic.add(`${iface} ${start}`);
    const key = [iface, ...f.slice(3, 8), ...f.slice(12)].join(' ');
    const t = totals.get(key) ?? [0, 0];
    totals.set(key, [t[0] + Number(f[8]), t[1] + Number(f[9])]);
  }
  const noDataProblems: string[] = [];
  for (const start of starts) {
    for (const iface of interfaces) {
      const k = `${iface} ${start}`;
      const n = noData.get(k) ?? 0;
      if (traffic.has(k) && n > 0) noDataProblems.push(`${k}: NODATA beside traffic`);
      if (!traffic.has(k) && n !== 1) noDataProblems.push(`${k}: ${n} NODATA records for an idle session`);
    }
  }
  const flows = [...totals].map(([k, [p, b]]) => `${k} ${p} ${b}`).sort();
  return { flows, noDataProblems };
}

/** Datagrams each worker took, from GET /api/sessions. */
async function workerDatagrams(s: InProcess): Promise<number[]> {
  return (await httpGet(s.base, '/api/sessions')).json().workers.map((w: { datagrams: number }) => w.datagrams);
}

/** The EVE alert records of dir/eve.json. */
function eveAlerts(dir: string): { flow_id: number; src_port: number; alert: { signature_id: number } }[] {
  return readFileSync(path.join(dir, 'eve.json'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"event_type":"alert"'))
    .map((l) => JSON.parse(l));
}

/** What must not depend on the number of workers: EVE records without times and order, flow-log fields. */
function records(dir: string): { eve: string[]; flowLog: string[]; noDataProblems: string[]; noDataRecords: number } {
  const eve = readFileSync(path.join(dir, 'eve.json'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const e = JSON.parse(l);
      const key: Record<string, unknown> = { t: e.event_type, src: e.src_ip, sp: e.src_port, dst: e.dest_ip, dp: e.dest_port, proto: e.proto, app: e.app_proto };
      if (e.event_type === 'alert' && ACROSS_FLOWS.has(e.alert.signature_id)) return JSON.stringify({ t: 'alert', sid: e.alert.signature_id });
      if (e.event_type === 'alert') key.sid = e.alert.signature_id;
      if (e.event_type === 'flow') key.flow = { ps: e.flow.pkts_toserver, pc: e.flow.pkts_toclient, bs: e.flow.bytes_toserver, bc: e.flow.bytes_toclient, state: e.flow.state };
      if (e.event_type === 'http') key.http = [e.http.http_method, e.http.url, e.http.status];
      if (e.event_type === 'dns') key.dns = JSON.stringify(e.dns);
      if (e.event_type === 'tls') key.tls = [e.tls.sni, e.tls.version];
      return JSON.stringify(key);
    })
    .sort();
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (p.endsWith('.log.gz')) lines.push(...gunzipSync(readFileSync(p)).toString('utf8').trim().split('\n').slice(1));
    }
  };
  walk(path.join(dir, 'flows'));
  const view = flowLogView(lines);
  return { eve, flowLog: view.flows, noDataProblems: view.noDataProblems, noDataRecords: lines.filter((l) => l.endsWith(' NODATA')).length };
}

/**
 * vxlan / geneve: one loopback socket sends everything (GENEVE open: the dispatching receiver);
 * aws: `mirrorsink send --aws-sport`, each flow from its AWS-style source port, GENEVE closed
 * (the SO_REUSEPORT path, where the kernel picks the worker by the outer 4-tuple).
 */
async function runCaptures(workers: number, kind: 'vxlan' | 'geneve' | 'aws'): Promise<ReturnType<typeof records> & { perWorker: number[]; path: string }> {
  const dir = tmpDir();
  const file = configFor(dir);
  const s = await startInProcess({ file, flags: { workers: String(workers), ...(kind === 'aws' ? { noGeneve: true } : {}) } });
  let perWorker: number[] = [];
  const ready = s.logs.lines.find((l) => l.msg === 'mirrorsink ready');
  const path_ = typeof ready?.workers === 'object' ? String(ready.workers.path) : 'single';
  try {
    const payloads = CAPTURES.flatMap((f) => udpPayloads(path.join(REPO_ROOT, 'captures', f)));
    if (kind === 'aws') await sendAwsStyle(CAPTURES.map((f) => path.join(REPO_ROOT, 'captures', f)), s.vxlanPort);
    else {
      // GENEVE as a Gateway Load Balancer sends it: the same VNI, the frame in GENEVE instead of VXLAN.
      const datagrams = kind === 'vxlan' ? payloads : payloads.map((p) => geneve((p[4]! << 16) | (p[5]! << 8) | p[6]!, p.subarray(8)));
      await sendUdp(kind === 'vxlan' ? s.vxlanPort : s.genevePort, datagrams);
    }
    await receivedAll(s, payloads.length);
    if (workers > 1) perWorker = await workerDatagrams(s);
  } finally {
    await s.stop();
  }
  // What the workers hand the main thread's writer is still Suricata's EVE, line by line.
  expect(schemaFailures(path.join(dir, 'eve.json'))).toEqual([]);
  return { ...records(dir), perWorker, path: path_ };
}

describe('serve with 2 pipeline threads', () => {
  for (const kind of ['vxlan', 'geneve', 'aws'] as const) {
    const how = kind === 'aws' ? 'sent as AWS does (flow-hash source ports) to SO_REUSEPORT sockets in each worker' : `over ${kind} from one socket, dispatched by the inner-flow hash`;
    it(`the bundled captures ${how}: the same alerts, EVE records and flow logs as with 1 (every flow whole on one worker)`, async () => {
      const one = await runCaptures(1, kind);
      const two = await runCaptures(2, kind);
      expect(two.path).toBe(kind === 'aws' ? 'reuseport' : 'dispatch');
      // Both workers had flows, else this would show nothing.
      expect(two.perWorker.length).toBe(2);
      expect(Math.min(...two.perWorker)).toBeGreaterThan(0);
      expect(one.eve.filter((e) => e.includes('"t":"alert"')).length).toBeGreaterThan(5);
      // The port scan and brute-force rules count by source across flows: they fire here too.
      expect(one.eve.filter((e) => /"t":"alert","sid":/.test(e)).length).toBeGreaterThan(0);
      expect(one.eve.filter((e) => e.includes('"t":"flow"')).length).toBeGreaterThan(10);
      expect(one.flowLog.length).toBeGreaterThan(10);
      expect(two.eve).toEqual(one.eve);
      expect(two.flowLog).toEqual(one.flowLog);
      // Every interface had traffic; an interval the run crossed into idle still gets NODATA.
      expect(one.noDataProblems).toEqual([]);
      expect(two.noDataProblems).toEqual([]);
    }, 120_000);
  }

  it('flow logs: NODATA for idle interfaces even when one worker gets no packets at all', async () => {
    // One flow: one worker has everything, the other nothing. Each must still close the
    // interval, else the main thread, waiting for both to call a session idle, writes no NODATA.
    const dir = tmpDir();
    const s = await startInProcess({ file: configFor(dir), flags: { workers: '2' } });
    try {
      const one = udpPayloads(path.join(REPO_ROOT, 'captures', 'two-enis.pcap')).slice(0, 1);
      await sendUdp(s.vxlanPort, one);
      await receivedAll(s, 1);
      expect((await workerDatagrams(s)).sort()).toEqual([0, 1]);
    } finally {
      await s.stop();
    }
    const { flowLog, noDataProblems, noDataRecords } = records(dir);
    expect(flowLog.length).toBe(1);
    // eni-b at least was idle: its NODATA was written, once per interval covered.
    expect(noDataRecords).toBeGreaterThan(0);
    expect(noDataProblems).toEqual([]);
  }, 60_000);

  it('flows.pcap: one set of files with every frame the workers took; alert pcaps one per alerting flow', async () => {
    const dir = tmpDir();
    const base = readFileSync(path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml'), 'utf8');
    const pcapDir = path.join(dir, 'pcap');
    const alertDir = path.join(dir, 'alerts');
    const file = writeConfig(
      dir,
      `${base}\nflows: {eve: true, pcap: {dir: ${JSON.stringify(pcapDir)}}, alert_pcap_dir: ${JSON.stringify(alertDir)}}\nrules: {files: [${JSON.stringify(path.join(REPO_ROOT, 'rules', 'mirrorsink.rules'))}]}\neve: {path: ${JSON.stringify(path.join(dir, 'eve.json'))}}\n`,
    );
    const s = await startInProcess({ file, flags: { workers: '2' } });
    const datagrams = ['http.pcap', 'web-attacks.pcap', 'dns.pcap'].flatMap((f) => udpPayloads(path.join(REPO_ROOT, 'captures', f)));
    let perWorker: number[] = [];
    try {
      await sendUdp(s.vxlanPort, datagrams);
      await receivedAll(s, datagrams.length);
      perWorker = await workerDatagrams(s);
    } finally {
      await s.stop();
    }
    expect(Math.min(...perWorker)).toBeGreaterThan(0);
    // Every inner frame once (stored inner, the default), whichever worker had it.
    const stored = readdirSync(pcapDir).flatMap((f) => pcapRecords(path.join(pcapDir, f)).map((r) => r.toString('hex')));
    expect(stored.sort()).toEqual(datagrams.map((d) => d.subarray(8).toString('hex')).sort());
    // One alert pcap per alerting flow, named by the flow_id the EVE alerts carry.
    const alerts = eveAlerts(dir);
    expect(alerts.length).toBeGreaterThan(3);
    expect(readdirSync(alertDir).sort()).toEqual([...new Set(alerts.map((a) => `${a.flow_id}.pcap`))].sort());
  }, 60_000);

  it('metrics: worker families added up once, per-worker queue, drops and busy time', async () => {
    const dir = tmpDir();
    const s = await startInProcess({ file: configFor(dir), flags: { workers: '2' } });
    try {
      const datagrams = udpPayloads(path.join(REPO_ROOT, 'captures', 'web-attacks.pcap'));
      await sendUdp(s.vxlanPort, datagrams);
      await receivedAll(s, datagrams.length);
      const m = parseMetrics((await httpGet(s.base, '/metrics')).text);
      expect(metric(m, 'mirrorsink_datagrams_received_total', { listener: 'vxlan' })).toBe(datagrams.length);
      expect(metric(m, 'mirrorsink_decoder_packets_total')).toBe(datagrams.length);
      // The same rule set in every worker: loaded once, not twice.
      const rules = readFileSync(path.join(REPO_ROOT, 'rules', 'mirrorsink.rules'), 'utf8').split('\n').filter((l) => /^\s*alert /.test(l)).length;
      expect(metric(m, 'mirrorsink_detect_rules_loaded')).toBe(rules);
      const perWorker = [0, 1].map((w) => metric(m, 'mirrorsink_worker_datagrams_total', { worker: String(w) })!);
      expect(perWorker[0]! + perWorker[1]!).toBe(datagrams.length);
      expect(metric(m, 'mirrorsink_worker_dropped_total', { worker: '0' })).toBe(0);
      expect(metric(m, 'mirrorsink_worker_busy_seconds_total', { worker: '1' })).toBeGreaterThanOrEqual(0);
      const alerts = [1, 2, 3, 4].reduce((n, sev) => n + (metric(m, 'mirrorsink_detect_alerts_total', { severity: String(sev) }) ?? 0), 0);
      expect(alerts).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
    expect(eveAlerts(dir).length).toBeGreaterThan(0);
  }, 60_000);

  it('reload reaches every worker, and a broken one reaches none', async () => {
    const { dir, rules, s } = await twoWorkersWithRules('alert udp any any -> any any (msg:"first"; content:"MARK"; sid:1001; rev:1;)\n');
    // Many flows, so that both workers get some.
    const batch = (base: number) => Array.from({ length: 64 }, (_, i) => vxlan(7, innerFrame({ src: '10.1.0.1', dst: '10.2.0.2', sport: base + i, dport: 9999, payload: 'xxMARKxx' })));
    let sent = 0;
    const send = async (base: number) => {
      const d = batch(base);
      await sendUdp(s.vxlanPort, d);
      sent += d.length;
      await receivedAll(s, sent);
    };
    try {
      await send(10000);
      writeFileSync(rules, 'alert udp any any -> any any (msg:"second"; content:"MARK"; sid:1002; rev:1;)\n');
      const ok = await s.svc.reload('test');
      expect(ok.ok).toBe(true);
      await send(20000);
      // A rules file that does not parse: refused, both workers keep sid 1002.
      writeFileSync(rules, 'alert udp any any -> any any (msg:"broken" content:"MARK"; sid:1003; rev:1;)\n');
      const refused = await s.svc.reload('test');
      expect(refused.ok).toBe(false);
      await send(30000);
      expect(Math.min(...(await workerDatagrams(s)))).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
    const alerts = eveAlerts(dir).map((e) => [e.src_port, e.alert.signature_id] as const);
    const sidOf = (lo: number) => new Set(alerts.filter(([p]) => p >= lo && p < lo + 64).map(([, sid]) => sid));
    expect(alerts.length).toBe(3 * 64);
    expect(sidOf(10000)).toEqual(new Set([1001]));
    expect(sidOf(20000)).toEqual(new Set([1002]));
    expect(sidOf(30000)).toEqual(new Set([1002]));
  }, 90_000);

  it('threshold counts by source span the workers (one alert per window, not one per worker)', async () => {
    const { dir, s } = await twoWorkersWithRules('alert udp any any -> any any (msg:"limited"; content:"MARK"; threshold:type limit, track by_src, count 1, seconds 3600; sid:2001; rev:1;)\nalert udp any any -> any any (msg:"every"; content:"MARK"; sid:2002; rev:1;)\n');
    try {
      const d = Array.from({ length: 64 }, (_, i) => vxlan(7, innerFrame({ src: '10.1.0.1', dst: '10.2.0.2', sport: 10000 + i, dport: 9999, payload: 'xxMARKxx' })));
      await sendUdp(s.vxlanPort, d);
      await receivedAll(s, d.length);
      expect(Math.min(...(await workerDatagrams(s)))).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
    const sids = eveAlerts(dir).map((e) => e.alert.signature_id);
    expect(sids.filter((x) => x === 2002).length).toBe(64);
    expect(sids.filter((x) => x === 2001).length).toBe(1);
  }, 60_000);

  it('xbits set by a flow on one worker are seen by flows on the other', async () => {
    const { dir, s } = await twoWorkersWithRules('alert udp any any -> any any (msg:"set"; content:"SETBIT"; xbits:set,seen,track ip_src,expire 3600; noalert; sid:3001; rev:1;)\nalert udp any any -> any any (msg:"check"; content:"CHECK"; xbits:isset,seen,track ip_src; sid:3002; rev:1;)\n');
    try {
      await sendUdp(s.vxlanPort, [vxlan(7, innerFrame({ src: '10.1.0.1', dst: '10.2.0.2', sport: 9000, dport: 9999, payload: 'SETBIT' }))]);
      await receivedAll(s, 1);
      const d = Array.from({ length: 64 }, (_, i) => vxlan(7, innerFrame({ src: '10.1.0.1', dst: '10.2.0.3', sport: 10000 + i, dport: 9999, payload: 'CHECK' })));
      await sendUdp(s.vxlanPort, d);
      await receivedAll(s, 65);
      expect(Math.min(...(await workerDatagrams(s)))).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
    const sids = eveAlerts(dir).map((e) => e.alert.signature_id);
    // Every check, on either worker, sees the bit (per-worker tables would see it on about half).
    expect(sids.filter((x) => x === 3002).length).toBe(64);
  }, 60_000);

  it('/healthz fails while a worker is stalled and recovers when it runs again', async () => {
    const dir = tmpDir();
    const file = writeConfig(dir, `health: {worker_stall_seconds: 0.5}\neve: {path: false}\n`);
    const s = await startInProcess({ file, flags: { workers: '2' }, healthIntervalMs: 100 });
    try {
      await waitFor(async () => (await httpGet(s.base, '/healthz')).status === 200, 10_000, 'healthy');
      s.svc.workers!.simulateStall(1, 6000); // 12 times the threshold: a busy machine still sees it
      const sick = await waitFor(async () => {
        const r = await httpGet(s.base, '/healthz');
        return r.status === 503 ? r.text : null;
      }, 10_000, 'healthz 503');
      expect(sick).toMatch(/worker 1 has not run/);
      await waitFor(async () => (await httpGet(s.base, '/healthz')).status === 200, 20_000, 'healthy again');
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('the real process: --workers 2 serves, SIGHUP reloads every worker, SIGTERM flushes every record and exits 0', async () => {
    const dir = tmpDir();
    const eve = path.join(dir, 'eve.json');
    const p = await startServeProcess(['--config', configFor(dir), '--workers', '2', '--bind', '127.0.0.1', '--vxlan-port', '0', '--no-geneve', '--http-port', '0', '--http-bind', '127.0.0.1', '--eve', eve]);
    let code: number | null = null;
    try {
      const ready = p.logs.find((l) => l.msg === 'mirrorsink ready');
      expect(ready.workers).toMatchObject({ count: 2, path: 'reuseport' });
      expect(ready.udp[0]).toMatchObject({ receiver: 'recvmmsg', reuse_port: 2 });
      const files = ['http.pcap', 'web-attacks.pcap'].map((f) => path.join(REPO_ROOT, 'captures', f));
      const n = files.flatMap((f) => udpPayloads(f)).length;
      await sendAwsStyle(files, p.port('vxlan'));
      await waitFor(async () => (await httpGet(p.base, '/api/sessions')).json().delivered === n, 30_000, 'all delivered');
      const from = p.logs.length;
      p.proc.kill('SIGHUP');
      await p.waitLog('configuration reloaded in every worker', from, 60_000);
    } finally {
      code = await p.stop();
    }
    expect(code).toBe(0);
    const types = readFileSync(eve, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event_type as string);
    // Flows end at shutdown: their records are written by the workers before the file closes.
    expect(types.filter((t) => t === 'flow').length).toBeGreaterThan(3);
    expect(types).toContain('alert');
    expect(types).toContain('http');
  }, 90_000);

  it('configuration: workers takes auto or 1-64, and serve --check names the path', () => {
    const dir = tmpDir();
    const bad = writeConfig(dir, 'workers: 0\neve: {path: false}\n', 'bad.yaml');
    const r = runCli(['serve', '--check', '--config', bad]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.yaml:1.*workers.*'auto' or a whole number from 1 to 64/);
    const good = writeConfig(dir, 'workers: 2\neve: {path: false}\nrules: {files: []}\n', 'good.yaml');
    const ok = runCli(['serve', '--check', '--config', good]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/pipeline threads \(workers\): 2; path: dispatch/);
    const auto = runCli(['serve', '--check', '--config', good, '--workers', 'auto']);
    expect(auto.stdout).toMatch(/pipeline threads \(workers\): \d+/);
    const pcap = writeConfig(dir, `workers: 2\neve: {path: false}\nrules: {files: []}\nflows: {pcap: {dir: ${JSON.stringify(dir)}}, alert_pcap_dir: ${JSON.stringify(dir)}}\n`, 'pcap.yaml');
    const withPcap = runCli(['serve', '--check', '--config', pcap]);
    expect(withPcap.status, withPcap.stderr).toBe(0);
    expect(withPcap.stdout).toMatch(/pipeline threads \(workers\): 2/);
  });
});
