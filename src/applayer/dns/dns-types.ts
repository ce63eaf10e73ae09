/**
 * DNS record-type and rcode names as Suricata prints them in EVE and takes them in rules
 * (rust/src/dns/log.rs dns_rrtype_string / dns_rcode_string). Unknown values print as their number.
 */
const RRTYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL',
  11: 'WKS', 12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB',
  19: 'X25', 20: 'ISDN', 21: 'RT', 22: 'NSAP', 23: 'NSAPPTR', 24: 'SIG', 25: 'KEY', 26: 'PX',
  27: 'GPOS', 28: 'AAAA', 29: 'LOC', 30: 'NXT', 33: 'SRV', 34: 'ATMA', 35: 'NAPTR', 36: 'KX',
  37: 'CERT', 38: 'A6', 39: 'DNAME', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY',
  46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA',
  55: 'HIP', 59: 'CDS', 60: 'CDNSKEY', 64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 249: 'TKEY', 250: 'TSIG',
  251: 'IXFR', 252: 'AXFR', 253: 'MAILB', 254: 'MAILA', 255: 'ANY', 256: 'URI',
};

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADVERS',
  17: 'BADKEY', 18: 'BADTIME', 19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG', 22: 'BADTRUNC',
};

export function dnsRrtypeName(t: number): string {
  return RRTYPE_NAMES[t] ?? String(t);
}

export function dnsRcodeName(r: number): string {
  return RCODE_NAMES[r] ?? String(r);
}

/** Rule values (`dns.rrtype:AAAA`) back to numbers; undefined for an unknown name. */
export function dnsRrtypeFromName(name: string): number | undefined {
  const up = name.toUpperCase();
  for (const k in RRTYPE_NAMES) if (RRTYPE_NAMES[k] === up) return Number(k);
  return undefined;
}

export function dnsRcodeFromName(name: string): number | undefined {
  const up = name.toUpperCase();
  for (const k in RCODE_NAMES) if (RCODE_NAMES[k] === up) return Number(k);
  return undefined;
}

export const DNS_TYPE = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, NULL: 10, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33,
  DNAME: 39, OPT: 41, SSHFP: 44,
} as const;
