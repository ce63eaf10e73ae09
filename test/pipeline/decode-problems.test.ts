/**
 * Packets with decode problems through the real pipeline, from a pcap built with the decoder
 * test builders: still inspected as far as they decoded (`alert ip`, decode-event and pkthdr
 * rules fire), counted as malformed, no flow for them, and EVE anomaly records (validated
 * against the EVE schema) when eve.anomaly.types.decode is on; off by Suricata's defaults.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eveSchemaValidator } from '../helpers/eve-schema.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink } from '../../src/output/eve-alert.js';
import { EveAnomalySink } from '../../src/output/eve-anomaly.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { LINKTYPE_ETHERNET, buildPcap } from '../../src/output/pcap-writer.js';
import { buildStages, pipelineStagesOf } from '../../src/pipeline/build.js';
import { DropCause, Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { tmpDir, vxlan, writeConfig } from '../server/harness.js';
import { TunnelKind } from '../../src/decode/packet-view.js';
import { bytes, eth, fragmentHdr, ipv4, ipv6, tcp, udp } from '../decode/builders.js';

const RULES = `
alert ip any any -> any any (msg:"any ip"; sid:1;)
alert ip any any -> any any (msg:"bad option length"; decode-event:ipv4.opt_invalid_len; sid:2;)
alert pkthdr any any -> any any (msg:"useless FH"; decode-event:ipv6.exthdr_useless_fh; sid:3;)
alert pkthdr any any -> any any (msg:"short ethernet"; decode-event:ethernet.pkt_too_small; sid:4;)
alert udp any any -> any 53 (msg:"dns port"; sid:5;)
`;

/** 1 fine TCP SYN; 2 IPv4 with a fatal option error; 3 IPv6 atomic fragment (non-fatal);
 *  4 a 10-byte Ethernet frame (no IP layer). */
function frames(): Uint8Array[] {
  const v4 = (o: Parameters<typeof ipv4>[0], pl: Uint8Array) => eth({ type: 0x0800 }, ipv4(o, pl));
  return [
    v4({ proto: 6, src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 40000, dport: 80, flags: 0x02 })),
    v4({ proto: 17, src: '10.0.0.3', dst: '10.0.0.4', options: [0x82, 0x02, 0xf1, 0x35, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0xaa, 0x00] }, udp({ sport: 5060, dport: 53 }, bytes(1, 2, 3))),
    eth({ type: 0x86dd }, ipv6({ nh: 17, src: '2001:db8::1', dst: '2001:db8::2', ext: [fragmentHdr(0, false)] }, udp({ sport: 40001, dport: 53 }, bytes(9)))),
    bytes(2, 0, 0, 0, 0, 2, 2, 0, 0, 0),
  ];
}

function pcapFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'decode-problems-'));
  const file = path.join(dir, 'in.pcap');
  writeFileSync(file, buildPcap(frames().map((data, i) => ({ data, tsSec: 1_700_000_000 + i })), { linktype: LINKTYPE_ETHERNET }));
  return file;
}

