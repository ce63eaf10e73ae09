import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitOptions } from '../../src/detect/rule-parser.js';
import { loadRuleFiles, loadRulesText, splitRuleLines } from '../../src/detect/rule-loader.js';
import { Action, Proto } from '../../src/detect/rule.js';
import { MirrorsinkError } from '../../src/errors.js';
import { ContentOp, OpType } from '../../src/detect/keywords/payload.js';
import { ruleEveFragments } from '../../src/output/rule-text.js';

describe('option splitting', () => {
  it('splits on every ; not preceded by a backslash, without tracking quotes (as Suricata)', () => {
    expect(splitOptions('msg:"a\\;b"; sid:1;')).toEqual(['msg:"a\\;b"', 'sid:1']);
    // An unescaped ; inside quotes ends the option: Suricata would fail this rule too.
    expect(splitOptions('msg:"a;b"; sid:1;')).toEqual(['msg:"a', 'b"', 'sid:1']);
    expect(splitOptions(' sid:1 ; rev:2')).toEqual(['sid:1', 'rev:2']);
  });

  it('a quoted ; breaks the option there, so the rule fails (as in Suricata)', () => {
    const rs = loadRulesText('alert tcp any any -> any any (msg:"a;b"; sid:1;)');
    expect(rs.loaded).toBe(0);
    // The msg option is cut to `msg:"a`, which is no longer a quoted string.
    expect(rs.failures[0]!.reason).toBe("invalid 'msg': value must be quoted");
    expect(rs.failures[0]!.sid).toBe(1);
  });

  it('unescapes \\; \\" \\\\ in msg and content', () => {
    const rs = loadRulesText('alert tcp any any -> any any (msg:"x\\;y \\"q\\" \\\\"; content:"a\\;b\\"c\\\\d\\:e"; sid:1;)');
    expect(rs.loaded).toBe(1);
    const r = rs.rules[0]!;
    expect(r.msg).toBe('x;y "q" \\');
    expect(Buffer.from((r.payload[0] as ContentOp).raw).toString('latin1')).toBe('a;b"c\\d:e');
  });
});

describe('rule files', () => {
  it('joins lines ending in a backslash, skips comments and blank lines, keeps first line numbers', () => {
    const text = ['# comment', '', 'alert tcp any any -> any any (msg:"one"; \\', '   content:"x"; \\', '   sid:1;)', '  # indented comment', 'alert udp any any -> any any (sid:2;)', ''].join('\n');
    const parts = splitRuleLines(text);
    expect(parts.map((p) => p.line)).toEqual([3, 7]);
    expect(parts[0]!.text).toBe('alert tcp any any -> any any (msg:"one";    content:"x";    sid:1;)');
    const rs = loadRulesText(text);
    expect(rs.loaded).toBe(2);
  });

  it('reports file:line, sid and reason for bad rules and keeps loading', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ms-rules-'));
    const f = path.join(dir, 'x.rules');
    writeFileSync(
      f,
      [
        // alert http/dns/tls and their buffers load since the app layer (issues 13, 14): quic
        // and krb5 stand in.
        'alert quic any any -> any any (msg:"h"; content:"GET"; krb5.cname; sid:10;)',
        'alert tcp any any -> any any (msg:"u"; content:"x"; krb5.cname; sid:11;)',
        'alert tcp any any -> any any (msg:"ok"; sid:12;)',
        'alert tcp any any -> any any (msg:"bad depth"; content:"abcd"; depth:2; sid:13;)',
        'alert tcp any any -> any any (msg:"no sid";)',
        'alert tcp any any -> any any (msg:"unknown class"; classtype:nope; sid:14;)',
        'alert tcp any any 80 -> any any (sid:15;)',
      ].join('\n'),
    );
    const rs = loadRuleFiles([f]);
    expect(rs.loaded).toBe(1);
    expect(rs.failed).toBe(6);
    expect(rs.failures.map((x) => [x.line, x.sid, x.category])).toEqual([
      [1, 10, "unsupported protocol 'quic'"],
      [2, 11, "unsupported keyword 'krb5.cname'"],
      [4, 13, "invalid 'depth'"],
      [5, null, 'missing sid'],
      [6, 14, 'unknown classtype'],
      [7, 15, 'syntax'],
    ]);
    expect(rs.failures[0]!.file).toBe(f);
    expect(rs.failuresByReason["unsupported protocol 'quic'"]).toBe(1);
  });

  it('a missing rules file is a MirrorsinkError(E_RULE)', () => {
    expect(() => loadRuleFiles(['/nonexistent/x.rules'])).toThrow(MirrorsinkError);
    try {
      loadRuleFiles(['/nonexistent/x.rules']);
    } catch (err) {
      expect((err as MirrorsinkError).code).toBe('E_RULE');
      expect((err as Error).message).toContain('/nonexistent/x.rules');
    }
  });

  it('duplicate sids: the higher rev wins, the other is a failure', () => {
    const rs = loadRulesText(['alert tcp any any -> any any (msg:"a"; sid:5; rev:1;)', 'alert tcp any any -> any any (msg:"b"; sid:5; rev:3;)', 'alert tcp any any -> any any (msg:"c"; sid:5; rev:2;)'].join('\n'));
    expect(rs.loaded).toBe(1);
    expect(rs.rules[0]!.msg).toBe('b');
    expect(rs.failures.map((f) => f.category)).toEqual(['duplicate sid', 'duplicate sid']);
  });
});

