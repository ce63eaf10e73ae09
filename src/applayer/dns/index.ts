/**
 * DNS app-layer parser: what the framework registers and what keywords and EVE read.
 *
 *   detection     probeDnsUdp / probeDnsTcp (port 53 probing parser; says request or response)
 *   state         new DnsState(); parseDatagram (UDP) or feed/gap/end (TCP); drainTxs()
 *   transactions  DnsTx: one per message, request (to server) or response; events on tx.events
 *   keywords      dns.query / dns_query       dnsQueryBuffers(tx)          (to server)
 *                 dns.query.name, dns.queries.rrname   dnsQueryNameBuffers(tx)
 *                 dns.answer.name             dnsAnswerNameBuffers(tx)     (answer rrnames)
 *                 dns.response.rrname         dnsResponseRrnameBuffers(tx)  (to client: all names + rdata names)
 *                 dns.opcode                  (tx.message.header.flags >> 11) & 0xf
 *                 dns.rcode                   tx.message.header.flags & 0xf
 *                 dns.rrtype                  tx.message.queries[i].rrtype (dnsRrtypeFromName)
 *                 app-layer-event:dns.*       tx.events (dnsEventByName for rule spelling)
 *   EVE           dnsTxEve(tx) (version 3)
 *   framework     register.ts (protocol table entry), dns-parser.ts (DnsParser: per-slot state,
 *                 DnsTxView = AppTx), dns-buffers.ts (DnsBuf ids the keywords name)
 */
export * from './dns-message.js';
export * from './dns-state.js';
export * from './dns-probe.js';
export * from './dns-eve.js';
export * from './dns-types.js';
