/**
 * Detection of the detect-only protocols (src/applayer/detect-only): each from its first bytes,
 * by pattern or by the probing parser of its port (destination, then source), in both
 * directions, with Suricata's names in app_proto.
 */
import { describe, expect, it } from 'vitest';
import { AppLayer } from '../../src/applayer/app-layer.js';
import { APP_LAYER_EVENT_NAMES } from '../../src/applayer/app-layer-events.js';
import { AppProto, appProtoByName, appProtoCovers, appProtoName } from '../../src/applayer/app-proto.js';
import { Probe } from '../../src/applayer/proto-pattern.js';
import { PROTOCOLS } from '../../src/applayer/registry.js';
import { feed } from './http/helpers.js';

function names(al: AppLayer, slot: number): [string | undefined, string | undefined, string | undefined] {
  const s = al.state;
  return [appProtoName(s.alproto[slot]!), appProtoName(s.alprotoTs[slot]!), appProtoName(s.alprotoTc[slot]!)];
}

function events(al: AppLayer, slot: number): string[] {
  return APP_LAYER_EVENT_NAMES.filter((_, i) => al.state.hasEvent(slot, i));
}

const hex = (h: string): Uint8Array => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/** A TCP flow on slot 0 with the given ports; feeds to-server then to-client bytes. */
function tcpFlow(serverPort: number, ts: string | Uint8Array | null, tc: string | Uint8Array | null, clientPort = 40000): AppLayer {
  const al = new AppLayer(4);
  al.open(0, true, clientPort, serverPort);
  if (ts !== null) feed(al, 0, true, ts);
  if (tc !== null) feed(al, 0, false, tc);
  return al;
}

/** One UDP datagram per direction given (each onData is a datagram). */
function udpFlow(serverPort: number, ts: Uint8Array | null, tc: Uint8Array | null = null, clientPort = 40000): AppLayer {
  const al = new AppLayer(4);
  al.open(0, false, clientPort, serverPort);
  if (ts !== null) feed(al, 0, true, ts);
  if (tc !== null) feed(al, 0, false, tc);
  return al;
}

describe('names and ids (Suricata AppProtoToString)', () => {
  it('every detected protocol has its Suricata name, and names map back', () => {
    const expected = ['smtp', 'ftp', 'smb', 'dcerpc', 'rdp', 'imap', 'pop3', 'krb5', 'ldap', 'nfs', 'ntp', 'dhcp', 'snmp', 'sip', 'tftp', 'ike', 'modbus', 'dnp3', 'enip', 'mqtt', 'http2', 'telnet', 'rfb', 'pgsql'];
    const detected = new Set(PROTOCOLS.map((d) => appProtoName(d.proto)));
    for (const n of expected) {
      expect(detected.has(n), n).toBe(true);
      expect(appProtoName(appProtoByName(n)!)).toBe(n);
    }
    expect(appProtoByName('ftp-data')).toBe(AppProto.FtpData);
    expect(appProtoByName('bittorrent-dht')).toBe(AppProto.BittorrentDht);
    expect(appProtoByName('ikev2')).toBe(AppProto.Ike);
    expect(appProtoByName('nope')).toBeUndefined();
    // Ids fit the Uint8Array per-flow state and stay below Failed.
    for (const d of PROTOCOLS) expect(d.proto).toBeLessThan(AppProto.Failed);
  });

  it('AppProtoEquals: dcerpc covers smb, http covers http2, dns and http2 cover doh2', () => {
    expect(appProtoCovers(AppProto.Dcerpc, AppProto.Smb)).toBe(true);
    expect(appProtoCovers(AppProto.Smb, AppProto.Dcerpc)).toBe(false);
    expect(appProtoCovers(AppProto.Http, AppProto.Http2)).toBe(true);
    expect(appProtoCovers(AppProto.Dns, AppProto.Doh2)).toBe(true);
    expect(appProtoCovers(AppProto.Http2, AppProto.Doh2)).toBe(true);
    expect(appProtoCovers(AppProto.Smtp, AppProto.Ftp)).toBe(false);
  });
});