describe('header', () => {
  it('actions and protocols', () => {
    const rs = loadRulesText(
      [
        'alert tcp any any -> any any (sid:1;)',
        'drop udp any any -> any any (sid:2;)',
        'pass icmp any any -> any any (sid:3;)',
        'reject ip any any -> any any (sid:4;)',
        'alert tcp-pkt any any -> any any (sid:5;)',
        'alert tcp-stream any any -> any any (sid:6;)',
        'alert icmpv6 any any -> any any (sid:7;)',
        'alert ipv6 any any -> any any (sid:8;)',
        'alert quic any any -> any any (sid:9;)',
        'config tcp any any -> any any (sid:10;)',
      ].join('\n'),
    );
    const by = (sid: number) => rs.bySid(sid)!;
    expect(by(1).proto).toBe(Proto.Tcp);
    expect(by(2).action).toBe(Action.Drop);
    expect(by(3).action).toBe(Action.Pass);
    expect(by(4).action).toBe(Action.Reject);
    expect(by(5).proto).toBe(Proto.Tcp);
    expect(by(6).proto).toBe(Proto.Tcp);
    expect(by(7).proto).toBe(Proto.Icmpv6);
    expect(by(8).proto).toBe(Proto.Ipv6);
    expect(rs.failures.map((f) => f.reason)).toEqual(["unsupported protocol 'quic': quic is not detected by mirrorsink", "unknown action 'config'"]);
  });

  it('directions -> and <>', () => {
    const rs = loadRulesText('alert tcp 1.2.3.4 any <> 5.6.7.8 80 (sid:1;)\nalert tcp any any => any any (sid:2;)');
    expect(rs.bySid(1)!.bidir).toBe(true);
    expect(rs.failures[0]!.reason).toMatch(/=>/);
  });

  it('addresses: CIDR, lists, negation, variables; ports: ranges, lists, negation', () => {
    const rs = loadRulesText(
      'alert tcp [10.0.0.0/8,!10.1.0.0/16] [1024:,!8080] -> $EXTERNAL_NET [80,443,8000:8010] (sid:1;)\n' + 'alert tcp [ 1.2.3.4 , 5.6.7.8 ] :1023 -> any !$HTTP_PORTS (sid:2;)',
    );
    expect(rs.failed).toBe(0);
    const r = rs.bySid(1)!;
    expect(r.src.matchV4(0x0a020304)).toBe(true); // 10.2.3.4
    expect(r.src.matchV4(0x0a010203)).toBe(false); // 10.1.2.3 excluded
    expect(r.sp.match(1024)).toBe(true);
    expect(r.sp.match(8080)).toBe(false);
    expect(r.sp.match(1023)).toBe(false);
    expect(r.dst.matchV4(0x0a000001)).toBe(false); // HOME_NET
    expect(r.dst.matchV4(0x08080808)).toBe(true);
    expect(r.dp.match(8005)).toBe(true);
    expect(r.dp.match(8011)).toBe(false);
    const r2 = rs.bySid(2)!;
    expect(r2.src.matchV4(0x05060708)).toBe(true);
    expect(r2.sp.match(1023)).toBe(true);
    expect(r2.dp.match(80)).toBe(false);
    expect(r2.dp.match(81)).toBe(true);
  });

  it('unknown variables and impossible sets fail', () => {
    const rs = loadRulesText(['alert tcp $NOPE any -> any any (sid:1;)', 'alert tcp !any any -> any any (sid:2;)', 'alert tcp [1.2.3.4,!1.2.3.4] any -> any any (sid:3;)', 'alert tcp any 70000 -> any any (sid:4;)'].join('\n'));
    expect(rs.failures.map((f) => f.category)).toEqual(['unknown variable', 'invalid address', 'invalid address', 'invalid port']);
  });

  it('variables from configuration and flat --var maps', () => {
    const cfg = loadRulesText('alert tcp $HOME_NET any -> any $WEB (sid:1;)', { vars: { 'address-groups': { HOME_NET: '[100.64.0.0/10]' }, 'port-groups': { WEB: '[8080,8443]' } } });
    expect(cfg.failed).toBe(0);
    expect(cfg.rules[0]!.src.matchV4(0x64400001)).toBe(true);
    expect(cfg.rules[0]!.src.matchV4(0x0a000001)).toBe(false);
    expect(cfg.rules[0]!.dp.match(8443)).toBe(true);
    const flat = loadRulesText('alert tcp $HOME_NET any -> $EXTERNAL_NET $WEB (sid:1;)', { vars: { HOME_NET: '10.9.0.0/16', WEB: '8080' } });
    expect(flat.failed).toBe(0);
    // EXTERNAL_NET follows the overridden HOME_NET.
    expect(flat.rules[0]!.dst.matchV4(0x0a000001)).toBe(true);
    expect(flat.rules[0]!.dst.matchV4(0x0a090001)).toBe(false);
  });

  it("Suricata's default variables are all defined", () => {
    const names = ['HOME_NET', 'EXTERNAL_NET', 'HTTP_SERVERS', 'SMTP_SERVERS', 'SQL_SERVERS', 'DNS_SERVERS', 'TELNET_SERVERS', 'AIM_SERVERS', 'DC_SERVERS', 'DNP3_SERVER', 'DNP3_CLIENT', 'MODBUS_CLIENT', 'MODBUS_SERVER', 'ENIP_CLIENT', 'ENIP_SERVER'];
    const ports = ['HTTP_PORTS', 'SHELLCODE_PORTS', 'ORACLE_PORTS', 'SSH_PORTS', 'DNP3_PORTS', 'MODBUS_PORTS', 'FILE_DATA_PORTS', 'FTP_PORTS', 'GENEVE_PORTS', 'VXLAN_PORTS', 'TEREDO_PORTS', 'GTP_PORTS'];
    const text = names.map((n, i) => `alert tcp $${n} any -> any any (sid:${i + 1};)`).concat(ports.map((n, i) => `alert tcp any $${n} -> any any (sid:${100 + i};)`)).join('\n');
    const rs = loadRulesText(text);
    expect(rs.failures).toEqual([]);
    expect(rs.bySid(100)!.sp.match(80)).toBe(true);
    expect(rs.bySid(101)!.sp.match(80)).toBe(false); // SHELLCODE_PORTS = !80
    expect(rs.bySid(101)!.sp.match(81)).toBe(true);
  });
});

