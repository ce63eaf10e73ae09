import { ENI_A, TcpConversation, type Scenario } from '../kit.js';
import { bytes, concat, tlsApplicationData, tlsClientHello, tlsClientHelloSessionId, tlsServerHello, u16, u8 } from '../packet-builder.js';

export const RDP_ATTACKER = '198.51.100.24';
export const RDP_CONNECTIONS = 20;

const USERS = ['administrator', 'admin', 'Administrator', 'user', 'test'];

/** TPKT (RFC 1006) around an X.224 TPDU. */
function tpkt(tpdu: Uint8Array): Uint8Array {
  return concat(u8(3, 0), u16(4 + tpdu.length), tpdu);
}

/** X.224 Connection Request with the mstshash cookie and an RDP_NEG_REQ for TLS + CredSSP. */
function x224ConnectionRequest(user: string): Uint8Array {
  const body = concat(u8(0xe0, 0, 0, 0, 0, 0), bytes(`Cookie: mstshash=${user}\r\n`), u8(1, 0, 8, 0, 3, 0, 0, 0));
  return tpkt(concat(u8(body.length), body));
}

/** X.224 Connection Confirm selecting PROTOCOL_HYBRID (CredSSP). */
function x224ConnectionConfirm(): Uint8Array {
  const body = concat(u8(0xd0, 0, 0, 0x12, 0x34, 0), u8(2, 0x1f, 8, 0, 2, 0, 0, 0));
  return tpkt(concat(u8(body.length), body));
}

export const rdpBruteforce: Scenario = {
  file: 'rdp-bruteforce.pcap',
  summary: `RDP password guessing: ${RDP_CONNECTIONS} connections from ${RDP_ATTACKER} to ${ENI_A.ip}:3389 within 60 s`,
  details: [
    `${RDP_ATTACKER} opens ${RDP_CONNECTIONS} TCP connections to ${ENI_A.ip}:3389, one every 3 s. Each: handshake, X.224 Connection Request with \`Cookie: mstshash=<user>\` (users ${USERS.join(', ')} in turn) and an RDP_NEG_REQ, X.224 Connection Confirm (CredSSP), TLS ClientHello / ServerHello, encrypted-looking CredSSP exchange, then the server resets the connection (RST/ACK).`,
    `Mirrored by ENI A's session (VNI ${ENI_A.vni}). Shows threshold rules on SYNs to 3389, content matches on \`mstshash\`.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    for (let i = 0; i < RDP_CONNECTIONS; i++) {
      const start = 1_500_000 + i * 3_000_000 + rng.int(0, 200_000);
      const c = new TcpConversation(cap, { ip: RDP_ATTACKER, port: rng.ephemeralPort(), ttl: 113, window: 64240 }, { ip: ENI_A.ip, port: 3389, window: 65160 }, start, { owdUs: 9_000 });
      c.handshake();
      c.send(true, x224ConnectionRequest(USERS[i % USERS.length]!), 1_000, false);
      c.send(false, x224ConnectionConfirm(), 1_500);
      const hello = tlsClientHello('WIN-SRV01', (n) => rng.bytes(n));
      c.send(true, hello, 2_000, false);
      c.send(false, tlsServerHello((n) => rng.bytes(n), tlsClientHelloSessionId(hello), 1_200), 2_000);
      c.send(true, tlsApplicationData(rng.bytes(rng.int(180, 240))), 3_000, false);
      c.send(false, tlsApplicationData(rng.bytes(rng.int(260, 320))), 5_000);
      c.send(true, tlsApplicationData(rng.bytes(rng.int(480, 560))), 3_000, false);
      c.send(false, tlsApplicationData(rng.bytes(rng.int(40, 60))), 150_000);
      c.reset(false, 1_000);
    }
  },
};
