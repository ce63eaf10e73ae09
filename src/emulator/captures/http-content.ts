/**
 * HTTP message bodies for the synthesised captures: chunked transfer coding, gzip content
 * coding and a small Windows executable to download. The deflate stream is written here (fixed
 * Huffman codes, literals only) rather than by node:zlib, whose output may change between zlib
 * builds: the captures must regenerate byte for byte on every Node version.
 */
import { bytes, concat, u8 } from './packet-builder.js';

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as gzip uses). */
export function crc32(data: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** RFC 1951 bit writer: values LSB first, Huffman codes MSB first. */
class BitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;
  bits(value: number, count: number): void {
    for (let i = 0; i < count; i++) this.push((value >>> i) & 1);
  }
  code(code: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) this.push((code >>> i) & 1);
  }
  private push(bit: number): void {
    this.acc |= bit << this.n;
    if (++this.n === 8) {
      this.out.push(this.acc);
      this.acc = 0;
      this.n = 0;
    }
  }
  finish(): Uint8Array {
    if (this.n > 0) this.out.push(this.acc);
    return Uint8Array.from(this.out);
  }
}

/** One final deflate block with the fixed Huffman codes (RFC 1951 3.2.6), every byte a literal. */
export function deflateFixed(data: Uint8Array): Uint8Array {
  const w = new BitWriter();
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE 01: fixed Huffman
  for (const b of data) {
    if (b < 144) w.code(0x30 + b, 8);
    else w.code(0x190 + b - 144, 9);
  }
  w.code(0, 7); // end of block (256)
  return w.finish();
}

const le32 = (v: number) => u8(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);

/** gzip member (RFC 1952): no name, mtime 0, OS Unix. */
export function gzip(data: Uint8Array): Uint8Array {
  return concat(u8(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3), deflateFixed(data), le32(crc32(data)), le32(data.length));
}

/** Chunked transfer coding of `data` in chunks of the given sizes (the rest in a last chunk). */
export function chunked(data: Uint8Array, sizes: readonly number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let o = 0;
  for (const s of [...sizes, data.length]) {
    const n = Math.min(s, data.length - o);
    if (n <= 0) break;
    parts.push(bytes(`${n.toString(16)}\r\n`), data.subarray(o, o + n), bytes('\r\n'));
    o += n;
  }
  parts.push(bytes('0\r\n\r\n'));
  return concat(...parts);
}

/**
 * A minimal 64-bit Windows PE image (DOS header and stub, PE signature, COFF and optional
 * headers, one .text section) of `size` bytes: what a file.data rule on "MZ" and the DOS stub
 * text sees in a download. Section contents from `rand`.
 */
export function windowsExecutable(rand: (n: number) => Uint8Array, size = 2048): Uint8Array {
  const img = new Uint8Array(size);
  const dv = new DataView(img.buffer);
  img.set(bytes('MZ'), 0);
  dv.setUint16(0x02, 0x90, true); // bytes on last page
  dv.setUint16(0x04, 3, true); // pages
  dv.setUint16(0x08, 4, true); // header paragraphs
  dv.setUint16(0x0c, 0xffff, true); // max alloc
  dv.setUint16(0x10, 0xb8, true); // initial SP
  dv.setUint16(0x18, 0x40, true); // relocation table offset
  dv.setUint32(0x3c, 0x80, true); // e_lfanew
  img.set(u8(0x0e, 0x1f, 0xba, 0x0e, 0x00, 0xb4, 0x09, 0xcd, 0x21, 0xb8, 0x01, 0x4c, 0xcd, 0x21), 0x40);
  img.set(bytes('This program cannot be run in DOS mode.\r\r\n$'), 0x4e);
  img.set(bytes('PE\0\0'), 0x80);
  const coff = 0x84;
  dv.setUint16(coff, 0x8664, true); // AMD64
  dv.setUint16(coff + 2, 1, true); // sections
  dv.setUint32(coff + 4, 0x65f0a000, true); // link time
  dv.setUint16(coff + 16, 0xf0, true); // optional header size
  dv.setUint16(coff + 18, 0x0022, true); // executable, large address aware
  const opt = coff + 20;
  dv.setUint16(opt, 0x20b, true); // PE32+
  dv.setUint32(opt + 4, size - 0x200, true); // size of code
  dv.setUint32(opt + 16, 0x1000, true); // entry point
  dv.setUint32(opt + 20, 0x1000, true); // base of code
  dv.setBigUint64(opt + 24, 0x140000000n, true); // image base
  dv.setUint32(opt + 32, 0x1000, true); // section alignment
  dv.setUint32(opt + 36, 0x200, true); // file alignment
  dv.setUint16(opt + 40, 6, true); // OS version
  dv.setUint16(opt + 48, 6, true); // subsystem version
  dv.setUint32(opt + 56, 0x2000, true); // size of image
  dv.setUint32(opt + 60, 0x200, true); // size of headers
  dv.setUint16(opt + 68, 3, true); // console subsystem
  dv.setUint32(opt + 108, 16, true); // data directories
  const sec = opt + 0xf0;
  img.set(bytes('.text\0\0\0'), sec);
  dv.setUint32(sec + 8, size - 0x200, true); // virtual size
  dv.setUint32(sec + 12, 0x1000, true); // virtual address
  dv.setUint32(sec + 16, size - 0x200, true); // raw size
  dv.setUint32(sec + 20, 0x200, true); // raw pointer
  dv.setUint32(sec + 36, 0x60000020, true); // code, execute, read
  img.set(rand(size - 0x200), 0x200);
  return img;
}
