import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { SshState, parseSshBanner } from '../../../src/applayer/ssh/ssh-state.js';
import { sshEve } from '../../../src/applayer/ssh/ssh-eve.js';
import { probeSsh, SSH_PROBE_NEED_MORE, SSH_PROBE_NO, SSH_PROBE_YES } from '../../../src/applayer/ssh/ssh-probe.js';

const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const str = (s: string): number[] => [...u32(s.length), ...Buffer.from(s, 'latin1')];
function packet(code: number, payload: number[], pad = 4): number[] {
  const pktLen = 1 + 1 + payload.length + pad;
  return [...u32(pktLen), pad, code, ...payload, ...new Array<number>(pad).fill(0)];
}
const LISTS = [
  'curve25519-sha256,ecdh-sha2-nistp256,ext-info-c', // kex
  'ssh-ed25519,rsa-sha2-512', // host key
  'chacha20-poly1305@openssh.com,aes128-ctr', // enc c2s
  'aes256-gcm@openssh.com,aes128-ctr', // enc s2c
  'umac-64-etm@openssh.com,hmac-sha2-256', // mac c2s
  'hmac-sha2-512', // mac s2c
  'none,zlib@openssh.com', // comp c2s
  'none', // comp s2c
  '',
  '',
];
const kexinit = packet(20, [...new Array<number>(16).fill(0xab), ...LISTS.flatMap(str), 0, 0, 0, 0, 0], 6);
const newkeys = packet(21, []);
const clientStream = Uint8Array.from([...Buffer.from('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n'), ...kexinit, ...newkeys, ...new Array<number>(64).fill(0x77)]);
const serverStream = Uint8Array.from([...Buffer.from('SSH-2.0-dropbear_2022.83\r\n'), ...kexinit, ...newkeys]);
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('SSH banners and hassh', () => {
  it('banner parts, hassh per side, EVE ssh object', () => {
    const s = new SshState();
    expect(s.bannerDone(true)).toBe(false);
    s.feed(true, clientStream, 0, clientStream.length);
    s.feed(false, serverStream, 0, serverStream.length);
    expect(s.bannerDone(true)).toBe(true);
    const cs = 'curve25519-sha256,ecdh-sha2-nistp256,ext-info-c;chacha20-poly1305@openssh.com,aes128-ctr;umac-64-etm@openssh.com,hmac-sha2-256;none,zlib@openssh.com';
    const ss = 'curve25519-sha256,ecdh-sha2-nistp256,ext-info-c;aes256-gcm@openssh.com,aes128-ctr;hmac-sha2-512;none';
    expect(s.client).toEqual({ protoVersion: '2.0', softwareVersion: 'OpenSSH_9.6p1', hassh: { string: cs, hash: md5(cs) } });
    expect(s.server.hassh).toEqual({ string: ss, hash: md5(ss) });
    expect(s.finished).toBe(true);
    expect(s.events).toEqual([]);
    expect(sshEve(s)).toEqual({
      client: { proto_version: '2.0', software_version: 'OpenSSH_9.6p1' },
      server: { proto_version: '2.0', software_version: 'dropbear_2022.83' },
    });
    expect((sshEve(s, { hassh: true }).client as Record<string, unknown>).hassh).toEqual({ hash: md5(cs), string: cs });
  });

  it('split at every byte gives the same result', () => {
    for (let cut = 1; cut < clientStream.length; cut++) {
      const s = new SshState();
      s.feed(true, clientStream, 0, cut);
      s.feed(true, clientStream, cut, clientStream.length - cut);
      expect(s.client.softwareVersion).toBe('OpenSSH_9.6p1');
      expect(s.client.hassh?.hash).toBe(md5(
        'curve25519-sha256,ecdh-sha2-nistp256,ext-info-c;chacha20-poly1305@openssh.com,aes128-ctr;umac-64-etm@openssh.com,hmac-sha2-256;none,zlib@openssh.com',
      ));
      expect(s.events).toEqual([]);
    }
  });

  it('banner forms: no comment, LF only, 1.99, empty software', () => {
    const b = (t: string): [string, string] | null => parseSshBanner(Buffer.from(t), 0, t.length);
    expect(b('SSH-1.99-Cisco-1.25')).toEqual(['1.99', 'Cisco-1.25']);
    expect(b('SSH-2.0-')).toEqual(['2.0', '']);
    expect(b('SSH-2.0')).toBeNull();
    expect(b('HTTP/1.1 200 OK')).toBeNull();
    const s = new SshState();
    const lf = Buffer.from('SSH-2.0-libssh_0.9.6\n');
    s.feed(false, lf, 0, lf.length);
    expect(s.server.softwareVersion).toBe('libssh_0.9.6');
  });
});

describe('SSH events', () => {
  it('invalid banner', () => {
    const s = new SshState();
    const d = Buffer.from('GET / HTTP/1.1\r\n');
    s.feed(true, d, 0, d.length);
    expect(s.events).toEqual(['invalid_banner']);
    expect(s.bannerDone(true)).toBe(false);
  });

  it('long banner: kept, event raised, rest of the line skipped', () => {
    const long = Buffer.from('SSH-2.0-' + 'A'.repeat(400) + '\r\n');
    const data = Uint8Array.from([...long, ...kexinit]);
    const s = new SshState();
    s.feed(true, data, 0, 100);
    s.feed(true, data, 100, data.length - 100);
    expect(s.events).toEqual(['long_banner']);
    expect(s.client.protoVersion).toBe('2.0');
    expect(s.client.softwareVersion).toBe('A'.repeat(248));
    expect(s.client.hassh).not.toBeNull();
  });

  it('a KEXINIT of 64 KiB or more: long_kex_record, no hassh', () => {
    const s = new SshState();
    const d = Uint8Array.from([...Buffer.from('SSH-2.0-x\r\n'), ...u32(70000), 4, 20]);
    s.feed(true, d, 0, d.length);
    expect(s.events).toEqual(['long_kex_record']);
    expect(s.client.hassh).toBeNull();
  });

  it('invalid record header', () => {
    const s = new SshState();
    const d = Uint8Array.from([...Buffer.from('SSH-2.0-x\r\n'), 0, 0, 0, 1, 0, 20]);
    s.feed(true, d, 0, d.length);
    expect(s.events).toEqual(['invalid_record']);
  });
});

describe('SSH probing and garbage', () => {
  it('SSH- prefix', () => {
    expect(probeSsh(clientStream, 0, clientStream.length)).toBe(SSH_PROBE_YES);
    expect(probeSsh(clientStream, 0, 2)).toBe(SSH_PROBE_NEED_MORE);
    const h = Buffer.from('HTTP/1.1');
    expect(probeSsh(h, 0, h.length)).toBe(SSH_PROBE_NO);
  });

  it('random data and mutations never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.nat(300), (data, dir, cut) => {
        const s = new SshState();
        const c = Math.min(cut, data.length);
        s.feed(dir, data, 0, c);
        s.feed(dir, data, c, data.length - c);
        s.gap(dir, 1);
        s.feed(!dir, data, 0, data.length);
        JSON.stringify(sshEve(s, { hassh: true }));
        probeSsh(data, 0, data.length);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(clientStream.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (muts) => {
        const m = Uint8Array.from(clientStream);
        for (const [i, v] of muts) m[i] = v;
        const s = new SshState();
        s.feed(true, m, 0, m.length);
        JSON.stringify(sshEve(s, { hassh: true }));
      }),
      { numRuns: 2000 },
    );
  });
});
