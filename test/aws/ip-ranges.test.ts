/**
 * AWS IP ranges: the longest-prefix match over both families and the service AWS's flow logs
 * would name, on a small ip-ranges.json the test writes itself (never the network).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IpRangesError, loadIpRanges, parseIpRanges } from '../../src/aws/ip-ranges.js';
import { NO_VALUE, PrefixTrie } from '../../src/aws/prefix-trie.js';
import { parseCidr, type ParsedCidr } from '../../src/net/cidr.js';
import { ipRangesDocument } from './ip-ranges-fixture.js';

const DOC = ipRangesDocument(
  [
    // S3 in us-east-1: listed as AMAZON and as S3, in both orders.
    ['52.216.0.0/15', 'us-east-1', 'AMAZON'],
    ['52.216.0.0/15', 'us-east-1', 'S3'],
    ['3.5.0.0/19', 'us-east-1', 'S3'],
    ['3.5.0.0/19', 'us-east-1', 'AMAZON'],
    // EC2 in another region.
    ['3.248.0.0/13', 'eu-west-1', 'AMAZON'],
    ['3.248.0.0/13', 'eu-west-1', 'EC2'],
    // A specific service inside an AMAZON-only block, and a longer AMAZON-only prefix inside it.
    ['52.94.0.0/16', 'us-east-1', 'AMAZON'],
    ['52.94.0.0/22', 'us-east-1', 'DYNAMODB'],
    ['52.94.0.0/24', 'us-east-1', 'AMAZON'],
    // One prefix, two specific services: the smaller (ROUTE53_HEALTHCHECKS) is the more specific.
    ['54.243.31.192/26', 'us-east-1', 'EC2'],
    ['54.243.31.192/26', 'us-east-1', 'ROUTE53_HEALTHCHECKS'],
    ['54.243.31.192/26', 'us-east-1', 'AMAZON'],
    ['13.32.0.0/15', 'GLOBAL', 'CLOUDFRONT'],
    ['13.32.0.0/15', 'GLOBAL', 'AMAZON'],
  ],
  [
    ['2600:1f18::/33', 'us-east-1', 'AMAZON'],
    ['2600:1f18::/33', 'us-east-1', 'EC2'],
    ['2600:1fa0:4000::/40', 'us-east-1', 'S3'],
    ['2600:1fa0:4000::/40', 'us-east-1', 'AMAZON'],
    ['2a05:d000::/25', 'eu-west-1', 'AMAZON'],
  ],
);

describe('AWS IP ranges', () => {
  const { ranges, skipped } = parseIpRanges(DOC);

  it('loads every prefix of both families', () => {
    expect(skipped).toEqual({});
    expect(ranges.prefixes).toBe(19);
    expect(ranges.syncToken).toBe('1733000000');
    expect(ranges.services()).toEqual(['AMAZON', 'CLOUDFRONT', 'DYNAMODB', 'EC2', 'ROUTE53_HEALTHCHECKS', 'S3']);
  });

  it('names the specific service, not AMAZON, whatever the order of the entries', () => {
    expect(ranges.serviceOfText('52.216.10.5')).toBe('S3');
    expect(ranges.serviceOfText('52.217.255.255')).toBe('S3');
    expect(ranges.serviceOfText('3.5.1.1')).toBe('S3');
    expect(ranges.serviceOfText('3.248.0.10')).toBe('EC2');
    expect(ranges.serviceOfText('3.255.255.255')).toBe('EC2');
    expect(ranges.serviceOfText('13.33.1.1')).toBe('CLOUDFRONT');
  });

  it('takes the longest prefix that names a service; AMAZON only where none does', () => {
    expect(ranges.serviceOfText('52.94.0.5')).toBe('DYNAMODB'); // the /24 is AMAZON only
    expect(ranges.serviceOfText('52.94.2.9')).toBe('DYNAMODB');
    expect(ranges.serviceOfText('52.94.9.9')).toBe('AMAZON');
    expect(ranges.serviceOfText('54.243.31.200')).toBe('ROUTE53_HEALTHCHECKS');
  });

  it('matches IPv6 prefixes', () => {
    expect(ranges.serviceOfText('2600:1f18:4000::1')).toBe('EC2');
    expect(ranges.serviceOfText('2600:1fa0:40ff::1')).toBe('S3');
    expect(ranges.serviceOfText('2a05:d000::1')).toBe('AMAZON');
    expect(ranges.serviceOfText('2600:1f18:8000::1')).toBeNull();
  });

  it('answers null outside the ranges and at the edges', () => {
    expect(ranges.serviceOfText('52.215.255.255')).toBeNull();
    expect(ranges.serviceOfText('52.218.0.0')).toBeNull();
    expect(ranges.serviceOfText('10.0.0.1')).toBeNull();
    expect(ranges.serviceOfText('not an address')).toBeNull();
  });

  it('gives the region of the chosen prefix', () => {
    const at = (a: string) => {
      const c = parseCidr(a) as ParsedCidr;
      return ranges.regionOf(c.family, c.words);
    };
    expect(at('3.248.0.10')).toBe('eu-west-1');
    expect(at('13.32.0.1')).toBe('GLOBAL');
    expect(at('10.0.0.1')).toBeNull();
  });

  it('counts bad entries by reason and refuses what is not an ip-ranges.json document, naming the file', () => {
    const r = parseIpRanges(
      JSON.stringify({
        prefixes: [{ ip_prefix: '1.2.3.0/24', service: 'EC2', region: 'x' }, { ip_prefix: '1.2.3.0/33', service: 'EC2' }, { ip_prefix: '2001:db8::/32', service: 'EC2' }, { service: 'EC2' }, 7, { ip_prefix: '1.2.4.0/24' }],
        ipv6_prefixes: [{ ipv6_prefix: '2001:db8::/32', service: 'S3', region: 'y' }],
      }),
    );
    expect(r.skipped).toEqual({ bad_ip_prefix: 2, no_ip_prefix: 1, not_an_object: 1, no_service: 1 });
    expect(r.ranges.serviceOfText('1.2.3.4')).toBe('EC2');
    expect(r.ranges.serviceOfText('2001:db8::1')).toBe('S3');
    expect(() => parseIpRanges('{')).toThrow(IpRangesError);
    expect(() => parseIpRanges('[]')).toThrow(/not an ip-ranges.json document/);
    expect(() => parseIpRanges('{"x":1}')).toThrow(/neither/);
    const dir = mkdtempSync(path.join(tmpdir(), 'ipranges-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, 'nope');
    expect(() => loadIpRanges(bad)).toThrow(new RegExp(`${bad}: not JSON`));
    expect(() => loadIpRanges(path.join(dir, 'missing.json'))).toThrow(/missing.json: cannot read AWS IP ranges: ENOENT/);
    const good = path.join(dir, 'ip-ranges.json');
    writeFileSync(good, DOC);
    expect(loadIpRanges(good).ranges.serviceOfText('52.216.1.1')).toBe('S3');
  });
});

describe('PrefixTrie', () => {
  it('finds the longest prefix, /0 and host routes included, in both families', () => {
    const t = new PrefixTrie();
    const add = (text: string, v: number) => {
      const c = parseCidr(text) as ParsedCidr;
      t.insert(c.family, c.words, c.prefix, v);
    };
    add('0.0.0.0/0', 1);
    add('10.0.0.0/8', 2);
    add('10.1.0.0/16', 3);
    add('10.1.2.3/32', 4);
    add('::/0', 5);
    add('2001:db8::/32', 6);
    add('2001:db8::1/128', 7);
    const v4 = (a: string) => t.lookup4((parseCidr(a) as ParsedCidr).words[0]);
    const v6 = (a: string) => {
      const w = (parseCidr(a) as ParsedCidr).words;
      return t.lookup6(w[0], w[1], w[2], w[3]);
    };
    expect([v4('8.8.8.8'), v4('10.200.0.1'), v4('10.1.9.9'), v4('10.1.2.3'), v4('10.1.2.4')]).toEqual([1, 2, 3, 4, 3]);
    expect([v6('2001:4860::1'), v6('2001:db8::2'), v6('2001:db8::1')]).toEqual([5, 6, 7]);
    const empty = new PrefixTrie();
    expect(empty.lookup4(0x0a000001)).toBe(NO_VALUE);
  });

  it('grows past its first allocation (a realistic ip-ranges size)', () => {
    const t = new PrefixTrie();
    for (let i = 0; i < 12000; i++) t.insert(4, [((i * 2654435761) >>> 0) & 0xffffff00, 0, 0, 0], 24, i);
    for (let i = 0; i < 12000; i += 997) expect(t.lookup4((((i * 2654435761) >>> 0) & 0xffffff00) | 0x42)).toBe(i);
    expect(t.nodes).toBeGreaterThan(1024);
  });
});
