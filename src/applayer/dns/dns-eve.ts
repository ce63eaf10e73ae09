/**
 * The EVE `dns` object of a transaction, version 3 (Suricata's default, rust/src/dns/log.rs
 * log_json): one record per tx with type request|response, tx_id, id, flags (hex, unpadded), the
 * flag booleans that are set, opcode, rcode, queries, then answers (detailed and/or grouped),
 * authorities and additionals, for requests and responses alike. Per record (answer detail): A
 * and AAAA addresses, CNAME/MX/NS/PTR targets and NULL bytes as `rdata`, one entry per TXT
 * string, `soa`/`srv`/`sshfp`/`opt` objects; other types carry no rdata. Empty OPT records in the
 * additionals are left out. Names cut at 1025 bytes carry `*_truncated: true`.
 */
import type { DnsRecord, DnsSoa, DnsSrv, DnsSshfp, DnsOptOption } from './dns-message.js';
import type { DnsTx } from './dns-state.js';
import { dnsRcodeName, dnsRrtypeName, DNS_TYPE } from './dns-types.js';

export interface DnsEveOptions {
  /** Detailed answers (default true). */
  detailed?: boolean;
  /** Grouped answers (default true). */
  grouped?: boolean;
}

function soaJson(d: DnsSoa): Record<string, unknown> {
  const o: Record<string, unknown> = { mname: d.mname };
  if (d.mnameTruncated) o.mname_truncated = true;
  o.rname = d.rname;
  if (d.rnameTruncated) o.rname_truncated = true;
  o.serial = d.serial;
  o.refresh = d.refresh;
  o.retry = d.retry;
  o.expire = d.expire;
  o.minimum = d.minimum;
  return o;
}

function sshfpJson(d: DnsSshfp): Record<string, unknown> {
  return { fingerprint: d.fingerprint, algo: d.algo, type: d.type };
}

function srvJson(d: DnsSrv): Record<string, unknown> {
  return { priority: d.priority, weight: d.weight, port: d.port, name: d.name };
}

function isNameType(t: number): boolean {
  return t === DNS_TYPE.CNAME || t === DNS_TYPE.MX || t === DNS_TYPE.NS || t === DNS_TYPE.PTR;
}

/** dns_log_json_answer_detail: entry `i` of a TXT record, else the record. */
function detail(r: DnsRecord, i: number): Record<string, unknown> {
  const o: Record<string, unknown> = { rrname: r.rrname };
  if (r.rrnameTruncated) o.rrname_truncated = true;
  o.rrtype = dnsRrtypeName(r.rrtype);
  o.ttl = r.ttl;
  const d = r.rdata;
  if (d === null) return o;
  const t = r.rrtype;
  if (t === DNS_TYPE.A || t === DNS_TYPE.AAAA || t === DNS_TYPE.NULL) {
    if (typeof d === 'string') o.rdata = d;
  } else if (isNameType(t)) {
    if (typeof d === 'string') o.rdata = d;
    if (r.rdataTruncated) o.rdata_truncated = true;
  } else if (t === DNS_TYPE.TXT) {
    if (Array.isArray(d) && typeof d[i] === 'string') o.rdata = d[i];
  } else if (t === DNS_TYPE.SOA) {
    o.soa = soaJson(d as DnsSoa);
  } else if (t === DNS_TYPE.SSHFP) {
    o.sshfp = sshfpJson(d as DnsSshfp);
  } else if (t === DNS_TYPE.SRV) {
    o.srv = srvJson(d as DnsSrv);
  } else if (t === DNS_TYPE.OPT) {
    o.opt = (d as DnsOptOption[]).map((x) => ({ code: x.code, data: x.data }));
  }
  return o;
}

/** A section as a list: TXT records give one entry per string. */
function section(recs: DnsRecord[], skipEmptyOpt: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of recs) {
    if (skipEmptyOpt && r.rrtype === DNS_TYPE.OPT && (!Array.isArray(r.rdata) || r.rdata.length === 0)) continue;
    if (r.rrtype === DNS_TYPE.TXT && Array.isArray(r.rdata)) {
      for (let i = 0; i < r.rdata.length; i++) out.push(detail(r, i));
    } else {
      out.push(detail(r, 0));
    }
  }
  return out;
}

function grouped(recs: DnsRecord[]): Record<string, unknown[]> {
  const g: Record<string, unknown[]> = {};
  for (const r of recs) {
    const d = r.rdata;
    if (d === null) continue;
    const t = r.rrtype;
    const k = dnsRrtypeName(t);
    let vals: unknown[] | null = null;
    if (t === DNS_TYPE.A || t === DNS_TYPE.AAAA || t === DNS_TYPE.NULL || isNameType(t)) vals = typeof d === 'string' ? [d] : null;
    else if (t === DNS_TYPE.TXT) vals = Array.isArray(d) ? (d as string[]) : null;
    else if (t === DNS_TYPE.SOA) vals = [soaJson(d as DnsSoa)];
    else if (t === DNS_TYPE.SSHFP) vals = [sshfpJson(d as DnsSshfp)];
    else if (t === DNS_TYPE.SRV) vals = [srvJson(d as DnsSrv)];
    if (vals === null) continue;
    (g[k] ??= []).push(...vals);
  }
  return g;
}

/** Suricata logs a DNS tx only when it has at least one query (SCDnsLogEnabled). */
export function dnsTxLogged(tx: DnsTx): boolean {
  return tx.message.queries.length > 0;
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
  if (m.queries.length > 0) {
    o.queries = m.queries.map((q) => {
      const e: Record<string, unknown> = { rrname: q.rrname, rrtype: dnsRrtypeName(q.rrtype) };
      if (q.rrnameTruncated) e.rrname_truncated = true;
      return e;
    });
  }
  if (m.answers.length > 0) {
    if (opts.detailed !== false) o.answers = section(m.answers, false);
    if (opts.grouped !== false) o.grouped = grouped(m.answers);
  }
  if (m.authorities.length > 0) o.authorities = section(m.authorities, false);
  const add = section(m.additionals, true);
  if (add.length > 0) o.additionals = add;
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