describe('mail', () => {
  it('SMTP: the server banner has no pattern, the client EHLO decides; the banner side reuses it', () => {
    const al = tcpFlow(25, null, '220 mail.example.com ESMTP Postfix\r\n');
    expect(names(al, 0)).toEqual([undefined, undefined, 'failed']);
    feed(al, 0, true, 'ehlo client.example.com\r\n');
    expect(names(al, 0)).toEqual(['smtp', 'smtp', 'smtp']);
    expect(events(al, 0)).toEqual(['applayer_detect_protocol_only_one_direction']);
    // On any port, HELO and QUIT too.
    expect(names(tcpFlow(2525, 'HELO x\r\n', null), 0)[0]).toBe('smtp');
    expect(names(tcpFlow(2525, 'QUIT\r\n', null), 0)[0]).toBe('smtp');
  });

  it('SMTP waits for four bytes: "EH" then "LO" detects', () => {
    const al = tcpFlow(25, 'EH', null);
    expect(names(al, 0)[1]).toBeUndefined();
    feed(al, 0, true, 'LO x\r\n');
    expect(names(al, 0)[0]).toBe('smtp');
  });

  it('FTP: the "220 (" banner to the client, USER/PASS/PORT/FEAT to the server', () => {
    expect(names(tcpFlow(21, null, '220 (vsFTPd 3.0.3)\r\n'), 0)).toEqual(['ftp', undefined, 'ftp']);
    expect(names(tcpFlow(2121, 'USER anonymous\r\n', '331 Please specify the password.\r\n'), 0)).toEqual(['ftp', 'ftp', 'ftp']);
    expect(names(tcpFlow(21, 'feat\r\n', null), 0)[0]).toBe('ftp');
    expect(names(tcpFlow(21, 'PORT 10,0,0,1,4,1\r\n', null), 0)[0]).toBe('ftp');
    // A plain "220 " banner is not FTP by itself.
    expect(names(tcpFlow(21, null, '220 ProFTPD Server\r\n'), 0)[2]).toBe('failed');
  });

  it('IMAP: "* OK " to the client, "1 capability" to the server', () => {
    expect(names(tcpFlow(143, null, '* OK [CAPABILITY IMAP4rev1] ready\r\n'), 0)).toEqual(['imap', undefined, 'imap']);
    expect(names(tcpFlow(1143, '1 CAPABILITY\r\n', null), 0)[0]).toBe('imap');
  });

  it('POP3 on port 110: "+OK" to the client, commands to the server, complete lines only', () => {
    const al = tcpFlow(110, null, '+OK POP3 server ready');
    expect(names(al, 0)[2]).toBeUndefined(); // no line end yet
    feed(al, 0, false, '\r\n');
    expect(names(al, 0)).toEqual(['pop3', undefined, 'pop3']);
    expect(names(tcpFlow(110, 'CAPA\r\n', null), 0)[0]).toBe('pop3');
    expect(names(tcpFlow(110, null, '-ERR nope\r\n'), 0)[0]).toBe('pop3');
    expect(names(tcpFlow(110, 'HELLO\r\n', null), 0)[1]).toBe('failed');
    // Off port 110 the probe does not run.
    expect(names(tcpFlow(1110, null, '+OK ready\r\n'), 0)[2]).toBe('failed');
  });
});

describe('windows and directory services', () => {
  const smb2 = hex('00000048 fe534d42 40000000 00000000 0000 0000 00000000 00000000');

  it('SMB by pattern on any port (NBSS session message confirmed), both directions', () => {
    expect(names(tcpFlow(8445, smb2, null), 0)[0]).toBe('smb');
    expect(names(tcpFlow(8445, null, hex('00000023 ff534d42 72000000 00 88')), 0)[0]).toBe('smb');
    // A NetBIOS keep-alive (0x85) in front fails the probe.
    expect(names(tcpFlow(8445, hex('85000000 fe534d42'), null), 0)[1]).toBe('failed');
  });

  it('DCERPC: |05 00| + a valid header anywhere, and the port 135 probe', () => {
    const bind = hex('05000b03 10000000 4800 0000 01000000 d016d016 00000000');
    expect(names(tcpFlow(49152, bind, null), 0)[0]).toBe('dcerpc');
    expect(names(tcpFlow(135, hex('05010b03 10000000 4800 0000 01000000'), null), 0)[0]).toBe('dcerpc');
    // Version 5 but an unknown packet type.
    expect(names(tcpFlow(135, hex('0500ff03 10000000 4800 0000 01000000'), null), 0)[1]).toBe('failed');
    // Too short: waits.
    expect(names(tcpFlow(135, hex('05000b03'), null), 0)[1]).toBeUndefined();
  });

  it('RDP on 3389: TPKT + X.224 Connection Request / Confirm', () => {
    const cr = hex('0300002b 26e00000 00000043 6f6f6b69 653a206d 73747368 6173683d 61646d69 6e0d0a01 00080003 000000');
    const cc = hex('03000013 0ed00000 12340002 00080003 000000');
    expect(names(tcpFlow(3389, cr, cc), 0)).toEqual(['rdp', 'rdp', 'rdp']);
    expect(names(tcpFlow(3389, hex('0400002b 26e00000'), null), 0)[1]).toBe('failed');
  });

  it('Kerberos on 88: AS-REQ over UDP, and record-marked over TCP', () => {
    const asReq = hex('6a81a0 3081 9da103 020105 a20302 010a');
    expect(names(udpFlow(88, asReq), 0)[0]).toBe('krb5');
    expect(names(tcpFlow(88, Buffer.concat([hex('000000a3'), asReq]), null), 0)[0]).toBe('krb5');
    expect(names(udpFlow(88, hex('30819d a10302 0105a2 030201')), 0)[1]).toBe('failed');
  });

  it('LDAP on 389: a bindRequest message, by source port too', () => {
    const bind = hex('300c 020101 6007 020103 0400 8000');
    expect(names(tcpFlow(389, bind, null), 0)[0]).toBe('ldap');
    // The client port is 389 (server port unusual): the source-port probe finds it.
    expect(names(tcpFlow(40001, null, bind, 389), 0)[0]).toBe('ldap');
    expect(names(tcpFlow(389, hex('3006 040101 000000'), null), 0)[1]).toBe('failed');
  });
});

