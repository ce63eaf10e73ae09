/** ip-ranges.json documents for tests, written by the tests themselves (never fetched). */

/** A document in ip-ranges.json's shape. */
export function ipRangesDocument(v4: [string, string, string][], v6: [string, string, string][]): string {
  return JSON.stringify({
    syncToken: '1733000000',
    createDate: '2026-12-01-00-00-00',
    prefixes: v4.map(([p, region, service]) => ({ ip_prefix: p, region, service, network_border_group: region })),
    ipv6_prefixes: v6.map(([p, region, service]) => ({ ipv6_prefix: p, region, service, network_border_group: region })),
  });
}
