/**
 * The TLS and SSH parsers on real captures from the suricata-verify pool, against the values
 * those tests expect from Suricata (their test.yaml). tshark's `follow,tcp,raw` is the
 * reassembly oracle here (the stream stage is not on this branch): each direction's bytes, in
 * the order they were sent, fed as they come.
 */
import { expect, it } from 'vitest';
import { describeWithCorpus, corpusPath, pcapPath } from '../helpers/corpus.js';
import { haveTool, runTool } from '../helpers/tools.js';
import { TlsState } from '../../src/applayer/tls/tls-state.js';
import { tlsEve } from '../../src/applayer/tls/tls-eve.js';
import { SshState } from '../../src/applayer/ssh/ssh-state.js';
import { DnsState } from '../../src/applayer/dns/dns-state.js';
import { dnsTxEve, dnsQueryBuffers, dnsResponseRrnameBuffers } from '../../src/applayer/dns/dns-eve.js';

interface Chunk {
  toServer: boolean;
  data: Uint8Array;
}

const TSHARK = haveTool('tshark');
const pool = (...p: string[]): string => corpusPath('suricata-verify-pool', 'tests', ...p);

function tcpStreams(pcap: string): number {
  const out = runTool('tshark', ['-r', pcap, '-T', 'fields', '-e', 'tcp.stream', '-Y', 'tcp']).stdout;
  let max = -1;
  for (const l of out.split('\n')) if (l.trim() !== '') max = Math.max(max, Number(l));
  return max + 1;
}

/**
 * One TCP stream's payload, in order, per direction. The client is the SYN's sender (else
 * tshark's node 0, the first sender).
 */
function follow(pcap: string, stream: number): Chunk[] {
  const syn = runTool('tshark', ['-r', pcap, '-Y', `tcp.stream == ${stream} && tcp.flags.syn == 1 && tcp.flags.ack == 0`, '-T', 'fields', '-e', 'tcp.srcport']).stdout.trim().split('\n')[0] ?? '';
  const out = runTool('tshark', ['-r', pcap, '-q', '-z', `follow,tcp,raw,${stream}`]).stdout;
  const chunks: Chunk[] = [];
  let inBody = false;
  let node0IsClient = true;
  for (const line of out.split('\n')) {
    if (line.startsWith('Node 0:') && syn !== '') node0IsClient = line.trim().endsWith(`:${syn}`);
    if (line.startsWith('Node 1:')) {
      inBody = true;
      continue;
    }
    if (!inBody || line.startsWith('====') || line.trim() === '') continue;
    const fromNode0 = !line.startsWith('\t');
    chunks.push({ toServer: fromNode0 === node0IsClient, data: Buffer.from(line.trim(), 'hex') });
  }
  return chunks;
}

/** UDP payloads in capture order; the first packet's sender is the client. */
function udpPayloads(pcap: string): Chunk[] {
  const out = runTool('tshark', ['-r', pcap, '-T', 'fields', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'udp.payload', '-Y', 'udp']).stdout;
  const chunks: Chunk[] = [];
  let client = '';
  for (const line of out.split('\n')) {
    const [src, port, hex] = line.split('\t');
    if (hex === undefined || hex === '') continue;
    if (client === '') client = `${src}:${port}`;
    chunks.push({ toServer: `${src}:${port}` === client, data: Buffer.from(hex.replace(/:/g, ''), 'hex') });
  }
  return chunks;
}

function dnsUdpOf(pcap: string): DnsState {
  const s = new DnsState();
  for (const c of udpPayloads(pcap)) s.parseDatagram(c.toServer, c.data, 0, c.data.length);
  return s;
}

function tlsOf(pcap: string, stream: number): TlsState {
  const s = new TlsState();
  for (const c of follow(pcap, stream)) s.feed(c.toServer, c.data, 0, c.data.length);
  return s;
}