describe('file and RPC', () => {
  it('NFS on 2049: an RPC call to program 100003 (TCP record-marked, UDP bare) and an accepted reply', () => {
    const call = hex('00000001 00000000 00000002 000186a3 00000003 00000001');
    const reply = hex('00000001 00000001 00000000 00000000 00000000 00000000');
    expect(names(tcpFlow(2049, Buffer.concat([hex('80000080'), call]), Buffer.concat([hex('80000018'), reply])), 0)).toEqual(['nfs', 'nfs', 'nfs']);
    expect(names(udpFlow(2049, call), 0)[0]).toBe('nfs');
    // Another RPC program (portmapper 100000) is not NFS.
    expect(names(udpFlow(2049, hex('00000001 00000000 00000002 000186a0 00000002 00000003')), 0)[1]).toBe('failed');
  });

  it('TFTP on 69: a read request with a known mode', () => {
    expect(names(udpFlow(69, Buffer.from('\0\x01boot.img\0octet\0', 'latin1')), 0)[0]).toBe('tftp');
    expect(names(udpFlow(69, Buffer.from('\0\x01boot.img\0binary\0', 'latin1')), 0)[1]).toBe('failed');
  });
});

describe('UDP services', () => {
  it('NTP v4 client request on 123; v2 is refused', () => {
    const ntp = new Uint8Array(48);
    ntp[0] = (4 << 3) | 3;
    expect(names(udpFlow(123, ntp), 0)[0]).toBe('ntp');
    ntp[0] = (2 << 3) | 3;
    expect(names(udpFlow(123, ntp), 0)[1]).toBe('failed');
  });

  it('DHCP discover on 67 (magic cookie), from client port 68', () => {
    const d = new Uint8Array(300);
    d[0] = 1;
    d[1] = 1;
    d[2] = 6;
    d.set([0x63, 0x82, 0x53, 0x63], 236);
    expect(names(udpFlow(67, d, null, 68), 0)[0]).toBe('dhcp');
    d[236] = 0;
    expect(names(udpFlow(67, d, null, 68), 0)[1]).toBe('failed');
  });

  it('SNMP v2c get on 161 and a trap on 162', () => {
    const get = hex('3026 020101 0406 7075626c6963 a019 0204 01020304 020100 020100 300b 3009 0605 2b06010201 0500');
    expect(names(udpFlow(161, get), 0)[0]).toBe('snmp');
    expect(names(udpFlow(40000, get, null, 162), 0)[0]).toBe('snmp');
    expect(names(udpFlow(161, hex('3026 020105 0406 7075626c6963')), 0)[1]).toBe('failed');
  });

  it('SIP over UDP and TCP on 5060: request and response', () => {
    const inv = Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a\r\n\r\n', 'latin1');
    expect(names(udpFlow(5060, inv), 0)[0]).toBe('sip');
    expect(names(tcpFlow(5060, null, 'SIP/2.0 200 OK\r\n\r\n'), 0)[0]).toBe('sip');
    expect(names(udpFlow(5060, Buffer.from('HELLO sip:x SIP/2.0\r\n', 'latin1')), 0)[1]).toBe('failed');
  });

  it('IKE on 500: ISAKMP header whose length is the datagram', () => {
    const ike = hex('0102030405060708 0000000000000000 21 20 2208 00000000 0000001c');
    expect(names(udpFlow(500, ike), 0)[0]).toBe('ike');
    const bad = ike.slice();
    bad[27] = 0x40; // length 64 in a 28-byte datagram
    expect(names(udpFlow(500, bad), 0)[1]).toBe('failed');
  });
});

