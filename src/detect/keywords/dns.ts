/**
 * DNS keywords (src/detect-dns-*.c, rust/src/dns/detect.rs): name sticky buffers (multi-buffers:
 * a content matches when it matches in any one name) and the integer keywords dns.opcode,
 * dns.rcode, dns.rrtype (numbers, uint expressions, or for rcode/rrtype the names).
 */
import { AppProto } from '../../applayer/app-proto.js';
import { DNS_EVENT_NAMES, DnsBuf } from '../../applayer/dns/dns-buffers.js';
import { dnsRcodeFromName, dnsRrtypeFromName } from '../../applayer/dns/dns-types.js';
import { invalidValue } from '../rule-error.js';
import { both, tc, ts, type IntKeyword } from './app-keyword.js';
import { BufDir, parseLenCheck, type AppBufDef } from './http.js';
import type { AppKeywordModule } from './app-buffers.js';

const P = AppProto.Dns;
const QUERY = ts(P, DnsBuf.Query, 1);
const QUERY_NAME = both(P, DnsBuf.QueryName, DnsBuf.QueryName, 1);
const ANSWER_NAME = both(P, DnsBuf.AnswerName, DnsBuf.AnswerName, 1, BufDir.ToClient);

export const DNS_STICKY: ReadonlyMap<string, AppBufDef> = new Map([
  ['dns.query', QUERY],
  ['dns_query', QUERY],
  ['dns.queries.rrname', QUERY_NAME],
  ['dns.query.name', QUERY_NAME],
  ['dns.answer.name', ANSWER_NAME],
  // Suricata 8 names of the section rrname buffers.
  ['dns.answers.rrname', ANSWER_NAME],
  ['dns.authorities.rrname', both(P, DnsBuf.AuthorityName, DnsBuf.AuthorityName, 1, BufDir.ToClient)],
  ['dns.additionals.rrname', both(P, DnsBuf.AdditionalName, DnsBuf.AdditionalName, 1, BufDir.ToClient)],
  ['dns.response.rrname', tc(P, DnsBuf.ResponseRrname, 1)],
]);

/** A uint expression, or a name the table knows (rrtype A, rcode NXDOMAIN). */
function nameOrExpr(keyword: string, fromName: (n: string) => number | undefined) {
  return (value: string | null) => {
    if (value === null || value.trim() === '') throw invalidValue(keyword, 'needs a value');
    const v = value.trim();
    if (/^[a-z][a-z0-9]*$/i.test(v)) {
      const n = fromName(v);
      if (n === undefined) throw invalidValue(keyword, `unknown name '${v}'`);
      return parseLenCheck(keyword, String(n));
    }
    return parseLenCheck(keyword, v);
  };
}

export const DNS_INTS: ReadonlyMap<string, IntKeyword> = new Map([
  ['dns.opcode', { def: both(P, DnsBuf.Opcode, DnsBuf.Opcode, 1), parse: nameOrExpr('dns.opcode', () => undefined) }],
  ['dns.rcode', { def: both(P, DnsBuf.Rcode, DnsBuf.Rcode, 1, BufDir.ToClient), parse: nameOrExpr('dns.rcode', dnsRcodeFromName) }],
  ['dns.rrtype', { def: both(P, DnsBuf.Rrtype, DnsBuf.Rrtype, 1), parse: nameOrExpr('dns.rrtype', dnsRrtypeFromName) }],
]);

export const dnsKeywords: AppKeywordModule = {
  alproto: P,
  names: ['dns'],
  udp: true,
  sticky: DNS_STICKY,
  ints: DNS_INTS,
  // Older spellings Suricata still accepts (DNSEvent::from_string).
  events: { def: both(P, DnsBuf.Event, DnsBuf.Event, 1), names: DNS_EVENT_NAMES, aliases: { not_a_request: 'not_request', not_a_response: 'not_response' } },
};
