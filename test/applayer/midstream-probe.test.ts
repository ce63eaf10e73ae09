import { describe, expect, it } from 'vitest';
import { midstreamProbe } from '../../src/applayer/midstream-probe.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function smb2(reply: boolean): Uint8Array {
  const b = new Uint8Array(4 + 64);
  b[3] = 64;
  b.set([0xfe, 0x53, 0x4d, 0x42], 4);
  b[4 + 16] = reply ? 1 : 0;
  return b;
}

describe('midstream probe', () => {
  it('tells SMB2 requests from replies by the header flag', () => {
    expect(midstreamProbe.sender(smb2(false), 0, 68, 50000, 445)).toBe(1);
    expect(midstreamProbe.sender(smb2(true), 0, 68, 445, 50000)).toBe(2);
  });

  it('tells HTTP requests from responses; anything else is unknown', () => {
    const req = bytes('xxGET /index.html HTTP/1.1\r\n');
    expect(midstreamProbe.sender(req, 2, req.length - 2, 1, 80)).toBe(1);
    const resp = bytes('HTTP/1.1 200 OK\r\n');
    expect(midstreamProbe.sender(resp, 0, resp.length, 80, 1)).toBe(2);
    const other = bytes('SSH-2.0-OpenSSH_9.6\r\n');
    expect(midstreamProbe.sender(other, 0, other.length, 22, 1)).toBe(0);
    expect(midstreamProbe.sender(bytes('GE'), 0, 2, 1, 80)).toBe(0);
  });
});