describe('meta keywords', () => {
  it('msg, sid, rev, gid, classtype, priority, reference, metadata, target', () => {
    const rs = loadRulesText(
      'alert tcp any any -> any any (msg:"hello"; sid:7; rev:3; gid:2; classtype:trojan-activity; reference:url,example.com; metadata:created_at 2024_01_01, tag a, tag b; target:dest_ip; sid:7;)\n' +
        'alert tcp any any -> any any (msg:"p"; classtype:trojan-activity; priority:3; sid:8;)\n' +
        'alert tcp any any -> any any (sid:9;)',
    );
    const r = rs.bySid(7, 2)!;
    expect([r.msg, r.rev, r.gid, r.category, r.priority, r.target]).toEqual(['hello', 3, 2, 'A Network Trojan was detected', 1, 'dest']);
    expect(r.references).toEqual(['url,example.com']);
    expect(r.metadata).toEqual([
      ['created_at', '2024_01_01'],
      ['tag', 'a'],
      ['tag', 'b'],
    ]);
    expect(ruleEveFragments(r).tail).toBe(',"metadata":{"created_at":["2024_01_01"],"tag":["a","b"]}}');
    expect(rs.bySid(8)!.priority).toBe(3);
    // No classtype: empty category, priority 3 (Suricata's default).
    expect([rs.bySid(9)!.category, rs.bySid(9)!.priority]).toEqual(['', 3]);
  });

  it('classification.config file replaces the built-in table', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ms-class-'));
    const f = path.join(dir, 'classification.config');
    writeFileSync(f, '# x\nconfig classification: my-class,My Class,4\n');
    const rs = loadRulesText('alert tcp any any -> any any (classtype:my-class; sid:1;)\nalert tcp any any -> any any (classtype:trojan-activity; sid:2;)', { classificationPath: f });
    expect(rs.bySid(1)!.category).toBe('My Class');
    expect(rs.bySid(1)!.priority).toBe(4);
    expect(rs.failures[0]!.category).toBe('unknown classtype');
  });
});

