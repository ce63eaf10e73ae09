/**
 * The EVE `dns` object of a transaction, version 3 (Suricata's default, rust/src/dns/log.rs):
 * one record per tx with type request|response, tx_id, id, flags (hex), the flag booleans that
 * are set, opcode, rcode, queries, and for responses detailed answers/authorities/additionals
 * plus the grouped form. SOA, SRV and SSHFP rdata appear as `soa`, `srv`, `sshfp` objects.
 */
import type { DnsRecord, DnsRData } from './dns-message.js';
import type { DnsTx } from './dns-state.js';
import { dnsRcodeName, dnsRrtypeName, DNS_TYPE } from './dns-types.js';

export interface DnsEveOptions {
  /** Detailed answers (default true). */
  detailed?: boolean;
  /** Grouped answers (default true). */
  grouped?: boolean;
}

function rdataField(rec: DnsRecord): [string, unknown] | null {
  const d: DnsRData = rec.rdata;
  if (d === null) return null;
  switch (rec.rrtype) {
    case DNS_TYPE.SOA:
      if (typeof d === 'object' && !Array.isArray(d)) return ['soa', d];
      break;
    case DNS_TYPE.SRV:
      if (typeof d === 'object' && !Array.isArray(d)) return ['srv', d];
      break;
    case DNS_TYPE.SSHFP:
      if (typeof d === 'object' && !Array.isArray(d)) return ['sshfp', d];
      break;
  }
  // The schema has rdata as one string: TXT character-strings are concatenated.
  if (Array.isArray(d)) return ['rdata', d.join('')];
  return ['rdata', d];
}

function detailed(recs: DnsRecord[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of recs) {
    if (r.rrtype === DNS_TYPE.OPT) continue;
    const o: Record<string, unknown> = { rrname: r.rrname, rrtype: dnsRrtypeName(r.rrtype), ttl: r.ttl };
    const f = rdataField(r);
    if (f !== null) o[f[0]] = f[1];
    out.push(o);
  }
  return out;
}

function grouped(recs: DnsRecord[]): Record<string, unknown[]> {
  const g: Record<string, unknown[]> = {};
  for (const r of recs) {
    const f = rdataField(r);
    if (f === null) continue;
    const k = dnsRrtypeName(r.rrtype);
    (g[k] ??= []).push(f[1]);
  }
  return g;
}

export function dnsTxEve(tx: DnsTx, opts: DnsEveOptions = {}): Record<string, unknown> {
  const m = tx.message;
  const h = m.header;
  const f = h.flags;
  const o: Record<string, unknown> = {
    version: 3,
    type: tx.request ? 'request' : 'response',
    tx_id: tx.txId,
    id: h.id,
    flags: f.toString(16),
  };
  if (f & 0x8000) o.qr = true;
  if (f & 0x0400) o.aa = true;
  if (f & 0x0200) o.tc = true;
  if (f & 0x0100) o.rd = true;
  if (f & 0x0080) o.ra = true;
  if (f & 0x0040) o.z = true;
  o.opcode = (f >> 11) & 0xf;
  o.rcode = dnsRcodeName(f & 0xf);
  if (m.queries.length > 0) o.queries = m.queries.map((q) => ({ rrname: q.rrname, rrtype: dnsRrtypeName(q.rrtype) }));
  if (!tx.request) {
    if (opts.detailed !== false && m.answers.length > 0) o.answers = detailed(m.answers);
    if (opts.grouped !== false && m.answers.length > 0) {
      const g = grouped(m.answers);
      if (Object.keys(g).length > 0) o.grouped = g;
    }
    if (m.authorities.length > 0) o.authorities = detailed(m.authorities);
    const add = detailed(m.additionals);
    if (add.length > 0) o.additionals = add;
  }
  return o;
}

/** The `dns.query` multi-buffer of a tx: request query names (to server only). */
export function dnsQueryBuffers(tx: DnsTx): string[] {
  return tx.request ? tx.message.queries.map((q) => q.rrname) : [];
}

/** `dns.query.name` / `dns.queries.rrname`: the question names, either direction (responses echo them). */
export function dnsQueryNameBuffers(tx: DnsTx): string[] {
  return tx.message.queries.map((q) => q.rrname);
}

/** The name an rdata carries, as Suricata's get_rdata_name: CNAME, PTR, MX, NS targets, SOA mname. */
function rdataNames(r: DnsRecord, out: string[]): void {
  const d = r.rdata;
  switch (r.rrtype) {
    case DNS_TYPE.CNAME:
    case DNS_TYPE.NS:
    case DNS_TYPE.PTR:
    case DNS_TYPE.MX:
      if (typeof d === 'string' && d !== '') out.push(d);
      break;
    case DNS_TYPE.SOA:
      if (d !== null && typeof d === 'object' && 'mname' in d && d.mname !== '') out.push(d.mname);
      break;
  }
}

/** `dns.answer.name`: the answer rrnames (SCDnsTxGetAnswerName). */
export function dnsAnswerNameBuffers(tx: DnsTx): string[] {
  return tx.message.answers.map((a) => a.rrname);
}

/**
 * `dns.response.rrname` (to client): every name of a response: questions, then the rrnames and
 * rdata names of answers, authorities and additionals.
 */
export function dnsResponseRrnameBuffers(tx: DnsTx): string[] {
  if (tx.request) return [];
  const m = tx.message;
  const out = m.queries.map((q) => q.rrname);
  for (const sec of [m.answers, m.authorities, m.additionals]) {
    for (const r of sec) {
      if (r.rrtype === DNS_TYPE.OPT) continue;
      out.push(r.rrname);
      rdataNames(r, out);
    }
  }
  return out;
}
