/**
 * AWS's published IP address ranges (ip-ranges.json, "AWS IP address ranges" in the VPC user
 * guide) as a longest-prefix match: which AWS service (and region) an address belongs to, for
 * the flow-log fields pkt-src-aws-service / pkt-dst-aws-service.
 *
 * The file lists one prefix several times when several services use it: always under the
 * generic AMAZON, and again under S3, EC2, ROUTE53_HEALTHCHECKS... VPC Flow Logs then shows one
 * service code, the specific one. We choose: the longest matching prefix that names a service
 * other than AMAZON; AMAZON only when no such prefix holds the address. Where one prefix names
 * several specific services (EC2 and ROUTE53_HEALTHCHECKS, say), the service whose prefixes cover
 * the least address space wins: it is the more specific subset (EC2 covers far more).
 *
 * Loaded at start and on reload, never per packet; a lookup allocates nothing (it returns
 * interned strings) and costs at most two trie walks per address, per flow record.
 */
import { readFileSync } from 'node:fs';
import { parseCidr } from '../net/cidr.js';
import { NO_VALUE, PrefixTrie } from './prefix-trie.js';

/** The service code AWS uses for every prefix it owns. */
export const GENERIC_SERVICE = 'AMAZON';

export interface IpRangesLoadResult {
  ranges: AwsIpRanges;
  /** Entries skipped, by reason (bad prefix, missing service...): counted, never thrown. */
  skipped: Record<string, number>;
}

/**
 * Most prefixes loaded (both families, repeats included). AWS's file holds about 10 000; the
 * limit bounds the tries (at most ~128 nodes of 12 bytes per prefix) whatever file is named.
 */
export const MAX_PREFIXES = 200_000;

/** A problem with the document as a whole (not JSON, no prefix lists): names the file. */
export class IpRangesError extends Error {}

interface Entry {
  prefix: string;
  region: string;
  service: string;
}

export class AwsIpRanges {
  /** Interned service codes and regions of each (service, region) pair = trie value. */
  private readonly pairService: string[] = [];
  private readonly pairRegion: string[] = [];
  private readonly pairRank: number[] = [];
  /** Prefixes of specific services, and AMAZON's: one walk each, the second only on a miss. */
  private readonly specific = new PrefixTrie();
  private readonly generic = new PrefixTrie();
  readonly syncToken: string | null;
  readonly createDate: string | null;
  /** Prefixes loaded (IPv4 + IPv6, repeats per service included). */
  readonly prefixes: number;

  /** Build from parsed entries; use parseIpRanges / loadIpRanges. */
  constructor(entries: readonly { family: 4 | 6; words: ArrayLike<number>; prefix: number; service: string; region: string }[], syncToken: string | null, createDate: string | null) {
    this.syncToken = syncToken;
    this.createDate = createDate;
    // Address space per service (IPv6 scaled to a /96 unit so both families count alike).
    const space = new Map<string, number>();
    for (const e of entries) {
      const s = e.family === 4 ? 2 ** (32 - e.prefix) : 2 ** Math.max(0, 128 - e.prefix - 96);
      space.set(e.service, (space.get(e.service) ?? 0) + s);
    }
    // Rank: higher = more specific. AMAZON lowest; then larger space lower; ties by name.
    const order = [...space.keys()].sort((a, b) => {
      const ga = a === GENERIC_SERVICE ? 1 : 0;
      const gb = b === GENERIC_SERVICE ? 1 : 0;
      if (ga !== gb) return gb - ga;
      const d = space.get(b)! - space.get(a)!;
      return d !== 0 ? d : a < b ? 1 : a > b ? -1 : 0;
    });
    const rank = new Map(order.map((s, i) => [s, i]));
    const pairs = new Map<string, number>();
    for (const e of entries) {
      const key = `${e.service}\u0000${e.region}`;
      let v = pairs.get(key);
      if (v === undefined) {
        v = this.pairService.length;
        pairs.set(key, v);
        this.pairService.push(e.service);
        this.pairRegion.push(e.region);
        this.pairRank.push(rank.get(e.service)!);
      }
      const trie = e.service === GENERIC_SERVICE ? this.generic : this.specific;
      trie.insert(e.family, e.words, e.prefix, v, (cand, cur) => this.pairRank[cand]! > this.pairRank[cur]!);
    }
    this.prefixes = entries.length;
  }

