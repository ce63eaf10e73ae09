/**
 * TLS and SSH in the app-layer framework (tls-parser.ts, ssh-parser.ts): a ClientHello split at
 * every byte still gives SNI/JA3 buffers and progress, certificate-less handshakes complete,
 * truncated records and garbage never throw, slots are reused.
 */
import { describe, expect, it } from 'vitest';
import { AppLayer } from '../../../src/applayer/app-layer.js';
import { AppProto } from '../../../src/applayer/app-proto.js';
import { TlsBuf, TlsProgress } from '../../../src/applayer/tls/tls-buffers.js';
import type { TlsParser } from '../../../src/applayer/tls/tls-parser.js';
import { SshBuf, SshProgress } from '../../../src/applayer/ssh/ssh-buffers.js';
import type { SshParser } from '../../../src/applayer/ssh/ssh-parser.js';
import { sshKexInit, tlsClientHello, tlsClientHelloSessionId, tlsServerHello } from '../../../src/emulator/captures/packet-builder.js';

const rand = (k: number) => new Uint8Array(k).fill(3);
const text = (tx: { bytes: Uint8Array; offset: number }, n: number) => Buffer.from(tx.bytes.buffer, tx.bytes.byteOffset + tx.offset, n).toString('latin1');

describe('TLS parser in the app layer', () => {
  const hello = tlsClientHello('split.example.net', rand);
  const sh = tlsServerHello(rand, tlsClientHelloSessionId(hello), 30);

  it('a ClientHello fed one byte at a time: sni, ja3, progress', () => {
    const al = new AppLayer(2);
    // JA3/JA4 only when asked (a rule uses them, as Suricata).
    (al.parser(AppProto.Tls) as TlsParser).fingerprints = true;
    al.open(0, true, 50000, 443);
    for (let i = 0; i < hello.length; i++) al.onData(0, true, hello, i, 1);
    expect(al.state.alproto[0]).toBe(AppProto.Tls);
    const tx = (al.parser(AppProto.Tls) as TlsParser).getTx(0, 0)!;
    expect(tx.sideProgress(true)).toBe(TlsProgress.Hello);
    expect(tx.sideProgress(false)).toBe(TlsProgress.None);
    const n = tx.bufferAt(TlsBuf.Sni, 0);
    expect(text(tx, n)).toBe('split.example.net');
    expect(tx.bufferAt(TlsBuf.Ja3Hash, 0)).toBe(32);
    expect(tx.bufferAt(TlsBuf.Version, 0)).toBe(0x0304);
    expect(tx.bufferCount(TlsBuf.Certs + 1)).toBe(0);
    al.onData(0, false, sh, 0, sh.length);
    expect(tx.sideProgress(false)).toBe(TlsProgress.Complete);
    expect(tx.bufferAt(TlsBuf.Random + 1, 0)).toBe(32);
    expect(tx.bufferAt(TlsBuf.RandomBytes + 1, 0)).toBe(28);
  });

  it('truncated records, gaps and garbage never throw; a cleared slot starts afresh', () => {
    const al = new AppLayer(2);
    al.open(0, true, 50000, 443);
    const p = al.parser(AppProto.Tls) as TlsParser;
    expect(() => {
      al.onData(0, true, hello, 0, 30);
      al.onGap(0, true, 100);
      al.onData(0, true, Uint8Array.from({ length: 500 }, (_, i) => (i * 37) & 0xff), 0, 500);
      al.onData(0, false, Uint8Array.from([0x16, 3, 3, 0xff, 0xff, 1, 2]), 0, 7);
      al.onEnd(0, true);
      al.onEnd(0, false);
    }).not.toThrow();
    al.clear(0);
    expect(p.txCount(0)).toBe(0);
    al.open(0, true, 50001, 443);
    al.onData(0, true, hello, 0, hello.length);
    expect(p.getTx(0, 0)!.bufferAt(TlsBuf.Sni, 0)).toBe('split.example.net'.length);
    // Fingerprints are off unless asked.
    expect(p.getTx(0, 0)!.bufferAt(TlsBuf.Ja3Hash, 0)).toBe(-1);
  });
});

describe('SSH parser in the app layer', () => {
  it('banners split across calls, then KEXINIT: proto/software/hassh buffers and progress', () => {
    const al = new AppLayer(2);
    const cb = Buffer.from('SSH-2.0-PuTTY_Release_0.78\r\n', 'latin1');
    al.onData(0, true, cb, 0, 3);
    al.onData(0, true, cb, 3, cb.length - 3);
    expect(al.state.alproto[0]).toBe(AppProto.Ssh);
    const tx = (al.parser(AppProto.Ssh) as SshParser).getTx(0, 0)!;
    expect(tx.sideProgress(true)).toBe(SshProgress.Banner);
    expect(text(tx, tx.bufferAt(SshBuf.Software, 0))).toBe('PuTTY_Release_0.78');
    expect(text(tx, tx.bufferAt(SshBuf.Proto, 0))).toBe('2.0');
    expect(tx.bufferAt(SshBuf.Proto + 1, 0)).toBe(-1);
    const kex = sshKexInit(rand(16), false);
    al.onData(0, true, kex, 0, kex.length);
    expect(tx.sideProgress(true)).toBe(SshProgress.Kex);
    expect(tx.bufferAt(SshBuf.Hassh, 0)).toBe(32);
  });
});