describeWithCorpus('TLS/SSH parsers on suricata-verify captures', () => {
  it.skipIf(!TSHARK)('ja4-rules: JA4 t13d1516h2_8daaf6152771_e5627efa2ab1', () => {
    const s = tlsOf(pool('ja4-rules', 'input.pcap'), 0);
    expect(s.ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
    expect(s.events).toEqual([]);
  });

  it.skipIf(!TSHARK)('tls-duplicate-hello: JA3 string', () => {
    const pcap = pool('tls-duplicate-hello', 'input.pcap');
    const want =
      '771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-65281-0-45,23,0';
    const seen: string[] = [];
    for (let i = 0; i < tcpStreams(pcap); i++) {
      const s = tlsOf(pcap, i);
      if (s.ja3 !== null) seen.push(s.ja3.string);
    }
    expect(seen).toContain(want);
  });

  it.skipIf(!TSHARK)('sslv2-tls-upgrade-01: certificate subject, issuer (Email=), serial, fingerprint, version, validity', () => {
    const s = tlsOf(pool('sslv2-tls-upgrade-01', 'ssl-v2-s1.pcap'), 0);
    expect(tlsEve(s)).toMatchObject({
      subject:
        'C=US, ST=California, L=Sunnyvale, O=NetScreen Technologies, Inc., OU=Security Team, CN=sigdb.secteam.netscreen.com, Email=aturner@netscreen.com',
      issuerdn:
        'C=US, ST=California, L=Sunnyvale, O=OneSecure, Inc., OU=Fulfillment, CN=jumper.sv-staging.onesecure.com, Email=fulfillment@onesecure.com',
      serial: '55',
      fingerprint: '8c:90:bd:2a:b3:ae:e6:0b:d0:ea:b7:86:b0:1a:e4:b1:cc:57:ef:22',
      version: 'TLSv1',
      notbefore: '2003-03-29T00:57:44',
      notafter: '2008-03-27T00:57:44',
    });
  });

  it.skipIf(!TSHARK)('tls-cert-issuer capture: subject C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS', { timeout: 180_000 }, () => {
    const pcap = pool('tls', 'tls-cert-issuer', 'tls.pcap');
    const subjects: string[] = [];
    for (let i = 0; i < tcpStreams(pcap); i++) {
      const s = tlsOf(pcap, i);
      if (s.serverCert !== null) subjects.push(s.serverCert.subject);
    }
    expect(subjects).toContain('C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS');
  });

  it.skipIf(!TSHARK)('ssh-hassh-reassembled: hassh and hassh.server 3cc67862bceac0f334c62ad1b76895b4', () => {
    const s = new SshState();
    for (const c of follow(pool('ssh-hassh-reassembled', 'input.pcap'), 0)) s.feed(c.toServer, c.data, 0, c.data.length);
    expect(s.client.hassh?.hash).toBe('3cc67862bceac0f334c62ad1b76895b4');
    expect(s.server.hassh?.hash).toBe('3cc67862bceac0f334c62ad1b76895b4');
    expect(s.client.hassh?.string).toContain('diffie-hellman-group1-sha1');
    expect(s.events).toEqual([]);
  });

  it.skipIf(!TSHARK)('dns-z-bit: request tx with z_flag_set; response EVE as expected', () => {
    const s = dnsUdpOf(pool('dns', 'dns-z-bit', 'input.pcap'));
    expect(s.txs).toHaveLength(2);
    expect(s.txs[0]!.events).toEqual(['z_flag_set']);
    expect(dnsTxEve(s.txs[0]!)).toMatchObject({ type: 'request', z: true });
    expect(dnsTxEve(s.txs[1]!)).toMatchObject({
      version: 3, type: 'response', id: 1, flags: '8180', qr: true, rd: true, ra: true, rcode: 'NOERROR',
      queries: [{ rrname: 'www.google.com', rrtype: 'A' }],
      answers: [{ rrname: 'www.google.com', rrtype: 'A', ttl: 58, rdata: '142.251.32.68' }],
      grouped: { A: ['142.251.32.68'] },
    });
  });

  it.skipIf(!TSHARK)('dns-forward-pointer: a forward compression pointer is accepted', () => {
    const s = dnsUdpOf(pool('dns', 'dns-forward-pointer', 'input.pcap'));
    expect(dnsTxEve(s.txs[0]!)).toMatchObject({
      type: 'request', id: 36356,
      queries: [{ rrname: 'codemonkey.net', rrtype: 'A' }, { rrname: 'codemonkey.net', rrtype: 'A' }],
    });
    expect(dnsTxEve(s.txs[1]!)).toMatchObject({
      type: 'response', answers: [{ rdata: '152.53.82.239', rrname: 'codemonkey.net', rrtype: 'A', ttl: 300 }],
    });
    expect(s.eventCounts.size).toBe(0);
  });

  it.skipIf(!TSHARK)('bug-990: request fields and tx_id 0', () => {
    const s = dnsUdpOf(pool('dns', 'bug-990', 'input.pcap'));
    expect(dnsTxEve(s.txs[0]!)).toMatchObject({
      type: 'request', tx_id: 0, id: 28390, queries: [{ rrname: 'code.msdn.microsoft.com', rrtype: 'A' }],
    });
    expect(dnsQueryBuffers(s.txs[0]!)).toEqual(['code.msdn.microsoft.com']);
  });

  it.skipIf(!TSHARK)('dns-additionals-rdata: dns.response.rrname sees a CNAME target in the additionals', () => {
    const s = dnsUdpOf(corpusPath('suricata-verify-pool', 'pcaps', '20250224-dns-additionals-with-cname.pcap'));
    const resp = s.txs.find((t) => !t.request)!;
    expect(dnsResponseRrnameBuffers(resp).some((n) => n.includes('internal-service.example.net'))).toBe(true);
  });

  it.skipIf(!TSHARK)('dns-incomplete: DNS over TCP with a request split over two segments', () => {
    const s = new DnsState();
    for (const c of follow(pool('dns', 'dns-incomplete', 'input.pcap'), 0)) s.feed(c.toServer, c.data, 0, c.data.length);
    const reqs = s.txs.filter((t) => t.request && t.message.queries[0]?.rrname === 'google.com');
    expect(reqs).toHaveLength(1);
    expect(s.eventCounts.size).toBe(0);
  });

  /** The TCP streams of a capture (those matching a display filter, when given) through a TlsState. */
  function tlsStreams(pcap: string, filter?: string): TlsState[] {
    let ids: number[];
    if (filter === undefined) {
      ids = Array.from({ length: tcpStreams(pcap) }, (_, i) => i);
    } else {
      const out = runTool('tshark', ['-r', pcap, '-Y', filter, '-T', 'fields', '-e', 'tcp.stream']).stdout;
      ids = [...new Set(out.split('\n').filter((l) => l.trim() !== '').map(Number))];
    }
    return ids.map((i) => tlsOf(pcap, i));
  }

  it.skipIf(!TSHARK)('tls-certs-alert capture: ja3s.hash, ja3.string, chain length 3 (detect-bidir-ja3, tls-cert-chain-len)', () => {
    const states = tlsStreams(pool('tls', 'tls-certs-alert', 'input.pcap'));
    const s = states.find((x) => x.ja3s?.hash === '5d79edf64e03689ff559a54e9d9487bc');
    expect(s).toBeDefined();
    expect(s!.ja3!.string.startsWith('771,49196-49200')).toBe(true);
    expect(s!.serverCerts).toHaveLength(3);
    expect(s!.events).toEqual([]);
  });

  it.skipIf(!TSHARK)('tls-client-cert-01: the client certificate (to server)', () => {
    const states = tlsStreams(pool('tls', 'tls-store-02', 'tls-client-auth.pcap'));
    const s = states.find((x) => x.clientCert !== null);
    expect(s).toBeDefined();
    expect(s!.clientCert!.subject).toContain('O=TLSClientAuthSampleClient');
    expect(s!.clientCert!.issuer).toContain('O=TLSClientAuthSampleCA');
    expect(s!.clientCert!.fingerprint).toBe('32:56:41:d0:6a:ff:47:cb:21:e4:89:c5:ae:2a:a2:d8:1b:c9:70:0c');
  });

  it.skipIf(!TSHARK)('tls-fingerprint-alert: fingerprint 90:86:a4:3b:...', () => {
    const states = tlsStreams(pool('tls', 'tls-fingerprint-alert', 'input.pcap'));
    expect(states.map((x) => x.serverCert?.fingerprint)).toContain('90:86:a4:3b:f5:cf:1b:2e:4e:f7:97:96:f9:de:ba:b9:66:35:86:3f');
  });

  it.skipIf(!TSHARK)('tls-random: client and server random', () => {
    const s = tlsStreams(pool('tls', 'tls-random', 'input.pcap')).find((x) => x.clientHello !== null)!;
    expect(Buffer.from(s.clientHello!.random).toString('hex')).toBe('942d1fef575d770207c29dbe2401ccf05dcde1d2a5869c4a3eee38db551ad9bc');
    expect(Buffer.from(s.serverHello!.random).toString('hex')).toBe('54f9fc1577e433d32da82e9d38897d5a2628bfb09851dad9bd03f8afa209a4f0');
  });

  it.skipIf(!TSHARK)('tls-subject-zero: a NUL byte inside the subject is kept', () => {
    const subjects = tlsStreams(pool('tls', 'tls-subject-zero', 'input.pcap')).map((x) => x.serverCert?.subject);
    expect(subjects).toContain('C=US, ST=WA, L=Redmond, O=Microsoft Corporat\u0000on, OU=Microsoft Corporation, CN=go.microsoft.com');
  });

  it.skipIf(!TSHARK)(
    'tls-subjectaltname: www.bing.com among the SANs',
    () => {
      // Stream 4 of 68 carries the certificate (tshark -Y 'x509ce.dNSName == "www.bing.com"').
      const s = tlsOf(pool('tls', 'tls-subjectaltname', 'input.pcap'), 4);
      expect(s.serverCert?.san).toContain('www.bing.com');
    },
    180_000,
  );

  it.skipIf(!TSHARK)(
    'tls-cert-noissuer: subject with localhost',
    () => {
      const subj = tlsStreams(pool('tls', 'tls-cert-noissuer', 'tls.pcap'), 'tls.handshake.type == 11').map((x) => x.serverCert?.subject ?? '');
      expect(subj.some((x) => x.includes('localhost'))).toBe(true);
    },
    180_000,
  );

  it.skipIf(!TSHARK)('bug-4903-04: SSH banners of each side (software with a dash, proto 1.99)', () => {
    const s = new SshState();
    for (const c of follow(pool('bug-4903', 'bug-4903-04', 'input.pcap'), 0)) s.feed(c.toServer, c.data, 0, c.data.length);
    expect(s.client).toMatchObject({ protoVersion: '2.0', softwareVersion: 'Cisco_client-1.25' });
    expect(s.server).toMatchObject({ protoVersion: '1.99', softwareVersion: 'Cisco_server-1.24' });
  });

  it.skipIf(!TSHARK)(
    'DNS over UDP against tshark: question names and answer counts of every message of three captures, no events',
    () => {
      for (const f of [['proto', 'dns_packets.pcap'], ['large', 'example_mixed_4631pkts.pcap'], ['large', 'many_protocols_4709pkts.pcap']]) {
        const out = runTool('tshark', ['-r', pcapPath(...f), '-Y', 'udp.port == 53 && dns', '-T', 'fields', '-E', 'separator=|',
          '-e', 'udp.payload', '-e', 'dns.qry.name', '-e', 'dns.count.answers', '-e', 'dns.flags.response']).stdout;
        let n = 0;
        for (const line of out.split('\n')) {
          const [hex, qname, answers, response] = line.split('|');
          if (hex === undefined || hex === '') continue;
          const b = Buffer.from(hex.replace(/:/g, ''), 'hex');
          const s = new DnsState();
          s.parseDatagram(response === '0' || response === 'False', b, 0, b.length);
          expect(s.eventCounts.size).toBe(0);
          expect(s.txs[0]!.message.queries.map((q) => q.rrname).join(',')).toBe(qname ?? '');
          expect(s.txs[0]!.message.answers.length).toBe(Number(answers));
          JSON.stringify(dnsTxEve(s.txs[0]!));
          n++;
        }
        expect(n).toBeGreaterThan(0);
      }
    },
    180_000,
  );

  it.skipIf(!TSHARK)('ssh.pcap: OpenSSH 7.8 client hassh ec7378c1a92f5a8dde7e8b7a1ddf33d1 (the Suricata documentation example)', () => {
    const s = new SshState();
    for (const c of follow(pcapPath('proto', 'ssh.pcap'), 0)) s.feed(c.toServer, c.data, 0, c.data.length);
    expect(s.client.softwareVersion).toBe('OpenSSH_7.8');
    expect(s.server.softwareVersion).toBe('OpenSSH_7.4p1');
    expect(s.client.hassh?.hash).toBe('ec7378c1a92f5a8dde7e8b7a1ddf33d1');
    expect(s.finished).toBe(true);
    expect(s.events).toEqual([]);
  });

  it.skipIf(!TSHARK)(
    'TLS on real traffic (many_protocols): SNI as tshark reads it, no events',
    () => {
      const pcap = pcapPath('large', 'many_protocols_4709pkts.pcap');
      const out = runTool('tshark', ['-r', pcap, '-Y', 'tls.handshake.extensions_server_name', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tls.handshake.extensions_server_name']).stdout;
      const want = new Map<number, string>();
      for (const line of out.split('\n')) {
        const [st, sni] = line.split('\t');
        if (st !== undefined && st !== '' && sni !== undefined && !want.has(Number(st))) want.set(Number(st), sni);
      }
      expect(want.size).toBeGreaterThan(5);
      for (const [st, sni] of [...want].slice(0, 8)) {
        const s = tlsOf(pcap, st);
        expect(s.sni).toBe(sni);
        expect(s.events).toEqual([]);
      }
    },
    180_000,
  );
});
