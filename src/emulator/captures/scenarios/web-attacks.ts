import { ENI_A, ENI_B, TcpConversation, type Scenario } from '../kit.js';
import { bytes, concat } from '../packet-builder.js';
import { chunked, gzip, windowsExecutable } from '../http-content.js';

/** The attacker probing ENI A's web server. */
export const WEB_ATTACKER = '198.51.100.35';
/** The web server ENI B downloads executables from, by address and by name. */
export const DOWNLOAD_SERVER = '198.51.100.77';

const SQLMAP_UA = 'sqlmap/1.8.4#stable (https://sqlmap.org)';
const NIKTO_UA = 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:map_codes)';
const WIN_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

export const SQLI_URI = '/products.php?id=1%27%20UNION%20ALL%20SELECT%20NULL%2Cusername%2Cpassword%20FROM%20users--%20-';
export const LFI_URI = '/download.php?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd';

function head(status: string, fields: string[]): string {
  return [`HTTP/1.1 ${status}`, 'Server: Apache/2.4.62 (Debian)', 'Date: Mon, 02 Nov 2026 09:00:01 GMT', ...fields, '', ''].join('\r\n');
}

function response(status: string, type: string, body: string): string {
  return head(status, [`Content-Type: ${type}`, `Content-Length: ${bytes(body).length}`]) + body;
}

const SQL_ERROR =
  "<html><body><b>Fatal error</b>: Uncaught mysqli_sql_exception: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''' at line 1 in /var/www/html/products.php:14</body></html>\n";
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n';

export const webAttacks: Scenario = {
  file: 'web-attacks.pcap',
  summary: `HTTP worth alerting on: SQL injection by sqlmap (split request), encoded path traversal, a pipelined Nikto probe, ${ENI_B.ip} downloading Windows executables (chunked, gzip)`,
  details: [
    `${WEB_ATTACKER} attacks ${ENI_A.ip}:80 (Apache, Host \`www.example.com\`) on one keep-alive connection, User-Agent \`${SQLMAP_UA}\`:`,
    [
      `- \`GET ${SQLI_URI}\` sent in three TCP segments (cut inside \`UNION\` and inside the User-Agent): 500 with a MariaDB "error in your SQL syntax" page.`,
      `- \`GET ${LFI_URI}\` (path traversal, URL-encoded): 200 with the first lines of /etc/passwd.`,
    ].join('\n'),
    `Then a second connection from ${WEB_ATTACKER} with Nikto's User-Agent sends two pipelined requests in one segment, \`GET /phpmyadmin/\` and \`TRACE /\`, answered 404 and 405 in one segment.`,
    `ENI B (${ENI_B.ip}) downloads a 2048-byte 64-bit Windows executable (\`MZ\`, DOS stub, PE header) twice from ${DOWNLOAD_SERVER}:80: \`GET /update/setup.exe\` with \`Host: ${DOWNLOAD_SERVER}\` (a bare address) answered with \`Transfer-Encoding: chunked\` (3 chunks), and \`GET /static/app.bin\` with \`Host: cdn.example.net\` answered with \`Content-Encoding: gzip\` (fixed-Huffman deflate written by the generator, so the raw bytes hide the \`MZ\`).`,
    `Every connection: handshake, seq/ack kept, orderly FIN close. Mirrored by ENI A's (VNI ${ENI_A.vni}) and ENI B's (VNI ${ENI_B.vni}) sessions. Shows the \`alert http\` default rules (http.uri, http.user_agent, http.method, http.host, http.stat_code, file.data with dechunking and gzip), request reassembly across segments, pipelining, EVE \`http\` records and the \`http\` object of alerts.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    const server = { ip: ENI_A.ip, port: 80 };

    // sqlmap: split request, SQL error; then the encoded traversal on the same connection.
    const a = new TcpConversation(cap, { ip: WEB_ATTACKER, port: rng.ephemeralPort(), ttl: 52 }, server, 100_000, { owdUs: 25_000 });
    a.handshake();
    const sqli = `GET ${SQLI_URI} HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${SQLMAP_UA}\r\nAccept: */*\r\nAccept-Encoding: gzip,deflate\r\nConnection: keep-alive\r\n\r\n`;
    const cut1 = sqli.indexOf('UNION') + 2;
    const cut2 = sqli.indexOf('sqlmap') + 3;
    a.sendSplit(true, [sqli.slice(0, cut1), sqli.slice(cut1, cut2), sqli.slice(cut2)], 500, 300, false);
    a.send(false, response('500 Internal Server Error', 'text/html; charset=UTF-8', SQL_ERROR), 3_000);
    a.send(true, `GET ${LFI_URI} HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${SQLMAP_UA}\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`, 250_000, false);
    a.send(false, response('200 OK', 'application/octet-stream', PASSWD), 2_000);
    a.close(true, 500_000);

    // Nikto: two pipelined requests in one segment, both answers in one segment.
    const n = new TcpConversation(cap, { ip: WEB_ATTACKER, port: rng.ephemeralPort(), ttl: 52 }, server, 1_500_000, { owdUs: 25_000 });
    n.handshake();
    const probe = (m: string, uri: string) => `${m} ${uri} HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${NIKTO_UA}\r\nConnection: Keep-Alive\r\n\r\n`;
    n.send(true, probe('GET', '/phpmyadmin/') + probe('TRACE', '/'), 800, false);
    n.send(
      false,
      response('404 Not Found', 'text/html; charset=iso-8859-1', '<html><body><h1>Not Found</h1></body></html>\n') + response('405 Method Not Allowed', 'text/html; charset=iso-8859-1', '<html><body><h1>Method Not Allowed</h1></body></html>\n'),
      1_500,
    );
    n.close(true, 300_000);

    // ENI B downloads the same executable twice: chunked from a bare address, gzip by name.
    const exe = windowsExecutable((k) => rng.bytes(k));
    const d1 = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: DOWNLOAD_SERVER, port: 80, ttl: 49 }, 3_000_000, { owdUs: 18_000 });
    d1.handshake();
    d1.send(true, `GET /update/setup.exe HTTP/1.1\r\nHost: ${DOWNLOAD_SERVER}\r\nUser-Agent: ${WIN_UA}\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`, 400, false);
    d1.send(false, concat(bytes(head('200 OK', ['Content-Type: application/octet-stream', 'Transfer-Encoding: chunked'])), chunked(exe, [512, 1024])), 4_000);
    d1.close(true, 100_000);

    const d2 = new TcpConversation(cap, { ip: ENI_B.ip, port: rng.ephemeralPort() }, { ip: DOWNLOAD_SERVER, port: 80, ttl: 49 }, 4_000_000, { owdUs: 18_000 });
    d2.handshake();
    d2.send(true, `GET /static/app.bin HTTP/1.1\r\nHost: cdn.example.net\r\nUser-Agent: ${WIN_UA}\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n`, 400, false);
    const gz = gzip(exe);
    d2.send(false, concat(bytes(head('200 OK', ['Content-Type: application/octet-stream', 'Content-Encoding: gzip', `Content-Length: ${gz.length}`])), gz), 4_000);
    d2.close(true, 100_000);
  },
};
