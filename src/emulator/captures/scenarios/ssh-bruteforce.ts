import { ENI_A, TcpConversation, type Scenario } from '../kit.js';
import { bytes, concat, sshKexInit, sshPacket, u32, u8 } from '../packet-builder.js';

function sshString(b: Uint8Array): Uint8Array {
  return concat(u32(b.length), b);
}

export const SSH_ATTACKER = '198.51.100.23';
export const SSH_CONNECTIONS = 30;

export const sshBruteforce: Scenario = {
  file: 'ssh-bruteforce.pcap',
  summary: `SSH password guessing: ${SSH_CONNECTIONS} short connections from ${SSH_ATTACKER} to ${ENI_A.ip}:22 within 60 s`,
  details: [
    `${SSH_ATTACKER} opens ${SSH_CONNECTIONS} TCP connections to ${ENI_A.ip}:22, one every 2 s (all within 60 s). Each: handshake, server banner \`SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\`, client banner \`SSH-2.0-libssh_0.9.6\`, both KEXINITs, ECDH key exchange and NEWKEYS, then encrypted-looking packets (two failed password attempts), and the server closes (FIN); every fifth connection the client aborts with RST instead.`,
    `Mirrored by ENI A's session (VNI ${ENI_A.vni}). Shows threshold rules (\`threshold: type both, track by_src, count 5, seconds 60\` on SYNs to port 22), SSH banner parsing, flow counts per source.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    for (let i = 0; i < SSH_CONNECTIONS; i++) {
      const start = 1_000_000 + i * 2_000_000 + rng.int(0, 300_000);
      const c = new TcpConversation(cap, { ip: SSH_ATTACKER, port: rng.ephemeralPort(), ttl: 50 }, { ip: ENI_A.ip, port: 22 }, start, { owdUs: 8_000 });
      c.handshake();
      c.send(false, 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', 2_000);
      c.send(true, 'SSH-2.0-libssh_0.9.6\r\n', 500);
      c.send(true, sshKexInit(rng.bytes(16), false), 100, false);
      c.send(false, sshKexInit(rng.bytes(16), true), 300);
      // SSH_MSG_KEX_ECDH_INIT (30) with a 32-byte public key.
      c.send(true, sshPacket(concat(u8(30), sshString(rng.bytes(32)))), 200);
      // KEX_ECDH_REPLY (31) + NEWKEYS (21): host key, server key, signature.
      const hostKey = concat(sshString(bytes('ssh-ed25519')), sshString(rng.bytes(32)));
      const signature = concat(sshString(bytes('ssh-ed25519')), sshString(rng.bytes(64)));
      c.send(false, concat(sshPacket(concat(u8(31), sshString(hostKey), sshString(rng.bytes(32)), sshString(signature))), sshPacket(u8(21))), 3_000);
      c.send(true, concat(sshPacket(u8(21)), rng.bytes(rng.int(60, 76))), 300);
      c.send(false, rng.bytes(rng.int(60, 76)), 500);
      for (let attempt = 0; attempt < 2; attempt++) {
        c.send(true, rng.bytes(rng.int(84, 116)), 20_000);
        c.send(false, rng.bytes(rng.int(44, 60)), 200_000 + rng.int(0, 50_000));
      }
      if (i % 5 === 4) c.reset(true, 3_000);
      else c.close(false, 3_000);
    }
  },
};
