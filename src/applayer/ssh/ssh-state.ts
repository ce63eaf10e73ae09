/**
 * Per-flow SSH state (rust/src/ssh/ssh.rs, parser.rs). Each side first sends a banner line
 * `SSH-protoversion-softwareversion [comments]\r\n`; ssh.proto and ssh.software are that side's
 * two parts once the line is done (SshStateBannerDone). Then binary packets
 * (uint32 length, padding length, message code) in clear until NEWKEYS: the KEXINIT of each side
 * gives the hassh fingerprints (kex;encryption;mac;compression algorithms of that side's
 * direction, MD5). After NEWKEYS a side is encrypted and its data is only skipped.
 *
 * Like Suricata: a banner longer than 256 bytes raises long_banner (its start is kept; the rest
 * of the line is skipped); a first line that is not a banner raises invalid_banner; a bad packet
 * header raises invalid_record; both stop parsing that side; a KEXINIT of 64 KiB or more raises
 * long_kex_record and gives no hassh. Memory: a 256-byte line buffer per side and a KEXINIT
 * buffer (under SSH_MAX_KEXINIT) allocated when one arrives. Unlike Suricata, which keeps reading
 * record headers after NEWKEYS until both sides have switched, a side is not parsed at all once
 * its keys are on (its headers are encrypted).
 */
import { createHash } from 'node:crypto';

/** Byte copy without the view object `subarray` would allocate per packet. */
function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, dOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dOff + i] = src[so + i]!;
}


export const SSH_EVENT = {
  invalidBanner: 'invalid_banner',
  longBanner: 'long_banner',
  invalidRecord: 'invalid_record',
  longKexRecord: 'long_kex_record',
} as const;
export type SshEventName = (typeof SSH_EVENT)[keyof typeof SSH_EVENT];

export const SSH_MAX_BANNER_LEN = 256;
/** KEXINIT bodies (packet length - 2) at least this long are not reassembled: long_kex_record. */
export const SSH_MAX_KEXINIT = 65535;
const MSG_KEXINIT = 20;
const MSG_NEWKEYS = 21;

const ST_BANNER = 0;
const ST_BANNER_WAIT_EOL = 1;
const ST_RECORDS = 2;
const ST_ENCRYPTED = 3;
const ST_FAILED = 4;

export interface SshHassh {
  hash: string;
  string: string;
}

/** What one side said (EVE ssh.client / ssh.server). */
export interface SshSide {
  /** Banner parts as latin1 strings; null until that side's banner is done. */
  protoVersion: string | null;
  softwareVersion: string | null;
  hassh: SshHassh | null;
}

class Direction {
  state = ST_BANNER;
  readonly line = new Uint8Array(SSH_MAX_BANNER_LEN);
  lineHave = 0;
  readonly hdr = new Uint8Array(6);
  hdrHave = 0;
  recLeft = 0;
  kex: Uint8Array | null = null;
  kexHave = 0;
  kexWant = 0;

  reset(): void {
    this.state = ST_BANNER;
    this.lineHave = this.hdrHave = this.recLeft = this.kexHave = this.kexWant = 0;
    this.kex = null;
  }
}

function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}

/**
 * Banner line (no EOL) to [proto, software]: `SSH-` then up to the next `-`, then up to a space
 * or the end. null when it is not a banner.
 */
export function parseSshBanner(b: Uint8Array, s: number, e: number): [string, string] | null {
  if (e - s < 4 || b[s] !== 0x53 || b[s + 1] !== 0x53 || b[s + 2] !== 0x48 || b[s + 3] !== 0x2d) return null;
  let p = s + 4;
  const ps = p;
  while (p < e && b[p] !== 0x2d) p++;
  if (p === ps || p >= e) return null;
  const proto = latin1(b, ps, p);
  p++;
  const ss = p;
  while (p < e && b[p] !== 0x20 && b[p] !== 0x0d && b[p] !== 0x0a) p++;
  return [proto, latin1(b, ss, p)];
}

export class SshState {
  readonly client: SshSide = { protoVersion: null, softwareVersion: null, hassh: null };
  readonly server: SshSide = { protoVersion: null, softwareVersion: null, hassh: null };
  events: SshEventName[] = [];
  readonly eventCounts = new Map<SshEventName, number>();
  /** Bytes not parsed after a failure or a gap. */
  bytesSkipped = 0;
  private readonly dirs = [new Direction(), new Direction()];

  /** That side's banner is done: ssh.proto / ssh.software are ready. */
  bannerDone(toServer: boolean): boolean {
    return (toServer ? this.client : this.server).protoVersion !== null;
  }

  /** NEWKEYS seen both ways (Suricata's SshStateFinished on both sides). */
  get finished(): boolean {
    return this.dirs[0]!.state === ST_ENCRYPTED && this.dirs[1]!.state === ST_ENCRYPTED;
  }

  feed(toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    const d = this.dirs[toServer ? 0 : 1]!;
    const side = toServer ? this.client : this.server;
    let o = off;
    const end = off + len;
    while (o < end) {
      switch (d.state) {
        case ST_BANNER:
          o = this.bannerBytes(d, side, buf, o, end);
          break;
        case ST_BANNER_WAIT_EOL: {
          let p = o;
          while (p < end && buf[p] !== 0x0a) p++;
          if (p < end) d.state = ST_RECORDS;
          o = p < end ? p + 1 : end;
          break;
        }
        case ST_RECORDS:
          o = this.recordBytes(toServer, d, side, buf, o, end);
          break;
        default:
          this.bytesSkipped += end - o;
          return;
      }
    }
  }