function run(types: { decode: boolean; stream: boolean; applayer: boolean }) {
  const ft = new FlowTable({ hashSeed: 1 });
  const eve = new MemoryLineWriter();
  const engine = new DetectEngine(loadRulesText(RULES), ft, [new EveAlertSink(eve, { flow: ft })]);
  const pipeline = new Pipeline({ flow: ft, detect: engine, events: new EveAnomalySink(eve, { types, flow: ft }) });
  readCaptureFile(pcapFile(), pipeline);
  pipeline.finish();
  return { pipeline, records: eve.lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('packets with decode problems', () => {
  const { pipeline, records } = run({ decode: true, stream: false, applayer: true });
  const alerts = records.filter((r) => r.event_type === 'alert');
  const sidsAt = (frame: number) => alerts.filter((r) => r.pcap_cnt === frame).map((r) => r.alert.signature_id).sort();

  it('are inspected as far as they decoded', () => {
    expect(sidsAt(1)).toEqual([1]);
    // The option error stops decoding before UDP: `alert ip` and the event rule fire, the port rule cannot.
    expect(sidsAt(2)).toEqual([1, 2]);
    expect(sidsAt(3)).toEqual([1, 3, 5]);
    // No IP layer: only the pkthdr rule with its event.
    expect(sidsAt(4)).toEqual([4]);
  });

  it('are counted as malformed and get no flow; non-fatal events do not stop delivery', () => {
    expect(pipeline.drops[DropCause.Malformed]).toBe(2);
    expect(pipeline.delivered).toBe(2);
    const a2 = alerts.find((r) => r.pcap_cnt === 2)!;
    expect(a2.flow_id).toBeUndefined();
    expect(a2.src_ip).toBe('10.0.0.3');
    expect(a2.proto).toBe('UDP');
    // Suricata writes ports as 0 when the header failed to decode.
    expect([a2.src_port, a2.dest_port]).toEqual([0, 0]);
    expect(alerts.find((r) => r.pcap_cnt === 3)!.flow_id).toBeGreaterThan(0);
    expect(alerts.find((r) => r.pcap_cnt === 4)!.src_ip).toBeUndefined();
  });

  it('give one anomaly record per event, valid against the EVE schema', () => {
    const anomalies = records.filter((r) => r.event_type === 'anomaly');
    expect(anomalies.map((r) => [r.pcap_cnt, r.anomaly.type, r.anomaly.event])).toEqual([
      [2, 'decode', 'decoder.ipv4.opt_pad_required'],
      [2, 'decode', 'decoder.ipv4.opt_invalid_len'],
      [2, 'decode', 'decoder.ipv4.opt_invalid_len'],
      [3, 'decode', 'decoder.ipv6.exthdr_useless_fh'],
      [4, 'decode', 'decoder.ethernet.pkt_too_small'],
    ]);
    const validate = eveSchemaValidator();
    if (validate === null) return;
    for (const r of anomalies) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    // The schema does judge the anomaly object (no keys of its own invention).
    expect(validate({ ...anomalies[0], anomaly: { type: 'decode', reason: 'x' } })).toBe(false);
  });

  it("are not logged as anomalies under Suricata's default types (applayer only)", () => {
    const { records: r } = run({ decode: false, stream: false, applayer: true });
    expect(r.filter((x) => x.event_type === 'anomaly')).toEqual([]);
    expect(r.filter((x) => x.event_type === 'alert').length).toBe(alerts.length);
  });
});

describe('eve.anomaly configuration', () => {
  const write = (text: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'anomaly-config-'));
    const file = path.join(dir, 'mirrorsink.yaml');
    writeFileSync(file, text);
    return file;
  };

  it("defaults to Suricata's: enabled, decode no, stream no, applayer yes", () => {
    const { config } = loadConfig({ file: write('eve: { path: eve.json }\n'), env: {} });
    expect(config.eve.anomaly).toEqual({ enabled: true, types: { decode: false, stream: false, applayer: true } });
  });

  it('takes Suricata-style yes/no types, and builds the sink on the pipeline', async () => {
    const file = write('eve:\n  path: eve.json\n  anomaly:\n    enabled: yes\n    types: { decode: yes, stream: no }\n');
    const { config } = loadConfig({ file, env: {} });
    expect(config.eve.anomaly.types).toEqual({ decode: true, stream: false, applayer: true });
    const pipeline = new Pipeline();
    const built = await buildStages(config, { drops: pipeline.drops, clock: 'packet' }, null);
    expect(pipelineStagesOf(built).events).toBe(built.anomaly);
    expect(built.anomaly).not.toBeNull();
    await built.eve!.close();
    const off = loadConfig({ file: write('eve:\n  path: eve.json\n  anomaly: { enabled: no }\n'), env: {} }).config;
    const none = await buildStages(off, { drops: pipeline.drops, clock: 'packet' }, null);
    expect(none.anomaly).toBeNull();
    await none.eve!.close();
  });

  it('names file, line and key of a bad value', () => {
    const file = write('eve:\n  path: eve.json\n  anomaly:\n    types: { decode: maybe, packet: yes }\n');
    let problems: string[] = [];
    try {
      loadConfig({ file, env: {} });
    } catch (err) {
      if (err instanceof ConfigError) problems = err.problems;
      else throw err;
    }
    expect(problems.join('\n')).toMatch(/eve\.anomaly\.types\.decode: must be true or false/);
    expect(problems.join('\n')).toMatch(/eve\.anomaly\.types\.packet: unknown key/);
    expect(problems.join('\n')).toMatch(/mirrorsink\.yaml:4/);
  });
});

describe('malformed packets and the session stage', () => {
  it('are attributed to their session without being counted in it; an unknown VNI under drop is not inspected', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'local.rules'), 'alert ip any any -> any any (msg:"any ip"; sid:1;)\n');
    const file = writeConfig(
      dir,
      `unknown_vni: drop
sessions:
  - { name: web, vni: 101, eni: eni-0a1b2c3d4e5f60101, addresses: [10.0.0.3] }
rules: { files: [local.rules] }
eve: { path: eve.json, anomaly: { types: { decode: yes } } }
`,
    );
    const { config } = loadConfig({ file, env: {} });
    const pipeline = new Pipeline();
    const built = await buildStages(config, { drops: pipeline.drops, clock: 'packet' }, null);
    pipeline.setStages(pipelineStagesOf(built));
    const bad = frames()[1]!;
    for (const vni of [101, 999]) {
      const d = vxlan(vni, bad);
      pipeline.onTunnelDatagram(d, 0, d.length, TunnelKind.Vxlan, 4, 0x0a000064, 0x0a0000c8, null, 65000, 4789, 1_700_000_000, 0);
    }
    await built.eve!.close();
    const recs = readFileSync(path.join(dir, 'eve.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const alerts = recs.filter((r) => r.event_type === 'alert');
    expect(alerts.map((r) => [r.tunnel.vni, r.tunnel.session])).toEqual([[101, 'web']]);
    expect(recs.filter((r) => r.event_type === 'anomaly').length).toBe(3);
    expect(pipeline.drops[DropCause.Malformed]).toBe(2);
    // Neither counted as an unknown-VNI drop nor in the session's packets: malformed, once.
    expect(pipeline.drops[DropCause.UnknownVni]).toBe(0);
    expect(built.session.counters.snapshot().reduce((n, row) => n + row.packets.total, 0)).toBe(0);
  });
});
