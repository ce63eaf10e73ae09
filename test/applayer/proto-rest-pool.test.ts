/**
 * app_proto of real captures: suricata-verify tests of each protocol (their pcaps, in the shared
 * pool) replayed without rules; the flow to the protocol's server port must carry Suricata's
 * name. Where the test's own checks state app_proto (smtp-file-data-01: `app_proto: smtp` in
 * its alert, issue-4220-01-ids in its flow record) that is the oracle; for the others the test
 * exercises that protocol's parser in Suricata, which only runs once detection named it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { corpusPath, describeWithCorpus } from '../helpers/corpus.js';
import { runCli } from '../helpers/tools.js';

/** [pool test, its pcap under the pool ('' = as INDEX.tsv says), server port, expected app_proto] */
const CASES: Array<[string, string, number, string]> = [
  ['smtp-file-data-01', '', 25, 'smtp'],
  ['issue-4220-01-ids', '', 25, 'smtp'],
  ['smtp-long-DATA-line-02-frames', '', 587, 'smtp'],
  ['detect-ftp/ftp-reply-01', '', 21, 'ftp'],
  ['smb-eicar-file', '', 445, 'smb'],
  ['dcerpc/dcerpc-dce-iface-02', '', 49302, 'dcerpc'],
  ['dcerpc/dcerpc-dce-stub-data-02', '', 135, 'dcerpc'],
  ['bug-8278-krb5-01', '', 88, 'krb5'],
  ['detect-ldap-dn', '', 389, 'ldap'],
  ['mqtt-pub-rules', '', 1883, 'mqtt'],
  ['dnp3/dnp3-too-long-reassembly-request', '', 20000, 'dnp3'],
  ['enip-alert', '', 44818, 'enip'],
  ['rfb-rules', '', 5900, 'rfb'],
  ['pgsql/pgsql-query-keyword-01', '', 5432, 'pgsql'],
  ['sip-tcp-request-line', '', 5060, 'sip'],
  ['http2-long-frame', '', 8443, 'http2'],
  ['http2-header', '', 3000, 'http2'],
];

interface Flow {
  event_type: string;
  dest_port?: number;
  app_proto?: string;
}

describeWithCorpus('app_proto of suricata-verify captures of each protocol', () => {
  const root = corpusPath('suricata-verify-pool');
  const index = new Map(
    readFileSync(path.join(root, 'INDEX.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split('\t') as [string, string]),
  );
  for (const [test, given, port, proto] of CASES) {
    it(`${test}: the flow to port ${port} is ${proto}`, () => {
      const pcap = path.join(root, given !== '' ? given : index.get(test)!);
      const eve = path.join(tmpdir(), `ms-proto-pool-${process.pid}-${port}-${proto}.json`);
      try {
        const r = runCli(['replay', pcap, '--no-rules', '--eve', eve, '--json', '--quiet']);
        expect(r.status, r.stderr).toBe(0);
        const flows = readFileSync(eve, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Flow)
          .filter((e) => e.event_type === 'flow' && e.dest_port === port);
        expect(flows.length).toBeGreaterThan(0);
        expect(flows.some((f) => f.app_proto === proto), JSON.stringify(flows.map((f) => f.app_proto))).toBe(true);
      } finally {
        rmSync(eve, { force: true });
      }
    });
  }
});
