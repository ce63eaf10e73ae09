/**
 * Detect-only protocols end to end through `mirrorsink replay` (the built CLI) over pcaps built
 * here: an SMTP and an FTP session are detected, `alert smtp` / `alert ftp` content rules fire
 * on them (and not on the other protocol's flow), `app-layer-protocol` rules match, and EVE
 * flow and alert records carry Suricata's app_proto names.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPcap } from '../../src/output/pcap-writer.js';
import { runCli } from '../helpers/tools.js';
import { eth, ipv4, tcp } from '../decode/builders.js';
import { eveSchemaValidator } from '../helpers/eve-schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ms-proto-rest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const PSH = 0x08;

interface Seg {
  from: 'c' | 's';
  flags: number;
  data?: string;
}

/** Frames of one conversation, client 10.0.0.1:`cport` to server 10.0.0.2:`port`; acks follow the data. */
function conversation(segs: Seg[], port: number, cport: number): Uint8Array[] {
  const next = { c: 0, s: 0 };
  const isn = { c: 1000, s: 5000 };
  return segs.map((s) => {
    const c = s.from === 'c';
    const payload = Buffer.from(s.data ?? '', 'latin1');
    const seq = s.flags & SYN ? isn[s.from] : isn[s.from] + 1 + next[s.from];
    const other = c ? 's' : 'c';
    const ack = (s.flags & ACK) !== 0 ? isn[other] + 1 + next[other] : 0;
    next[s.from] += payload.length;
    const l4 = tcp({ sport: c ? cport : port, dport: c ? port : cport, seq: seq >>> 0, ack: ack >>> 0, flags: s.flags }, payload);
    return eth({ type: 0x0800 }, ipv4({ proto: 6, src: c ? '10.0.0.1' : '10.0.0.2', dst: c ? '10.0.0.2' : '10.0.0.1' }, l4));
  });
}

const session = (exchanges: Seg[]): Seg[] => [
  { from: 'c', flags: SYN },
  { from: 's', flags: SYN | ACK },
  { from: 'c', flags: ACK },
  ...exchanges.flatMap((x): Seg[] => [x, { from: x.from === 'c' ? 's' : 'c', flags: ACK }]),
  { from: 'c', flags: ACK | FIN },
  { from: 's', flags: ACK | FIN },
  { from: 'c', flags: ACK },
];

const SMTP = session([
  { from: 's', flags: ACK | PSH, data: '220 mail.example.com ESMTP Postfix\r\n' },
  { from: 'c', flags: ACK | PSH, data: 'EHLO client.example.org\r\n' },
  { from: 's', flags: ACK | PSH, data: '250-mail.example.com\r\n250 8BITMIME\r\n' },
  { from: 'c', flags: ACK | PSH, data: 'MAIL FROM:<evil@bad.example>\r\n' },
  { from: 's', flags: ACK | PSH, data: '250 2.1.0 Ok\r\n' },
  { from: 'c', flags: ACK | PSH, data: 'QUIT\r\n' },
  { from: 's', flags: ACK | PSH, data: '221 2.0.0 Bye\r\n' },
]);

const FTP = session([
  { from: 's', flags: ACK | PSH, data: '220 (vsFTPd 3.0.3)\r\n' },
  { from: 'c', flags: ACK | PSH, data: 'USER anonymous\r\n' },
  { from: 's', flags: ACK | PSH, data: '331 Please specify the password.\r\n' },
  { from: 'c', flags: ACK | PSH, data: 'PASS MAIL FROM:<evil@bad.example>\r\n' },
  { from: 's', flags: ACK | PSH, data: '230 Login successful.\r\n' },
]);

interface Eve {
  event_type: string;
  pcap_cnt?: number;
  app_proto?: string;
  dest_port?: number;
  alert?: { signature_id: number };
}

function replay(rules: string): Eve[] {
  const frames = [...conversation(SMTP, 25, 40001), ...conversation(FTP, 21, 40002)];
  const pcap = path.join(dir, 'mail.pcap');
  writeFileSync(pcap, buildPcap(frames.map((data, i) => ({ data, tsSec: 1_700_000_000 + i })), { linktype: 1, snaplen: 65535 }));
  const rf = path.join(dir, 'r.rules');
  writeFileSync(rf, rules);
  const eve = path.join(dir, 'eve.json');
  const r = runCli(['replay', pcap, '--rules', rf, '--eve', eve, '--json', '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(eve, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Eve);
}

describe('SMTP and FTP detected, their header rules evaluated', () => {
  const ev = replay(
    [
      'alert smtp any any -> any any (msg:"smtp mail from"; flow:established,to_server; content:"MAIL FROM:<evil@"; sid:1;)',
      'alert ftp any any -> any any (msg:"ftp user"; flow:established,to_server; content:"USER anonymous"; sid:2;)',
      // The same bytes are in the FTP session (PASS ...): the smtp rule must not fire there.
      'alert ftp any any -> any any (msg:"ftp banner"; flow:established,to_client; content:"vsFTPd"; sid:3;)',
      'alert tcp any any -> any any (msg:"pd-only smtp"; app-layer-protocol:smtp; sid:4;)',
      'alert tcp any any -> any any (msg:"not smtp"; flow:to_server; content:"PASS "; app-layer-protocol:!smtp; sid:5;)',
      'alert smb any any -> any any (msg:"smb on a mail flow"; content:"MAIL"; sid:6;)',
    ].join('\n') + '\n',
  );
  const alerts = ev.filter((e) => e.event_type === 'alert');
  const bySid = (sid: number) => alerts.filter((a) => a.alert!.signature_id === sid);

  it('EVE flow records carry app_proto smtp and ftp', () => {
    const flows = ev.filter((e) => e.event_type === 'flow');
    expect(flows.map((f) => [f.dest_port, f.app_proto]).sort()).toEqual([
      [21, 'ftp'],
      [25, 'smtp'],
    ]);
  });

  it('alert smtp content fires once, on the SMTP flow, with app_proto smtp', () => {
    expect(bySid(1).length).toBe(1);
    expect(bySid(1)[0]!.dest_port).toBe(25);
    expect(bySid(1)[0]!.app_proto).toBe('smtp');
  });

  it('alert ftp rules fire on the FTP flow in both directions, with app_proto ftp', () => {
    expect(bySid(2).map((a) => [a.dest_port, a.app_proto])).toEqual([[21, 'ftp']]);
    expect(bySid(3).length).toBe(1);
    expect(bySid(3)[0]!.app_proto).toBe('ftp');
  });

  it('app-layer-protocol: a PD-only rule fires on detection, not on every packet; a negated one only off SMTP', () => {
    const pd = bySid(4);
    expect(pd.length).toBeGreaterThanOrEqual(1);
    expect(pd.length).toBeLessThanOrEqual(2);
    expect(pd.every((a) => a.app_proto === 'smtp')).toBe(true);
    expect(bySid(5).map((a) => a.dest_port)).toEqual([21]);
  });

  it('a header protocol the flow does not have never fires', () => {
    expect(bySid(6)).toEqual([]);
  });

  it("every record validates against Suricata's EVE schema", () => {
    const validate = eveSchemaValidator();
    if (validate === null) return;
    for (const r of ev) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
  });
});