describe('industrial, messaging and the rest', () => {
  it('Modbus on 502: MBAP with protocol id 0', () => {
    expect(names(tcpFlow(502, hex('0001 0000 0006 11 03006b0003'), null), 0)[0]).toBe('modbus');
    expect(names(tcpFlow(502, hex('0001 0001 0006 11 03006b0003'), null), 0)[1]).toBe('failed');
  });

  it('DNP3 on 20000: start bytes 05 64, first data to the server', () => {
    expect(names(tcpFlow(20000, hex('0564 05c0 0100 0200 1234'), null), 0)[0]).toBe('dnp3');
    expect(names(tcpFlow(20000, hex('0565 05c0 0100 0200 1234'), null), 0)[1]).toBe('failed');
    // First data to the client: applayer_wrong_direction_first_data, the flow fails.
    const al = tcpFlow(20000, null, hex('0564 0544 0200 0100 1234'));
    expect(names(al, 0)[0]).toBe('failed');
    expect(events(al, 0)).toEqual(['applayer_wrong_direction_first_data']);
  });

  it('ENIP on 44818 (TCP and UDP): ListIdentity, RegisterSession', () => {
    const listIdentity = hex('6300 0000 00000000 00000000 0000000000000000 00000000');
    expect(names(udpFlow(44818, listIdentity), 0)[0]).toBe('enip');
    expect(names(tcpFlow(44818, hex('6500 0400 00000000 00000000 0000000000000000 00000000 01000000'), null), 0)[0]).toBe('enip');
    expect(names(udpFlow(44818, hex('9900 0000 00000000 00000000 0000000000000000 00000000')), 0)[1]).toBe('failed');
  });

  it('MQTT on 1883: CONNECT to the server naming MQTT', () => {
    const connect = hex('101000044d5154540402003c0004');
    expect(names(tcpFlow(1883, Buffer.concat([connect, Buffer.from('abcd')]), null), 0)[0]).toBe('mqtt');
    // A PUBLISH first is not accepted.
    expect(names(tcpFlow(1883, hex('3007 0003 612f62 6869'), null), 0)[1]).toBe('failed');
  });

  it('HTTP/2 by the connection preface on any port, also after the server spoke first', () => {
    const al = tcpFlow(8080, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', null);
    expect(names(al, 0)[0]).toBe('http2');
    // The preface split: "PRI * HTTP/2" is not an HTTP/1 method, so it waits.
    const b = tcpFlow(8080, 'PRI * HTTP/2', null);
    expect(names(b, 0)[1]).toBeUndefined();
    feed(b, 0, true, '.0\r\n\r\nSM\r\n\r\n');
    expect(names(b, 0)[0]).toBe('http2');
    // Server SETTINGS frame first (suricata-verify http2-header): the preface still decides.
    const c = tcpFlow(3000, null, Buffer.from('000006040000000000000300000064', 'hex'));
    feed(c, 0, true, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(names(c, 0)).toEqual(['http2', 'http2', 'http2']);
  });

  it('Telnet on 23: IAC option negotiation', () => {
    expect(names(tcpFlow(23, null, hex('fffd18fffd20fffd23fffd27')), 0)[0]).toBe('telnet');
    expect(names(tcpFlow(23, 'login: ', null), 0)[1]).toBe('failed');
  });

  it('RFB on 5900-5909: the version banner', () => {
    expect(names(tcpFlow(5901, 'RFB 003.008\n', 'RFB 003.008\n'), 0)).toEqual(['rfb', 'rfb', 'rfb']);
    expect(names(tcpFlow(5900, null, 'RFB 3.8\n....'), 0)[2]).toBe('failed');
  });

  it('PostgreSQL on 5432: StartupMessage or SSLRequest; the server\'s one-byte SSL answer', () => {
    const startup = Buffer.concat([hex('00000025 00030000'), Buffer.from('user\0postgres\0database\0db\0\0', 'latin1')]);
    expect(names(tcpFlow(5432, startup, null), 0)[0]).toBe('pgsql');
    expect(names(tcpFlow(5432, hex('00000008 04d2162f'), 'N'), 0)).toEqual(['pgsql', 'pgsql', 'pgsql']);
    expect(names(tcpFlow(5432, hex('00000008 00020000'), null), 0)[1]).toBe('failed');
  });
});

describe('probes are pure functions of the bytes', () => {
  it('every registered probe answers NeedMore, NoMatch or Match on empty, short and random input, never throws', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
    for (const def of PROTOCOLS) {
      const probes = [def.probe, ...def.patterns.map((p) => p.probe)].filter((p) => p !== undefined);
      for (const probe of probes) {
        for (let n = 0; n < 64; n++) {
          const b = Uint8Array.from({ length: n }, rnd);
          for (const dir of [true, false]) expect([Probe.NeedMore, Probe.NoMatch, Probe.Match]).toContain(probe!(dir, b, 0, n));
        }
      }
    }
  });
});