  /** Trie value of the address at words[offset..] (keyAddr layout), NO_VALUE when not AWS's. */
  private match(version: number, words: ArrayLike<number>, offset: number): number {
    const v = this.specific.lookupWords(version, words, offset);
    return v !== NO_VALUE ? v : this.generic.lookupWords(version, words, offset);
  }

  /** Service code (S3, EC2, AMAZON...) of an address, null when not in the ranges. */
  serviceOf(version: number, words: ArrayLike<number>, offset = 0): string | null {
    const v = this.match(version, words, offset);
    return v === NO_VALUE ? null : this.pairService[v]!;
  }

  /** Region of the chosen prefix (`GLOBAL` for global services), null when not in the ranges. */
  regionOf(version: number, words: ArrayLike<number>, offset = 0): string | null {
    const v = this.match(version, words, offset);
    return v === NO_VALUE ? null : this.pairRegion[v]!;
  }

  /** Service of an address given as text (tests, explain); null when not AWS's or not an address. */
  serviceOfText(addr: string): string | null {
    const c = parseCidr(addr, true);
    if (typeof c === 'string') return null;
    return this.serviceOf(c.family, c.words, 0);
  }

  /** Distinct service codes loaded. */
  services(): string[] {
    return [...new Set(this.pairService)].sort();
  }
}

function count(skipped: Record<string, number>, reason: string): void {
  skipped[reason] = (skipped[reason] ?? 0) + 1;
}

function entriesOf(list: unknown, key: 'ip_prefix' | 'ipv6_prefix', family: 4 | 6, skipped: Record<string, number>, out: ConstructorParameters<typeof AwsIpRanges>[0][number][]): void {
  if (!Array.isArray(list)) return;
  for (const item of list as unknown[]) {
    if (out.length >= MAX_PREFIXES) {
      count(skipped, 'over_limit');
      continue;
    }
    if (typeof item !== 'object' || item === null) {
      count(skipped, 'not_an_object');
      continue;
    }
    const e = item as Partial<Record<keyof Entry | typeof key, unknown>>;
    const text = e[key];
    if (typeof text !== 'string') {
      count(skipped, `no_${key}`);
      continue;
    }
    if (typeof e.service !== 'string' || e.service === '') {
      count(skipped, 'no_service');
      continue;
    }
    const c = parseCidr(text, false);
    if (typeof c === 'string' || c.family !== family) {
      count(skipped, `bad_${key}`);
      continue;
    }
    // Host bits beyond the prefix (never in AWS's file) are cleared by parseCidr: the entry stays.
    out.push({ family, words: c.words, prefix: c.prefix, service: e.service, region: typeof e.region === 'string' ? e.region : 'GLOBAL' });
  }
}

/** Parse the text of an ip-ranges.json document. Throws IpRangesError when it is not one. */
export function parseIpRanges(text: string): IpRangesLoadResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new IpRangesError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new IpRangesError('not an ip-ranges.json document (expected an object with "prefixes" and "ipv6_prefixes")');
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.prefixes) && !Array.isArray(d.ipv6_prefixes)) throw new IpRangesError('has neither a "prefixes" nor an "ipv6_prefixes" list');
  const skipped: Record<string, number> = {};
  const entries: ConstructorParameters<typeof AwsIpRanges>[0][number][] = [];
  entriesOf(d.prefixes, 'ip_prefix', 4, skipped, entries);
  entriesOf(d.ipv6_prefixes, 'ipv6_prefix', 6, skipped, entries);
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
  return { ranges: new AwsIpRanges(entries, str(d.syncToken), str(d.createDate)), skipped };
}

/** Read and parse an ip-ranges.json file. Throws IpRangesError naming the file. */
export function loadIpRanges(file: string): IpRangesLoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new IpRangesError(`${file}: cannot read AWS IP ranges: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseIpRanges(text);
  } catch (err) {
    throw new IpRangesError(`${file}: ${(err as Error).message}`);
  }
}
