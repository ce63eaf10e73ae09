/**
 * EVE alert payload, payload_printable, payload_length, stream, packet and packet_info
 * (output/eve-payload.ts), through the real pipeline (flow table → stream → detect → EVE):
 * what a packet match and a stream match log, the bytes `packet` holds for plain and VXLAN
 * traffic, Suricata's printable form, the config section, and the EVE schema.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eveSchemaValidator } from '../helpers/eve-schema.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink, type EveAlertOptions } from '../../src/output/eve-alert.js';
import { dltOf, printableJson } from '../../src/output/eve-payload.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { TcpStreamStage } from '../../src/stream/stream-stage.js';
import { ACK, HANDSHAKE, PSH, frame, type Seg } from '../stream/conversation.js';

type Rec = Record<string, unknown> & { alert: { signature_id: number } };

const RULES = [
  'alert tcp-stream any any -> any any (content:"evilpay"; sid:1;)',
  'alert tcp-pkt any any -> any any (content:"GET"; sid:2;)',
].join('\n');

/** Client sends "GET /evil" and "payload", acknowledged; the flow ends unclosed (flush at finish). */
const SEGS: Seg[] = [
  ...HANDSHAKE,
  { from: 'c', flags: ACK | PSH, rel: 0, data: 'GET /evil' },
  { from: 'c', flags: ACK | PSH, rel: 9, data: 'payload' },
  { from: 's', flags: ACK, ackRel: 16 },
];

function run(opts: Partial<EveAlertOptions>, vxlan = false, o: { store?: boolean; segs?: Seg[]; rules?: string } = {}): { recs: Rec[]; lines: string[] } {
  const rs = loadRulesText(o.rules ?? RULES);
  expect(rs.failures).toEqual([]);
  const ft = new FlowTable({ hashSeed: 1, maxFlows: 64 });
  const eve = new MemoryLineWriter();
  const stream = new TcpStreamStage(ft, {});
  const engine = new DetectEngine(rs, ft, [new EveAlertSink(eve, { ...opts, flow: ft, streamStore: o.store === true ? stream.store : null })]);
  const pipeline = new Pipeline({ flow: ft, stream, detect: engine });
  let ts = 1_700_000_000;
  for (const s of o.segs ?? SEGS) {
    const f = frame(s, vxlan);
    pipeline.onFrame(f, 0, f.length, f.length, 1, ts++, 0);
  }
  pipeline.finish();
  return { recs: eve.lines.map((l) => JSON.parse(l) as Rec), lines: eve.lines };
}

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
const bySid = (recs: Rec[], sid: number) => recs.filter((r) => r.alert.signature_id === sid);
const ALL = { payload: true, payloadPrintable: true, payloadLength: true, packet: true };