  /** Missing data: a side still in clear can no longer be followed (packet boundaries lost). */
  gap(toServer: boolean, _len: number): void {
    const d = this.dirs[toServer ? 0 : 1]!;
    if (d.state !== ST_ENCRYPTED) d.state = ST_FAILED;
  }

  end(_toServer: boolean): void {}

  clear(): void {
    for (const s of [this.client, this.server]) {
      s.protoVersion = s.softwareVersion = null;
      s.hassh = null;
    }
    this.events = [];
    this.eventCounts.clear();
    this.bytesSkipped = 0;
    this.dirs[0]!.reset();
    this.dirs[1]!.reset();
  }

  private setEvent(e: SshEventName): void {
    const n = this.eventCounts.get(e) ?? 0;
    this.eventCounts.set(e, n + 1);
    if (n === 0) this.events.push(e);
  }

  private bannerBytes(d: Direction, side: SshSide, buf: Uint8Array, o: number, end: number): number {
    let p = o;
    while (p < end && buf[p] !== 0x0a) {
      if (d.lineHave < SSH_MAX_BANNER_LEN) d.line[d.lineHave++] = buf[p]!;
      else break;
      p++;
    }
    if (p < end && buf[p] === 0x0a) {
      let e = d.lineHave;
      if (e > 0 && d.line[e - 1] === 0x0d) e--;
      const parts = parseSshBanner(d.line, 0, e);
      if (parts === null) {
        this.setEvent(SSH_EVENT.invalidBanner);
        d.state = ST_FAILED;
        return p + 1;
      }
      side.protoVersion = parts[0];
      side.softwareVersion = parts[1];
      if (d.lineHave >= SSH_MAX_BANNER_LEN) this.setEvent(SSH_EVENT.longBanner);
      d.state = ST_RECORDS;
      return p + 1;
    }
    if (d.lineHave >= SSH_MAX_BANNER_LEN) {
      // 256 bytes and no end of line: take the banner from what is here, skip to the EOL.
      const parts = parseSshBanner(d.line, 0, d.lineHave);
      if (parts === null) {
        this.setEvent(SSH_EVENT.invalidBanner);
        d.state = ST_FAILED;
        return p;
      }
      side.protoVersion = parts[0];
      side.softwareVersion = parts[1];
      this.setEvent(SSH_EVENT.longBanner);
      d.state = ST_BANNER_WAIT_EOL;
      return p;
    }
    return end;
  }

  private recordBytes(toServer: boolean, d: Direction, side: SshSide, buf: Uint8Array, o: number, end: number): number {
    if (d.recLeft === 0) {
      while (d.hdrHave < 6 && o < end) d.hdr[d.hdrHave++] = buf[o++]!;
      if (d.hdrHave < 6) return o;
      d.hdrHave = 0;
      const h = d.hdr;
      const pktLen = ((h[0]! << 24) >>> 0) + ((h[1]! << 16) | (h[2]! << 8) | h[3]!);
      const padLen = h[4]!;
      const code = h[5]!;
      if (pktLen < 2 || padLen >= pktLen) {
        this.setEvent(SSH_EVENT.invalidRecord);
        d.state = ST_FAILED;
        return o;
      }
      // pktLen counts the padding-length byte, the payload (code first) and the padding.
      d.recLeft = pktLen - 2;
      if (code === MSG_NEWKEYS) {
        d.state = ST_ENCRYPTED;
        return o;
      }
      d.kexWant = 0;
      if (code === MSG_KEXINIT && pktLen - 2 >= SSH_MAX_KEXINIT) this.setEvent(SSH_EVENT.longKexRecord);
      else if (code === MSG_KEXINIT && side.hassh === null) {
        d.kexWant = pktLen - 2 - padLen;
        d.kexHave = 0;
        if (d.kex === null || d.kex.length < d.kexWant) d.kex = new Uint8Array(d.kexWant);
        if (d.kexWant === 0) this.onKexinit(toServer, side, d.kex, 0);
      }
      if (d.recLeft === 0) return o;
    }
    const take = Math.min(d.recLeft, end - o);
    if (d.kexHave < d.kexWant) {
      const k = Math.min(take, d.kexWant - d.kexHave);
      copyBytes(buf, o, d.kex!, d.kexHave, k);
      d.kexHave += k;
      if (d.kexHave === d.kexWant) this.onKexinit(toServer, side, d.kex!, d.kexWant);
    }
    d.recLeft -= take;
    return o + take;
  }

  /** KEXINIT payload after the message code: cookie(16), then ten name-lists. */
  private onKexinit(toServer: boolean, side: SshSide, b: Uint8Array, len: number): void {
    const lists: [number, number][] = [];
    let p = 16;
    for (let i = 0; i < 10; i++) {
      if (p + 4 > len) return;
      const l = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
      if (p + 4 + l > len) return;
      lists.push([p + 4, p + 4 + l]);
      p += 4 + l;
    }
    // kex; then enc, mac, comp of this side's own direction (c2s for the client, s2c for the server).
    const pick = toServer ? [0, 2, 4, 6] : [0, 3, 5, 7];
    const str = pick.map((i) => latin1(b, lists[i]![0], lists[i]![1])).join(';');
    side.hassh = { string: str, hash: createHash('md5').update(Buffer.from(str, 'latin1')).digest('hex') };
  }
}
