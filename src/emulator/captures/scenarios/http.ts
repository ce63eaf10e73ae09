import { ENI_A, TcpConversation, type Scenario } from '../kit.js';
import { bytes } from '../packet-builder.js';
import { WEB_CLIENT } from './two-enis.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

function response(status: string, type: string, body: string): string {
  return `HTTP/1.1 ${status}\r\nServer: nginx/1.24.0\r\nDate: Mon, 02 Nov 2026 09:00:01 GMT\r\nContent-Type: ${type}\r\nContent-Length: ${bytes(body).length}\r\nConnection: keep-alive\r\n\r\n${body}`;
}

const FORM = 'username=alice&password=correct+horse&remember=1';

export const http: Scenario = {
  file: 'http.pcap',
  summary: `HTTP from ${WEB_CLIENT} to ${ENI_A.ip}:80: GETs including \`/../../etc/passwd\`, and a POST`,
  details: [
    `${WEB_CLIENT} makes two keep-alive connections to ${ENI_A.ip}:80 (nginx). Connection 1: \`GET /index.html\` (200), \`GET /images/logo.svg\` (200), \`GET /api/v1/status?verbose=1\` (200, JSON). Connection 2: \`GET /../../etc/passwd HTTP/1.1\` (400: path traversal), \`POST /login\` with an \`application/x-www-form-urlencoded\` body (\`${FORM}\`, 302 to /home), then \`GET /home\` (200).`,
    `Mirrored by ENI A's session (VNI ${ENI_A.vni}). Shows HTTP content rules (\`content:"/../"\`, \`http.method\`, \`http.uri\`), stream reassembly over several requests per connection.`,
  ].join('\n\n'),
  build(cap) {
    const rng = cap.rng;
    const c1 = new TcpConversation(cap, { ip: WEB_CLIENT, port: rng.ephemeralPort(), ttl: 116 }, { ip: ENI_A.ip, port: 80 }, 100_000, { owdUs: 14_000 });
    c1.handshake();
    c1.send(true, `GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${UA}\r\nAccept: text/html\r\nConnection: keep-alive\r\n\r\n`, 500, false);
    c1.send(false, response('200 OK', 'text/html', '<html><head><title>Example</title></head><body><img src="/images/logo.svg"><p>Welcome.</p></body></html>\n'), 1_200);
    c1.send(true, `GET /images/logo.svg HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${UA}\r\nAccept: image/avif,image/webp,image/svg+xml,*/*\r\nReferer: http://www.example.com/index.html\r\n\r\n`, 30_000, false);
    c1.send(false, response('200 OK', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#235"/><text x="10" y="26" fill="#fff">example</text></svg>\n'), 900);
    c1.send(true, `GET /api/v1/status?verbose=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${UA}\r\nAccept: application/json\r\n\r\n`, 400_000, false);
    c1.send(false, response('200 OK', 'application/json', '{"status":"ok","version":"2.4.1","uptime":86400}'), 2_000);
    c1.close(true, 2_000_000);

    const c2 = new TcpConversation(cap, { ip: WEB_CLIENT, port: rng.ephemeralPort(), ttl: 116 }, { ip: ENI_A.ip, port: 80 }, 4_000_000, { owdUs: 14_000 });
    c2.handshake();
    c2.send(true, `GET /../../etc/passwd HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${UA}\r\nAccept: */*\r\n\r\n`, 500, false);
    c2.send(false, response('400 Bad Request', 'text/html', '<html><head><title>400 Bad Request</title></head><body><center><h1>400 Bad Request</h1></center></body></html>\n'), 600);
    c2.send(true, `POST /login HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${UA}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${FORM.length}\r\n\r\n${FORM}`, 800_000, false);
    c2.send(false, 'HTTP/1.1 302 Found\r\nServer: nginx/1.24.0\r\nLocation: /home\r\nSet-Cookie: session=3f2a9c0d1e; HttpOnly\r\nContent-Length: 0\r\n\r\n', 3_000);
    c2.send(true, `GET /home HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: ${UA}\r\nCookie: session=3f2a9c0d1e\r\n\r\n`, 20_000, false);
    c2.send(false, response('200 OK', 'text/html', '<html><body><h1>Hello, alice</h1></body></html>\n'), 1_500);
    c2.close(false, 5_000_000);
  },
};
