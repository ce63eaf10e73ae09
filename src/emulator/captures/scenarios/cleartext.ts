import { ENI_B, TcpConversation, type Scenario } from '../kit.js';
import { u8 } from '../packet-builder.js';

export const CLEARTEXT_SERVER = '198.51.100.80';

// Telnet option negotiation bytes (RFC 854/855).
const IAC = 255;
const DO = 253;
const WILL = 251;
const WONT = 252;
const DONT = 254;

export const cleartext: Scenario = {
  file: 'cleartext.pcap',
  summary: `Telnet (23) and FTP (21, \`USER admin\` / \`PASS secret\`) from ${ENI_B.ip} to ${CLEARTEXT_SERVER}`,
  details: [
    `${ENI_B.ip} (ENI B) logs in to ${CLEARTEXT_SERVER} over telnet: option negotiation (IAC DO/WILL), \`login: \` prompt, user \`admin\`, \`Password: \`, \`secret\`, a shell prompt, \`id\`, \`exit\`; the server closes.`,
    `Then FTP: banner \`220 (vsFTPd 3.0.5)\`, \`USER admin\`, \`331\`, \`PASS secret\`, \`230 Login successful.\`, \`SYST\`, \`PWD\`, \`QUIT\`, \`221 Goodbye.\`.`,
    `Mirrored by ENI B's session (VNI ${ENI_B.vni}). Shows cleartext-credential rules (\`content:"PASS "\` on port 21, telnet login) and egress-direction detection.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    const tn = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: CLEARTEXT_SERVER, port: 23, ttl: 54 }, 200_000, { owdUs: 11_000 });
    tn.handshake();
    tn.send(false, u8(IAC, DO, 24, IAC, DO, 32, IAC, DO, 35, IAC, DO, 39), 5_000);
    tn.send(true, u8(IAC, WONT, 24, IAC, WONT, 32, IAC, WONT, 35, IAC, WONT, 39), 300);
    tn.send(false, u8(IAC, WILL, 3, IAC, DO, 1, IAC, WILL, 1), 500);
    tn.send(true, u8(IAC, DO, 3, IAC, DONT, 1, IAC, DO, 1), 300);
    tn.send(false, 'Ubuntu 22.04.4 LTS\r\nfileserver login: ', 2_000);
    tn.send(true, 'admin\r\n', 1_800_000);
    tn.send(false, 'Password: ', 1_000);
    tn.send(true, 'secret\r\n', 2_100_000);
    tn.send(false, '\r\nLast login: Sun Nov  1 18:02:11 2026 from 10.0.2.20\r\nadmin@fileserver:~$ ', 300_000);
    tn.send(true, 'id\r\n', 1_500_000);
    tn.send(false, 'uid=1000(admin) gid=1000(admin) groups=1000(admin),27(sudo)\r\nadmin@fileserver:~$ ', 5_000);
    tn.send(true, 'exit\r\n', 1_000_000);
    tn.send(false, 'logout\r\n', 2_000);
    tn.close(false, 1_000);

    const ftp = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: CLEARTEXT_SERVER, port: 21, ttl: 54 }, 9_000_000, { owdUs: 11_000 });
    ftp.handshake();
    ftp.send(false, '220 (vsFTPd 3.0.5)\r\n', 3_000);
    ftp.send(true, 'USER admin\r\n', 400_000);
    ftp.send(false, '331 Please specify the password.\r\n', 500);
    ftp.send(true, 'PASS secret\r\n', 900_000);
    ftp.send(false, '230 Login successful.\r\n', 30_000);
    ftp.send(true, 'SYST\r\n', 20_000);
    ftp.send(false, '215 UNIX Type: L8\r\n', 300);
    ftp.send(true, 'PWD\r\n', 600_000);
    ftp.send(false, '257 "/home/admin" is the current directory\r\n', 300);
    ftp.send(true, 'QUIT\r\n', 700_000);
    ftp.send(false, '221 Goodbye.\r\n', 300, false);
    ftp.close(false, 100);
  },
};