describe('content parsing', () => {
  it('hex, negation, modifiers', () => {
    const rs = loadRulesText('alert tcp any any -> any any (content:!"A|0d 0A|B"; offset:2; depth:10; content:"x"; nocase; distance:1; within:5; fast_pattern; sid:1;)');
    const [a, b] = rs.rules[0]!.payload as ContentOp[];
    expect([...a!.raw]).toEqual([0x41, 0x0d, 0x0a, 0x42]);
    expect([a!.negated, a!.offset, a!.depth]).toEqual([true, 2, 10]);
    expect([b!.nocase, b!.distance, b!.within, b!.fastPattern]).toEqual([true, 1, 5, true]);
    expect(a!.relativeNext).toBe(true);
    expect(b!.type).toBe(OpType.Content);
  });

  it('rejects mixes Suricata rejects', () => {
    const bad = [
      'content:"abc"; depth:2;',
      'content:"abc"; within:2;',
      'content:"abc"; offset:1; distance:2;',
      'content:"abc"; startswith; offset:1;',
      'nocase;',
      'content:"a"; fast_pattern; content:"b"; fast_pattern;',
      'content:"abc"; fast_pattern:only; content:"d"; distance:0;',
      'content:"a|4|";',
      'content:"";',
    ];
    const rs = loadRulesText(bad.map((b, i) => `alert tcp any any -> any any (${b} sid:${i + 1};)`).join('\n'));
    expect(rs.loaded).toBe(0);
    expect(rs.failed).toBe(bad.length);
  });

  it('prefilter pattern: fast_pattern, else the longest content; chopped; case-folded', () => {
    const rs = loadRulesText(
      [
        'alert tcp any any -> any any (content:"short"; content:"LongerOne"; sid:1;)',
        'alert tcp any any -> any any (content:"abc"; fast_pattern; content:"longer content"; sid:2;)',
        'alert tcp any any -> any any (content:"0123456789"; fast_pattern:2,4; sid:3;)',
        'alert tcp any any -> any any (content:!"neg"; sid:4;)',
      ].join('\n'),
    );
    const pat = (sid: number) => {
      const p = rs.bySid(sid)!.prefilterPattern;
      return p === null ? null : Buffer.from(p).toString('latin1');
    };
    expect(pat(1)).toBe('longerone');
    expect(pat(2)).toBe('abc');
    expect(pat(3)).toBe('2345');
    expect(pat(4)).toBeNull();
  });
});

describe('rule order', () => {
  it('action order pass, drop, reject, alert; then flowbits setters before readers; then priority', () => {
    const rs = loadRulesText(
      [
        'alert tcp any any -> any any (priority:3; sid:1;)',
        'alert tcp any any -> any any (priority:1; sid:2;)',
        'drop tcp any any -> any any (sid:3;)',
        'pass tcp any any -> any any (sid:4;)',
        'reject tcp any any -> any any (sid:5;)',
        'alert tcp any any -> any any (flowbits:isset,x; priority:1; sid:6;)',
        'alert tcp any any -> any any (flowbits:set,x; priority:3; sid:7;)',
      ].join('\n'),
    );
    expect(rs.rules.map((r) => r.sid)).toEqual([4, 3, 5, 7, 6, 2, 1]);
    expect(rs.rules.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('unsupported things are named', () => {
  it.each([
    // http.uri, http_uri, file_data and pcre /U load since the HTTP app layer (issue 13).
    ['http.request_header; content:"a";', "unsupported keyword 'http.request_header'"],
    // tls.* and dns.* load since the DNS/TLS/SSH app layer (issue 14).
    ['krb5.cname; content:"a";', "unsupported keyword 'krb5.cname'"],
    ['sip.method; content:"a";', "unsupported keyword 'sip.method'"],
    // stream_size and stream-event are supported since the stream stage (issue 12).
    ['content:"a"; pcre:"/a/K";', 'unsupported pcre modifier'],
    ['byte_test:1,=,1,0,dce;', "unsupported keyword 'byte_test' dce"],
    ['decode-event:ipv4.no_such_event;', "unsupported decode-event 'ipv4.no_such_event'"],
  ])('%s', (opts, category) => {
    const rs = loadRulesText(`alert tcp any any -> any any (${opts} sid:1;)`);
    expect(rs.failures[0]!.category).toBe(category);
  });
});

describe('a missing semicolon is refused, not read as one long value (issue 16)', () => {
  it.each([
    ['msg:"missing semicolon" content:"GET"; sid:2; rev:1;', 'msg'],
    ['msg:"ok"; content:"GET" content:"POST"; sid:2;', 'content'],
  ])('%s', (opts, refused) => {
    const rs = loadRulesText(`alert tcp any any -> any any (${opts})`);
    expect(rs.rules).toHaveLength(0);
    expect(rs.failures[0]!.category).toBe(`invalid '${refused}'`);
    expect(rs.failures[0]!.reason).toMatch(/unescaped '"' inside the quoted value/);
  });

  it('escaped quotes inside values still load', () => {
    const rs = loadRulesText('alert tcp any any -> any any (msg:"say \\"hi\\""; content:"a\\"b"; sid:3;)');
    expect(rs.failures).toEqual([]);
    expect(rs.rules[0]!.msg).toBe('say "hi"');
  });
});
