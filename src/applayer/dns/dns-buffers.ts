/**
 * DNS sticky buffers and integer keywords as transaction buffers (one id space with HTTP's, see
 * detect/keywords/app-buffers.ts). Name buffers are multi-buffers: one instance per name.
 * Integer keywords (dns.opcode, dns.rrtype, dns.rcode) are served as buffers whose instance
 * "length" is the value (no bytes), so the generic length check (keywords/http.ts LenCheck)
 * matches them.
 */
export const DnsBuf = {
  /** dns.query / dns_query: question names of a request (to server). */
  Query: 64,
  /** dns.queries.rrname / dns.query.name: question names, either direction. */
  QueryName: 65,
  /** dns.answer.name: answer rrnames. */
  AnswerName: 66,
  /** dns.opcode (integer). */
  Opcode: 67,
  /** dns.rrtype (integer, per question). */
  Rrtype: 68,
  /** dns.rcode (integer). */
  Rcode: 69,
  /** dns.response.rrname: every name of a response (multi). */
  ResponseRrname: 70,
  /** app-layer-event:dns.*: the tx's events as indexes into DNS_EVENT_NAMES (integers, multi). */
  Event: 71,
  /** dns.authorities.rrname / dns.additionals.rrname: those sections' rrnames (multi). */
  AuthorityName: 72,
  AdditionalName: 73,
} as const;

export const DNS_BUF_FIRST = 64;
export const DNS_BUF_END = 96;

/** dns.* app-layer event names (rule form `app-layer-event:dns.<name>`), DnsBuf.Event values. */
export const DNS_EVENT_NAMES: readonly string[] = [
  'malformed_data', 'not_request', 'not_response', 'z_flag_set', 'invalid_opcode', 'name_too_long', 'infinite_loop',
  'too_many_labels', 'invalid_additionals', 'invalid_authorities',
];
