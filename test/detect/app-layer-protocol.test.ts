/**
 * Rules and detect-only protocols: header protocols (`alert smtp ...`) load with an app_proto
 * check and their transports; keywords that need a parser mirrorsink lacks are refused naming
 * it; the `app-layer-protocol` keyword parses and matches as Suricata's
 * detect-app-layer-protocol.c.
 */
import { describe, expect, it } from 'vitest';
import { AppProto } from '../../src/applayer/app-proto.js';
import { AlprotoMode, matchAppProto, parseAppLayerProtocol } from '../../src/detect/keywords/app-layer-protocol.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { Proto } from '../../src/detect/rule.js';

const one = (text: string) => {
  const rs = loadRulesText(text);
  return { rule: rs.rules[0], failure: rs.failures[0] };
};

describe('rule header protocols', () => {
  it('TCP protocols: smtp, ftp, smb, dcerpc, rdp, imap, pop3 load as tcp with the app_proto check', () => {
    const cases: Array<[string, number]> = [
      ['smtp', AppProto.Smtp],
      ['ftp', AppProto.Ftp],
      ['smb', AppProto.Smb],
      ['dcerpc', AppProto.Dcerpc],
      ['rdp', AppProto.Rdp],
      ['imap', AppProto.Imap],
      ['pop3', AppProto.Pop3],
      ['modbus', AppProto.Modbus],
      ['http2', AppProto.Http2],
    ];
    for (const [name, id] of cases) {
      const { rule, failure } = one(`alert ${name} any any -> any any (msg:"x"; flow:established,to_server; content:"abc"; sid:1;)`);
      expect(failure, name).toBeUndefined();
      expect(rule!.alproto, name).toBe(id);
      expect(rule!.proto, name).toBe(Proto.Tcp);
    }
  });

  it('UDP-only and TCP+UDP protocols get their transports', () => {
    expect(one('alert snmp any any -> any any (content:"public"; sid:1;)').rule!.proto).toBe(Proto.Udp);
    expect(one('alert ntp any any -> any any (sid:1;)').rule!.proto).toBe(Proto.Udp);
    expect(one('alert krb5 any any -> any 88 (content:"|6a|"; sid:1;)').rule!.proto).toBe(Proto.TcpUdp);
    expect(one('alert sip any any -> any any (content:"INVITE"; sid:1;)').rule!.alproto).toBe(AppProto.Sip);
  });

  it('HTTP keywords in a non-HTTP rule need that protocol\'s parser: refused by name', () => {
    const f = one('alert smtp any any -> any any (msg:"x"; file_data; content:"MZ"; sid:1;)').failure!;
    expect(f.reason).toContain("'file_data' in a 'smtp' rule needs the smtp parser");
    expect(f.category).toBe("no smtp parser for 'file_data'");
    expect(one('alert ftp any any -> any any (content:"x"; http_uri; sid:1;)').failure!.category).toBe("no ftp parser for 'http_uri'");
    expect(one('alert smb any any -> any any (pcre:"/x/U"; sid:1;)').failure!.category).toBe("no smb parser for 'pcre'");
    // Protocol keywords stay unsupported keywords.
    expect(one('alert smtp any any -> any any (smtp.helo; content:"x"; sid:1;)').failure!.reason).toBe("unsupported keyword 'smtp.helo'");
    expect(one('alert ftp any any -> any any (ftpbounce; sid:1;)').failure!.reason).toBe("unsupported keyword 'ftpbounce'");
  });

  it('ftp-data and names mirrorsink cannot detect are refused with a reason; dns/tls/ssh load with their parsers', () => {
    const fd = one('alert ftp-data any any -> any any (content:"MZ"; sid:1;)').failure!;
    expect(fd.category).toBe("unsupported protocol 'ftp-data'");
    expect(fd.reason).toContain('expectation');
    const q = one('alert quic any any -> any any (sid:1;)').failure!;
    expect(q.category).toBe("unsupported protocol 'quic'");
    expect(q.reason).toContain('not detected');
    expect(one('alert dns any any -> any any (sid:1;)').failure).toBeUndefined();
    expect(one('alert bogus any any -> any any (sid:1;)').failure!.category).toBe("unsupported protocol 'bogus'");
  });
});

