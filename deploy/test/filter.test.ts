import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadFilterFile, onlyDirection, parseFilter } from '../lib/filter.js';
import { EXAMPLES, FIXTURES } from './helpers.js';

const rule = (r: string) => `filter: f\ningress:\n  - ${r}\n`;

describe('filter file (mirrorsink format)', () => {
  it('reads the example filter', () => {
    const f = loadFilterFile(path.join(EXAMPLES, 'filter.yaml'));
    assert.equal(f.name, 'mirrorsink-example');
    assert.deepEqual(f.ingress.map((r) => [r.number, r.action, r.protocol]), [[100, 'reject', 6], [200, 'accept', undefined]]);
    assert.deepEqual(f.ingress[0]!.destinationPorts, { from: 9109, to: 9109 });
    assert.deepEqual(f.egress[0]!.sourcePorts, { from: 9109, to: 9109 });
  });

  it('reads every spelling of mirrorsink\'s loader, normalised as AWS stores it', () => {
    const f = loadFilterFile(path.join(FIXTURES, 'filter-forms.yaml'));
    assert.equal(f.name, 'tmf-0123456789abcdef0');
    assert.deepEqual(f.networkServices, ['amazon-dns']);
    assert.deepEqual(f.ingress.map((r) => r.number), [100, 200, 300], 'sorted by rule number');
    const [r100, r200, r300] = f.ingress;
    assert.equal(r100!.protocol, 17);
    assert.equal(r100!.sourceCidr, '2001:db8::/32', 'host bits cleared');
    assert.deepEqual(r100!.sourcePorts, { from: 53, to: 53 });
    assert.equal(r100!.destinationPorts, undefined, 'any = no range');
    assert.equal(r200!.protocol, undefined, '-1 = all');
    assert.equal(r300!.sourceCidr, '10.0.0.5/32', 'bare address = host route');
    assert.equal(r300!.destinationCidr, '10.0.0.0/16');
    assert.deepEqual(r300!.destinationPorts, { from: 1024, to: 65535 });
    assert.equal(f.egress[0]!.protocol, 47);
    assert.equal(f.egress[0]!.description, 'tunnels');
    assert.equal(f.egress[1]!.protocol, undefined, '0 = all');
  });

  const bad: [string, string, RegExp][] = [
    ['unknown top key', 'filter: f\ningres: []\n', /unknown key 'ingres'/],
    ['unknown rule key', rule('{rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0, dst_prot: 22}'), /unknown key 'dst_prot'/],
    ['missing dst', rule('{rule: 1, action: accept, src: 0.0.0.0/0}'), /dst: a CIDR block is required/],
    ['bad action', rule('{rule: 1, action: allow, src: 0.0.0.0/0, dst: 0.0.0.0/0}'), /action: must be accept or reject/],
    ['rule number 0', rule('{rule: 0, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}'), /1 to 32766/],
    ['mixed families', rule('{rule: 1, action: accept, src: 0.0.0.0/0, dst: "::/0"}'), /must both be IPv4 or both IPv6/],
    ['bad CIDR', rule('{rule: 1, action: accept, src: 10.0.0.0/33, dst: 0.0.0.0/0}'), /not a CIDR block/],
    ['ports on icmp', rule('{rule: 1, action: accept, protocol: icmp, src: 0.0.0.0/0, dst: 0.0.0.0/0, dst_port: 1}'), /only with protocol tcp/],
    ['reversed range', rule('{rule: 1, action: accept, protocol: tcp, src: 0.0.0.0/0, dst: 0.0.0.0/0, dst_port: "9-1"}'), /invalid port range/],
    ['unknown protocol', rule('{rule: 1, action: accept, protocol: quic, src: 0.0.0.0/0, dst: 0.0.0.0/0}'), /unknown name 'quic'/],
    ['unknown service', 'filter: f\nnetwork_services: [s3]\n', /unknown network service 's3'/],
    ['several filters', 'filters: [{filter: a}, {filter: b}]\n', /one filter/],
    [
      'duplicate rule number',
      'filter: f\negress:\n  - {rule: 5, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}\n  - {rule: 5, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}\n',
      /rule number 5 is used twice in egress/,
    ],
    [
      'more than 10 rules',
      `filter: f\ningress:\n${Array.from({ length: 11 }, (_, i) => `  - {rule: ${i + 1}, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`).join('\n')}\n`,
      /at most 10 rules/,
    ],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses ${name}, naming the place`, () => {
      assert.throws(() => parseFilter(text, 'f.yaml'), (err: Error) => message.test(err.message) && err.message.startsWith('f.yaml'));
    });
  }

  it('the same rule number may appear once per direction', () => {
    const f = parseFilter('filter: f\ningress:\n  - {rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}\negress:\n  - {rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}\n');
    assert.equal(f.ingress.length + f.egress.length, 2);
  });

  it('per-direction filters keep one direction and drop network services', () => {
    const f = loadFilterFile(path.join(FIXTURES, 'filter-dns.yaml'));
    const ingress = onlyDirection(f, 'ingress');
    assert.equal(ingress.ingress.length, 1);
    assert.equal(ingress.egress.length, 0);
    assert.deepEqual(ingress.networkServices, []);
    assert.equal(ingress.name, 'dns-and-web-ingress');
  });
});
