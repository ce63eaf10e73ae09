/**
 * The generator's own encoders that tls.pcap and web-attacks.pcap rely on: the self-signed
 * certificate (a real one: Node's X.509 and mirrorsink's certificate parser read it, its
 * signature verifies), and the gzip / chunked bodies and the executable (zlib reads the gzip).
 */
import { X509Certificate } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../src/emulator/captures/certificate.js';
import { chunked, crc32, deflateFixed, gzip, windowsExecutable } from '../../../src/emulator/captures/http-content.js';
import { Rng } from '../../../src/emulator/captures/kit.js';
import { parseCertificate } from '../../../src/applayer/tls/tls-cert.js';
import { SELF_SIGNED_SUBJECT } from '../../../src/emulator/captures/scenarios/tls.js';

const SPEC = {
  subject: SELF_SIGNED_SUBJECT,
  serial: Uint8Array.from([0x4d, 0x53, 0x1a, 0x7c]),
  notBefore: new Date(Date.UTC(2026, 9, 1)),
  notAfter: new Date(Date.UTC(2027, 9, 1)),
  dnsNames: ['files.example.net'],
  keySeed: new Uint8Array(32).fill(9),
};

describe('selfSignedCertificate', () => {
  it('is a valid self-signed X.509 v3 certificate whose Ed25519 signature verifies', () => {
    const x = new X509Certificate(Buffer.from(selfSignedCertificate(SPEC)));
    expect(x.subject.split('\n')).toEqual(['C=AU', 'ST=Some-State', 'O=Internet Widgits Pty Ltd', 'CN=files.example.net']);
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(x.serialNumber).toBe('4D531A7C');
    expect(x.subjectAltName).toBe('DNS:files.example.net');
    expect(x.ca).toBe(true);
    expect(new Date(x.validFrom).toISOString()).toBe('2026-10-01T00:00:00.000Z');
  });

  it("reads as Suricata shows it through mirrorsink's certificate parser", () => {
    const c = parseCertificate(selfSignedCertificate(SPEC))!;
    expect(c.subject).toBe('C=AU, ST=Some-State, O=Internet Widgits Pty Ltd, CN=files.example.net');
    expect(c.issuer).toBe(c.subject);
    expect(c.serial).toBe('4D:53:1A:7C');
    expect(c.san).toEqual(['files.example.net']);
  });

  it('is deterministic (Ed25519 signatures are)', () => {
    expect(Buffer.from(selfSignedCertificate(SPEC)).equals(Buffer.from(selfSignedCertificate(SPEC)))).toBe(true);
  });
});

describe('HTTP bodies', () => {
  const rng = new Rng(7);
  const exe = windowsExecutable((n) => rng.bytes(n));

  it('gzip: zlib inflates it back, CRC-32 as zlib computes it', () => {
    expect(Buffer.from(gunzipSync(gzip(exe))).equals(Buffer.from(exe))).toBe(true);
    expect(gunzipSync(gzip(new Uint8Array(0)))).toHaveLength(0);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('the fixed-Huffman deflate hides the literal bytes (no "MZ" or DOS stub text in the raw body)', () => {
    const raw = Buffer.from(deflateFixed(exe));
    expect(raw.includes('MZ')).toBe(false);
    expect(raw.includes('This program')).toBe(false);
  });

  it('chunked: hex sizes, CRLFs, the rest in a last chunk, then the zero chunk', () => {
    expect(Buffer.from(chunked(new TextEncoder().encode('abcdefghijklmnopq'), [5, 10])).toString()).toBe('5\r\nabcde\r\na\r\nfghijklmno\r\n2\r\npq\r\n0\r\n\r\n');
  });

  it('windowsExecutable: MZ, DOS stub, PE signature at e_lfanew, AMD64', () => {
    const b = Buffer.from(exe);
    expect(b.subarray(0, 2).toString()).toBe('MZ');
    expect(b.includes('This program cannot be run in DOS mode.')).toBe(true);
    const pe = b.readUInt32LE(0x3c);
    expect(b.subarray(pe, pe + 4).toString('latin1')).toBe('PE\0\0');
    expect(b.readUInt16LE(pe + 4)).toBe(0x8664);
    expect(b).toHaveLength(2048);
  });
});