describe('EVE alert payload and packet fields', () => {
  it('are off by default (as in Suricata), alerts unchanged', () => {
    const { recs } = run({});
    expect(recs.map((r) => r.alert.signature_id).sort()).toEqual([1, 2]);
    for (const r of recs) for (const k of ['payload', 'payload_printable', 'payload_length', 'stream', 'packet', 'packet_info']) expect(r).not.toHaveProperty(k);
  });

  it('packet match: the packet payload, stream 0, the whole frame with its link type', () => {
    const { recs, lines } = run(ALL);
    const [a] = bySid(recs, 2);
    expect(a).toMatchObject({ payload: b64('GET /evil'), payload_length: 9, payload_printable: 'GET /evil', stream: 0 });
    expect(a!.packet).toBe(b64(frame(SEGS[3]!)));
    expect(a!.packet_info).toEqual({ linktype: 1, linktype_name: 'EN10MB' });
    // Suricata's order: ... flow, payload, payload_length, payload_printable, stream, packet, packet_info.
    const line = lines.find((l) => l.includes('"signature_id":2'))!;
    const keys = Object.keys(JSON.parse(line) as object);
    expect(keys.slice(keys.indexOf('flow'))).toEqual(['flow', 'payload', 'payload_length', 'payload_printable', 'stream', 'packet', 'packet_info']);
  });

  it('stream match: the stream data the rule matched, stream 1 (flow-end flush)', () => {
    const { recs } = run(ALL);
    const [a] = bySid(recs, 1);
    expect(a).toMatchObject({ pkt_src: 'stream (flow timeout)', payload: b64('GET /evilpayload'), payload_printable: 'GET /evilpayload', payload_length: 16, stream: 1 });
    // The pseudo packet's made-up IPv4/TCP header, DLT_RAW as Suricata gives pseudo packets.
    expect(a!.packet_info).toEqual({ linktype: 12, linktype_name: 'RAW' });
    expect(Buffer.from(a!.packet as string, 'base64')[0]).toBe(0x45);
  });

  it('with the stream store: all stored data of the direction, gaps as "[N bytes missing]" (Suricata)', () => {
    const segs: Seg[] = [
      ...HANDSHAKE,
      { from: 'c', flags: ACK | PSH, rel: 0, data: 'VERY' },
      // "GOOD" (rel 4) never arrives.
      { from: 'c', flags: ACK | PSH, rel: 8, data: 'DATA' },
    ];
    const rules = 'alert tcp-stream any any -> any any (content:"VERY"; sid:1;)\nalert tcp-stream any any -> any any (content:"DATA"; sid:3;)';
    const { recs } = run({ payload: true, payloadPrintable: true }, false, { store: true, segs, rules });
    // Both flow-end windows (split by the gap) log everything the flush had.
    for (const sid of [1, 3]) {
      expect(bySid(recs, sid)).toEqual([expect.objectContaining({ pkt_src: 'stream (flow timeout)', payload: b64('VERY[4 bytes missing]DATA'), payload_printable: 'VERY[4 bytes missing]DATA', stream: 1 })]);
    }
    // Without the store: the window that matched.
    const { recs: w } = run({ payload: true }, false, { segs, rules });
    expect([bySid(w, 1)[0]!.payload, bySid(w, 3)[0]!.payload]).toEqual([b64('VERY'), b64('DATA')]);
    // Capped at payload_buffer_size, the gap text included.
    const { recs: c } = run({ payload: true, payloadBufferSize: 8 }, false, { store: true, segs, rules });
    expect(bySid(c, 1)[0]!.payload).toBe(b64('VERY[4 b'));
  });

  it('payload_buffer_size caps the stream bytes logged', () => {
    const { recs } = run({ payload: true, payloadBufferSize: 5 });
    expect(bySid(recs, 1)[0]!.payload).toBe(b64('GET /'));
    // The packet payload is not capped (Suricata's AlertAddPayload).
    expect(bySid(recs, 2)[0]!.payload).toBe(b64('GET /evil'));
  });

  it('VXLAN: packet is the inner frame after the VXLAN header, DLT_RAW (Suricata tunnel packets)', () => {
    const { recs } = run({ packet: true }, true);
    const [a] = bySid(recs, 2);
    expect(a!.packet).toBe(b64(frame(SEGS[3]!)));
    expect(a!.packet_info).toEqual({ linktype: 12, linktype_name: 'RAW' });
    // packet alone writes no payload fields and no `stream`.
    expect(a).not.toHaveProperty('stream');
  });

  it("printable: printable ASCII, \\r and \\n kept, every other byte '.', JSON-escaped", () => {
    const bytes = Uint8Array.from([0x41, 0x00, 0x0d, 0x0a, 0x09, 0x22, 0x5c, 0x7e, 0x7f, 0xff, 0x20]);
    expect(printableJson(bytes, 0, bytes.length)).toBe('"A.\\r\\n.\\"\\\\~.. "');
    expect(JSON.parse(printableJson(bytes, 0, bytes.length))).toBe('A.\r\n."\\~.. ');
    expect(printableJson(bytes, 2, 2)).toBe('"\\r\\n"');
  });

  it('link types as libpcap reports them: LINKTYPE_RAW (101) is DLT_RAW (12)', () => {
    expect([dltOf(1), dltOf(101), dltOf(113), dltOf(0)]).toEqual([1, 12, 113, 0]);
  });

  it('records with every field validate against the EVE schema', () => {
    const validate = eveSchemaValidator();
    if (validate === null) return;
    const { recs } = run(ALL);
    expect(recs.length).toBe(2);
    for (const r of recs) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    // The schema judges packet_info (no keys of its own invention).
    expect(validate({ ...recs[0], packet_info: { linktype: 1, x: 1 } })).toBe(false);
  });
});

describe('eve.alert configuration', () => {
  const write = (text: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eve-alert-config-'));
    const file = path.join(dir, 'mirrorsink.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('defaults: every optional field off, payload_buffer_size 4 KiB', () => {
    const { config } = loadConfig({ file: write('eve: { path: eve.json }\n'), env: {} });
    expect(config.eve.alert).toEqual({ payload: false, payloadPrintable: false, payloadLength: false, packet: false, payloadBufferSize: 4096 });
  });

  it('takes yes/no and Suricata sizes', () => {
    const file = write('eve:\n  path: eve.json\n  alert: { payload: yes, payload_printable: yes, packet: yes, payload_buffer_size: 8kb }\n');
    expect(loadConfig({ file, env: {} }).config.eve.alert).toEqual({ payload: true, payloadPrintable: true, payloadLength: false, packet: true, payloadBufferSize: 8192 });
  });

  it('names file, line and key of a bad value', () => {
    const file = write('eve:\n  path: eve.json\n  alert:\n    payload: maybe\n    payload-printable: yes\n');
    let problems: string[] = [];
    try {
      loadConfig({ file, env: {} });
    } catch (err) {
      if (err instanceof ConfigError) problems = err.problems;
      else throw err;
    }
    const text = problems.join('\n');
    expect(text).toMatch(/mirrorsink\.yaml:4.*eve\.alert\.payload: must be true or false/);
    expect(text).toMatch(/eve\.alert\.payload-printable: unknown key/);
  });
});