describe('app-layer-protocol keyword', () => {
  it('parses names, negation, failed, unknown, lists, modes and exact', () => {
    expect(parseAppLayerProtocol('smtp')).toEqual({ protos: [AppProto.Smtp], negated: false, mode: AlprotoMode.Direction, exact: false });
    expect(parseAppLayerProtocol('!http')).toMatchObject({ protos: [AppProto.Http], negated: true });
    expect(parseAppLayerProtocol('failed').protos).toEqual([AppProto.Failed]);
    expect(parseAppLayerProtocol('unknown').protos).toEqual([AppProto.Unknown]);
    expect(parseAppLayerProtocol('http1,original')).toMatchObject({ protos: [AppProto.Http], mode: AlprotoMode.Original });
    expect(parseAppLayerProtocol('dns,exact')).toMatchObject({ protos: [AppProto.Dns], exact: true });
    expect(parseAppLayerProtocol('smb|dcerpc,to_server')).toMatchObject({ protos: [AppProto.Smb, AppProto.Dcerpc], mode: AlprotoMode.ToServer });
    expect(() => parseAppLayerProtocol('!unknown')).toThrow(/negate/);
    expect(() => parseAppLayerProtocol('nosuch')).toThrow(/unknown protocol 'nosuch'/);
    expect(() => parseAppLayerProtocol('smtp,sideways')).toThrow(/mode/);
    const rs = loadRulesText('alert tcp any any -> any any (app-layer-protocol:ftp; sid:1;)\nalert tcp any any -> any any (app-layer-protocol:foo; sid:2;)');
    expect(rs.loaded).toBe(1);
    expect(rs.rules[0]!.pdOnly).toBe(true);
    expect(rs.failures[0]!.category).toBe("invalid 'app-layer-protocol'");
  });

  it('PD-only: app-layer-protocol with flow/flowbits only; any payload or header keyword makes a normal rule', () => {
    const rs = loadRulesText(
      [
        'alert tcp any any -> any any (flow:to_server; app-layer-protocol:!http; flowbits:isset,x; sid:1;)',
        'alert tcp any any -> any any (app-layer-protocol:smtp; content:"MAIL"; sid:2;)',
        'alert tcp any any -> any any (app-layer-protocol:smtp; dsize:>10; sid:3;)',
      ].join('\n'),
    );
    expect(rs.rules.map((r) => r.pdOnly)).toEqual([true, false, false]);
  });

  it('matches the packet direction\'s protocol by default; nothing (negated or not) while unknown', () => {
    const smtp = parseAppLayerProtocol('smtp');
    const notHttp = parseAppLayerProtocol('!http');
    // final, ts, tc
    expect(matchAppProto(smtp, true, AppProto.Smtp, AppProto.Smtp, AppProto.Unknown)).toBe(true);
    expect(matchAppProto(smtp, false, AppProto.Smtp, AppProto.Smtp, AppProto.Unknown)).toBe(false);
    expect(matchAppProto(notHttp, true, AppProto.Unknown, AppProto.Unknown, AppProto.Unknown)).toBe(false);
    expect(matchAppProto(notHttp, true, AppProto.Smtp, AppProto.Smtp, AppProto.Smtp)).toBe(true);
    expect(matchAppProto(notHttp, true, AppProto.Failed, AppProto.Failed, AppProto.Failed)).toBe(true);
    expect(matchAppProto(parseAppLayerProtocol('failed'), false, AppProto.Failed, AppProto.Failed, AppProto.Failed)).toBe(true);
    expect(matchAppProto(parseAppLayerProtocol('unknown'), true, AppProto.Unknown, AppProto.Unknown, AppProto.Unknown)).toBe(true);
    expect(matchAppProto(parseAppLayerProtocol('unknown'), true, AppProto.Smtp, AppProto.Smtp, AppProto.Smtp)).toBe(false);
  });

  it('modes: final, either, to_server, to_client; AppProtoEquals unless exact', () => {
    expect(matchAppProto(parseAppLayerProtocol('ftp,final'), false, AppProto.Ftp, AppProto.Ftp, AppProto.Unknown)).toBe(true);
    expect(matchAppProto(parseAppLayerProtocol('ftp,to_client'), true, AppProto.Ftp, AppProto.Ftp, AppProto.Unknown)).toBe(false);
    expect(matchAppProto(parseAppLayerProtocol('ftp,to_server'), false, AppProto.Ftp, AppProto.Ftp, AppProto.Unknown)).toBe(true);
    expect(matchAppProto(parseAppLayerProtocol('ftp,either'), false, AppProto.Ftp, AppProto.Unknown, AppProto.Ftp)).toBe(true);
    expect(matchAppProto(parseAppLayerProtocol('dcerpc'), true, AppProto.Smb, AppProto.Smb, AppProto.Smb)).toBe(true);
    expect(matchAppProto(parseAppLayerProtocol('dcerpc,exact'), true, AppProto.Smb, AppProto.Smb, AppProto.Smb)).toBe(false);
    expect(matchAppProto(parseAppLayerProtocol('smtp|ftp'), true, AppProto.Ftp, AppProto.Ftp, AppProto.Ftp)).toBe(true);
  });
});
